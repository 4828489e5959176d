"""Pipeline benchmark: a generated lesson (45 minutes by default) through every stage on this machine.

Reports seconds per stage (from the job's own report) and the total as a fraction of the lesson's
length (target < 0.25×), the board-text OCR stage's share (target ≤ 0.02×: the lesson's slides and board
change every 15 s, see bench/board_text.py), transcription against a bare faster-whisper batched call on the same
audio in the same run (same model instance; the bare call runs after the pipeline, so the
model load is charged to neither), and search p50/p95 from bench/search.py when present.

The stages run in this process through the real task function (``process_job``), on SQLite in a
temporary folder; the broker adds only its polling interval per job and is left out.

    python bench/pipeline.py                 # 45-minute lesson (make bench)
    python bench/pipeline.py --minutes 10    # a shorter run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = REPO / "bench" / "results"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg): less sensitive than wall time to
    other work on a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bare_transcription(audio: Path, reference: str) -> dict[str, Any]:
    """faster-whisper alone on the pipeline's audio: with its defaults and with our decode options."""
    from bench.transcribe import bare_call, bare_options
    from testkit.text_match import character_error_rate
    from workers.transcripts.textnorm import clean_text
    from workers.transcripts.transcribe import decode_options

    out: dict[str, Any] = {}
    for name, options in (("defaults", bare_options()), ("same_options", decode_options())):
        started, cpu = time.perf_counter(), cpu_seconds()
        texts = bare_call(audio, "zh", options)
        out[name] = {"seconds": round(time.perf_counter() - started, 2), "cpu_seconds": round(cpu_seconds() - cpu, 1),
                     "segments": len(texts),
                     "cer": round(character_error_rate(reference, "".join(clean_text(t) for t in texts)), 4)}
    return out


def overhead(mine: float, bare: float) -> float | None:
    return round(100 * (mine - bare) / bare, 1) if bare else None


def transcript_cer(db_url: str, lesson_id: int, reference: str) -> float:
    """The pipeline's stored transcript against the lesson's script."""
    from sqlalchemy import select

    from models import TranscriptSegment
    from models.db import session_scope
    from testkit.text_match import character_error_rate

    with session_scope(db_url) as session:
        texts = session.scalars(select(TranscriptSegment.text).where(TranscriptSegment.lesson_id == lesson_id)
                                .order_by(TranscriptSegment.start)).all()
    return round(character_error_rate(reference, "".join(texts)), 4)


def run_pipeline(video: Path, data: Path) -> dict[str, Any]:
    """Migrate a fresh SQLite database, register the video as an upload, run process_job in-process."""
    os.environ.update({"TINGKE_DATA_DIR": str(data), "TINGKE_SECRET_KEY": "bench"})
    for var in ("TINGKE_DATABASE_URL", "TINGKE_MEDIA_DIR", "TINGKE_BROKER_URL", "TINGKE_RESULT_BACKEND"):
        os.environ.pop(var, None)
    from tingke.settings import reset_settings

    reset_settings()
    from sqlalchemy import select

    from models import Job, Lesson, MediaAsset, MediaKind
    from models.db import session_scope
    from models.lifecycle import JobKind
    from models.migrate import upgrade
    from tingke import jobs_client
    from tingke.entry.demo import seed_demo
    from tingke.settings import get_settings
    from workers.tasks import process_job

    settings = get_settings()
    upgrade(settings.db_url)
    with session_scope(settings.db_url) as session:
        seed_demo(session)
        lesson = session.scalars(select(Lesson).order_by(Lesson.id)).first()
        assert lesson is not None
        target = settings.media_root / "lessons" / str(lesson.id) / "uploads" / video.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(video, target)
        asset = MediaAsset(lesson_id=lesson.id, kind=MediaKind.upload, bytes=target.stat().st_size,
                           path=str(target.relative_to(settings.media_root)))
        session.add(asset)
        session.flush()
        job = jobs_client.process(session, lesson, JobKind.process, asset.id)
        job_id, lesson_id = job.id, lesson.id
    from workers.board_text.engine import warm_up as warm_up_ocr
    from workers.transcripts.transcribe import warm_up

    warm_up()  # a worker loads the model once and has decoded before; a job pays for neither
    warm_up_ocr()
    started, cpu = time.perf_counter(), cpu_seconds()
    outcome = process_job(job_id)
    total, cpu_total = time.perf_counter() - started, cpu_seconds() - cpu
    with session_scope(settings.db_url) as session:
        job = session.get(Job, job_id)
        assert job is not None
        report, error = dict(job.report), job.error
        segments = report.get("stages", {}).get("transcribe", {}).get("segments")
    return {"outcome": outcome, "error": error, "total_seconds": round(total, 2), "cpu_seconds": round(cpu_total, 1),
            "stages": report.get("stages", {}),
            "lesson_id": lesson_id, "segments": segments,
            "audio": str(settings.media_root / "lessons" / str(lesson_id) / "audio.wav")}


