"""Stage 3 on real faster-whisper with the real base model, on a synthetic Mandarin lesson."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import opencc
import pytest

from testkit.synth_lesson import SynthLesson, make_lesson
from testkit.text_match import bigrams, character_error_rate
from tests.support.lessons import standard_lesson
from tests.support.transcripts import cached_transcript
from tingke.webvtt import to_webvtt
from workers.transcripts.textnorm import clean_text, collapse_repeats, looks_like_loop, split_sentences
from workers.transcripts.transcribe import Segment, transcribe

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lesson() -> SynthLesson:
    return standard_lesson()


def test_transcript_holds_the_spoken_sentences(lesson: SynthLesson) -> None:
    segments = cached_transcript(lesson.audio)
    hypothesis = "".join(s.text for s in segments)
    cer = character_error_rate(lesson.reference_text, hypothesis)
    print(f"\nCER after t2s on {lesson.duration:.0f} s of synthetic Mandarin: {cer:.3f}")
    assert cer < 0.5
    assert all(0 <= s.start <= s.end <= lesson.duration + 0.5 for s in segments)
    assert [s.start for s in segments] == sorted(s.start for s in segments)


def test_output_is_simplified(lesson: SynthLesson) -> None:
    to_traditional = opencc.OpenCC("s2t")
    traditional = {to_traditional.convert(ch) for ch in lesson.reference_text} - set(lesson.reference_text)
    assert traditional, "the script must contain characters with a traditional form for this test to mean anything"
    hypothesis = "".join(s.text for s in cached_transcript(lesson.audio))
    assert not traditional & set(hypothesis)


def _phrases(lesson: SynthLesson) -> list[tuple[str, float]]:
    """Clauses of the script with the time each was spoken (position within its sentence).

    Only clauses distinctive enough to search for: five or more character bigrams, and no other
    clause sharing half of them.
    """
    clauses: list[tuple[str, float]] = []
    for _role, sentence in lesson.sentences:
        offset = 0
        for clause in re.findall(r"[^，。？！]+[，。？！]?", sentence.text):
            at = sentence.start + (sentence.end - sentence.start) * offset / len(sentence.text)
            clauses.append((clause, at))
            offset += len(clause)
    distinctive = []
    for clause, at in clauses:
        wanted = bigrams(clause)
        if len(wanted) < 5:
            continue
        if any(other != clause and len(wanted & bigrams(other)) * 2 >= len(wanted) for other, _ in clauses):
            continue
        distinctive.append((clause, at))
    return distinctive


def test_phrase_hit_times_within_three_seconds(lesson: SynthLesson) -> None:
    """What a search does: find the segment holding a phrase, jump to its start."""
    segments = cached_transcript(lesson.audio)
    phrases = _phrases(lesson)
    hits = []
    for phrase, spoken_at in phrases:
        wanted = bigrams(phrase)
        best = max(segments, key=lambda s: len(wanted & bigrams(s.text)))
        if len(wanted & bigrams(best.text)) >= 3:
            hits.append((round(abs(best.start - spoken_at), 2), phrase, best.start, best.text))
    print(f"\nfound {len(hits)}/{len(phrases)} phrases; hit-time errors (s): {sorted(h[0] for h in hits)}")
    assert len(hits) >= 0.6 * len(phrases)
    late = [h for h in hits if h[0] > 3.0]
    assert not late, late


def test_progress_reports_fraction_of_audio() -> None:
    short = make_lesson([("teacher", "同学们好，今天我们来学习分数的加法。"), ("silence", 3.0),
                         ("xiaoming", "老师，我觉得等于四分之三。")], video=False)
    seen: list[float] = []
    segments = transcribe(short.audio, progress=seen.append)
    assert segments
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert len(seen) >= 2


def test_webvtt_is_valid_and_ffmpeg_reads_it(lesson: SynthLesson, tmp_path: Path) -> None:
    segments = [*cached_transcript(lesson.audio), Segment(200.0, 201.5, "a < b & c --> d")]
    vtt = to_webvtt(segments)
    assert vtt.startswith("WEBVTT\n\n")
    cues = re.findall(r"^(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)$", vtt, flags=re.M)
    assert len(cues) == len(segments)
    assert all(a < b for a, b in cues)
    assert "a &lt; b &amp; c --&gt; d" in vtt
    path = tmp_path / "subtitles.vtt"
    path.write_text(vtt, encoding="utf-8")
    srt = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(path), "-f", "srt", "-"],
                         check=True, capture_output=True, text=True).stdout
    assert len(re.findall(r"^\d\d:\d\d:\d\d,\d\d\d --> ", srt, flags=re.M)) == len(segments)
    assert "a < b & c --> d" in srt  # entities decoded back by a real WebVTT reader


def test_repetition_loops_are_detected_and_collapsed() -> None:
    loop = "同学们好,见见我们来学习分数的" + "侵大" * 30
    assert looks_like_loop(loop)
    assert clean_text(loop) == "同学们好,见见我们来学习分数的侵大"
    assert collapse_repeats("3-5-5-5-5-5-5-5-5-5") == "3-5"
    assert not looks_like_loop("我先把二分之一变成四分之二，再加上四分之一，就是四分之三。")
    assert clean_text("說得非常清楚") == "说得非常清楚"


def test_sentence_split_keeps_every_character() -> None:
    text = "你是怎么想的？我先把二分之一变成四分之二，再加上四分之一，就是四分之三，所以答案是四分之三对吗"
    pieces = split_sentences(text, max_chars=12)
    assert "".join(pieces) == text
    assert pieces[0] == "你是怎么想的？"
    assert all(len(p) <= 12 + 6 for p in pieces)


def test_loop_repair_redecodes_a_chunk_into_sane_text(lesson: SynthLesson) -> None:
    """The repair path on a real chunk (the batched pipeline's loops are not reproducible on demand).

    What it measures: the re-decoded text is a transcript *of that span* — not a loop, not invented
    text. Whisper base on espeak's synthetic Mandarin is poor in absolute terms (CER 0.57 on one
    machine, 0.61 on another with the same lock), so the test compares the text against the span's own
    script and against the script of other spans of the same lesson (decoys, CER ≈ 0.95): the span's
    own must be much closer. An absolute bound stays only as a loose guard (garbage reads ≥ 0.9)."""
    from faster_whisper import BatchedInferencePipeline

    from workers.transcripts import transcribe as module
    from workers.transcripts.timing import VoicedFrames

    audio = module.load_audio(lesson.audio)
    frames = VoicedFrames.from_audio(audio)
    first, last = lesson.sentences[0][1], lesson.sentences[6][1]
    span = (max(0.0, first.start - 0.3), last.end + 0.3)
    assert span[1] - span[0] > module.REPAIR_MAX_CLIP_SECONDS  # so the span must be cut at a pause
    repaired = module._redecode(BatchedInferencePipeline(module.load_model()), audio, [span], "zh", frames)
    assert len(repaired) >= 2
    text = clean_text("".join(t for _s, _e, t in repaired))
    reference = "".join(s.text for _r, s in lesson.sentences[:7])
    assert not looks_like_loop(text)
    own = character_error_rate(reference, text)
    decoys = ["".join(s.text for _r, s in lesson.sentences[k: k + 7]) for k in (7, 14)]
    assert own < 0.8
    for decoy in decoys:
        assert own <= character_error_rate(decoy, text) - 0.2
        assert len(bigrams(reference) & bigrams(text)) >= 2 * len(bigrams(decoy) & bigrams(text))
    assert all(span[0] - 0.01 <= s <= e <= span[1] + 0.01 for s, e, _t in repaired)
