"""Transcription benchmark: our ``transcribe()`` against a bare faster-whisper batched call.

Both run in the same process on the same generated lesson, with the same model instance, one
after the other (bare first, so the model load is not charged to us), so machine noise hits both.
"Ours" adds OpenCC t2s, the repetition-loop guard (including re-decoding looping chunks), the
voiced-frame pass and the sentence split; the overhead is everything we add on top.

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

from tingke.settings import get_settings
from workers.transcripts import transcribe as ours
from workers.transcripts.textnorm import looks_like_loop

RESULTS = Path(__file__).resolve().parent / "results"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _bare(audio_path: Path, language: str) -> tuple[int, int]:
    settings = get_settings()
    audio = decode_audio(str(audio_path), sampling_rate=16000)
    pipeline = BatchedInferencePipeline(model=ours.load_model())
    segments, _ = pipeline.transcribe(audio, language=language, batch_size=settings.whisper_batch_size,
                                      vad_filter=True)
    items = list(segments)
    return len(items), sum(looks_like_loop(s.text) for s in items)


def _timed(label: str, fn: Any) -> dict[str, Any]:
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    value = fn()
    return {"label": label, "seconds": time.perf_counter() - wall0, "cpu_seconds": _cpu_seconds() - cpu0,
            "value": value}


def run_transcribe_bench(audio_path: Path, *, language: str = "zh") -> dict[str, Any]:
    """Time bare faster-whisper and our transcribe() on one file; returns JSON-ready figures."""
    load = _timed("load", ours.load_model)
    duration = len(decode_audio(str(audio_path), sampling_rate=16000)) / 16000
    load_avg_before = os.getloadavg()
    bare = _timed("bare", lambda: _bare(audio_path, language))
    mine = _timed("ours", lambda: ours.transcribe(audio_path, language=language))
    stats = ours.last_stats
    overhead = (mine["seconds"] - bare["seconds"]) / bare["seconds"]
    # what the loop repairs cost is reported apart: it is extra decoding, not wrapper overhead
    wrapper = (mine["seconds"] - stats.repair_seconds - bare["seconds"]) / bare["seconds"]
    cpu_overhead = (mine["cpu_seconds"] - bare["cpu_seconds"]) / bare["cpu_seconds"]
    cpu_wrapper = (mine["cpu_seconds"] - stats.repair_cpu_seconds - bare["cpu_seconds"]) / bare["cpu_seconds"]
    settings = get_settings()
    return {
        "audio_seconds": round(duration, 1),
        "model_load_seconds": round(load["seconds"], 2),
        "bare": {"seconds": round(bare["seconds"], 1), "rtf": round(bare["seconds"] / duration, 4),
                 "cpu_seconds": round(bare["cpu_seconds"], 1), "segments": bare["value"][0],
                 "looping_segments_left_in_output": bare["value"][1]},
        "ours": {"seconds": round(mine["seconds"], 1), "rtf": round(mine["seconds"] / duration, 4),
                 "cpu_seconds": round(mine["cpu_seconds"], 1), "segments": len(mine["value"]),
                 "raw_segments": stats.raw_segments, "loops_repaired": stats.loops_repaired,
                 "repair_seconds": round(stats.repair_seconds, 1),
                 "repair_cpu_seconds": round(stats.repair_cpu_seconds, 1)},
        "overhead_pct": round(100 * overhead, 1),
        "overhead_without_loop_repair_pct": round(100 * wrapper, 1),
        "cpu_overhead_pct": round(100 * cpu_overhead, 1),
        "cpu_overhead_without_loop_repair_pct": round(100 * cpu_wrapper, 1),
        "target_overhead_pct": 5.0,
        "config": {"device": settings.whisper_device, "compute_type": settings.whisper_compute_type,
                   "threads": settings.whisper_cpu_threads, "batch_size": settings.whisper_batch_size,
                   "model": str(ours.ensure_whisper_model())},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_before": [round(x, 1) for x in load_avg_before],
                    "load_avg_after": [round(x, 1) for x in os.getloadavg()]},
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"audio {result['audio_seconds'] / 60:.1f} min; load avg before/after "
          f"{result['machine']['load_avg_before']} / {result['machine']['load_avg_after']}")
    print(f"{'run':<22}{'wall s':>9}{'RTF':>9}{'CPU s':>9}{'segments':>10}")
    for key, name in (("bare", "bare faster-whisper"), ("ours", "tingke transcribe()")):
        row = result[key]
        print(f"{name:<22}{row['seconds']:>9.1f}{row['rtf']:>9.4f}{row['cpu_seconds']:>9.1f}{row['segments']:>10}")
    print(f"overhead {result['overhead_pct']:+.1f} % (target < {result['target_overhead_pct']} %); "
          f"without loop repairs {result['overhead_without_loop_repair_pct']:+.1f} % "
          f"({result['ours']['loops_repaired']} looping chunks re-decoded in {result['ours']['repair_seconds']} s; "
          f"bare output kept {result['bare']['looping_segments_left_in_output']} looping chunks)")
    print(f"CPU-time overhead {result['cpu_overhead_pct']:+.1f} %; without loop repairs "
          f"{result['cpu_overhead_without_loop_repair_pct']:+.1f} % (CPU time is steadier than wall time "
          "on a shared machine)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=45.0, help="length of the generated lesson")
    parser.add_argument("--noise", type=float, default=0.005, help="pink noise RMS in the lesson")
    parser.add_argument("--out", type=Path, default=RESULTS / "transcribe.json")
    args = parser.parse_args(argv)
    from tests.support.synth_lesson import make_lesson  # the benchmark runs from the repository root

    started = time.perf_counter()
    lesson = make_lesson(minutes=args.minutes, video=False, noise=args.noise)
    print(f"lesson ready in {time.perf_counter() - started:.0f} s: {lesson.audio}")
    result = run_transcribe_bench(lesson.audio)
    result["lesson_minutes"] = args.minutes
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
