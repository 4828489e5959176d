"""Clean-up of Whisper's Mandarin text: simplified characters, repetition loops, sentence splits.

Kept apart from the model code so it is cheap to test and reuse (search indexing, question
counting) without loading Whisper.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from functools import lru_cache

import opencc

# A unit of 1-12 characters repeated 4+ times in a row: the batched pipeline's loop signature
# ("侵大侵大侵大…", "5-5-5-5…"). Real speech rarely repeats a unit four times; collapsing
# "对对对对" to "对" loses little.
_REPEAT = re.compile(r"(.{1,12}?)\1{3,}", re.DOTALL)
SENTENCE_END = "。？！?!；;"
CLAUSE_END = "，,、：:"
LOOP_COMPRESSION_RATIO = 2.4  # Whisper's own threshold for "this decode went round in circles"


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Whisper mixes traditional and simplified forms for Mandarin; the library shows simplified."""
    return str(_t2s().convert(text))


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data)))


def collapse_repeats(text: str) -> str:
    """Replace a unit repeated four or more times by one copy of it."""
    previous = None
    while previous != text:
        previous, text = text, _REPEAT.sub(r"\1", text)
    return text


def spoken_chars(text: str) -> int:
    """Characters that take speaking time (Han, letters, digits), not punctuation or spaces."""
    return sum(1 for ch in text if unicodedata.category(ch)[0] in "LN")


def looks_like_loop(raw: str) -> bool:
    """True when a decoded text shows a repetition loop worth re-decoding."""
    if not raw.strip():
        return False
    collapsed = collapse_repeats(raw)
    removed = spoken_chars(raw) - spoken_chars(collapsed)
    return compression_ratio(raw) > LOOP_COMPRESSION_RATIO or removed >= max(8, spoken_chars(raw) // 4)


def clean_text(raw: str) -> str:
    """Simplified, loops collapsed, whitespace tidied."""
    text = collapse_repeats(to_simplified(raw))
    return re.sub(r"\s+", " ", text).strip()


def split_sentences(text: str, max_chars: int = 18) -> list[str]:
    """Split at sentence ends; split long sentences at clause marks, then every ``max_chars``."""
    pieces: list[str] = []
    current = ""
    for ch in text:
        current += ch
        if ch in SENTENCE_END:
            pieces.append(current)
            current = ""
    if current.strip():
        pieces.append(current)
    out: list[str] = []
    for piece in pieces:
        out.extend(_split_long(piece.strip(), max_chars))
    return [p for p in out if spoken_chars(p) > 0]


def _split_long(piece: str, max_chars: int) -> list[str]:
    if spoken_chars(piece) <= max_chars:
        return [piece]
    clauses: list[str] = []
    current = ""
    for ch in piece:
        current += ch
        if ch in CLAUSE_END and spoken_chars(current) >= max_chars // 3:
            clauses.append(current)
            current = ""
    if current:
        clauses.append(current)
    # merge clauses back up to max_chars, hard-split anything still too long
    merged: list[str] = []
    for clause in clauses:
        if merged and spoken_chars(merged[-1]) + spoken_chars(clause) <= max_chars:
            merged[-1] += clause
        else:
            merged.append(clause)
    out: list[str] = []
    for clause in merged:
        while spoken_chars(clause) > max_chars:
            cut, count = 0, 0
            while cut < len(clause) and count < max_chars:
                count += unicodedata.category(clause[cut])[0] in "LN"
                cut += 1
            out.append(clause[:cut])
            clause = clause[cut:]
        if out and spoken_chars(clause) < 6:
            out[-1] += clause  # a short tail reads better with its sentence than alone
        elif clause.strip():
            out.append(clause)
    return out
