"""Stage 4 against the ground truth of a synthetic lesson: S-T coding, talk time, questions, wait.

Both ways of knowing who speaks are tested: per-role tracks (a live lesson) and voice clustering
on the single mixed track (an upload).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from testkit.synth_lesson import SynthLesson, make_lesson, role_at
from tests.support.lessons import standard_lesson
from tests.support.transcripts import cached_transcript
from workers.analytics.service import (
    TrackAudio,
    analyse_lesson,
    detect_speech_activity,
    label_segments_with_speaker,
    several_speak,
)
from workers.analytics.st import sample_times, st_metrics

pytestmark = pytest.mark.slow
SAMPLE_SECONDS = 3.0  # ~40 samples in a 2-minute lesson (30 s in production: same code path)


@pytest.fixture(scope="module")
def lesson() -> SynthLesson:
    return standard_lesson()


def _tracks(lesson: SynthLesson, path: str) -> list[TrackAudio]:
    if path == "tracks":
        return [TrackAudio(lesson.tracks["teacher"], "teacher"), TrackAudio(lesson.tracks["student"], "student")]
    return [TrackAudio(lesson.audio, "mixed")]


def _truth(lesson: SynthLesson) -> dict[str, Any]:
    times = sample_times(lesson.duration, SAMPLE_SECONDS)
    codes = ["T" if role_at(lesson, t) == "teacher" else "S" for t in times]
    spoken = {"teacher": 0.0, "student": 0.0}
    for role, sentence in lesson.sentences:
        spoken[role] += sentence.end - sentence.start
    sentences = lesson.sentences
    waits = [sentences[i + 1][1].start - s.end for i, (role, s) in enumerate(sentences[:-1])
             if role == "teacher" and s.text.endswith("？")]
    return {
        "codes": codes, **st_metrics(codes),
        "teacher": spoken["teacher"] / lesson.duration, "students": spoken["student"] / lesson.duration,
        "questions": sum(1 for role, s in sentences if role == "teacher" and s.text.endswith("？")),
        "wait": sum(waits) / len(waits),
    }


@pytest.fixture(scope="module", params=["tracks", "clustering"])
def analysed(request: pytest.FixtureRequest, lesson: SynthLesson) -> tuple[str, dict[str, Any]]:
    segments = list(cached_transcript(lesson.audio))
    result = analyse_lesson(_tracks(lesson, request.param), segments, lesson.duration,
                            sample_seconds=SAMPLE_SECONDS)
    return request.param, result


def test_st_samples_rt_and_ch_match_the_script(lesson: SynthLesson, analysed: tuple[str, dict]) -> None:
    path, result = analysed
    truth = _truth(lesson)
    st = result["st"]
    agreement = sum(a == b for a, b in zip(st["samples"], truth["codes"], strict=True)) / len(truth["codes"])
    print(f"\n[{path}] S-T samples right {agreement:.1%} of {st['n']}; Rt {st['rt']:.3f} (truth {truth['rt']:.3f}), "
          f"Ch {st['ch']:.3f} (truth {truth['ch']:.3f}), type {st['type_label']} (truth {truth['type_label']})")
    assert result["speaker_method"] == path
    assert agreement >= 0.9
    assert abs(st["rt"] - truth["rt"]) <= 0.05
    assert abs(st["ch"] - truth["ch"]) <= 0.05
    assert st["type"] == truth["type"]
    assert st["curve"][-1]["s"] + st["curve"][-1]["T"] == st["n"]
    assert st["point"] == {"rt": st["rt"], "ch": st["ch"]}


def test_talk_time_shares(lesson: SynthLesson, analysed: tuple[str, dict]) -> None:
    path, result = analysed
    truth = _truth(lesson)
    talk = result["talk_time"]
    print(f"\n[{path}] teacher {talk['teacher']['fraction']:.3f} (truth {truth['teacher']:.3f}), "
          f"students {talk['students']['fraction']:.3f} (truth {truth['students']:.3f}), "
          f"silence {talk['silence']['fraction']:.3f}")
    assert abs(talk["teacher"]["fraction"] - truth["teacher"]) <= 0.05
    assert abs(talk["students"]["fraction"] - truth["students"]) <= 0.05
    assert sum(talk[k]["fraction"] for k in ("teacher", "students", "silence")) == pytest.approx(1.0, abs=0.01)
    assert talk["teacher"]["norm"] == 0.68


def test_questions_and_wait_time(lesson: SynthLesson, analysed: tuple[str, dict]) -> None:
    path, result = analysed
    truth = _truth(lesson)
    questions = result["questions"]
    print(f"\n[{path}] questions {questions['count']} (truth {truth['questions']}), average wait "
          f"{questions['average_wait_seconds']} s (truth {truth['wait']:.2f} s): "
          f"{[q['text'] for q in questions['items']]}")
    assert abs(questions["count"] - truth["questions"]) <= 2
    assert questions["average_wait_seconds"] is not None
    assert abs(questions["average_wait_seconds"] - truth["wait"]) <= 0.75


def test_transcript_segments_get_the_right_speaker(lesson: SynthLesson) -> None:
    segments = list(cached_transcript(lesson.audio))
    for path in ("tracks", "clustering"):
        activity = detect_speech_activity(_tracks(lesson, path), lesson.duration)
        labelled = label_segments_with_speaker(segments, activity)
        right = sum(s.speaker == role_at(lesson, (s.start + s.end) / 2, bridge=0.5) for s in labelled)
        print(f"\n[{path}] {right}/{len(labelled)} transcript segments labelled with the right speaker")
        assert right >= 0.85 * len(labelled)


@dataclass
class _Line:
    start: float
    end: float
    text: str


def _lines_as_whisper_merges_them(lesson: SynthLesson) -> list[_Line]:
    """The script's sentences as transcript lines, where each time the floor passes from the teacher to a
    student within a breath the question and its answer are one line (Whisper does that in quick exchanges)."""
    sentences = lesson.sentences
    lines, i = [], 0
    while i < len(sentences):
        role, s = sentences[i]
        if i + 1 < len(sentences) and role == "teacher" and sentences[i + 1][0] == "student" \
                and sentences[i + 1][1].start - s.end < 2.0:
            answer = sentences[i + 1][1]
            lines.append(_Line(s.start, answer.end, s.text + answer.text))
            i += 2
            continue
        lines.append(_Line(s.start, s.end, s.text))
        i += 1
    return lines


def _true_speaker(lesson: SynthLesson, line: _Line) -> str:
    """By the script: how long each side speaks inside the line; 多人 by the product's own definition."""
    spoken = {"teacher": 0.0, "student": 0.0}
    for role, s in lesson.sentences:
        spoken[role] += max(0.0, min(s.end, line.end) - max(s.start, line.start))
    if several_speak(spoken["teacher"], spoken["student"]):
        return "mixed"
    return max(spoken, key=lambda role: spoken[role])


