"""Stage 4 entry points: analyse a lesson's audio and transcript into JSON-ready analytics.

The pipeline calls::

    activity = detect_speech_activity(tracks, duration)          # once
    labelled = label_segments_with_speaker(segments, activity)    # store TranscriptSegment.speaker
    analytics = analyse_lesson(tracks, segments, duration, activity=activity)

``analyse_lesson`` computes the activity itself when it is not given.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from faster_whisper import decode_audio

from tingke.settings import get_settings
from workers.analytics.activity import (
    SAMPLE_RATE,
    SEVERAL,
    STUDENT,
    TEACHER,
    Region,
    SpeechActivity,
    activity_from_tracks,
    merge_regions,
    total_seconds,
)
from workers.analytics.speakers import cluster_speakers
from workers.analytics.st import speech_detected, st_analysis
from workers.analytics.talk import questions_and_wait, talk_time

MIXED = "mixed"
ROLES = (TEACHER, STUDENT, MIXED)
# A line is 多人 (several speakers) when the side speaking less still has this share of the line's speech
# and this much time: Whisper merges a quick question and its answer into one line.
SEVERAL_SHARE = 0.3
SEVERAL_SECONDS = 0.8


class TimedText(Protocol):
    start: float
    end: float
    text: str


@dataclass
class TrackAudio:
    """One audio source of a lesson: a file (any format ffmpeg reads) and whose voice it carries.

    role: ``teacher`` or ``student`` for a live lesson's per-publisher tracks, ``mixed`` for an
    upload where everyone is on one track.
    """

    path: Path
    role: str = MIXED


@dataclass
class SpeakerSegment:
    start: float
    end: float
    text: str
    speaker: str | None  # teacher / student / mixed (both) / None (no speech detected under it)


def _load(path: Path, duration: float) -> np.ndarray:
    audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    want = round(duration * SAMPLE_RATE)
    if audio.size < want:
        audio = np.pad(audio, (0, want - audio.size))
    return audio[:want]


def detect_speech_activity(audio_tracks: Sequence[TrackAudio], duration: float) -> SpeechActivity:
    """Speech regions per role: from per-role tracks when we have them, else by voice clustering."""
    for track in audio_tracks:
        if track.role not in ROLES:
            raise ValueError(f"unknown track role {track.role!r}; expected one of {ROLES}")
    if not audio_tracks or duration <= 0:
        return SpeechActivity(max(0.0, duration), {TEACHER: [], STUDENT: []}, "none")
    known = [t for t in audio_tracks if t.role in (TEACHER, STUDENT)]
    if known:
        activity = activity_from_tracks([(t.role, _load(t.path, duration)) for t in known], duration)
        activity.regions.setdefault(TEACHER, [])
        activity.regions.setdefault(STUDENT, [])
        return activity
    if len(audio_tracks) == 1:
        return cluster_speakers(_load(audio_tracks[0].path, duration), duration)
    # several unlabelled tracks (e.g. two classrooms of a dual-teacher lesson): mix them, then cluster
    mixed = np.sum([_load(t.path, duration) for t in audio_tracks], axis=0) / len(audio_tracks)
    return cluster_speakers(mixed.astype(np.float32), duration)


def _overlap(regions: list[Region], start: float, end: float) -> float:
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in regions)


def speaker_of(activity: SpeechActivity, start: float, end: float) -> str | None:
    """Who speaks under [start, end]: the role with the most speech, ``mixed`` when both sides speak a good part
    of it (see SEVERAL_SHARE), or None when nobody speaks there."""
    teacher = _overlap(merge_regions(activity.of(TEACHER)), start, end)
    student = _overlap(merge_regions(activity.of(STUDENT)), start, end)
    if several_speak(teacher, student):
        return SEVERAL
    if teacher == 0 and student == 0:
        # a transcript piece can sit in a pause: take the nearest speech within a second
        teacher = _overlap(activity.of(TEACHER), start - 1.0, end + 1.0)
        student = _overlap(activity.of(STUDENT), start - 1.0, end + 1.0)
        if teacher == 0 and student == 0:
            return None
    return TEACHER if teacher >= student else STUDENT


def several_speak(teacher_seconds: float, student_seconds: float) -> bool:
    """Both sides speak enough of one line to call it 多人 rather than give it to one of them."""
    less = min(teacher_seconds, student_seconds)
    return less >= SEVERAL_SECONDS and less >= SEVERAL_SHARE * (teacher_seconds + student_seconds)


def label_segments_with_speaker(segments: Sequence[TimedText], activity: SpeechActivity) -> list[SpeakerSegment]:
    """Each transcript segment with the role speaking during it (for TranscriptSegment.speaker)."""
    return [SpeakerSegment(s.start, s.end, s.text, speaker_of(activity, s.start, s.end)) for s in segments]


def analyse_lesson(
    audio_tracks: list[TrackAudio],
    segments: Sequence[TimedText],
    duration: float,
    *,
    activity: SpeechActivity | None = None,
    sample_seconds: float | None = None,
) -> dict[str, Any]:
    """Everything ``GET /api/lessons/{id}/analytics`` shows, as plain JSON-ready data."""
    if activity is None:
        activity = detect_speech_activity(audio_tracks, duration)
    interval = sample_seconds or get_settings().st_sample_seconds
    labelled = label_segments_with_speaker(segments, activity)
    speakers = [s.speaker for s in labelled]
    speech_seconds = total_seconds(activity.all_speech())
    return {
        "duration": round(duration, 2),
        "speech_seconds": round(speech_seconds, 2),
        "speech_detected": speech_detected(speech_seconds, duration),  # False: "no speech detected"
        "speaker_method": activity.method,
        "speaker_details": activity.details,
        "st": st_analysis(activity.of(TEACHER), duration, interval, speech_seconds),
        "talk_time": talk_time(activity),
        "questions": questions_and_wait(segments, speakers, activity),
        "speech": {role: [[round(a, 2), round(b, 2)] for a, b in activity.of(role)] for role in (TEACHER, STUDENT)},
        "segment_speakers": speakers,
    }
