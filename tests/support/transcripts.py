"""Transcripts of synthetic lessons, computed once per test session (Whisper is the slow part)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from workers.transcripts.transcribe import Segment, transcribe


@lru_cache(maxsize=8)
def cached_transcript(audio: Path) -> tuple[Segment, ...]:
    return tuple(transcribe(audio))


def comparable(text: str) -> str:
    """Han, letters and digits only: punctuation and spaces do not count in a character error rate."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def character_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = comparable(reference), comparable(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))


def bigrams(text: str) -> set[str]:
    clean = comparable(text)
    return {clean[i: i + 2] for i in range(len(clean) - 1)}
