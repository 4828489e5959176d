"""One timeline for a lesson with a publisher drop (issue 11 item 8): the gap is recorded as it
happened (last packet before, first packet after), the lesson lasts what its playlist lasts, and a
note at the lesson's last second is accepted."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.observations.schemas import NoteIn
from api.observations.service import add_note
from models import Lesson, MediaAsset, MediaKind, Observation, Rubric
from models.db import session_scope
from testkit import peers
from tests.streaming.conftest import live_token
from tests.streaming.test_recording import _new_lesson

pytestmark = pytest.mark.slow

DROP_SECONDS = 10.0  # the fault: a phone away for 10 s


def _playlist_seconds(playlist: Path) -> float:
    return sum(float(x) for x in re.findall(r"#EXTINF:([0-9.]+),", playlist.read_text()))


def _ffprobe_seconds(playlist: Path) -> float:
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json",
                            str(playlist)], capture_output=True, text=True, check=True)
    return float(json.loads(probe.stdout)["format"]["duration"])


async def test_a_dropped_publisher_leaves_one_recording_on_one_timeline(recording_relay):
    relay, url = recording_relay
    lesson = _new_lesson(url)
    token = live_token(lesson)
    first, _ = await peers.publish(relay.base_url, lesson, token)
    started = time.time()
    await asyncio.sleep(4)
    first.go_silent()  # the phone's network stalls: the relay is not told
    dropped = time.time()
    await asyncio.sleep(DROP_SECONDS)
    second, _ = await peers.publish(relay.base_url, lesson, token)  # the phone is back: publishes again
    back = time.time()
    await asyncio.sleep(4)
    assert await second.leave() == 200
    span = time.time() - started
    await first.kill()
    ended = httpx.post(f"{relay.base_url}/rooms/{lesson}/end", headers={"Authorization": f"Bearer {token}"},
                       timeout=30)
    assert ended.status_code == 200, ended.text

    with session_scope(url) as session:
        assets = session.scalars(select(MediaAsset).where(MediaAsset.lesson_id == int(lesson),
                                                          MediaAsset.kind == MediaKind.live_recording)).all()
        assert len(assets) == 1, "a reconnect continues the recording"
        asset = assets[0]
        lesson_row = session.get(Lesson, int(lesson))
        assert lesson_row is not None
        length = lesson_row.length_seconds
        playlist = relay.data_dir / "media" / asset.path
        gaps = asset.meta["gaps"]
        assert len(gaps) == 1, gaps
        assert abs(gaps[0]["seconds"] - (back - dropped)) <= 1.0, (gaps, back - dropped)
        assert abs(gaps[0]["start"] - (dropped - started)) <= 1.0, (gaps, dropped - started)
        manifest = json.loads((playlist.parent / "manifest.json").read_text())
        assert manifest["gaps"] == gaps and manifest["finished"] is True

        playlist_seconds = _playlist_seconds(playlist)
        assert abs(playlist_seconds - span) <= 1.0, (playlist_seconds, span)  # the gap is lesson time
        assert abs(_ffprobe_seconds(playlist) - playlist_seconds) <= 1.0
        assert abs(manifest["duration_seconds"] - playlist_seconds) <= 1.0
        assert abs(length - playlist_seconds) <= 1.0, (length, playlist_seconds)

        rubric = Rubric(name_zh="课堂观察量表", name_en="Observation rubric")
        session.add(rubric)
        session.flush()
        observation = Observation(lesson_id=int(lesson), observer_id=lesson_row.teacher_id, rubric_id=rubric.id)
        session.add(observation)
        session.flush()
        last_second = max(0.0, playlist_seconds - 0.5)
        note = add_note(session, observation, NoteIn(t=last_second, text="课尾小结：学生自己总结了方法"))
        assert note.t == last_second
