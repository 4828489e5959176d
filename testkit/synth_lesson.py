"""Synthetic Mandarin lessons with a known ground truth, for tests and benchmarks.

A lesson is a script of turns (teacher or student lines, and silent practice stretches). Each
sentence is spoken by espeak-ng with the ``cmn-latn-pinyin`` voice after pypinyin TONE3
conversion (Debian's plain ``cmn`` voice reads the tone digits in English), with a distinct voice
per speaker (espeak variant, pitch, speed and level), so speaker clustering has something to find.
The video is ffmpeg's ``testsrc2`` pattern under a coloured "slide" card that changes every
``slide_seconds`` (scene changes for storyboard tests).

The ground truth (every turn and sentence with role, start, end, text; the slide change times)
comes from the assembly itself: sentence audio is trimmed of leading and trailing silence and
placed at known sample offsets, so the times are exact to one sample.

Generated files are cached under ``$TINGKE_SYNTH_CACHE`` (default ``~/.cache/tingke/synth``),
keyed by every parameter and the script, so repeated test runs reuse them.

Usage::

    lesson = make_lesson()                       # ~2 min, video + mixed audio
    lesson = make_lesson(tracks=True)            # also teacher.wav and student.wav
    lesson = make_lesson(minutes=45, video=False)  # long mode: the script looped
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from pypinyin import Style, lazy_pinyin

from testkit.synth_board import Scene, deck, render_video, scene_from_json

GENERATOR_VERSION = 3
SAMPLE_RATE = 16000
SENTENCE_GAP = 0.45  # seconds between sentences of one turn
VOICE = "cmn-latn-pinyin"


@dataclass(frozen=True)
class Speaker:
    """One synthetic voice; ``role`` is teacher or student."""

    name: str
    role: str
    variant: str
    pitch: int
    speed: int
    level: float


SPEAKERS: dict[str, Speaker] = {
    "teacher": Speaker("teacher", "teacher", "m3", pitch=30, speed=165, level=0.85),
    "xiaoming": Speaker("xiaoming", "student", "f4", pitch=80, speed=180, level=0.55),
    "xiaohong": Speaker("xiaohong", "student", "f2", pitch=90, speed=185, level=0.5),
}

# (speaker, text) or ("silence", seconds) for students practising quietly.
ScriptItem = tuple[str, str] | tuple[str, float]

DEFAULT_SCRIPT: list[ScriptItem] = [
    ("teacher", "同学们好，今天我们来学习分数的加法。请大家打开课本第三十五页。"),
    ("teacher", "我们先复习一下，什么是分数的分母？"),
    ("xiaoming", "分母表示把一个整体平均分成几份。"),
    ("teacher", "很好。那么二分之一加四分之一等于多少？小红，你来说一说。"),
    ("xiaohong", "我觉得等于四分之三。"),
    ("teacher", "你是怎么想的？"),
    ("xiaohong", "我先把二分之一变成四分之二，再加上四分之一，就是四分之三。"),
    ("teacher", "说得非常清楚。我们在做分数加法的时候，首先要找到公分母，然后把分子相加，最后记得约分。"),
    ("teacher", "现在请大家拿出练习本，完成第三十六页的练习题。"),
    ("silence", 14.0),
    ("teacher", "大家做完了吗？谁来说说第一题的答案？"),
    ("xiaoming", "第一题的答案是六分之五。"),
    ("teacher", "对了。如果分母不一样，而且很大，怎么找公分母呢？"),
    ("xiaohong", "可以先求两个分母的最小公倍数。"),
    ("teacher", "这个方法很好。我们用最小公倍数作为公分母，计算就会简单很多。"
                "下课以前，请每个同学写一句话，总结今天学到的内容。"),
]

_PUNCT = {"，": ",", "。": ".", "：": ",", "？": "?", "！": "!", "、": ",", "；": ","}
_SLIDE_COLOURS = ("0x1f4e79", "0xc55a11", "0x548235", "0x7030a0", "0xbf9000", "0x2e75b6")


@dataclass
class Sentence:
    text: str
    start: float
    end: float


@dataclass
class Turn:
    role: str  # teacher / student / silence
    speaker: str
    text: str
    start: float
    end: float
    sentences: list[Sentence] = field(default_factory=list)


@dataclass
class SynthLesson:
    folder: Path
    audio: Path  # 16 kHz mono WAV, everyone mixed (what a phone on the desk records)
    video: Path | None  # MP4: test pattern + slide cards + the mixed audio
    tracks: dict[str, Path]  # role -> WAV holding only that role's microphone (live lessons)
    duration: float
    turns: list[Turn]
    slide_changes: list[float]
    scenes: list[Scene] = field(default_factory=list)  # slides and board with text (``scenes=``), else none

    @property
    def speech_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.role != "silence"]

    @property
    def sentences(self) -> list[tuple[str, Sentence]]:
        """(role, sentence) for every spoken sentence, in time order."""
        return [(t.role, s) for t in self.speech_turns for s in t.sentences]

    @property
    def reference_text(self) -> str:
        return "".join(t.text for t in self.speech_turns)


def split_sentences(text: str) -> list[str]:
    """Split on sentence-final punctuation, keeping it with its sentence."""
    out, current = [], ""
    for ch in text:
        current += ch
        if ch in "。？！?!":
            out.append(current)
            current = ""
    if current.strip():
        out.append(current)
    return out


def to_pinyin(text: str) -> str:
    """Han text -> numbered pinyin that espeak-ng's cmn-latn-pinyin voice reads correctly."""
    syllables = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)
    spoken = " ".join("".join(_PUNCT.get(ch, ch) for ch in s) for s in syllables)
    for mark in ",.?!":
        spoken = spoken.replace(f" {mark}", mark)
    return spoken


