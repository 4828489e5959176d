"""How close a transcript is to what was said: the character error rate (CER) and what was heard of a
sentence. Shared by the tests and the benchmarks (bench/transcribe.py, bench/pipeline.py)."""

from __future__ import annotations

import unicodedata

import numpy as np


def comparable(text: str) -> str:
    """Han, letters and digits only: punctuation and spaces do not count in a character error rate."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one numpy row per character of ``a`` (a 45-minute lesson's script
    against its transcript is millions of cells)."""
    if not b:
        return len(a)
    codes = np.array([ord(ch) for ch in b])
    columns = np.arange(1, len(b) + 1)
    previous = np.arange(len(b) + 1)
    for i, ch in enumerate(a, start=1):
        # substitution or deletion, then insertions as a running minimum along the row
        best = np.minimum(previous[:-1] + (codes != ord(ch)), previous[1:] + 1)
        row = np.minimum.accumulate(np.concatenate(([i], best - columns)))
        row[1:] += columns
        previous = row
    return int(previous[-1])


def character_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = comparable(reference), comparable(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))


def bigrams(text: str) -> set[str]:
    clean = comparable(text)
    return {clean[i: i + 2] for i in range(len(clean) - 1)}


def longest_common_run(a: str, b: str) -> str:
    """The longest substring of ``a`` (Han, letters, digits only) that also occurs in ``b``."""
    a, b = comparable(a), comparable(b)
    best = ""
    for i in range(len(a)):
        for j in range(i + len(best) + 1, len(a) + 1):
            if a[i:j] not in b:
                break
            best = a[i:j]
    return best


def heard_phrase(spoken: str, segments: list[dict[str, object]]) -> tuple[str, dict[str, object]]:
    """The longest part of a spoken sentence that Whisper got right, and the segment holding it.

    Whisper on espeak's synthetic Mandarin varies from run to run, so tests look for what was
    actually heard of a sentence rather than for one fixed phrase."""
    runs = [(longest_common_run(spoken, str(s["text"])), s) for s in segments]
    phrase, segment = max(runs, key=lambda r: len(r[0]), default=("", {}))
    return phrase, segment
