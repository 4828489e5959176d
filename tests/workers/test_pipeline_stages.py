"""Pipeline stages run in-process (the task function itself, no broker): a dual-teacher lesson's
classroom recordings in the relay's layout become one picture-in-picture ladder; a bad recording
fails the job and the lesson with a reason a person understands, and reprocess retries."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from models import Job, JobState, Lesson, LessonStatus, MediaAsset, MediaKind, RoomMode
from models.db import session_scope
from tests.factories import lesson_row
from tests.support.pipeline import token_headers
from tingke import jobs_client
from tingke.settings import get_settings
from workers.tasks import process_job

pytestmark = pytest.mark.slow


def relay_recording(folder: Path, colour: str, tone: int, seconds: int = 12) -> Path:
    """What streaming/recording.py writes: MPEG-TS segments, an HLS index and a manifest."""
    folder.mkdir(parents=True)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    f"color=c={colour}:size=640x360:rate=15:duration={seconds}", "-f", "lavfi", "-i",
                    f"sine=frequency={tone}:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast",
                    "-g", "30", "-c:a", "aac", "-f", "hls", "-hls_time", "4", "-hls_playlist_type", "event",
                    "-hls_segment_filename", str(folder / "seg%05d.ts"), str(folder / "index.m3u8")], check=True)
    (folder / "manifest.json").write_text(json.dumps({"finished": True}))
    return folder / "index.m3u8"


def add_live_asset(db_url: str, lesson_id: int, playlist: Path, label: str) -> None:
    root = get_settings().media_root
    with session_scope(db_url) as session:
        session.add(MediaAsset(lesson_id=lesson_id, kind=MediaKind.live_recording, path=str(playlist.relative_to(root)),
                               bytes=sum(p.stat().st_size for p in playlist.parent.iterdir()), label=label,
                               content_type="application/vnd.apple.mpegurl", meta={"format": "mpegts"}))


def new_job(db_url: str, lesson_id: int) -> int:
    jobs_client._client.cache_clear()
    with session_scope(db_url) as session:  # as the relay does when a room ends with its recordings
        return jobs_client.process(session, lesson_row(session, lesson_id)).id


def test_dual_teacher_recordings_become_one_pip_ladder(sqlite_db: str, sqlite_demo: dict[str, int]) -> None:
    with session_scope(sqlite_db) as session:
        lesson = session.scalars(select(Lesson).where(Lesson.room_mode == RoomMode.dual)).one()
        lesson_id, labels = lesson.id, [c.label for c in sorted(lesson.classrooms, key=lambda c: c.position)]
    live = get_settings().media_root / "live" / str(lesson_id)
    # registered remote side first: the master classroom must still be the big picture
    add_live_asset(sqlite_db, lesson_id, relay_recording(live / "remote" / "t0", "red", 300), labels[1])
    add_live_asset(sqlite_db, lesson_id, relay_recording(live / "master" / "t0", "blue", 600), labels[0])
    job_id = new_job(sqlite_db, lesson_id)
    assert process_job(job_id) == "done"
    with session_scope(sqlite_db) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == JobState.done, job.error
        composed = session.scalars(select(MediaAsset).where(MediaAsset.lesson_id == lesson_id,
                                                            MediaAsset.kind == MediaKind.composed)).one()
        assert composed.label == "+".join(labels)
        assert session.get(Lesson, lesson_id).status == LessonStatus.ready  # type: ignore[union-attr]
    video = get_settings().media_root / composed.path
    frame = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-ss", "5", "-i", str(video), "-frames:v", "1",
                            "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    width, height = 1280, 720
    assert len(frame) == width * height * 3

    def pixel(x: int, y: int) -> tuple[int, ...]:
        i = (y * width + x) * 3
        return tuple(frame[i: i + 3])

    big, inset = pixel(200, 200), pixel(width - 16 - 160, height - 16 - 90)
    assert big[2] > 150 and big[0] < 80, big  # master classroom (blue) fills the frame
    assert inset[0] > 150 and inset[2] < 80, inset  # remote classroom (red) in the corner
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0",
                            str(video)], capture_output=True, text=True, check=True).stdout.split()
    assert sorted(probe) == ["audio", "video"]


def test_bad_recording_fails_with_reason_then_reprocess(sqlite_db: str, sqlite_demo: dict[str, int],
                                                       sqlite_client: TestClient) -> None:
    client = sqlite_client
    headers = token_headers(client, "teacher1")
    lesson_id = client.get("/api/lessons", headers=headers,
                           params={"teacher": sqlite_demo["teacher1"]}).json()["items"][0]["id"]
    broken = get_settings().media_root / "live" / str(lesson_id) / "main" / "t0" / "index.m3u8"
    broken.parent.mkdir(parents=True)
    broken.write_text("this is not a playlist\n")
    add_live_asset(sqlite_db, lesson_id, broken, "main")
    job_id = new_job(sqlite_db, lesson_id)
    assert process_job(job_id) == "failed"
    job = client.get(f"/api/jobs/{job_id}", headers=headers).json()
    assert job["state"] == "failed" and job["error"].startswith(("not_media", "corrupt_media"))
    lesson = client.get(f"/api/lessons/{lesson_id}", headers=headers).json()
    assert lesson["status"] == "failed" and "/" in lesson["failure_reason"]  # "中文 / English"
    assert process_job(job_id) == "not-claimed"  # a duplicate message is harmless
    outsider = token_headers(client, "teacher2")
    assert client.post(f"/api/lessons/{lesson_id}/reprocess", headers=outsider).status_code in (403, 404)
    again = client.post(f"/api/lessons/{lesson_id}/reprocess", headers=headers)
    assert again.status_code == 202 and again.json()["kind"] == "reprocess_lesson"
    assert client.post(f"/api/lessons/{lesson_id}/reprocess", headers=headers).status_code == 409
