"""What the operators' signals cost each API request: the request-id / metrics / access-line middleware.

The same app is built twice in this process, with and without ``RequestContextMiddleware``, and both answer
the same cheap request (``GET /api/lessons/1`` without a token: routing, the auth dependency, a 401) through
httpx's ASGI transport, no network. Rounds alternate between the two so machine noise hits both; the
figure is process CPU time per request (median over rounds). Run with ``--json-logs`` to include the
JSON access line (written to /dev/null) in the measured variant.

    python bench/request_signals.py [--rounds 10] [--requests 500] [--json-logs]

Writes bench/results/request_signals.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"


def build(with_signals: bool):  # type: ignore[no-untyped-def]
    from api.app import create_app
    from api.kit.request_context import RequestContextMiddleware

    app = create_app()
    if not with_signals:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not RequestContextMiddleware]
    return app


async def round_cpu(app, requests: int) -> float:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        await client.get("/api/lessons/1")  # warm
        started = time.process_time()
        for _ in range(requests):
            reply = await client.get("/api/lessons/1")
            assert reply.status_code == 401
        return (time.process_time() - started) / requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--json-logs", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS / "request_signals.json")
    args = parser.parse_args(argv)
    data = Path(tempfile.mkdtemp(prefix="tingke-bench-signals-"))
    os.environ.update(TINGKE_DATA_DIR=str(data), TINGKE_LOG_FORMAT="json" if args.json_logs else "text")
    from models.migrate import upgrade
    from tingke import logs
    from tingke.settings import get_settings, reset_settings

    reset_settings()
    upgrade(get_settings().db_url)
    logs.configure("INFO", "json" if args.json_logs else "text")
    logging.getLogger().handlers[0].stream = open(os.devnull, "w")  # type: ignore[attr-defined]  # noqa: SIM115
    apps = {"baseline (no signals middleware)": build(False), "with request id + metrics": build(True)}
    per_request: dict[str, list[float]] = {name: [] for name in apps}
    for index in range(args.rounds):
        order = list(apps.items()) if index % 2 == 0 else list(reversed(apps.items()))  # neither always first
        for name, app in order:
            per_request[name].append(asyncio.run(round_cpu(app, args.requests)))
    medians = {name: statistics.median(values) * 1e6 for name, values in per_request.items()}
    base, signals = medians.values()
    print(f"\n{args.rounds} rounds × {args.requests} requests, GET /api/lessons/1 → 401, ASGI in-process, "
          f"JSON access line: {'yes' if args.json_logs else 'no'}")
    print(f"| {'variant':<34} | {'CPU µs/request (median)':>24} |")
    print(f"|{'-' * 36}|{'-' * 26}|")
    for name, value in medians.items():
        print(f"| {name:<34} | {value:>24.1f} |")
    print(f"added by the signals: {signals - base:+.1f} µs per request ({(signals / base - 1) * 100:+.1f} %)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rounds": args.rounds, "requests": args.requests, "json_logs": args.json_logs,
                                    "cpu_us_per_request": medians, "added_us": signals - base,
                                    "cpus": os.cpu_count(), "load_average": os.getloadavg()}, indent=1))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
