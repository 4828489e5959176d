"""The draw itself: a pure function of a recorded seed and the sorted eligible list, so anyone can re-run it.

``index = SHA-256("<seed>:<id1>,<id2>,...") mod n`` (first 8 bytes, big-endian). The seed comes from the
operating system's randomness at draw time and is stored with the eligible list; re-running this function
on the stored pair must give the stored result, and any change to the list changes the digest.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date


def new_seed() -> str:
    return secrets.token_hex(16)


def pick(seed: str, eligible: Sequence[int]) -> int:
    if not eligible:
        raise ValueError("nobody to draw from")
    ordered = sorted(eligible)
    digest = hashlib.sha256(f"{seed}:{','.join(str(i) for i in ordered)}".encode()).digest()
    return ordered[int.from_bytes(digest[:8], "big") % len(ordered)]


def age_on(birth: date, day: date) -> int:
    """Completed years on a day (a birthday counts on the day itself)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
