"""A lesson processed by the real pipeline in-process (ffmpeg ladder, storyboard, analysis, index), with the
transcript taken from a known script instead of Whisper: tests about playback, subtitles and search need
a ready lesson in seconds, and exact words at exact times.

The pipeline's own transcription cache is what lets it skip Whisper: ``transcript.json`` plus the stage
marker for this upload's fingerprint, exactly what a finished transcription leaves behind.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

from models import Job, JobState, MediaAsset, MediaKind
from models.db import session_scope
from models.lifecycle import JobKind
from tests.factories import lesson_row
from tingke import jobs_client
from tingke.settings import get_settings
from workers.tasks import process_job

Line = tuple[float, float, str]  # start, end, text


def process_with_transcript(db_url: str, lesson_id: int, recording: Path, lines: Sequence[Line]) -> None:
    """Upload ``recording`` for the lesson and run its whole processing job, with ``lines`` as what was said."""
    media_root = get_settings().media_root
    folder = media_root / "lessons" / str(lesson_id)
    target = folder / "uploads" / f"test{recording.suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(recording, target)
    with session_scope(db_url) as session:
        asset = MediaAsset(lesson_id=lesson_id, kind=MediaKind.upload, path=str(target.relative_to(media_root)),
                           content_type="video/mp4", bytes=target.stat().st_size, meta={"filename": recording.name})
        session.add(asset)
        session.flush()
        fingerprint = f"{asset.id}:{asset.bytes}"
        asset_id = asset.id
    (folder / "transcript.json").write_text(json.dumps(
        [{"start": s, "end": e, "text": t} for s, e, t in lines], ensure_ascii=False))
    (folder / ".stages").mkdir(exist_ok=True)
    (folder / ".stages" / "transcribe.json").write_text(json.dumps(
        {"fingerprint": fingerprint, "job_id": 0, "result": {"segments": len(lines)}}))
    jobs_client._client.cache_clear()
    with session_scope(db_url) as session:
        job_id = jobs_client.process(session, lesson_row(session, lesson_id), JobKind.process, asset_id).id
    assert process_job(job_id) == "done"
    with session_scope(db_url) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == JobState.done, job.error if job else None
