"""A real lesson's load on one machine: HLS viewers, observers posting notes, an upload being processed.

One recorded lesson (a real HLS ladder made by the workers' encoder) is watched by N viewers that
fetch the way hls.js does (the lesson's media JSON, the master and a variant playlist, then segments:
back to back until 30 s are buffered, then one per segment length as playback advances, from the
start again at the end). M observers post notes at R notes/s in all and each reads the lesson report
every 15 s. A prober asks /api/health twice a second. One teacher uploads a recording of another lesson
(resumable, 1 MiB chunks) that the worker then processes. The API, relay and worker run as the product
runs them (separate processes, the embedded SQLite broker), on SQLite or PostgreSQL; loopback only.

It stops by itself after ``--duration`` seconds (plus a drain of at most 30 s). Printed: p50/p95/p99
per request class, errors, notes acknowledged vs stored, jobs run more than once, CPU of API, relay
and worker (its ffmpeg children included). The baseline is the same scenario against the code before
the load fixes, run in the same invocation from a temporary ``git worktree`` of ``--baseline``.

    python bench/load.py [--db sqlite,postgres] [--viewers 100] [--observers 30] [--rate 20]
                         [--duration 300] [--baseline REF | --no-baseline]

Writes bench/results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from testkit.api_process import api_process, cpu_seconds  # noqa: E402
from testkit.load import (  # noqa: E402
    CLASSES,
    Tally,
    ffmpeg,
    notes_kept,
    observer,
    prepared_ladder,
    prober,
    ready_lesson,
    sign_in,
    uploader,
    viewer,
)

RESULTS = ROOT / "bench" / "results"
BASELINE_REF = "45a5b61"  # main when issue 11's load items were taken up: the code before the fixes
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench-load-password"


# ---- the lesson's media ------------------------------------------------------------------------

def upload_sample(cache: Path) -> Path:
    path = cache / "upload.mp4"
    if not path.is_file():
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=45", "-f", "lavfi", "-i",
               "sine=frequency=500:duration=45", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "900k",
               "-c:a", "aac", "-shortest", str(path))
    return path


# ---- one world: database, processes, people ---------------------------------------------------

@dataclass
class World:
    db_url: str
    data: Path
    lesson_id: int
    upload_lesson_id: int
    observers: list[str]
    pg_name: str | None = None


def run_cli(tree: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "tingke.entry.cli", *args], cwd=tree, env={**os.environ, **env}, check=True,
                   stdout=subprocess.DEVNULL)


def make_world(kind: str, tree: Path, folder: Path, env: dict[str, str], observers: int, cache: Path) -> World:
    """Schema and demo from the code under test, then the bench's lesson and observers."""
    pg_name = None
    if kind == "postgres":
        import psycopg

        pg_name = f"tingke_bench_load_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + pg_name
    else:
        url = f"sqlite:///{folder / 'data' / 'tingke.db'}"
    env["TINGKE_DATABASE_URL"] = url
    run_cli(tree, env, "migrate")
    run_cli(tree, env, "seed-demo")
    hls_src, ladder, duration = prepared_ladder(cache)
    made = ready_lesson(url, folder / "data" / "media", hls_src, ladder, duration, observers, PASSWORD)
    return World(url, folder / "data", made.lesson_id, made.upload_lesson_id, made.observers, pg_name)


def drop_world(world: World) -> None:
    if world.pg_name:
        import psycopg

        from models.db import engine_for

        engine_for(world.db_url).dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{world.pg_name}" WITH (FORCE)')


