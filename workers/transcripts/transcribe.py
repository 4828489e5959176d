"""Speech to text with faster-whisper, offline, tuned for Mandarin lessons on a small CPU box.

Choices (measured in ``shared/studies/transcription`` and again by ``bench/transcribe.py``):

- Silero VAD + ``BatchedInferencePipeline`` (batch 8): about 0.06-0.08x real time on 2 cores,
  against 0.15-0.19x for the sequential beam-5 path.
- ``language="zh"`` is forced for Mandarin: auto-detection picked English on poor audio.
- Whisper mixes traditional and simplified forms: every text goes through OpenCC t2s.
- Whisper base loops on Mandarin ("侵大侵大…" until the token limit), losing the rest of its 30-s
  chunk and, in a batch, keeping every other chunk of the batch decoding until the loop ends.
  The main pass forbids a repeated 4-token n-gram inside a chunk (setting
  ``whisper_no_repeat_ngram_size``): on generated 10- and 45-minute lessons this removed every
  loop and lowered the character error rate (0.50 to 0.41 on 45 minutes); its CPU cost against
  faster-whisper's defaults ranged from -1 % to +5 % over our runs (the n-gram check costs a
  little per step, the loops' tokens are saved; ``bench/transcribe.py`` measures both). A chunk
  that still looks like a loop (the setting at 0, or a loop the n-gram rule cannot catch) is
  decoded again at the end, cut at pauses into clips; what still repeats is collapsed to one copy.
- Batched segments are up to ~30 s long, too coarse for subtitles or a search hit's time. We
  split them into sentences and time them from the voiced frames (see ``timing.py``) rather
  than with word timestamps, which cost about 14 % more CPU.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network, before HF modules load

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio

from tingke.settings import get_settings
from workers.transcripts.model import ensure_whisper_model
from workers.transcripts.textnorm import clean_text, looks_like_loop, split_sentences
from workers.transcripts.timing import VoicedFrames, split_on_pauses, split_times

SAMPLE_RATE = 16000
REPAIR_MAX_CLIP_SECONDS = 28.0
REPAIR_PROGRESS = 0.97  # progress ceiling until looping chunks (if any) are re-decoded
REPAIR_NO_REPEAT_NGRAM = 4


@dataclass
class Segment:
    """One sentence-sized piece of transcript; times in seconds from the start of the recording."""

    start: float
    end: float
    text: str


@dataclass
class TranscribeStats:
    """What the last call did; read by the benchmark."""

    audio_seconds: float = 0.0
    raw_segments: int = 0
    loops_repaired: int = 0
    repair_seconds: float = 0.0
    repair_cpu_seconds: float = 0.0


last_stats = TranscribeStats()


@lru_cache(maxsize=2)
def _cached_model(model_dir: str, device: str, compute_type: str, threads: int) -> WhisperModel:
    return WhisperModel(model_dir, device=device, compute_type=compute_type, cpu_threads=threads,
                        local_files_only=True)


def load_model() -> WhisperModel:
    """The process-wide Whisper model (loaded once; the folder is built on first use)."""
    settings = get_settings()
    folder = ensure_whisper_model()
    return _cached_model(str(folder), settings.whisper_device, settings.whisper_compute_type,
                         settings.whisper_cpu_threads)


def warm_up(seconds: float = 30.0) -> None:
    """Load the model and run one batched decode of ``seconds`` of noise: CTranslate2's first
    calls in a process allocate and prepare what later calls reuse (benchmarks start warm, as a
    worker that has already processed a lesson is)."""
    pipeline = BatchedInferencePipeline(model=load_model())
    noise = np.random.default_rng(0).normal(0.0, 0.05, int(seconds * SAMPLE_RATE)).astype(np.float32)
    list(pipeline.transcribe(noise, language="zh", batch_size=get_settings().whisper_batch_size,
                             clip_timestamps=[{"start": 0.0, "end": seconds}], vad_filter=False)[0])


def decode_options() -> dict[str, Any]:
    """The batched pipeline's options for the main pass (the benchmark gives a bare call the same)."""
    settings = get_settings()
    return {"batch_size": settings.whisper_batch_size, "vad_filter": True,
            "no_repeat_ngram_size": settings.whisper_no_repeat_ngram_size}


