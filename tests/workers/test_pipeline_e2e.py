"""End to end on a generated lesson: resumable upload over a dropped connection → real Celery worker
on the embedded SQLite broker → ready; the ladder plays over HTTP; URLs are signed and expire."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from models import Lesson, LessonStatus, TranscriptSegment
from models.db import session_scope
from testkit.synth_lesson import make_lesson
from testkit.text_match import character_error_rate, heard_phrase
from tests.support.pipeline import api_server, bearer, upload_resumable, wait_job, worker
from tingke import jobs_client
from tingke.signing import sign_media_url

pytestmark = pytest.mark.slow


def lesson_id_of(db_url: str, teacher: int, title_part: str) -> int:
    with session_scope(db_url) as session:
        return session.scalars(select(Lesson.id).where(Lesson.teacher_id == teacher,
                                                       Lesson.title.contains(title_part))).one()


def test_upload_to_ready_over_http(sqlite_db: str, sqlite_demo: dict[str, int], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINGKE_UPLOAD_CHUNK_MAX_BYTES", str(512 * 1024))
    jobs_client._client.cache_clear()
    synth = make_lesson(minutes=0.75, size="854x480")
    assert synth.video is not None
    lesson_id = lesson_id_of(sqlite_db, sqlite_demo["teacher2"], "个人备课")  # private: teacher2's own
    with api_server() as base, worker(tmp_path / "worker.log") as w:
        owner = bearer(base, "teacher2")
        done = upload_resumable(base, owner, lesson_id, synth.video, 512 * 1024, break_at_chunk=1)
        assert done["broke"]
        job = wait_job(sqlite_db, done["job_id"], w=w)
        assert job.state.value == "done", (job.error, w.tail())
        reply = httpx.get(f"{base}/api/jobs/{job.id}", headers=owner).json()
        assert reply["state"] == "done" and reply["progress"] == 100
        assert set(reply["report"]["stages"]) >= {"ingest", "transcode", "storyboard", "transcribe", "store"}

        lesson = httpx.get(f"{base}/api/lessons/{lesson_id}", headers=owner).json()
        assert lesson["status"] == LessonStatus.ready.value
        media = httpx.get(f"{base}/api/lessons/{lesson_id}/media", headers=owner).json()
        names = [(r["name"], r["height"]) for r in media["renditions"]]
        assert names == [("v0", 480), ("v1", 360), ("a", None)]

        # Every rendition plays in ffmpeg as an HTTP client (segments carry their own signatures).
        for url in [media["hls"]] + [r["url"] for r in media["renditions"]]:
            played = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", base + url, "-t", "4", "-f", "null",
                                     "-"], capture_output=True, text=True, timeout=60)
            assert played.returncode == 0, played.stderr
        # The audio-only rendition, measured from what a client downloads: under 64 kbit/s.
        playlist = httpx.get(base + media["audio_only"]).text
        seg_urls = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        durations = [float(line.split(":")[1].rstrip(",")) for line in playlist.splitlines()
                     if line.startswith("#EXTINF")]
        total_bits = sum(len(httpx.get(base + u).content) * 8 for u in seg_urls)
        assert total_bits / sum(durations) < 64_000
        assert httpx.get(base + media["poster"]).headers["content-type"] == "image/jpeg"
        assert httpx.get(base + media["download"]).status_code == 200

        # Storyboard: a key frame within 1.5 s of every slide change.
        times = [k["t"] for k in media["storyboard"]]
        for change in synth.slide_changes:
            assert any(abs(t - change) <= 1.5 for t in times), (change, times)
        assert httpx.get(base + media["storyboard"][1]["url"]).status_code == 200

        # Signed URLs: tampered or expired links are refused; people who may not see the lesson get none.
        tampered = media["poster"].replace("expires=", "expires=9")
        assert httpx.get(base + tampered).status_code == 403
        expired = sign_media_url(media["poster"].split("?")[0], ttl_seconds=-5)
        assert httpx.get(base + expired).status_code == 403
        assert httpx.get(base + media["poster"].split("?")[0]).status_code == 403
        outsider = bearer(base, "teacher1")
        assert httpx.get(f"{base}/api/lessons/{lesson_id}/media", headers=outsider).status_code == 404
        assert httpx.get(f"{base}/api/lessons/{lesson_id}/transcript", headers=outsider).status_code == 404
        assert httpx.get(f"{base}/api/jobs/{job.id}", headers=outsider).status_code == 404

        # Transcript: the spoken sentences with their times. Whisper base on espeak's synthetic Mandarin
        # is rough (the transcription tests measure it); here the pipeline must carry it through intact.
        transcript = httpx.get(f"{base}/api/lessons/{lesson_id}/transcript", headers=owner).json()["segments"]
        heard = "".join(s["text"] for s in transcript)
        cer = character_error_rate(synth.reference_text, heard)
        print(f"character error rate on the generated lesson: {cer:.3f}")
        assert cer < 0.75
        first = synth.sentences[0][1]  # 同学们好，今天我们来学习分数的加法。
        phrase, hit = heard_phrase(first.text, transcript)
        assert len(phrase) >= 4, (first.text, transcript[:3])
        assert abs(float(hit["start"]) - first.start) <= 3.0, (hit, first)
        assert [s["start"] for s in transcript] == sorted(s["start"] for s in transcript)
        # Search (library index stage) finds the spoken phrase within ±3 s of when it was said.
        found = httpx.get(f"{base}/api/search", params={"q": phrase}, headers=owner).json()
        mine = next(item for item in found["items"] if item["id"] == lesson_id)
        spoken_hits = [h for h in mine["hits"] if h["source"] == "transcript"]
        assert any(abs(h["t_start"] - first.start) <= 3.0 for h in spoken_hits), spoken_hits
        found = httpx.get(f"{base}/api/search", params={"q": phrase}, headers=outsider).json()
        assert lesson_id not in [item["id"] for item in found["items"]]
        vtt = httpx.get(f"{base}/api/lessons/{lesson_id}/subtitles.vtt", headers=owner)
        assert vtt.text.startswith("WEBVTT") and transcript[0]["text"] in vtt.text
        assert httpx.get(base + media["subtitles"]).text == vtt.text
        analytics = httpx.get(f"{base}/api/lessons/{lesson_id}/analytics", headers=owner)
        assert analytics.status_code == 200, analytics.text
    with session_scope(sqlite_db) as session:
        count = session.scalar(select(func.count()).select_from(TranscriptSegment)
                               .where(TranscriptSegment.lesson_id == lesson_id))
        assert count == len(transcript)
