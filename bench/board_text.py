"""Board-text benchmark: the OCR stage (workers/board_text) on a generated 45-minute lesson whose slides and
board change every ``--scene-seconds`` (15 s by default: 180 changes, a harsher load than a real lesson's
20-40 slides), against reading every key frame whole (what a stage without change detection, band
detection and line reuse would do), measured in the same run on the lesson's first minutes.

Reports, for the whole lesson: seconds (wall and CPU), the stage's share of the lesson's length (target:
at most 0.02×), key frames sampled and read, lines recognised and reused, and recall: the share of the
deck's phrases stored with a first time within 2 s of when they appeared. The OCR engine is loaded and run
once before (a worker keeps it loaded; loading takes about a second). The whole lesson is read a second
time with the detector's earlier side (``--before-det-side``, 640) so that the default's cost and recall
stand beside it in one run.

    python bench/board_text.py                         # 45 minutes
    python bench/board_text.py --minutes 10 --baseline-minutes 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = REPO / "bench" / "results"
TARGET = 0.02
WITHIN = 2.0


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def recall(lines: list[Any], phrases: list[tuple[str, float, str]]) -> float:
    """Share of the phrases stored as a line (same text, allowing OCR slips) first seen within WITHIN s."""
    def found(phrase: str, appeared: float) -> bool:
        return any(abs(x.start - appeared) <= WITHIN and SequenceMatcher(None, x.text, phrase).ratio() >= 0.8
                   for x in lines)

    return round(sum(found(p, t) for p, t, _ in phrases) / max(1, len(phrases)), 4)


def ours(video: Path, duration: float, engine: Any = None) -> dict[str, Any]:
    from workers.board_text.reader import read_board_text

    started, cpu = time.perf_counter(), cpu_seconds()
    result = read_board_text(video, duration, engine=engine)
    return {"seconds": round(time.perf_counter() - started, 2), "cpu_seconds": round(cpu_seconds() - cpu, 2),
            **result.report(), "_lines": result.lines}


def every_key_frame(video: Path) -> dict[str, Any]:
    """The baseline: detect and recognise every line of every key frame."""
    from workers.board_text.engine import crop_line, get_engine
    from workers.board_text.sampling import samples

    engine = get_engine()
    started, cpu = time.perf_counter(), cpu_seconds()
    frames = lines = 0
    for sample in samples(video):
        image = sample.image()
        quads = engine.detect(image)
        engine.recognise([crop_line(image, q) for q in quads])
        frames, lines = frames + 1, lines + len(quads)
    return {"seconds": round(time.perf_counter() - started, 2), "cpu_seconds": round(cpu_seconds() - cpu, 2),
            "frames_read": frames, "lines_recognised": lines}


def cut(video: Path, minutes: float, folder: Path) -> Path:
    out = folder / f"first-{minutes:g}-min.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(video), "-t", f"{minutes * 60:.1f}",
                    "-an", "-c", "copy", str(out)], check=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=45.0)
    parser.add_argument("--scene-seconds", type=float, default=15.0, help="a new slide or board step this often")
    parser.add_argument("--baseline-minutes", type=float, default=5.0, help="how much of it both ways read")
    parser.add_argument("--before-det-side", type=int, default=640,
                        help="also read the whole lesson with this detector side (the earlier default); 0: skip")
    parser.add_argument("--out", type=Path, default=RESULTS / "board_text.json")
    args = parser.parse_args(argv)
    from testkit.synth_board import phrase_times
    from testkit.synth_lesson import make_lesson
    from tingke.settings import get_settings
    from workers.board_text.engine import warm_up

    started = time.perf_counter()
    lesson = make_lesson(minutes=args.minutes, size="1280x720", noise=0.005, scenes="deck",
                         slide_seconds=args.scene_seconds)
    assert lesson.video is not None
    print(f"lesson ready in {time.perf_counter() - started:.0f} s: {lesson.video} ({lesson.duration / 60:.1f} min, "
          f"{len(lesson.scenes)} scenes)")
    warm_up()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tingke-bench-") as tmp:
        short = cut(lesson.video, args.baseline_minutes, Path(tmp))
        short_phrases = [p for p in phrase_times(lesson.scenes) if p[1] < args.baseline_minutes * 60 - WITHIN]
        mine_short = ours(short, args.baseline_minutes * 60)
        mine_short["recall"] = recall(mine_short.pop("_lines"), short_phrases)
        baseline = every_key_frame(short)
    whole = ours(lesson.video, lesson.duration)
    whole["recall"] = recall(whole.pop("_lines"), phrase_times(lesson.scenes))
    before: dict[str, Any] | None = None
    if args.before_det_side:
        from tingke.settings import get_settings
        from workers.board_text.engine import OcrEngine

        other = OcrEngine(args.before_det_side, get_settings().board_text_threads)
        other.detect(np.full((96, 320, 3), 255, dtype=np.uint8))
        before = ours(lesson.video, lesson.duration, engine=other)
        before["recall"] = recall(before.pop("_lines"), phrase_times(lesson.scenes))
        before["det_side"] = args.before_det_side
        before["fraction_of_lesson"] = round(before["seconds"] / lesson.duration, 4)
    load_after = os.getloadavg()
    result: dict[str, Any] = {
        "lesson_minutes": round(lesson.duration / 60, 2), "scenes": len(lesson.scenes),
        "scene_seconds": args.scene_seconds, "phrases": len(phrase_times(lesson.scenes)),
        "det_side": get_settings().board_text_det_side, "whole": whole, "before": before,
        "fraction_of_lesson": round(whole["seconds"] / lesson.duration, 4),
        "cpu_fraction_of_lesson": round(whole["cpu_seconds"] / lesson.duration, 4), "target_fraction": TARGET,
        "same_run_first_minutes": {"minutes": args.baseline_minutes, "ours": mine_short, "every_key_frame": baseline,
                                   "speedup": round(baseline["seconds"] / max(0.01, mine_short["seconds"]), 1)},
        "machine": {"cpus": os.cpu_count() or 1, "python": platform.python_version(),
                    "load_avg_before": [round(x, 1) for x in load_before],
                    "load_avg_after": [round(x, 1) for x in load_after]},
    }
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"wrote {args.out}")
    return 0


def print_table(r: dict[str, Any]) -> None:
    w, s = r["whole"], r["same_run_first_minutes"]
    print(f"\n{r['lesson_minutes']:.1f}-minute lesson, a new slide or board step every {r['scene_seconds']:g} s "
          f"({r['scenes']} scenes, {r['phrases']} phrases); load average "
          f"{r['machine']['load_avg_before']} → {r['machine']['load_avg_after']}")
    print(f"| {'run':<28} | {'wall s':>7} | {'CPU s':>7} | {'frames read':>11} | {'lines rec.':>10} | {'recall':>6} |")
    print(f"|{'-' * 30}|{'-' * 9}|{'-' * 9}|{'-' * 13}|{'-' * 12}|{'-' * 8}|")
    first = f"first {s['minutes']:g} min"
    rows = [(f"every key frame, {first}", s["every_key_frame"]), (f"this stage, {first}", s["ours"]),
            (f"whole lesson, det side {r['det_side']}", w)]
    if r.get("before"):
        rows.append((f"whole lesson, det side {r['before']['det_side']}", r["before"]))
    for name, row in rows:
        print(f"| {name:<28} | {row['seconds']:>7.1f} | {row['cpu_seconds']:>7.1f} | {row['frames_read']:>11} | "
              f"{row['lines_recognised']:>10} | {row.get('recall', float('nan')):>6} |")
    print(f"whole lesson: {w['key_frames']} key frames sampled, {w['frames_read']} read, {w['lines_reused']} lines "
          f"reused; {r['fraction_of_lesson']}× the lesson's length (CPU {r['cpu_fraction_of_lesson']}×), target ≤ "
          f"{r['target_fraction']}×; {s['speedup']}× faster than reading every key frame")
    if r.get("before"):
        b = r["before"]
        print(f"det side {b['det_side']} (before): {b['fraction_of_lesson']}× the lesson's length, "
              f"recall {b['recall']}")


if __name__ == "__main__":
    raise SystemExit(main())
