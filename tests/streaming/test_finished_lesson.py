"""A finished lesson stays finished (issue 11 item 3): a publisher token kept from the live lesson is
refused once the lesson has ended, and a recording that does arrive later for the same lesson is one
more part of it, never a replacement."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from models import Job, Lesson, LessonStatus, MediaAsset, MediaKind
from models.db import session_scope
from testkit import peers
from tests.streaming.conftest import RelayProcess, live_token
from tests.streaming.test_recording import _new_lesson, _status
from tingke.settings import reset_settings
from workers.pipeline import choose_sources

pytestmark = pytest.mark.slow


def _set_status(url: str, lesson: str, status: LessonStatus) -> None:
    with session_scope(url) as session:
        row = session.get(Lesson, int(lesson))
        assert row is not None
        row.status = status


def _recordings(url: str, lesson: str) -> list[MediaAsset]:
    with session_scope(url) as session:
        return list(session.scalars(select(MediaAsset).where(
            MediaAsset.lesson_id == int(lesson), MediaAsset.kind == MediaKind.live_recording).order_by(MediaAsset.id)))


def _jobs(url: str, lesson: str) -> int:
    with session_scope(url) as session:
        return len(session.scalars(select(Job).where(Job.lesson_id == int(lesson))).all())


async def _record(relay: RelayProcess, lesson: str, token: str, seconds: float) -> float:
    """Publish for ``seconds``, hang up and end the lesson; the published span."""
    publisher, _ = await peers.publish(relay.base_url, lesson, token)
    started = time.time()
    await asyncio.sleep(seconds)
    assert await publisher.leave() == 200
    span = time.time() - started
    ended = httpx.post(f"{relay.base_url}/rooms/{lesson}/end", headers={"Authorization": f"Bearer {token}"},
                       timeout=30)
    assert ended.status_code == 200, ended.text
    assert len(ended.json()["assets"]) == 1
    return span


def _duration(path: Path) -> float:
    args = ["-f", "concat", "-safe", "0"] if path.suffix == ".ffconcat" else []
    probe = subprocess.run(["ffprobe", "-v", "error", *args, "-show_entries", "format=duration", "-of", "json",
                            str(path)], capture_output=True, text=True, check=True)
    return float(json.loads(probe.stdout)["format"]["duration"])


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


async def test_an_old_publisher_token_cannot_reopen_a_finished_lesson(recording_relay):
    relay, url = recording_relay
    lesson = _new_lesson(url)
    token = live_token(lesson)  # what POST /api/lessons/{id}/live gave the teacher (valid for minutes)
    await _record(relay, lesson, token, 4)
    assert _status(url, lesson) == LessonStatus.processing
    [original] = _recordings(url, lesson)
    folder = relay.data_dir / "media" / Path(original.path).parent
    before = _digest(folder)
    jobs = _jobs(url, lesson)

    for finished in (LessonStatus.processing, LessonStatus.ready, LessonStatus.failed):
        _set_status(url, lesson, finished)  # ready: what the worker sets once the recording is processed
        with pytest.raises(peers.SignallingError) as refused:
            await peers.publish(relay.base_url, lesson, token)
        assert refused.value.status == 409, refused.value.body
        error = json.loads(refused.value.body)["error"]
        assert error["code"] == "lesson_finished" and "本课已结束" in error["message"]
        await asyncio.sleep(2.5)  # the relay's grace period: nothing is registered afterwards either
        assert _status(url, lesson) == finished
    # the API refuses the same lessons a new token (so a page never offers what the relay refuses)
    from models.lifecycle import FINISHED, PUBLISHABLE
    assert set(FINISHED) | set(PUBLISHABLE) == set(LessonStatus) and not set(FINISHED) & set(PUBLISHABLE)
    room = httpx.get(f"{relay.base_url}/rooms/{lesson}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert room.json()["live"] is False
    assert [a.id for a in _recordings(url, lesson)] == [original.id]
    assert _jobs(url, lesson) == jobs  # no processing of anything new
    assert _digest(folder) == before  # the original recording's files are untouched


async def test_a_later_recording_of_the_same_lesson_is_an_additional_part(recording_relay, monkeypatch):
    relay, url = recording_relay
    monkeypatch.setenv("TINGKE_DATABASE_URL", url)
    monkeypatch.setenv("TINGKE_MEDIA_DIR", str(relay.data_dir / "media"))
    monkeypatch.setenv("TINGKE_DATA_DIR", str(relay.data_dir))
    reset_settings()
    lesson = _new_lesson(url)
    token = live_token(lesson)
    first_span = await _record(relay, lesson, token, 4)
    [first] = _recordings(url, lesson)
    first_folder = relay.data_dir / "media" / Path(first.path).parent
    before = _digest(first_folder)
    _set_status(url, lesson, LessonStatus.live)  # resumed (as after a relay restart mid-lesson)
    second_span = await _record(relay, lesson, token, 3)
    assets = _recordings(url, lesson)
    assert [a.id for a in assets][:1] == [first.id] and len(assets) == 2
    assert assets[0].path == first.path and _digest(first_folder) == before  # kept as it was
    with session_scope(url) as session:
        assert session.get(Lesson, int(lesson)).media_duration_seconds == pytest.approx(  # type: ignore[union-attr]
            first_span + second_span, abs=1.5)
        job = session.scalars(select(Job).where(Job.lesson_id == int(lesson)).order_by(Job.id.desc())).first()
        assert job is not None
        sources = choose_sources(session, job)
    assert len(sources) == 1 and sources[0].parts == [a.id for a in assets]
    assert abs(_duration(sources[0].path) - (first_span + second_span)) <= 1.5
    reset_settings()
