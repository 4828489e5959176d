"""The relay records what it forwards: segments on disk, playable, registered when the lesson ends."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from models import Job, Lesson, LessonStatus, MediaAsset, MediaKind, School, User
from models.db import session_scope
from testkit import peers
from tests.streaming.conftest import RelayProcess, live_token

pytestmark = pytest.mark.slow


def _new_lesson(url: str) -> str:
    with session_scope(url) as session:
        school = School(name="城东实验小学")
        session.add(school)
        session.flush()
        teacher = User(username=f"t{time.time_ns()}", display_name="陈老师", password_hash="x", school_id=school.id)
        session.add(teacher)
        session.flush()
        lesson = Lesson(title="分数的初步认识", subject="数学", grade="三年级",
                        teacher_id=teacher.id, school_id=school.id)
        session.add(lesson)
        session.flush()
        return str(lesson.id)


def _status(url: str, lesson: str) -> LessonStatus:
    with session_scope(url) as session:
        found = session.get(Lesson, int(lesson))
        assert found is not None
        return found.status


def _wait_for_asset(url: str, lesson: str, timeout: float = 20) -> MediaAsset:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with session_scope(url) as session:
            asset = session.scalars(select(MediaAsset).where(MediaAsset.lesson_id == int(lesson))).first()
            if asset is not None:
                return asset
        time.sleep(0.3)
    raise AssertionError("the recording was not registered")


def _concat_duration(folder: Path, tmp_path: Path) -> float:
    """Byte-concatenate the MPEG-TS segments (as HLS would play them) and ask ffprobe."""
    manifest = json.loads((folder / "manifest.json").read_text())
    joined = tmp_path / f"{folder.name}.ts"
    with joined.open("wb") as out:
        for segment in manifest["segments"]:
            out.write((folder / segment["file"]).read_bytes())
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(joined)],
                           capture_output=True, text=True, check=True)
    decode = subprocess.run(["ffmpeg", "-v", "error", "-i", str(joined), "-f", "null", "-"],
                            capture_output=True, text=True)
    assert decode.returncode == 0, decode.stderr
    return float(json.loads(probe.stdout)["format"]["duration"])


def _media_root(relay: RelayProcess) -> Path:
    return relay.data_dir / "media"


async def test_recording_duration_registration_and_job(recording_relay, tmp_path: Path):
    relay, url = recording_relay
    lesson = _new_lesson(url)
    token = live_token(lesson, label="城东主讲")
    publisher, _ = await peers.publish(relay.base_url, lesson, token)
    started = time.time()
    deadline = time.time() + 10
    while _status(url, lesson) != LessonStatus.live and time.time() < deadline:
        await asyncio.sleep(0.2)  # the relay writes the status off its event loop
    assert _status(url, lesson) == LessonStatus.live
    await asyncio.sleep(max(0.0, 6 - (time.time() - started)))
    assert (await publisher.leave()) == 200
    published = time.time() - started
    ended = httpx.post(f"{relay.base_url}/rooms/{lesson}/end", headers={"Authorization": f"Bearer {token}"},
                       timeout=30).json()
    assert len(ended["recordings"]) == 1 and len(ended["assets"]) == 1
    asset = _wait_for_asset(url, lesson)
    assert asset.kind == MediaKind.live_recording and asset.label == "城东主讲"
    playlist = _media_root(relay) / asset.path
    assert asset.path.startswith(f"live/{lesson}/城东主讲/") and playlist.name == "index.m3u8"
    assert "#EXT-X-ENDLIST" in playlist.read_text()
    assert len(asset.meta["segments"]) >= 2  # 2-second segments in this relay
    duration = _concat_duration(playlist.parent, tmp_path)
    assert abs(duration - published) <= 1.0, (duration, published)
    assert abs((asset.duration_seconds or 0) - published) <= 1.0
    with session_scope(url) as session:
        assert session.get(Lesson, int(lesson)).status == LessonStatus.processing  # type: ignore[union-attr]
        job = session.scalars(select(Job).where(Job.lesson_id == int(lesson))).one()
        assert job.kind == "process_lesson"
    # The HLS playlist itself opens in ffprobe too.
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json",
                            str(playlist)], capture_output=True, text=True, check=True)
    assert abs(float(json.loads(probe.stdout)["format"]["duration"]) - published) <= 1.0


async def test_killed_publisher_leaves_a_playable_recording(recording_relay, tmp_path: Path):
    relay, url = recording_relay
    lesson = _new_lesson(url)
    publisher, _ = await peers.publish(relay.base_url, lesson, live_token(lesson))
    started = time.time()
    await asyncio.sleep(4)
    await publisher.kill()  # no DELETE: the phone just vanished
    published = time.time() - started
    asset = _wait_for_asset(url, lesson)  # grace period (2 s here) then registration
    duration = _concat_duration((_media_root(relay) / asset.path).parent, tmp_path)
    assert abs(duration - published) <= 1.0, (duration, published)
    assert asset.meta["gaps"] == []


async def test_reconnect_within_grace_continues_the_same_recording(recording_relay, tmp_path: Path):
    relay, url = recording_relay
    lesson = _new_lesson(url)
    token = live_token(lesson)
    publisher, _ = await peers.publish(relay.base_url, lesson, token)
    started = time.time()
    await asyncio.sleep(3)
    await publisher.kill()
    dropped = time.time()
    await asyncio.sleep(1.0)  # shorter than the 2 s grace period
    publisher, _ = await peers.publish(relay.base_url, lesson, token)
    back = time.time()
    await asyncio.sleep(3)
    await publisher.leave()
    span = time.time() - started
    asset = _wait_for_asset(url, lesson)
    with session_scope(url) as session:
        count = len(session.scalars(select(MediaAsset).where(MediaAsset.lesson_id == int(lesson))).all())
    assert count == 1, "a reconnect must continue the recording, not start another"
    gaps = asset.meta["gaps"]
    assert len(gaps) == 1
    assert abs(gaps[0]["seconds"] - (back - dropped)) <= 0.7, (gaps, back - dropped)
    duration = _concat_duration((_media_root(relay) / asset.path).parent, tmp_path)
    assert abs(duration - span) <= 1.0, (duration, span)  # the lesson clock includes the gap
