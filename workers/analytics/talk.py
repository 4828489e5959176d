"""Talk-time shares, teacher questions and wait time after a question.

Talk time in the spirit of TeachFX and Flanders' interaction analysis, whose classic finding
("the rule of two-thirds") is about 68 % teacher talk, 20 % student talk and 12 % silence or
confusion. Overlapping speech counts for the teacher.

Questions are found in the teacher's transcript: a sentence is a question when it ends with a
question mark or holds a Chinese question marker (吗, 呢, 为什么, 怎么, 什么, 谁, 哪, 多少, A不A
forms such as 是不是 / 对不对 / 有没有 ...). Transcription errors make this an estimate.

Wait time (Rowe's "wait time I"): from the end of the teacher's question to the next speech,
by anyone. Rowe found about 1 s typical and 3 s+ better for student answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from workers.analytics.activity import (
    SEVERAL,
    STUDENT,
    TEACHER,
    Region,
    SpeechActivity,
    merge_regions,
    subtract_regions,
    total_seconds,
)

FLANDERS_NORM = {"teacher": 0.68, "students": 0.20, "silence": 0.12}
QUESTION_MARKERS = (
    "吗", "呢", "为什么", "为啥", "怎么", "什么", "谁", "哪", "多少", "几个", "是不是", "对不对", "有没有",
    "嘛", "好不好", "能不能", "会不会", "行不行", "可不可以", "要不要", "同意不同意", "明白不明白",
)
HANDOVER_SECONDS = 5.0
_SENTENCE = re.compile(r"[^。？！?!；;]+[。？！?!；;]?")


class TimedText(Protocol):
    start: float
    end: float
    text: str


def talk_time(activity: SpeechActivity) -> dict[str, Any]:
    duration = max(activity.duration, 1e-9)
    teacher = merge_regions(activity.of(TEACHER))
    students = subtract_regions(activity.of(STUDENT), teacher)
    seconds = {"teacher": total_seconds(teacher), "students": total_seconds(students)}
    seconds["silence"] = max(0.0, activity.duration - seconds["teacher"] - seconds["students"])
    out: dict[str, Any] = {}
    for key, value in seconds.items():
        fraction = value / duration
        out[key] = {"seconds": round(value, 1), "fraction": round(fraction, 4),
                    "norm": FLANDERS_NORM[key], "difference": round(fraction - FLANDERS_NORM[key], 4)}
    return out


def is_question(sentence: str) -> bool:
    stripped = sentence.strip()
    if not stripped:
        return False
    if stripped[-1] in "？?":
        return True
    return any(marker in stripped for marker in QUESTION_MARKERS)


def question_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if is_question(s)]


def _end_of_speech_at(speech: list[Region], t: float) -> float:
    """If ``t`` falls inside speech (a transcript end a little early), move it to that speech's end."""
    for start, end in speech:
        if start - 0.05 <= t < end:
            return end
    return t


def _next_speech(speech: list[Region], after: float) -> float | None:
    following = [start for start, _ in speech if start >= after - 1e-6]
    return following[0] if following else None


def questions_and_wait(segments: Sequence[TimedText], speakers: Sequence[str | None],
                       activity: SpeechActivity) -> dict[str, Any]:
    """Teacher questions (count, times, text, cue) and the average wait after them.

    Two cues: question words or marks in the teacher's sentence ("words"), or, when the words
    were lost to transcription errors, the floor passing to a student: the teacher's last
    sentence before a student speaks within HANDOVER_SECONDS is taken as a question or prompt
    ("handover"), the initiation of the classic initiation-response-evaluation exchange.
    A 多人 line (teacher and student in one line) counts its question sentences by their words only, without a
    wait: where inside the line the teacher stopped is not known.
    """
    speech = merge_regions(activity.all_speech(), bridge=0.05)
    students = merge_regions(activity.of(STUDENT))
    items: list[dict[str, Any]] = []
    for index, (segment, speaker) in enumerate(zip(segments, speakers, strict=True)):
        if speaker == SEVERAL:
            items += [{"t": round(segment.start, 2), "text": q.strip(), "cue": "words", "wait_seconds": None}
                      for q in question_sentences(segment.text)]
            continue
        if speaker != TEACHER:
            continue
        asked = _end_of_speech_at(speech, segment.end)
        next_start = _next_speech(speech, asked)
        next_is_student = next_start is not None and any(a <= next_start + 0.2 < b for a, b in students)
        next_segment_is_student = index + 1 < len(segments) and speakers[index + 1] == STUDENT
        questions = question_sentences(segment.text)
        cue = "words"
        if not questions and next_is_student and next_segment_is_student and next_start is not None \
                and next_start - asked <= HANDOVER_SECONDS:
            questions, cue = [segment.text], "handover"
        if not questions:
            continue
        sentences = _SENTENCE.findall(segment.text)
        ends_with_question = cue == "handover" or (bool(sentences) and is_question(sentences[-1]))
        for i, question in enumerate(questions):
            item: dict[str, Any] = {"t": round(segment.start, 2), "text": question.strip(), "cue": cue,
                                    "wait_seconds": None}
            # wait time is defined for the question that ends the teacher's sentence
            if ends_with_question and i == len(questions) - 1 and next_start is not None:
                item["wait_seconds"] = round(next_start - asked, 2)
            items.append(item)
    waits = [q["wait_seconds"] for q in items if q["wait_seconds"] is not None]
    return {
        "count": len(items),
        "items": items,
        "average_wait_seconds": round(sum(waits) / len(waits), 2) if waits else None,
    }