def speak(text: str, speaker: Speaker) -> np.ndarray:
    """One sentence as float32 samples at 16 kHz, trimmed of leading/trailing silence."""
    espeak = subprocess.run(
        ["espeak-ng", "-v", f"{VOICE}+{speaker.variant}", "-p", str(speaker.pitch), "-s", str(speaker.speed),
         "--stdout", to_pinyin(text)],
        check=True, capture_output=True,
    )
    resampled = subprocess.run(
        ["sox", "-t", "wav", "-", "-t", "raw", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed", "-"],
        input=espeak.stdout, check=True, capture_output=True,
    )
    samples = np.frombuffer(resampled.stdout, dtype="<i2").astype(np.float32) / 32768.0
    loud = np.flatnonzero(np.abs(samples) > 0.02)
    if loud.size == 0:
        raise RuntimeError(f"espeak-ng produced silence for {text!r}")
    samples = samples[loud[0]: loud[-1] + 1]
    peak = float(np.max(np.abs(samples)))
    return samples / peak * speaker.level


def pink_noise(n: int, rms: float, seed: int) -> np.ndarray:
    """Pink (1/f) noise by shaping white noise in the frequency domain."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.arange(spectrum.size, dtype=np.float64)
    freqs[0] = 1.0
    noise = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    return (noise / (np.sqrt(np.mean(noise**2)) + 1e-12) * rms).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray) -> None:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as src:
        return np.frombuffer(src.readframes(src.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def _role(speaker: str) -> str:
    return "silence" if speaker == "silence" else SPEAKERS[speaker].role


def _looped(script: list[ScriptItem], minutes: float | None) -> list[ScriptItem]:
    """The script repeated until it fills ``minutes`` (estimated, trimmed exactly later)."""
    if not minutes:
        return list(script)
    return list(script) * 200  # ample: assembly stops once the target length is reached


def _assemble(script: list[ScriptItem], minutes: float | None, pause: tuple[float, float], seed: int
              ) -> tuple[dict[str, np.ndarray], list[Turn], float]:
    rng = random.Random(seed)
    target = minutes * 60.0 if minutes else None
    pieces: list[tuple[str, int, np.ndarray]] = []  # (role, offset sample, audio)
    turns: list[Turn] = []
    cache: dict[tuple[str, str], np.ndarray] = {}
    cursor = int(1.0 * SAMPLE_RATE)  # a second of room tone before the first word
    for speaker_name, content in _looped(script, minutes):
        if target is not None and cursor / SAMPLE_RATE >= target:
            break
        role = _role(speaker_name)
        if role == "silence":
            length = float(content)
            turns.append(Turn("silence", "silence", "", cursor / SAMPLE_RATE, cursor / SAMPLE_RATE + length))
            cursor += int(length * SAMPLE_RATE)
            continue
        speaker = SPEAKERS[speaker_name]
        text = str(content)
        turn = Turn(role, speaker_name, text, cursor / SAMPLE_RATE, 0.0)
        for i, sentence in enumerate(split_sentences(text)):
            if i:
                cursor += int(SENTENCE_GAP * SAMPLE_RATE)
            key = (speaker_name, sentence)
            if key not in cache:
                cache[key] = speak(sentence, speaker)
            audio = cache[key]
            pieces.append((role, cursor, audio))
            turn.sentences.append(Sentence(sentence, cursor / SAMPLE_RATE, (cursor + audio.size) / SAMPLE_RATE))
            cursor += audio.size
        turn.end = cursor / SAMPLE_RATE
        turns.append(turn)
        cursor += int(rng.uniform(*pause) * SAMPLE_RATE)
    total = cursor + int(1.0 * SAMPLE_RATE)
    tracks = {"teacher": np.zeros(total, np.float32), "student": np.zeros(total, np.float32)}
    for role, offset, audio in pieces:
        tracks[role][offset: offset + audio.size] += audio
    return tracks, turns, total / SAMPLE_RATE


def _render_video(folder: Path, audio: Path, duration: float, slide_seconds: float, size: str, fps: int) -> Path:
    """testsrc2 under a coloured card that changes every ``slide_seconds`` (cycling colours)."""
    cards = ",".join(
        f"drawbox=x=0:y=0:w=iw:h=ih*3/4:color={colour}:t=fill:"
        f"enable='eq(mod(floor(t/{slide_seconds}),{len(_SLIDE_COLOURS)}),{i})'"
        for i, colour in enumerate(_SLIDE_COLOURS)
    )
    video = folder / "lesson.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}:duration={duration:.3f}",
         "-i", str(audio), "-vf", cards, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-g", str(fps * 2), "-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart", str(video)],
        check=True,
    )
    return video


def cache_root() -> Path:
    configured = os.environ.get("TINGKE_SYNTH_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "tingke" / "synth"


def make_lesson(
    script: list[ScriptItem] | None = None,
    *,
    minutes: float | None = None,
    pause: tuple[float, float] = (1.2, 2.8),
    noise: float = 0.0,
    bleed: float = 0.0,
    video: bool = True,
    tracks: bool = False,
    slide_seconds: float = 15.0,
    size: str = "640x360",
    fps: int = 15,
    seed: int = 7,
    cache_dir: Path | None = None,
    scenes: list[Scene] | str | None = None,
) -> SynthLesson:
    """Generate (or reuse from the cache) a synthetic lesson and its ground truth.

    ``minutes``: loop the script until the lesson is that long (long mode for benchmarks).
    ``pause``: range of the seeded random pause between turns, seconds.
    ``noise``: RMS of pink noise added to every output (0 = none), e.g. 0.01.
    ``bleed``: how much of the other role leaks into each per-role track (0.1 ≈ -20 dB crosstalk).
    ``scenes``: slides and a board with text at known times (``synth_board.Scene``), or ``"deck"`` for a
    different one every ``slide_seconds``; instead of the plain coloured cards.
    """
    script = list(script or DEFAULT_SCRIPT)
    params = dict(version=GENERATOR_VERSION, script=script, minutes=minutes, pause=list(pause), noise=noise,
                  bleed=bleed, video=video, tracks=tracks, slide_seconds=slide_seconds, size=size, fps=fps,
                  seed=seed, speakers={k: asdict(v) for k, v in SPEAKERS.items()})
    if scenes is not None:  # only then: the other lessons keep their cache keys
        params["scenes"] = scenes if isinstance(scenes, str) else [s.to_json() for s in scenes]
    key = hashlib.sha256(json.dumps(params, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:20]
    root = cache_dir or cache_root()
    folder = root / key
    if not (folder / "truth.json").is_file():
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
        try:
            _generate(work, script, params)
            try:
                os.rename(work, folder)
                os.chmod(folder, 0o755)  # mkdtemp made it private
            except OSError:  # a concurrent generator won the race; its copy is as good as ours
                if not (folder / "truth.json").is_file():
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return load_lesson(folder)


def _generate(work: Path, script: list[ScriptItem], params: dict) -> None:
    by_role, turns, duration = _assemble(script, params["minutes"], tuple(params["pause"]), params["seed"])
    noise_rms = float(params["noise"])
    mixed = by_role["teacher"] + by_role["student"]
    if noise_rms:
        mixed = mixed + pink_noise(mixed.size, noise_rms, params["seed"])
    write_wav(work / "lesson.wav", mixed)
    track_files: dict[str, str] = {}
    if params["tracks"]:
        bleed = float(params["bleed"])
        for i, (role, other) in enumerate((("teacher", "student"), ("student", "teacher"))):
            track = by_role[role] + bleed * by_role[other]
            if noise_rms:
                track = track + pink_noise(track.size, noise_rms, params["seed"] + 1 + i)
            write_wav(work / f"{role}.wav", track)
            track_files[role] = f"{role}.wav"
    video_name = None
    scenes: list[Scene] = []
    if params.get("scenes") == "deck":
        scenes = deck(duration, params["slide_seconds"])
    elif params.get("scenes") is not None:
        scenes = [scene_from_json(s) for s in params["scenes"]]
    if params["video"] and params.get("scenes") is not None:
        video_name = render_video(work, scenes, work / "lesson.wav", duration, params["size"], params["fps"]).name
    elif params["video"]:
        video_name = _render_video(work, work / "lesson.wav", duration, params["slide_seconds"],
                                   params["size"], params["fps"]).name
    slides = [round(t, 3) for t in np.arange(params["slide_seconds"], duration, params["slide_seconds"])]
    if params.get("scenes") is not None:
        slides = [s.start for s in scenes if s.start > 0]
    truth = dict(duration=duration, video=video_name, tracks=track_files, slide_changes=slides,
                 turns=[asdict(t) for t in turns], params=params, scenes=[s.to_json() for s in scenes])
    (work / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))


def load_lesson(folder: Path) -> SynthLesson:
    truth = json.loads((folder / "truth.json").read_text())
    turns = [Turn(**{**t, "sentences": [Sentence(**s) for s in t["sentences"]]}) for t in truth["turns"]]
    return SynthLesson(
        folder=folder,
        audio=folder / "lesson.wav",
        video=folder / truth["video"] if truth["video"] else None,
        tracks={role: folder / name for role, name in truth["tracks"].items()},
        duration=truth["duration"],
        turns=turns,
        slide_changes=truth["slide_changes"],
        scenes=[scene_from_json(s) for s in truth.get("scenes", [])],
    )


def role_at(lesson: SynthLesson, t: float, bridge: float = 0.0) -> str | None:
    """Who is speaking at time ``t`` by the script (turn extents, so short gaps inside a turn count)."""
    for turn in lesson.speech_turns:
        if turn.start - bridge <= t < turn.end + bridge:
            return turn.role
    return None


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Generate a synthetic lesson and print where it is")
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--no-video", action="store_true")
    parser.add_argument("--tracks", action="store_true")
    parser.add_argument("--noise", type=float, default=0.0)
    args = parser.parse_args()
    made = make_lesson(minutes=args.minutes, video=not args.no_video, tracks=args.tracks, noise=args.noise)
    print(made.folder, f"{made.duration:.1f} s", len(made.speech_turns), "turns")