@contextlib.contextmanager
def plane(tree: Path, env: dict[str, str], name: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tingke.entry.cli", name], cwd=tree, env={**os.environ, **env},
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield proc
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and of its children that it has waited for (the worker's ffmpeg)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")


async def drive(base: str, world: World, args: argparse.Namespace, tally: Tally, sample: Path,
                length: float) -> int | None:
    # keepalive_expiry well under uvicorn's 5-s keep-alive: a browser retries a request that raced the server
    # closing an idle connection; httpx does not, and a starved client reads replies late, so the server's
    # idle clock runs ahead of ours.
    limits = httpx.Limits(max_connections=args.viewers + args.observers * 4 + 20,
                          max_keepalive_connections=args.viewers + args.observers + 20, keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        teacher = await sign_in(client, "teacher1", PASSWORD)
        observers = [await sign_in(client, name, PASSWORD) for name in world.observers]
        stop_at = time.monotonic() + args.duration
        viewers_headers = [observers[i % len(observers)] for i in range(args.viewers)]
        tasks = [asyncio.create_task(viewer(i, client, viewers_headers[i], world.lesson_id, tally, stop_at))
                 for i in range(args.viewers)]
        tasks += [asyncio.create_task(observer(i, len(observers), client, observers[i], world.lesson_id, length,
                                               args.rate, tally, stop_at)) for i in range(len(observers))]
        tasks.append(asyncio.create_task(prober(client, tally, stop_at)))
        upload = asyncio.create_task(uploader(client, teacher, world.upload_lesson_id, sample, tally))
        # The drain is bounded too: what has not finished 60 s after the end is cancelled and counted.
        _, unfinished = await asyncio.wait(tasks, timeout=args.duration + 60)
        for task in unfinished:
            task.cancel()
            tally.fail("unfinished", "a client was still waiting for replies 60 s after the end")
        try:
            return await asyncio.wait_for(upload, max(1.0, stop_at + 60 - time.monotonic()))
        except TimeoutError:
            tally.fail("upload", "the upload had not finished 60 s after the end")
            return None


# ---- after the run: what the database kept ----------------------------------------------------------

def job_outcome(world: World, job_id: int | None, worker_log: Path, wait: float) -> dict[str, Any]:
    """Wait (bounded) for the upload's job; count its claims in the worker's log and its attempts."""
    from models import Job
    from models.db import engine_for, session_scope

    if job_id is None:
        return {"job": None, "state": "not created", "claims": 0, "attempts": 0}
    deadline = time.monotonic() + wait
    state, attempts = "unknown", 0
    while time.monotonic() < deadline:
        with session_scope(world.db_url) as session:
            job = session.get(Job, job_id)
            state, attempts = (job.state.value, job.attempts) if job else ("missing", 0)
        if state in ("done", "failed"):
            break
        time.sleep(2)
    engine_for(world.db_url).dispose()
    claims = len(re.findall(rf"job {job_id} claimed by", worker_log.read_text(errors="replace")))
    return {"job": job_id, "state": state, "claims": claims, "attempts": attempts}


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(tally: Tally) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in CLASSES:
        values = tally.latencies.get(kind, [])
        out[kind] = {"count": len(values), "errors": tally.errors.get(kind, 0),
                     **{f"p{q}": (round(v * 1000, 1) if (v := percentile(values, q / 100)) is not None else None)
                        for q in (50, 95, 99)}}
    return out


# ---- one run ------------------------------------------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_once(label: str, tree: Path, kind: str, args: argparse.Namespace, cache: Path) -> dict[str, Any]:
    print(f"-- {label} on {kind}: {args.viewers} viewers, {args.observers} observers, {args.rate} notes/s, "
          f"{args.duration:.0f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="tingke-load-") as tmp:
        folder = Path(tmp)
        (folder / "data").mkdir()
        env = {"TINGKE_DATA_DIR": str(folder / "data"), "TINGKE_SECRET_KEY": "bench-load-secret-key",
               "TINGKE_RELAY_PORT": str(free_port()), "TINGKE_LOG_LEVEL": "INFO", "TINGKE_DATABASE_URL": ""}
        world = make_world(kind, tree, folder, env, args.observers, cache)
        sample = upload_sample(cache)
        _, _, length = prepared_ladder(cache)
        tally = Tally()
        try:
            with (plane(tree, env, "relay", folder / "relay.log") as relay,
                  plane(tree, env, "worker", folder / "worker.log") as worker,
                  api_process(env, cwd=tree, log=folder / "api.log") as api):
                cpu0 = {"api": cpu_seconds(api.pid), "relay": tree_cpu(relay.pid), "worker": tree_cpu(worker.pid)}
                wall0 = time.monotonic()
                job_id = asyncio.run(drive(api.base, world, args, tally, sample, length))
                wall = time.monotonic() - wall0
                cpu = {"api": cpu_seconds(api.pid) - cpu0["api"], "relay": tree_cpu(relay.pid) - cpu0["relay"],
                       "worker": tree_cpu(worker.pid) - cpu0["worker"]}
                job = job_outcome(world, job_id, folder / "worker.log", args.job_wait)
                cpu["worker_with_job"] = tree_cpu(worker.pid) - cpu0["worker"]
            stored, missing = notes_kept(world.db_url, world.lesson_id, tally.notes_acked)
            api_log = (folder / "api.log").read_text(errors="replace")
            api_log = {"database is locked": api_log.count("database is locked"),
                       "QueuePool limit": api_log.count("QueuePool limit"), "tracebacks": api_log.count("Traceback")}
        finally:
            drop_world(world)
        result = {"label": label, "db": kind, "requests": summarise(tally), "errors": sum(tally.errors.values()),
                  "error_samples": tally.error_samples, "notes_sent": tally.notes_sent,
                  "notes_acked": len(tally.notes_acked), "notes_stored": stored, "notes_acked_missing": missing,
                  "upload_job": job, "job_ran_twice": job["claims"] > 1 or job["attempts"] > 1,
                  "cpu_percent": {k: round(100 * v / wall, 1) for k, v in cpu.items() if k != "worker_with_job"},
                  "wall_seconds": round(wall, 1), "api_log_counts": api_log}
        print_run(result)
        return result


def print_run(r: dict[str, Any]) -> None:
    print(f"   {'class':<9}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind, row in r["requests"].items():
        if row["count"] or row["errors"]:
            print(f"   {kind:<9}{row['count']:>7}{row['errors']:>8}" +
                  "".join(f"{row[p] if row[p] is not None else '-':>9}" for p in ("p50", "p95", "p99")))
    print(f"   notes: {r['notes_sent']} sent, {r['notes_acked']} acknowledged, {r['notes_stored']} stored, "
          f"{r['notes_acked_missing']} acknowledged but missing; upload job: {r['upload_job']}; "
          f"CPU %: {r['cpu_percent']}; API log: {r['api_log_counts']}", flush=True)
    for line in r["error_samples"][:5]:
        print(f"   error: {line}")


TARGETS = {"errors": 0, "note_p95_ms": 300, "segment_p95_ms": 500, "health_p95_ms": 100}


def verdict(r: dict[str, Any]) -> dict[str, bool]:
    q = r["requests"]
    return {"0 errors": r["errors"] == 0 and r["notes_acked_missing"] == 0,
            "note p95 <= 300 ms": (q["note"]["p95"] or 1e9) <= 300,
            "segment p95 <= 500 ms": (q["segment"]["p95"] or 1e9) <= 500,
            "health p95 <= 100 ms": (q["health"]["p95"] or 1e9) <= 100,
            "no job run twice": not r["job_ran_twice"] and r["upload_job"]["state"] == "done"}


@contextlib.contextmanager
def baseline_tree(ref: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="tingke-load-baseline-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), ref], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--observers", type=int, default=30)
    parser.add_argument("--rate", type=float, default=20.0, help="notes per second, all observers together")
    parser.add_argument("--duration", type=float, default=300.0)
    parser.add_argument("--job-wait", type=float, default=240.0, help="how long to wait for the upload's job after")
    parser.add_argument("--baseline", default=BASELINE_REF, help="git ref of the code to compare with")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--baseline-only", action="store_true", help="measure only the baseline (to compare later)")
    parser.add_argument("--out", type=Path, default=RESULTS / "load.json")
    args = parser.parse_args()
    cache = Path.home() / ".cache" / "tingke" / "bench-load"
    runs: list[dict[str, Any]] = []
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    random.seed(1)
    with contextlib.ExitStack() as stack:
        trees = [] if args.baseline_only else [("current", ROOT)]
        if not args.no_baseline:
            trees.insert(0, (f"baseline {args.baseline}", stack.enter_context(baseline_tree(args.baseline))))
        for kind in kinds:
            for label, tree in trees:
                runs.append(run_once(label, tree, kind, args, cache))
    print("\n| run | db | errors | notes acked/stored/missing | note p95 | segment p95 | health p95 | job | targets |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        q = r["requests"]
        v = verdict(r)
        r["targets_met"] = v
        print(f"| {r['label']} | {r['db']} | {r['errors']} | {r['notes_acked']}/{r['notes_stored']}/"
              f"{r['notes_acked_missing']} | {q['note']['p95']} | {q['segment']['p95']} | {q['health']['p95']} | "
              f"{r['upload_job']['state']}, claims {r['upload_job']['claims']} | "
              f"{'all met' if all(v.values()) else 'missed: ' + ', '.join(k for k, ok in v.items() if not ok)} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "scenario": {"viewers": args.viewers, "observers": args.observers, "rate": args.rate,
                     "duration": args.duration, "baseline": None if args.no_baseline else args.baseline},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_end": os.getloadavg()},
        "targets": TARGETS, "runs": runs}, ensure_ascii=False, indent=2))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
