"""S-T analysis (学生-教师行为分析): sample the lesson at fixed intervals, code T or S.

At each sampling instant the behaviour is T when the teacher is speaking and S otherwise
(students speaking, practising, silence). Pauses shorter than ``BRIDGE_SECONDS`` inside the
teacher's speech (between sentences of one turn) still count as the teacher speaking.

- Rt = N_T / N (teacher-behaviour share), Ch = (g - 1) / N with g the number of runs.
- Lesson type: 练习型 (practice) if Rt <= 0.3, 讲授型 (lecture) if Rt >= 0.7, 对话型 (dialogue) if
  Ch >= 0.4, otherwise 混合型 (mixed).
- The S-T curve, drawn the usual way (T on the horizontal axis, S on the vertical), steps right for
  each T and up for each S; ``curve`` gives the cumulative counts per sample.

Samples sit in the middle of each interval, t_k = (k + 0.5) * interval, for every whole interval
of the lesson (a lesson shorter than one interval gets a single sample in its middle).

A recording with (almost) no speech at all (a muted or broken microphone, a test tone such as a
browser's beeping fake microphone) is not a practice lesson: every sample would be S, so Rt = 0
would classify it 练习型. Below ``MIN_SPEECH_SECONDS`` and ``MIN_SPEECH_SHARE`` of the lesson in
speech, the type is ``no_speech`` ("no speech detected") and Rt, Ch and the point are None.
"""

from __future__ import annotations

from typing import Any

from workers.analytics.activity import Region, covers, merge_regions

BRIDGE_SECONDS = 1.0
MIN_SPEECH_SECONDS = 1.0
MIN_SPEECH_SHARE = 0.01  # 27 s of a 45-minute lesson
NO_SPEECH = "no_speech"
LESSON_TYPES = {
    "practice": "练习型",
    "lecture": "讲授型",
    "dialogue": "对话型",
    "mixed": "混合型",
    NO_SPEECH: "未检测到讲话",
}


def speech_detected(speech_seconds: float, duration: float) -> bool:
    """Whether a lesson holds enough speech (anyone's) for an S-T classification."""
    return speech_seconds >= max(MIN_SPEECH_SECONDS, MIN_SPEECH_SHARE * duration)


def sample_times(duration: float, interval: float) -> list[float]:
    count = int(duration // interval)
    if count == 0:
        return [duration / 2] if duration > 0 else []
    return [(k + 0.5) * interval for k in range(count)]


def code_samples(teacher: list[Region], times: list[float]) -> list[str]:
    bridged = merge_regions(teacher, bridge=BRIDGE_SECONDS)
    return ["T" if covers(bridged, t) else "S" for t in times]


def runs(codes: list[str]) -> int:
    return sum(1 for i, c in enumerate(codes) if i == 0 or c != codes[i - 1])


def lesson_type(rt: float, ch: float) -> str:
    if rt <= 0.3:
        return "practice"
    if rt >= 0.7:
        return "lecture"
    if ch >= 0.4:
        return "dialogue"
    return "mixed"


def st_metrics(codes: list[str]) -> dict[str, Any]:
    """Rt, Ch, runs and type for a sequence of S/T codes."""
    n = len(codes)
    n_t = codes.count("T")
    g = runs(codes)
    rt = n_t / n if n else 0.0
    ch = (g - 1) / n if n else 0.0
    kind = lesson_type(rt, ch)
    return {"n": n, "n_t": n_t, "n_s": n - n_t, "runs": g, "rt": round(rt, 4), "ch": round(ch, 4),
            "type": kind, "type_label": LESSON_TYPES[kind]}


def st_analysis(teacher: list[Region], duration: float, interval: float,
                speech_seconds: float | None = None) -> dict[str, Any]:
    """The full S-T result: samples, metrics, curve and the Rt-Ch point. ``speech_seconds`` (everyone's
    speech) decides whether the lesson can be classified at all (see :func:`speech_detected`)."""
    times = sample_times(duration, interval)
    codes = code_samples(teacher, times)
    metrics = st_metrics(codes)
    if speech_seconds is not None and not speech_detected(speech_seconds, duration):
        metrics.update(rt=None, ch=None, type=NO_SPEECH, type_label=LESSON_TYPES[NO_SPEECH])
    curve = [{"t": 0.0, "s": 0, "T": 0}]
    s_count = t_count = 0
    for t, code in zip(times, codes, strict=True):
        if code == "T":
            t_count += 1
        else:
            s_count += 1
        curve.append({"t": round(t, 2), "s": s_count, "T": t_count})
    return {
        "sample_seconds": interval,
        "samples": "".join(codes),
        "sample_times": [round(t, 2) for t in times],
        **metrics,
        "curve": curve,
        "point": None if metrics["type"] == NO_SPEECH else {"rt": metrics["rt"], "ch": metrics["ch"]},
    }
