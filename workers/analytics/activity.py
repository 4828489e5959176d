"""Who speaks when: speech regions per role, from per-role tracks or from one mixed track.

A live lesson records one track per publisher, so it knows whose track is whose: each track's
speech (Silero VAD) belongs to that track's role. Microphones hear each other, so a frame of
speech counts for a track only when that track is within ``CROSSTALK_DB`` of the loudest track at
that moment (the far microphone picks up the same voice much more quietly).

An upload is one mixed track: see ``speakers.py`` for how teacher and students are told apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

SAMPLE_RATE = 16000
FRAME_SECONDS = 0.02
CROSSTALK_DB = 12.0
TEACHER, STUDENT = "teacher", "student"
SEVERAL = "mixed"  # a transcript line where teacher and students both speak (多人)

Region = tuple[float, float]


@dataclass
class SpeechActivity:
    """Speech regions (seconds) per role for one lesson."""

    duration: float
    regions: dict[str, list[Region]] = field(default_factory=dict)
    method: str = "tracks"  # tracks | clustering
    details: dict = field(default_factory=dict)

    def of(self, role: str) -> list[Region]:
        return self.regions.get(role, [])

    def all_speech(self) -> list[Region]:
        return merge_regions([r for regions in self.regions.values() for r in regions])


def merge_regions(regions: list[Region], bridge: float = 0.0) -> list[Region]:
    """Union of regions, joining those separated by at most ``bridge`` seconds."""
    out: list[list[float]] = []
    for start, end in sorted(regions):
        if out and start <= out[-1][1] + bridge:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def total_seconds(regions: list[Region]) -> float:
    return float(sum(b - a for a, b in merge_regions(regions)))


def subtract_regions(regions: list[Region], minus: list[Region]) -> list[Region]:
    """Parts of ``regions`` not covered by ``minus``."""
    out: list[Region] = []
    cuts = merge_regions(minus)
    for start, end in merge_regions(regions):
        cursor = start
        for c_start, c_end in cuts:
            if c_end <= cursor or c_start >= end:
                continue
            if c_start > cursor:
                out.append((cursor, c_start))
            cursor = max(cursor, c_end)
        if cursor < end:
            out.append((cursor, end))
    return out


def covers(regions: list[Region], t: float) -> bool:
    return any(a <= t < b for a, b in regions)


def vad_regions(audio: np.ndarray) -> list[Region]:
    """Speech regions by Silero VAD (shipped inside faster-whisper, runs offline)."""
    if audio.size == 0:
        return []
    options = VadOptions(threshold=0.5, min_speech_duration_ms=150, min_silence_duration_ms=300,
                         speech_pad_ms=30)
    stamps = get_speech_timestamps(audio, options, sampling_rate=SAMPLE_RATE)
    return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]


def frame_db(audio: np.ndarray) -> np.ndarray:
    hop = int(SAMPLE_RATE * FRAME_SECONDS)
    n = audio.size // hop
    frames = audio[: n * hop].reshape(n, hop)
    return np.asarray(10.0 * np.log10(np.mean(frames * frames, axis=1) + 1e-10))


def regions_to_mask(regions: list[Region], n_frames: int) -> np.ndarray:
    mask = np.zeros(n_frames, dtype=bool)
    for start, end in regions:
        mask[int(start / FRAME_SECONDS): int(np.ceil(end / FRAME_SECONDS))] = True
    return mask


def mask_to_regions(mask: np.ndarray, min_seconds: float = 0.15) -> list[Region]:
    padded = np.concatenate(([0], mask.astype(np.int8), [0]))
    changes = np.flatnonzero(np.diff(padded))
    out = []
    for s, e in zip(changes[0::2], changes[1::2], strict=True):
        if (e - s) * FRAME_SECONDS >= min_seconds:
            out.append((s * FRAME_SECONDS, e * FRAME_SECONDS))
    return out


def activity_from_tracks(tracks: list[tuple[str, np.ndarray]], duration: float) -> SpeechActivity:
    """Per-role speech from per-role tracks, with crosstalk attributed to the loudest track."""
    n = min(int(duration / FRAME_SECONDS), *(a.size // int(SAMPLE_RATE * FRAME_SECONDS) for _, a in tracks))
    levels = np.stack([frame_db(audio)[:n] for _, audio in tracks])
    loudest = levels.max(axis=0)
    per_role: dict[str, np.ndarray] = {}
    for i, (role, audio) in enumerate(tracks):
        speech = regions_to_mask(vad_regions(audio), n)[:n]
        dominant = levels[i] >= loudest - CROSSTALK_DB
        per_role[role] = per_role.get(role, np.zeros(n, dtype=bool)) | (speech & dominant)
    regions = {role: merge_regions(mask_to_regions(mask), bridge=0.1) for role, mask in per_role.items()}
    return SpeechActivity(duration=duration, regions=regions, method="tracks")
