"""Real Chromium at 375 px: the lesson page's resumable recording upload (upload.js, its chunks sent
through app.js's request()) stores the file byte for byte."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import MediaAsset
from models.db import session_scope
from tests.web.conftest import sign_in
from tests.web.test_poll_live import WAIT, lesson_id
from tingke.settings import get_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_recording_uploads_from_the_lesson_page(new_page: Any, sqlite_db: str, tmp_path: Path) -> None:
    video = tmp_path / "春晓.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15:duration=2",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-c:a", "aac",
                    "-shortest", str(video)], check=True, timeout=60)
    lid = lesson_id(sqlite_db, "古诗二首·春晓")
    page: Page = new_page(phone=True)
    sign_in(page, "teacher3", f"/lessons/{lid}")
    page.set_input_files("#upload-file", str(video))
    page.click("#upload-start")
    expect(page.locator("#upload-state")).to_have_text("上传完成，正在处理", timeout=WAIT)
    with session_scope(sqlite_db) as session:
        stored = [(asset.path, asset.bytes) for asset in
                  session.scalars(select(MediaAsset).where(MediaAsset.lesson_id == lid))]
    assert stored and stored[0][1] == video.stat().st_size
    assert (get_settings().media_root / stored[0][0]).read_bytes() == video.read_bytes()  # every chunk, in order
    assert page.js_errors == []  # type: ignore[attr-defined]
