"""Bad uploads get a clear 4xx and harm nothing: not media, corrupt, zero bytes, no audio, too long,
too large; the lesson's earlier recording and other lessons stay as they were. Also the resumable
protocol's refusals (wrong offset, oversize chunk, someone else's upload)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from models import Lesson, LessonStatus, MediaAsset
from models.db import session_scope
from tingke import jobs_client
from tingke.settings import get_settings, reset_settings


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("uploads")
    good, silent, long_ = d / "good.mp4", d / "silent.mp4", d / "long.m4a"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15:duration=4", "-f", "lavfi", "-i",
           "sine=frequency=440:duration=4", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest",
           "-movflags", "+faststart", str(good))
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15:duration=3", "-c:v", "libx264", "-preset",
           "ultrafast", str(silent))
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "20", "-c:a", "aac", "-b:a", "8k", str(long_))
    data = bytearray(good.read_bytes())
    rng = random.Random(1)
    for i in range(len(data) // 4, len(data)):  # the header survives, the pictures and sound do not
        data[i] = rng.randrange(256)
    corrupt = d / "corrupt.mp4"
    corrupt.write_bytes(bytes(data))
    text = d / "notes.mp4"
    text.write_text("这不是视频，是一份教案。\n" * 200)
    empty = d / "empty.mp4"
    empty.write_bytes(b"")
    return {"good": good, "silent": silent, "long": long_, "corrupt": corrupt, "text": text, "empty": empty}


def put(client: TestClient, headers: dict[str, str], lesson_id: int, path: Path) -> tuple[int, dict]:
    reply = client.post(f"/api/lessons/{lesson_id}/recording", params={"filename": path.name},
                        content=path.read_bytes(), headers={**headers, "Content-Type": "video/mp4"})
    return reply.status_code, reply.json()


def lesson_ids(db_url: str, teacher_id: int) -> list[int]:
    with session_scope(db_url) as session:
        return list(session.scalars(select(Lesson.id).where(Lesson.teacher_id == teacher_id).order_by(Lesson.id)))


def snapshot(db_url: str) -> dict[int, tuple[str, list[tuple[str, int]]]]:
    with session_scope(db_url) as session:
        return {lesson.id: (lesson.status.value, [(a.path, a.bytes) for a in session.scalars(
            select(MediaAsset).where(MediaAsset.lesson_id == lesson.id).order_by(MediaAsset.id))])
            for lesson in session.scalars(select(Lesson))}


def test_bad_uploads_are_refused_and_harm_nothing(db_url: str, client: TestClient, login, demo: dict[str, int],
                                                 samples: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINGKE_RECORDING_MAX_SECONDS", "10")
    monkeypatch.setenv("TINGKE_UPLOAD_MAX_BYTES", str(1024 * 1024))
    reset_settings()
    jobs_client._client.cache_clear()
    headers = login("teacher1")
    lesson_id, other_id = lesson_ids(db_url, demo["teacher1"])[:2]
    status, body = put(client, headers, lesson_id, samples["good"])
    assert status == 201, body
    good_file = get_settings().media_root / snapshot(db_url)[lesson_id][1][0][0]
    before = snapshot(db_url)

    expected = {"text": (422, "not_media"), "corrupt": (422, "corrupt_media"), "empty": (422, "empty_file"),
                "silent": (422, "no_audio"), "long": (422, "too_long")}
    for name, (code, error) in expected.items():
        status, body = put(client, headers, lesson_id, samples[name])
        assert (status, body["error"]["code"]) == (code, error), (name, body)
        assert body["error"]["message"]
    assert "没有声音" in put(client, headers, lesson_id, samples["silent"])[1]["error"]["message"]

    too_big = client.post(f"/api/lessons/{lesson_id}/recording", headers=headers,
                          json={"size": 1024 * 1024 + 1, "filename": "big.mp4"})
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "too_large"
    empty = client.post(f"/api/lessons/{lesson_id}/recording", headers=headers, json={"size": 0})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "empty_file"

    assert snapshot(db_url) == before  # no new asset, no status change, anywhere
    assert good_file.is_file()
    assert not list((get_settings().media_root / "uploads").iterdir())  # refused uploads leave nothing behind
    assert before[other_id] == snapshot(db_url)[other_id]


def test_resumable_protocol_refusals(db_url: str, client: TestClient, login, demo: dict[str, int],
                                     samples: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINGKE_UPLOAD_CHUNK_MAX_BYTES", "100000")
    reset_settings()
    jobs_client._client.cache_clear()
    headers = login("teacher1")
    lesson_id = lesson_ids(db_url, demo["teacher1"])[0]
    data = samples["good"].read_bytes()
    created = client.post(f"/api/lessons/{lesson_id}/recording", headers=headers,
                          json={"size": len(data), "filename": "good.mp4"})
    assert created.status_code == 201
    url = created.json()["url"]

    def patch(offset: int, chunk: bytes, who: dict[str, str] = headers):  # type: ignore[no-untyped-def]
        return client.patch(url, content=chunk, headers={**who, "Upload-Offset": str(offset),
                                                         "Content-Type": "application/offset+octet-stream"})

    assert patch(0, data[:100_001]).json()["error"]["code"] == "chunk_too_large"
    assert client.get(url, headers=headers).json()["offset"] == 0  # a refused chunk leaves no trace
    assert patch(0, data[:60_000]).json()["offset"] == 60_000
    wrong = patch(10, data[10:20])
    assert wrong.status_code == 409 and wrong.headers["Upload-Offset"] == "60000"
    assert patch(60_000, data[60_000:100_000], login("teacher2")).status_code == 404  # not theirs
    assert client.patch(url, content=b"x", headers=headers).status_code == 422  # no offset header
    offset = 60_000
    while offset < len(data):
        reply = patch(offset, data[offset: offset + 100_000])
        assert reply.status_code == 200, reply.text
        offset = reply.json()["offset"]
    assert reply.json()["complete"] and reply.json()["job_id"]
    with session_scope(db_url) as session:
        lesson = session.get(Lesson, lesson_id)
        assert lesson is not None and lesson.status == LessonStatus.processing
    assert client.get(url, headers=headers).status_code == 404  # finished uploads are gone
    other = login("teacher3")
    assert client.post(f"/api/lessons/{lesson_id}/recording", headers=other,
                       json={"size": 10}).status_code in (403, 404)
    assert client.post(f"/api/lessons/{lesson_id}/reprocess", headers=headers).status_code == 409  # job queued