def search_figures(lessons: int) -> dict[str, Any] | None:
    if not (REPO / "bench" / "search.py").is_file():
        return None
    sys.path.insert(0, str(REPO / "bench"))
    import search  # type: ignore[import-not-found]

    results = search.run(lessons=lessons, backends=("sqlite",))
    rows = {k: v for k, v in results["sqlite"].items() if isinstance(v, dict) and "p50" in v}
    return {"lessons": lessons, "classes": rows,
            "p50_max_ms": max(r["p50"] for r in rows.values()), "p95_max_ms": max(r["p95"] for r in rows.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=45.0, help="length of the generated lesson")
    parser.add_argument("--size", default="1280x720", help="video size of the generated lesson")
    parser.add_argument("--search-lessons", type=int, default=5000, help="library size for search (0: skip)")
    parser.add_argument("--out", type=Path, default=RESULTS / "pipeline.json")
    args = parser.parse_args(argv)
    from testkit.synth_lesson import make_lesson

    started = time.perf_counter()
    lesson = make_lesson(minutes=args.minutes, size=args.size, noise=0.005, scenes="deck")
    assert lesson.video is not None
    print(f"lesson ready in {time.perf_counter() - started:.0f} s: {lesson.video} ({lesson.duration / 60:.1f} min)")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tingke-bench-") as tmp:
        pipeline = run_pipeline(lesson.video, Path(tmp))
        from tingke.settings import get_settings

        pipeline_cer = transcript_cer(get_settings().db_url, pipeline["lesson_id"], lesson.reference_text)
        bare = bare_transcription(Path(pipeline.pop("audio")), lesson.reference_text)
    load_after = os.getloadavg()
    duration = lesson.duration
    transcribe_seconds = pipeline["stages"].get("transcribe", {}).get("seconds", 0.0)
    result: dict[str, Any] = {
        "lesson_minutes": round(duration / 60, 2), "video_size": args.size, **pipeline,
        "fraction_of_lesson": round(pipeline["total_seconds"] / duration, 4), "target_fraction": 0.25,
        "board_text_fraction_of_lesson": round(pipeline["stages"].get("board_text", {}).get("seconds", 0.0) / duration,
                                               4), "board_text_target_fraction": 0.02,
        # what the run would take on this machine with nothing else running: CPU time over 2 cores
        "cpu_fraction_of_lesson_on_2_cores": round(pipeline["cpu_seconds"] / (os.cpu_count() or 1) / duration, 4),
        "transcription": {
            "pipeline_seconds": transcribe_seconds, "pipeline_cer": pipeline_cer,
            "bare_defaults": bare["defaults"], "bare_same_options": bare["same_options"],
            # what our code adds to the same faster-whisper call, and against faster-whisper's defaults
            "overhead_pct": overhead(transcribe_seconds, bare["same_options"]["seconds"]),
            "overhead_vs_defaults_pct": overhead(transcribe_seconds, bare["defaults"]["seconds"]),
        },
        "machine": {"cpus": os.cpu_count() or 1, "python": platform.python_version(),
                    "load_avg_before": [round(x, 1) for x in load_before],
                    "load_avg_after": [round(x, 1) for x in load_after]},
    }
    if args.search_lessons:
        result["search"] = search_figures(args.search_lessons)
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"wrote {args.out}")
    return 0 if result["outcome"] == "done" else 1


def print_table(result: dict[str, Any]) -> None:
    minutes = result["lesson_minutes"]
    print(f"\n{minutes:.1f}-minute lesson at {result['video_size']}; job {result['outcome']}; load average "
          f"{result['machine']['load_avg_before']} → {result['machine']['load_avg_after']}")
    print(f"| {'stage':<12} | {'seconds':>9} | {'× lesson':>9} |")
    print(f"|{'-' * 14}|{'-' * 11}|{'-' * 11}|")
    for stage, row in result["stages"].items():
        note = f"  ({row['skipped']})" if row.get("skipped") else ""
        print(f"| {stage:<12} | {row['seconds']:>9.1f} | {row['seconds'] / (minutes * 60):>9.4f} |{note}")
    print(f"| {'total':<12} | {result['total_seconds']:>9.1f} | {result['fraction_of_lesson']:>9.4f} | "
          f"target < {result['target_fraction']}")
    board = result["stages"].get("board_text", {})
    print(f"board text: {result['board_text_fraction_of_lesson']}× the lesson (target ≤ "
          f"{result['board_text_target_fraction']}×), {board.get('frames_read')} of {board.get('key_frames')} key "
          f"frames read, {board.get('lines')} lines")
    print(f"CPU: {result['cpu_seconds']:.0f} s over {result['machine']['cpus']} cores = "
          f"{result['cpu_fraction_of_lesson_on_2_cores']:.3f}× the lesson if the machine were idle")
    t = result["transcription"]
    print(f"\ntranscription: pipeline {t['pipeline_seconds']:.1f} s (CER {t['pipeline_cer']}) vs bare faster-whisper "
          f"{t['bare_same_options']['seconds']:.1f} s with our options → overhead {t['overhead_pct']} %; "
          f"vs its defaults {t['bare_defaults']['seconds']:.1f} s (CER {t['bare_defaults']['cer']}) → "
          f"{t['overhead_vs_defaults_pct']} % (target < 5 %)")
    if result.get("search"):
        s = result["search"]
        print(f"search ({s['lessons']} lessons, SQLite): worst class p50 {s['p50_max_ms']} ms, "
              f"p95 {s['p95_max_ms']} ms (target p95 < 50 ms)")


if __name__ == "__main__":
    raise SystemExit(main())
