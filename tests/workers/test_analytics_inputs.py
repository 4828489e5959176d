"""Edge inputs for stage 3/4 and the synthetic-lesson generator every pipeline test relies on."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from testkit.synth_lesson import make_lesson, read_wav, write_wav
from workers.analytics.service import TrackAudio, analyse_lesson
from workers.transcripts.transcribe import transcribe

SHORT_SCRIPT = [("teacher", "同学们好，请大家打开课本。"), ("xiaoming", "老师好。"), ("silence", 2.0),
                ("teacher", "你们准备好了吗？")]


def test_generator_truth_matches_its_files(tmp_path: Path) -> None:
    lesson = make_lesson(SHORT_SCRIPT, video=True, tracks=True, slide_seconds=4.0, size="320x180",
                         cache_dir=tmp_path)
    again = make_lesson(SHORT_SCRIPT, video=True, tracks=True, slide_seconds=4.0, size="320x180",
                        cache_dir=tmp_path)
    assert again.folder == lesson.folder and len(list(tmp_path.iterdir())) == 1  # cached, not rebuilt
    assert lesson.video is not None
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type:format=duration", "-of", "json",
         str(lesson.video)], check=True, capture_output=True, text=True).stdout)
    assert {s["codec_type"] for s in probe["streams"]} == {"video", "audio"}
    assert abs(float(probe["format"]["duration"]) - lesson.duration) < 0.5
    assert lesson.slide_changes == [4.0, 8.0, 12.0][: len(lesson.slide_changes)]
    mixed, teacher, student = (read_wav(p) for p in (lesson.audio, lesson.tracks["teacher"], lesson.tracks["student"]))
    assert mixed.size == teacher.size == student.size == round(lesson.duration * 16000)
    previous_end = 0.0
    for turn in lesson.speech_turns:
        assert previous_end < turn.start < turn.end <= lesson.duration
        for sentence in turn.sentences:  # the truth points at real sound, on the right track only
            a, b = int(sentence.start * 16000), int(sentence.end * 16000)
            own, other = (teacher, student) if turn.role == "teacher" else (student, teacher)
            assert np.abs(own[a:b]).max() > 0.3 and np.abs(other[a:b]).max() == 0.0
        previous_end = turn.end


@pytest.mark.parametrize("tracks", [["mixed"], ["teacher", "student"]])
def test_silent_recording_gives_empty_transcript_and_all_s(tmp_path: Path, tracks: list[str]) -> None:
    silence = tmp_path / "silence.wav"
    write_wav(silence, np.zeros(16000 * 6, np.float32))
    seen: list[float] = []
    assert transcribe(silence, progress=seen.append) == []
    assert seen == [1.0]
    result = analyse_lesson([TrackAudio(silence, role) for role in tracks], [], 6.0, sample_seconds=1.0)
    assert result["st"]["samples"] == "SSSSSS"
    assert result["talk_time"]["silence"]["fraction"] == 1.0
    assert result["questions"] == {"count": 0, "items": [], "average_wait_seconds": None}
    json.dumps(result)  # JSON-ready


def test_unknown_track_role_is_refused(tmp_path: Path) -> None:
    silence = tmp_path / "s.wav"
    write_wav(silence, np.zeros(16000, np.float32))
    with pytest.raises(ValueError, match="role"):
        analyse_lesson([TrackAudio(silence, "principal")], [], 1.0)


def beeping_microphone(seconds: float) -> np.ndarray:
    """What Chromium's fake microphone sends (media/audio/fake_audio_input_stream.cc): a 20 ms beep
    of 400 Hz every 500 ms, and nothing else."""
    rate = 16000
    audio = np.zeros(int(seconds * rate), np.float32)
    beep = 0.5 * np.sin(2 * np.pi * 400 * np.arange(int(0.02 * rate)) / rate).astype(np.float32)
    for start in range(0, audio.size - beep.size, rate // 2):
        audio[start:start + beep.size] = beep
    return audio


def test_a_lesson_without_speech_is_no_speech_detected_not_a_practice_lesson(tmp_path: Path) -> None:
    """Regression (issue 12): the dual lesson recorded with beeping fake microphones was classified
    练习型 with Rt = 0."""
    tracks = []
    for role in ("teacher", "student"):  # a dual lesson: the master's and the remote classroom's tracks
        path = tmp_path / f"{role}.wav"
        write_wav(path, beeping_microphone(30.0))
        tracks.append(TrackAudio(path, role))
    result = analyse_lesson(tracks, [], 30.0, sample_seconds=3.0)
    assert result["speech_detected"] is False and result["speech_seconds"] == 0
    st = result["st"]
    assert st["type"] == "no_speech" and st["type_label"] == "未检测到讲话"
    assert st["rt"] is None and st["ch"] is None and st["point"] is None
    assert st["samples"] == "S" * 10  # the samples stay as measured
    assert result["talk_time"]["silence"]["fraction"] == 1.0
    json.dumps(result)


def test_a_lesson_with_speech_is_classified(tmp_path: Path) -> None:
    lesson = make_lesson(SHORT_SCRIPT, tracks=True, cache_dir=tmp_path)
    tracks = [TrackAudio(lesson.tracks["teacher"], "teacher"), TrackAudio(lesson.tracks["student"], "student")]
    result = analyse_lesson(tracks, [], lesson.duration, sample_seconds=1.0)
    assert result["speech_detected"] is True and result["speech_seconds"] > 1
    assert result["st"]["type"] in ("practice", "lecture", "dialogue", "mixed") and result["st"]["rt"] is not None