def load_audio(audio_path: Path) -> np.ndarray:
    """Any format ffmpeg/PyAV reads (video files too) as 16 kHz mono float32."""
    return decode_audio(str(audio_path), sampling_rate=SAMPLE_RATE)


def _repair_clips(start: float, end: float, frames: VoicedFrames) -> list[tuple[float, float]]:
    """A looping chunk's span cut at pauses into clips Whisper takes whole (under 30 s each)."""
    spans, clips = [(start, end)], []
    while spans:
        a, b = spans.pop()
        if b - a <= REPAIR_MAX_CLIP_SECONDS:
            clips.append((a, b))
            continue
        cut = frames.best_cut(a, b)
        spans += [(cut, b), (a, cut)]
    return sorted(clips)


def _redecode(pipeline: BatchedInferencePipeline, audio: np.ndarray, spans: list[tuple[float, float]],
              language: str | None, frames: VoicedFrames) -> list[tuple[float, float, str]]:
    """Decode looping chunks again, cut at pauses, all in one batch, forbidding repeated 4-grams."""
    clips = [{"start": a, "end": b} for start, end in spans for a, b in _repair_clips(start, end, frames)]
    segments, _ = pipeline.transcribe(audio, language=language, batch_size=get_settings().whisper_batch_size,
                                      clip_timestamps=clips, vad_filter=False,
                                      no_repeat_ngram_size=REPAIR_NO_REPEAT_NGRAM)
    return [(s.start, s.end, s.text) for s in segments]


def _clean_segments(start: float, end: float, raw_text: str, frames: VoicedFrames) -> list[Segment]:
    """Whisper's text made simplified and loop-free, then cut into timed sentences."""
    text = clean_text(raw_text)
    if not text:
        return []
    out = []
    for block_start, block_end, block_text in split_on_pauses(start, end, text, frames):
        pieces = split_sentences(block_text)
        times = split_times(block_start, block_end, pieces, frames)
        out += [Segment(round(a, 2), round(max(a, b), 2), p) for p, (a, b) in zip(pieces, times, strict=True)]
    return out


def transcribe(
    audio_path: Path,
    *,
    language: str = "zh",
    progress: Callable[[float], None] | None = None,
    repair_loops: bool = True,
) -> list[Segment]:
    """Transcribe a recording into sentence-sized, simplified-Chinese segments.

    ``progress`` receives the fraction (0-1) of the recording's duration consumed so far.
    ``language``: a Whisper language code; an empty string lets Whisper detect it.
    """
    global last_stats
    model = load_model()
    audio = load_audio(audio_path)
    duration = audio.size / SAMPLE_RATE
    stats = TranscribeStats(audio_seconds=duration)
    last_stats = stats
    if duration == 0:
        if progress:
            progress(1.0)
        return []
    frames = VoicedFrames.from_audio(audio, SAMPLE_RATE)
    pipeline = BatchedInferencePipeline(model=model)
    raw_segments, _info = pipeline.transcribe(audio, language=language or None, **decode_options())
    out: list[Segment] = []
    looping: list[tuple[float, float]] = []
    for raw in raw_segments:
        stats.raw_segments += 1
        if repair_loops and looks_like_loop(raw.text):
            looping.append((raw.start, raw.end))  # re-decoded together at the end
        else:
            out.extend(_clean_segments(raw.start, raw.end, raw.text, frames))
        if progress:
            progress(min(REPAIR_PROGRESS, raw.end / duration))  # monotonic; 1.0 only when done
    if looping:
        began, cpu_began = time.perf_counter(), time.process_time()
        repaired = _redecode(pipeline, audio, looping, language or None, frames)
        for start, end, text in repaired:
            out.extend(_clean_segments(start, end, text, frames))
        stats.loops_repaired = len(looping)
        stats.repair_seconds = time.perf_counter() - began
        stats.repair_cpu_seconds = time.process_time() - cpu_began
    if progress:
        progress(1.0)
    out.sort(key=lambda s: s.start)
    return out
