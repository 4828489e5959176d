"""Static files: our CSS/JS from web/static, browser libraries from web/node_modules (npm ci)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.pages.rendering import WEB

# URL under /static/vendor → folder of an npm package that `make web-assets` installs
VENDOR = {"hls": "hls.js/dist", "echarts": "echarts/dist", "swagger": "swagger-ui-dist"}


def mount_static(app: FastAPI) -> None:
    for name, folder in VENDOR.items():
        app.mount(f"/static/vendor/{name}",
                  StaticFiles(directory=WEB / "node_modules" / folder, check_dir=False), name=f"vendor-{name}")
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
