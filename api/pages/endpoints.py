"""All page routes, as one router for api.app."""

from __future__ import annotations

from fastapi import APIRouter

from api.pages import auth, home, lessons, library, observe, workflows

router = APIRouter(include_in_schema=False)
for module in (auth, home, lessons, library, observe, workflows):
    router.include_router(module.router)
