"""A lesson recorded without speech (the dual lesson's beeping fake microphones) says so on its report:
"no speech detected", not 练习型 with Rt = 0."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from docx import Document
from playwright.sync_api import expect

from models import LessonAnalytics
from models.db import session_scope
from testkit.synth_lesson import write_wav
from tests.factories import lesson_id
from tests.live.app_relay import DUAL_TITLE, bearer
from tests.web.conftest import sign_in
from tests.workers.test_analytics_inputs import beeping_microphone
from workers.analytics.service import TrackAudio, analyse_lesson

pytestmark = [pytest.mark.browser]


def test_the_report_of_a_lesson_without_speech_says_no_speech_detected(new_page, server, sqlite_db,
                                                                       tmp_path: Path) -> None:
    lesson = lesson_id(sqlite_db, DUAL_TITLE)
    tracks = []
    for role in ("teacher", "student"):
        path = tmp_path / f"{role}.wav"
        write_wav(path, beeping_microphone(20.0))
        tracks.append(TrackAudio(path, role))
    with session_scope(sqlite_db) as session:  # what the pipeline's analyse stage stores
        session.add(LessonAnalytics(lesson_id=lesson, data=analyse_lesson(tracks, [], 20.0, sample_seconds=2.0)))

    page = new_page(phone=True)
    sign_in(page, "teacher1", f"/lessons/{lesson}/report")
    expect(page.locator("#analytics-card")).to_be_visible()
    expect(page.locator("#lesson-type")).to_have_text(
        "未检测到讲话：录音里没有可分析的语音（麦克风可能静音或没有接好），因此不做 S-T 课型分类。")
    expect(page.locator("#st-curve")).to_be_hidden()
    assert "练习型" not in page.locator("#analytics-card").inner_text()
    # the .docx 听课记录 says the same, without an S-T curve
    reply = httpx.get(f"{server}/api/lessons/{lesson}/report.docx", headers=bearer(server, "teacher1"), timeout=60)
    assert reply.status_code == 200, reply.text[:300]
    text = "\n".join(p.text for p in Document(io.BytesIO(reply.content)).paragraphs)
    assert "未检测到讲话" in text and "练习型" not in text
    assert page.js_errors == [], page.js_errors
