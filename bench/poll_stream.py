"""Live poll results: server-sent events (version counter polled in the database) vs clients polling.

Two API processes (separate interpreters, one database, as a scaled deployment runs them) serve N
listeners of one poll, half on each process. A voter changes an answer K times through process A.
Measured in the same run for both designs:

- update latency: the vote's PUT returning -> the new results arriving at each listener (p50/p95/max),
- idle cost: CPU seconds the two API processes spend during a quiet window with N listeners attached
  (read from /proc/<pid>/stat), and the HTTP requests the clients send in that window.

Baseline: each client GETs /api/polls/{id}/results every 0.5 s (the same freshness as the stream's tick).

    python bench/poll_stream.py [--listeners 40] [--votes 10] [--idle 10] [--db sqlite|postgres]

Prints a markdown table and writes bench/results/poll_stream.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
CLIENT_POLL = 0.5  # seconds between two GETs of the baseline client
CONNECT_RATE = 50.0  # listeners joining per second (a burst above ~55 concurrent requests per process exhausts
# the 40 request threads while they wait for the 15 pooled connections: see the report of this bench)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_api(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str, socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--fd",
                             str(sock.fileno()), "--log-level", "warning"], cwd=ROOT, env=env,
                            pass_fds=(sock.fileno(),))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("an API process did not start")
        try:
            if httpx.get(f"{base}/api/polls", timeout=2).status_code == 401:
                return proc, base, sock
        except httpx.HTTPError:
            time.sleep(0.2)


def prepare_database(kind: str, folder: Path) -> tuple[str, str | None]:
    from models.db import session_scope
    from models.migrate import upgrade
    from tingke.entry.demo import seed_demo

    pg_name = None
    if kind == "postgres":
        import psycopg

        pg_name = f"tingke_bench_polls_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + pg_name
    else:
        url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    with session_scope(url) as session:
        seed_demo(session)
    return url, pg_name


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def sse_listener(client: httpx.AsyncClient, url: str, seen: dict[int, float], ready: asyncio.Event,
                       stop: asyncio.Event) -> None:
    async with client.stream("GET", url, headers={"Accept": "text/event-stream"}) as reply:
        async for line in reply.aiter_lines():
            if line.startswith("data:") and line[5:].strip() != "{}":
                version = json.loads(line[5:])["version"]
                seen.setdefault(version, time.monotonic())
                ready.set()
            if stop.is_set():
                return


async def polling_listener(client: httpx.AsyncClient, url: str, seen: dict[int, float], ready: asyncio.Event,
                           stop: asyncio.Event, counter: list[int]) -> None:
    while not stop.is_set():
        reply = await client.get(url)
        counter[0] += 1
        seen.setdefault(reply.json()["version"], time.monotonic())
        ready.set()
        await asyncio.sleep(CLIENT_POLL)


async def run_design(design: str, bases: list[str], tokens: dict[str, str], poll: dict[str, Any], listeners: int,
                     votes: int, idle: float, pids: list[int]) -> dict[str, Any]:
    stop = asyncio.Event()
    counter = [0]
    seen: list[dict[int, float]] = [{} for _ in range(listeners)]
    readies = [asyncio.Event() for _ in range(listeners)]
    limits = httpx.Limits(max_connections=listeners + 10, max_keepalive_connections=listeners + 10)
    headers = {"Authorization": f"Bearer {tokens['teacher4']}"}
    async with httpx.AsyncClient(headers=headers, timeout=60, limits=limits) as client:
        tasks = []
        for i in range(listeners):
            base = bases[i % len(bases)]
            if design == "sse":
                coro = sse_listener(client, f"{base}/api/polls/{poll['id']}/events", seen[i], readies[i], stop)
            else:
                coro = polling_listener(client, f"{base}/api/polls/{poll['id']}/results", seen[i], readies[i], stop,
                                        counter)
            tasks.append(asyncio.create_task(coro))
            await asyncio.sleep(1 / CONNECT_RATE)  # phones join over a few seconds, not in one instant
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
        await asyncio.sleep(1.0)
        # quiet window: nobody votes
        cpu0, requests0 = sum(cpu_seconds(p) for p in pids), counter[0]
        await asyncio.sleep(idle)
        idle_cpu, idle_requests = sum(cpu_seconds(p) for p in pids) - cpu0, counter[0] - requests0
        # votes through process A; every listener must see each new version
        latencies: list[float] = []
        voter = {"Authorization": f"Bearer {tokens['teacher2']}"}
        qid = poll["questions"][0]["id"]
        for k in range(votes):
            reply = await client.put(f"{bases[0]}/api/polls/{poll['id']}/answers", headers=voter,
                                     json={"answers": [{"question_id": qid, "choices": [k % 3]}]})
            reply.raise_for_status()
            done = time.monotonic()
            version = (await client.get(f"{bases[0]}/api/polls/{poll['id']}/results", headers=voter)).json()["version"]
            deadline = done + 30
            while any(version not in s for s in seen) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            latencies += [max(0.0, s[version] - done) for s in seen if version in s]
            await asyncio.sleep(0.3)
        stop.set()
        # wake streams so that they notice the stop
        await client.post(f"{bases[0]}/api/polls/{poll['id']}/close",
                          headers={"Authorization": f"Bearer {tokens['teacher1']}"})
        await client.post(f"{bases[0]}/api/polls/{poll['id']}/open",
                          headers={"Authorization": f"Bearer {tokens['teacher1']}"})
        await asyncio.wait(tasks, timeout=30)
        for task in tasks:
            task.cancel()
    missed = votes * listeners - len(latencies)
    return {
        "design": design, "listeners": listeners, "votes": votes,
        "latency_p50_ms": round(1000 * statistics.median(latencies), 1),
        "latency_p95_ms": round(1000 * percentile(latencies, 0.95), 1),
        "latency_max_ms": round(1000 * max(latencies), 1),
        "missed_updates": missed,
        "idle_window_s": idle,
        "idle_cpu_s": round(idle_cpu, 2),
        "idle_cpu_pct_of_core": round(100 * idle_cpu / idle, 1),
        "idle_client_requests": idle_requests,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listeners", type=int, default=40)
    parser.add_argument("--votes", type=int, default=10)
    parser.add_argument("--idle", type=float, default=10.0)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="tingke-bench-polls-"))
    env = dict(os.environ, TINGKE_DATA_DIR=str(folder), TINGKE_SECRET_KEY="bench-secret-not-for-production")
    os.environ.update(env)
    from tingke.settings import reset_settings

    url, pg_name = prepare_database(args.db, folder)
    env["TINGKE_DATABASE_URL"] = url
    os.environ["TINGKE_DATABASE_URL"] = url
    reset_settings()
    servers = [start_api(env) for _ in range(2)]
    bases, pids = [b for _, b, _ in servers], [p.pid for p, _, _ in servers]
    try:
        tokens = {}
        for name in ("teacher1", "teacher2", "teacher4"):
            reply = httpx.post(f"{bases[0]}/api/auth/token", data={"username": name, "password": "tingke-demo"},
                               timeout=60)
            reply.raise_for_status()
            tokens[name] = reply.json()["access_token"]
        with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {tokens['teacher1']}"}) as api:
            lesson = api.get(f"{bases[0]}/api/lessons?limit=1").json()["items"][0]["id"]
            rows = []
            for design in ("sse", "client_polling"):
                poll = api.post(f"{bases[0]}/api/polls", json={
                    "title": f"bench {design}", "lesson_id": lesson, "open_now": True,
                    "questions": [{"kind": "single", "prompt": "?", "options": ["a", "b", "c"]}]}).json()
                rows.append(asyncio.run(run_design(design, bases, tokens, poll, args.listeners, args.votes,
                                                   args.idle, pids)))
    finally:
        for proc, _, sock in servers:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            sock.close()
        if pg_name:
            import psycopg

            from models.db import engine_for

            engine_for(url).dispose()
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

    load = os.getloadavg()[0]
    header = ("design", "listeners", "latency_p50_ms", "latency_p95_ms", "latency_max_ms", "missed_updates",
              "idle_cpu_pct_of_core", "idle_client_requests")
    print(f"\nPoll results to {args.listeners} listeners over 2 API processes ({args.db}, load average {load:.1f})\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[h]) for h in header) + " |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"db": args.db, "api_processes": 2, "client_poll_interval_s": CLIENT_POLL, "load_average": round(load, 1),
           "rows": rows}
    (RESULTS / "poll_stream.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
