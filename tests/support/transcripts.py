"""Transcripts of synthetic lessons, computed once per test session (Whisper is the slow part)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from workers.transcripts.transcribe import Segment, transcribe


@lru_cache(maxsize=8)
def cached_transcript(audio: Path) -> tuple[Segment, ...]:
    return tuple(transcribe(audio))
