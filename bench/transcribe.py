"""Transcription benchmark: our ``transcribe()`` against a bare faster-whisper batched call.

All run in the same process on the same generated lesson, with the same model instance, one
after the other (bare first, so the model load is not charged to us), so machine noise hits all.
Two bare calls: with faster-whisper's defaults (batched, VAD) and with our decode options (the same
call plus ``no_repeat_ngram_size``). "Ours" adds OpenCC t2s, the repetition-loop guard (including
re-decoding any chunk that still loops), the voiced-frame pass and the sentence split. The
overhead against the same-options call is what our code adds; against the defaults it also
includes the effect of our decode options. With ``--reference`` the character error rate of each
output against the lesson's script is reported too.

    python -m bench.transcribe --minutes 45      # the issue's figure
    python -m bench.transcribe --minutes 5       # quick run

Prints a table and writes bench/results/transcribe.json. ``run_transcribe_bench(audio)`` is the
importable function for the pipeline benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from faster_whisper import BatchedInferencePipeline, decode_audio

from testkit.text_match import character_error_rate
from tingke.settings import get_settings
from workers.transcripts import transcribe as ours
from workers.transcripts.textnorm import clean_text, looks_like_loop

RESULTS = Path(__file__).resolve().parent / "results"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bare_options() -> dict[str, Any]:
    """faster-whisper's batched pipeline with VAD and our batch size, every other option its default."""
    return {"batch_size": get_settings().whisper_batch_size, "vad_filter": True}


def bare_call(audio_path: Path, language: str, options: dict[str, Any]) -> list[str]:
    """faster-whisper alone (audio decoding included): the texts of its segments."""
    audio = decode_audio(str(audio_path), sampling_rate=16000)
    pipeline = BatchedInferencePipeline(model=ours.load_model())
    segments, _ = pipeline.transcribe(audio, language=language, **options)
    return [s.text for s in segments]


def _timed(fn: Any) -> dict[str, Any]:
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    value = fn()
    return {"seconds": time.perf_counter() - wall0, "cpu_seconds": _cpu_seconds() - cpu0, "value": value}


def _row(run: dict[str, Any], texts: list[str], duration: float, reference: str | None) -> dict[str, Any]:
    row = {"seconds": round(run["seconds"], 1), "rtf": round(run["seconds"] / duration, 4),
           "cpu_seconds": round(run["cpu_seconds"], 1), "segments": len(texts),
           "looping_segments": sum(looks_like_loop(t) for t in texts)}
    if reference is not None:
        row["cer"] = round(character_error_rate(reference, "".join(clean_text(t) for t in texts)), 4)
    return row


def _pct(mine: float, base: float) -> float:
    return round(100 * (mine - base) / base, 1)


def run_transcribe_bench(audio_path: Path, *, language: str = "zh", reference: str | None = None) -> dict[str, Any]:
    """Time bare faster-whisper (defaults, then our options) and our transcribe() on one file."""
    load = _timed(ours.load_model)
    duration = len(decode_audio(str(audio_path), sampling_rate=16000)) / 16000
    load_avg_before = os.getloadavg()
    defaults = _timed(lambda: bare_call(audio_path, language, bare_options()))
    same = _timed(lambda: bare_call(audio_path, language, ours.decode_options()))
    mine = _timed(lambda: ours.transcribe(audio_path, language=language))
    stats = ours.last_stats
    rows = {"bare_defaults": _row(defaults, defaults["value"], duration, reference),
            "bare_same_options": _row(same, same["value"], duration, reference),
            "ours": _row(mine, [seg.text for seg in mine["value"]], duration, reference)}
    rows["ours"].update(raw_segments=stats.raw_segments, loops_repaired=stats.loops_repaired,
                        repair_seconds=round(stats.repair_seconds, 1))
    settings = get_settings()
    return {
        "audio_seconds": round(duration, 1),
        "model_load_seconds": round(load["seconds"], 2),
        **rows,
        # what our code adds to the same faster-whisper call
        "overhead_pct": _pct(mine["seconds"], same["seconds"]),
        "cpu_overhead_pct": _pct(mine["cpu_seconds"], same["cpu_seconds"]),
        # and against faster-whisper's defaults (includes the effect of our decode options)
        "overhead_vs_defaults_pct": _pct(mine["seconds"], defaults["seconds"]),
        "cpu_overhead_vs_defaults_pct": _pct(mine["cpu_seconds"], defaults["cpu_seconds"]),
        "target_overhead_pct": 5.0,
        "decode_options": ours.decode_options(),
        "config": {"device": settings.whisper_device, "compute_type": settings.whisper_compute_type,
                   "threads": settings.whisper_cpu_threads, "model": str(ours.ensure_whisper_model())},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_before": [round(x, 1) for x in load_avg_before],
                    "load_avg_after": [round(x, 1) for x in os.getloadavg()]},
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"audio {result['audio_seconds'] / 60:.1f} min; load avg before/after "
          f"{result['machine']['load_avg_before']} / {result['machine']['load_avg_after']}; "
          f"our options {result['decode_options']}")
    print(f"| {'run':<34} | {'wall s':>7} | {'RTF':>7} | {'CPU s':>7} | {'loops':>5} | {'CER':>6} |")
    print(f"|{'-' * 36}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 7}|{'-' * 8}|")
    names = (("bare_defaults", "bare faster-whisper, its defaults"),
             ("bare_same_options", "bare faster-whisper, our options"), ("ours", "tingke transcribe()"))
    for key, name in names:
        row = result[key]
        cer = f"{row['cer']:.3f}" if "cer" in row else "-"
        print(f"| {name:<34} | {row['seconds']:>7.1f} | {row['rtf']:>7.4f} | {row['cpu_seconds']:>7.1f} | "
              f"{row['looping_segments']:>5} | {cer:>6} |")
    print(f"overhead against the same call: {result['overhead_pct']:+.1f} % wall, "
          f"{result['cpu_overhead_pct']:+.1f} % CPU; "
          f"against faster-whisper's defaults: {result['overhead_vs_defaults_pct']:+.1f} % wall, "
          f"{result['cpu_overhead_vs_defaults_pct']:+.1f} % CPU (target < {result['target_overhead_pct']} %); "
          f"{result['ours']['loops_repaired']} looping chunks re-decoded in {result['ours']['repair_seconds']} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=45.0, help="length of the generated lesson")
    parser.add_argument("--noise", type=float, default=0.005, help="pink noise RMS in the lesson")
    parser.add_argument("--out", type=Path, default=RESULTS / "transcribe.json")
    args = parser.parse_args(argv)
    from testkit.synth_lesson import make_lesson  # the benchmark runs from the repository root

    started = time.perf_counter()
    lesson = make_lesson(minutes=args.minutes, video=False, noise=args.noise)
    print(f"lesson ready in {time.perf_counter() - started:.0f} s: {lesson.audio}")
    result = run_transcribe_bench(lesson.audio, reference=lesson.reference_text)
    result["lesson_minutes"] = args.minutes
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
