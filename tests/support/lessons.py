"""The synthetic lessons the worker tests share (one cached set of files, one transcript)."""

from __future__ import annotations

from testkit.synth_lesson import SynthLesson, make_lesson


def standard_lesson() -> SynthLesson:
    """~2 minutes: teacher and two students with distinct voices, a quiet practice stretch,
    light pink noise, per-role tracks with -20 dB crosstalk, no video."""
    return make_lesson(video=False, tracks=True, noise=0.005, bleed=0.1)
