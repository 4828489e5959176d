"""A relay killed mid-lesson loses nothing (issue 11 item 6): a real relay process is killed with
SIGKILL while a real aiortc publisher sends; the next relay closes the recording it left, registers
it and queues processing after the reconnect grace period, or, when the publisher is back in time,
continues the same lesson with the recording as its first part."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Job, Lesson, LessonStatus, MediaAsset, MediaKind
from models.db import session_scope
from testkit import peers
from tests.streaming.conftest import RelayProcess, live_token
from tests.streaming.test_recording import _new_lesson, _status
from tests.support import databases
from tingke.settings import reset_settings
from workers.pipeline import choose_sources

pytestmark = pytest.mark.slow

GRACE = 3.0
SEGMENT = 2.0


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, str, list[RelayProcess]]]:
    """A data folder with a migrated SQLite database; the relays started on it are stopped after."""
    url = databases.copy_sqlite(databases.create_sqlite_template(tmp_path), tmp_path)
    started: list[RelayProcess] = []
    yield tmp_path, url, started
    for relay in started:
        if relay.proc.poll() is None:
            relay.stop()


def _relay(data: Path, url: str, started: list[RelayProcess], segment: float = SEGMENT) -> RelayProcess:
    relay = RelayProcess(data, database_url=url, live_grace_seconds=GRACE, live_segment_seconds=segment,
                         broker_url="memory://", live_hls="false")
    started.append(relay)
    return relay


def _manifests(data: Path, lesson: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((data / "media" / "live" / lesson).glob("*/*/manifest.json"))]


def _recordings(url: str, lesson: str) -> list[MediaAsset]:
    with session_scope(url) as session:
        return list(session.scalars(select(MediaAsset).where(
            MediaAsset.lesson_id == int(lesson), MediaAsset.kind == MediaKind.live_recording).order_by(MediaAsset.id)))


def _jobs(url: str, lesson: str) -> list[Job]:
    with session_scope(url) as session:
        return list(session.scalars(select(Job).where(Job.lesson_id == int(lesson))))


async def _until(condition, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


async def _publish_then_kill(relay: RelayProcess, url: str, lesson: str, token: str, seconds: float) -> float:
    publisher, _ = await peers.publish(relay.base_url, lesson, token)
    started = time.time()
    await _until(lambda: _status(url, lesson) == LessonStatus.live, 10, "the lesson to go live")
    await asyncio.sleep(max(0.0, seconds - (time.time() - started)))
    relay.proc.send_signal(signal.SIGKILL)
    relay.proc.wait(timeout=10)
    published = time.time() - started
    await publisher.kill()
    return published


def _playable_seconds(playlist: Path) -> float:
    decode = subprocess.run(["ffmpeg", "-v", "error", "-i", str(playlist), "-f", "null", "-"],
                            capture_output=True, text=True)
    assert decode.returncode == 0, decode.stderr
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json",
                            str(playlist)], capture_output=True, text=True, check=True)
    return float(json.loads(probe.stdout)["format"]["duration"])


async def test_a_killed_relay_s_recording_is_closed_registered_and_processed(site):
    data, url, started = site
    lesson = _new_lesson(url)
    token = live_token(lesson)
    published = await _publish_then_kill(_relay(data, url, started), url, lesson, token, 8)
    [left] = _manifests(data, lesson)
    assert left["finished"] is False and _status(url, lesson) == LessonStatus.live  # what the kill leaves

    restarted = time.monotonic()
    _relay(data, url, started)
    await asyncio.sleep(GRACE / 2)
    assert _status(url, lesson) == LessonStatus.live  # the publisher may still come back
    [asset] = await _until(lambda: _recordings(url, lesson), GRACE + 15, "the recording to be registered")
    assert time.monotonic() - restarted >= GRACE - 0.5
    assert _status(url, lesson) == LessonStatus.processing  # not live beyond the grace period
    [job] = _jobs(url, lesson)
    assert job.kind == "process_lesson" and job.state.value == "queued"

    [closed] = await _until(lambda: [m for m in _manifests(data, lesson) if m["recovered"]["registered"]], 5,
                            "the manifest to note the registration")
    assert closed["finished"] is True
    playlist = data / "media" / asset.path
    assert "#EXT-X-ENDLIST" in playlist.read_text()
    seconds = _playable_seconds(playlist)
    # what was on disk: every packet is flushed as it is muxed, so the segment the kill cut is kept when it
    # decodes (else set aside, never deleted); the time to connect comes before the first packet
    files = {p.name for p in playlist.parent.glob("seg[0-9]*")}
    listed = {s["file"] for s in closed["segments"]}
    assert all(name in listed or name.endswith(".undecodable") for name in files), files
    lost = SEGMENT if any(name.endswith(".undecodable") for name in files) else 0.0
    assert published - lost - 1.5 <= seconds <= published + 0.5, (seconds, published, files)
    assert abs((asset.duration_seconds or 0) - seconds) <= 1.0
    with session_scope(url) as session:
        assert session.get(Lesson, int(lesson)).media_duration_seconds == pytest.approx(  # type: ignore[union-attr]
            asset.duration_seconds)

    # a third start finds nothing more to do: nothing registered or queued twice
    started[-1].stop()
    _relay(data, url, started)
    await asyncio.sleep(GRACE + 1.5)
    assert len(_recordings(url, lesson)) == 1 and len(_jobs(url, lesson)) == 1


async def test_a_publisher_back_within_the_grace_continues_the_same_lesson(site, monkeypatch):
    data, url, started = site
    monkeypatch.setenv("TINGKE_DATABASE_URL", url)
    monkeypatch.setenv("TINGKE_DATA_DIR", str(data))
    reset_settings()
    lesson = _new_lesson(url)
    token = live_token(lesson)
    first = await _publish_then_kill(_relay(data, url, started), url, lesson, token, 6)
    relay = _relay(data, url, started)
    publisher, _ = await peers.publish(relay.base_url, lesson, token)  # well within the grace period
    back = time.time()
    await asyncio.sleep(GRACE + 1)  # past the grace period the restart began: still the same live lesson
    assert _status(url, lesson) == LessonStatus.live and _recordings(url, lesson) == []
    assert await publisher.leave() == 200
    second = time.time() - back
    assets = await _until(lambda: _recordings(url, lesson), GRACE + 15, "the recordings to be registered")
    assert len(assets) == 2 and len(_jobs(url, lesson)) == 1
    assert _status(url, lesson) == LessonStatus.processing
    with session_scope(url) as session:
        job = session.scalars(select(Job).where(Job.lesson_id == int(lesson))).one()
        [source] = choose_sources(session, job)
    assert source.parts == [a.id for a in assets]  # the recovered part first, then the new one
    joined = subprocess.run(["ffprobe", "-v", "error", "-f", "concat", "-safe", "0", "-show_entries",
                             "format=duration", "-of", "json", str(source.path)],
                            capture_output=True, text=True, check=True)
    total = float(json.loads(joined.stdout)["format"]["duration"])
    assert first + second - SEGMENT - 2.0 <= total <= first + second + 1.0, (total, first, second)
    reset_settings()


async def test_the_recovered_lesson_is_processed_to_ready(env: Path, sqlite_db: str, tmp_path: Path):
    """The same kill, with a real worker on the same database and media folder: the job the recovery
    queued runs to the end and the lesson is ready, as long as its recording. (4-s segments, the
    default: the ingest check test-decodes the playlist's first 3 s with ``-xerror``, and a segment
    boundary inside them trips it, since each segment's MPEG-TS continuity counters start again.)"""
    from tests.support.pipeline import wait_job, worker

    started: list[RelayProcess] = []
    try:
        lesson = _new_lesson(sqlite_db)
        token = live_token(lesson)
        await _publish_then_kill(_relay(env, sqlite_db, started, 4.0), sqlite_db, lesson, token, 9)
        _relay(env, sqlite_db, started, 4.0)
        [asset] = await _until(lambda: _recordings(sqlite_db, lesson), GRACE + 15, "the recording to be registered")
        [job] = _jobs(sqlite_db, lesson)
        with worker(tmp_path / "worker.log") as w:  # the relay rang no broker: the worker's sweeper finds it
            done = await asyncio.to_thread(wait_job, sqlite_db, job.id, timeout=300, w=w)
            assert done.state.value == "done", (done.error, w.tail())
        assert _status(sqlite_db, lesson) == LessonStatus.ready
        with session_scope(sqlite_db) as session:
            length = session.get(Lesson, int(lesson)).length_seconds  # type: ignore[union-attr]
        assert abs(length - (asset.duration_seconds or 0)) <= 1.0, (length, asset.duration_seconds)
    finally:
        for relay in started:
            if relay.proc.poll() is None:
                relay.stop()