def test_every_transcript_line_says_who_spoke(lesson: SynthLesson) -> None:
    lines = _lines_as_whisper_merges_them(lesson)
    truth = [_true_speaker(lesson, line) for line in lines]
    assert truth.count("mixed") >= 0.15 * len(lines), "the lesson must hold lines where both sides speak"
    for path in ("tracks", "clustering"):
        labelled = label_segments_with_speaker(lines, detect_speech_activity(_tracks(lesson, path), lesson.duration))
        right = sum(s.speaker == want for s, want in zip(labelled, truth, strict=True))
        print(f"\n[{path}] {right}/{len(lines)} lines with the right speaker label (teacher / student / mixed)")
        wrong = [(s.text[:12], s.speaker, want) for s, want in zip(labelled, truth, strict=True) if s.speaker != want]
        assert right >= 0.9 * len(lines), wrong


@pytest.mark.parametrize(("codes", "kind"), [
    ("TTTTTTTTST", "lecture"), ("SSSSTSSSSS", "practice"), ("TSTSTSTSTT", "dialogue"), ("TTTTSSSSSTTT", "mixed"),
])
def test_lesson_type_rules(codes: str, kind: str) -> None:
    assert st_metrics(list(codes))["type"] == kind


def test_a_lecture_with_one_voice_is_all_teacher() -> None:
    lecture = make_lesson([("teacher", "同学们好，今天我们来学习分数的加法。请大家打开课本第三十五页。"),
                           ("teacher", "我们在做分数加法的时候，首先要找到公分母，然后把分子相加，最后记得约分。")],
                          video=False)
    result = analyse_lesson([TrackAudio(lecture.audio)], [], lecture.duration, sample_seconds=2.0)
    assert result["speaker_details"]["clusters"] == 1
    assert result["talk_time"]["students"]["fraction"] == 0.0
    assert result["st"]["type"] == "lecture"
