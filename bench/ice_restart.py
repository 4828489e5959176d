"""What a phone changing networks costs a lesson: ICE restart in the same WHIP session (PATCH, RFC 9725)
against the baseline, publishing anew (a new WHIP session, what the page did before).

Both run in the same run against one relay process on loopback (recording on, live HLS off), with a real
aiortc publisher (stamped test pattern) and a decoding WHEP viewer. Per round and method it measures:
- ``signal_ms``: from the start of the reconnect to the answer (PATCH 200 / POST 201) applied,
- ``viewer_gap_ms``: the longest pause between decoded frames at the viewer around the reconnect,
- ``same_session``: whether the publisher kept its WHIP Location,
- ``gone_seen``: whether ``GET /rooms/{room}`` showed the publisher as gone during the reconnect.
The relay's recording gaps (manifest) are summed per method at the end.

    python bench/ice_restart.py [--rounds 5]

Prints a markdown table and writes bench/results/ice_restart.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from testkit import peers  # noqa: E402
from tingke.signing import sign_token  # noqa: E402

SECRET = "bench-secret-key"


def start_relay(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINGKE_")}
    env.update({"TINGKE_DATA_DIR": str(data), "TINGKE_SECRET_KEY": SECRET, "TINGKE_LOG_LEVEL": "WARNING",
                "TINGKE_LIVE_HLS": "false", "TINGKE_LIVE_GRACE_SECONDS": "30", "TINGKE_LIVE_SEGMENT_SECONDS": "2"})
    proc = subprocess.Popen([sys.executable, "-m", "streaming", "--host", "127.0.0.1", "--port", "0"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    assert line.startswith("relay listening on "), line
    return proc, line.split()[-1]


def token(room: str, role: str, sub: str) -> str:
    claims = {"room": room, "role": role, "mode": "broadcast", "sub": sub, "name": sub, "label": "", "master": True}
    return sign_token("live", claims, 3600, key=SECRET.encode())


def max_gap_ms(arrivals: list[float], since: float, until: float) -> float:
    window = [t for t in arrivals if since <= t <= until]
    return max((b - a for a, b in itertools.pairwise(window)), default=until - since) * 1000


async def watch_gone(base: str, room: str, auth: str, stop: asyncio.Event) -> bool:
    seen = False
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        while not stop.is_set():
            status = (await http.get(f"/rooms/{room}", headers={"Authorization": f"Bearer {auth}"})).json()
            seen = seen or any(p["gone"] for p in status["publishers"])
            await asyncio.sleep(0.02)
    return seen


async def one_round(base: str, method: str, room: str) -> dict[str, Any]:
    publish_token = token(room, "publisher", "1")
    publisher, _ = await peers.publish(base, room, publish_token)
    viewer = await peers.watch(base, room, token(room, "viewer", "2"))
    await viewer.frames(60, timeout=20)
    location = publisher.location
    stop = asyncio.Event()
    gone = asyncio.ensure_future(watch_gone(base, room, publish_token, stop))
    await asyncio.sleep(0.2)
    started = time.time()
    if method == "ice_restart":
        response = await publisher.restart_ice()
        assert response.status_code == 200, response.text
    else:  # the baseline: the phone's old connection is gone, it publishes anew
        await publisher.kill()
        publisher, _ = await peers.publish(base, room, publish_token)
    signalled = time.time()
    await asyncio.sleep(4)
    stop.set()
    row = {"method": method, "signal_ms": round((signalled - started) * 1000, 1),
           "viewer_gap_ms": round(max_gap_ms(viewer.tracks["video"].arrivals, started - 0.5, started + 4), 1),
           "same_session": publisher.location == location, "gone_seen": await gone}
    await viewer.close()
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        ended = (await http.post(f"/rooms/{room}/end", headers={"Authorization": f"Bearer {publish_token}"})).json()
    await publisher.pc.close()
    gaps = [g for r in ended["recordings"] for g in r["gaps"]]
    row["recording_gap_s"] = round(sum(g["end"] - g["start"] for g in gaps), 3)
    return row


async def main(rounds: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        proc, base = start_relay(Path(folder))
        try:
            rows = []
            for i in range(rounds):
                for method in ("ice_restart", "new_session"):  # interleaved: the same machine load for both
                    rows.append(await one_round(base, method, f"bench-{method}-{i}"))
                    print(rows[-1], flush=True)
            return rows
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for method in ("ice_restart", "new_session"):
        mine = [r for r in rows if r["method"] == method]
        out.append({"method": method, "rounds": len(mine),
                    "signal_ms_median": statistics.median(r["signal_ms"] for r in mine),
                    "viewer_gap_ms_median": statistics.median(r["viewer_gap_ms"] for r in mine),
                    "viewer_gap_ms_max": max(r["viewer_gap_ms"] for r in mine),
                    "same_session": sum(r["same_session"] for r in mine),
                    "gone_seen": sum(r["gone_seen"] for r in mine),
                    "recording_gap_s_total": round(sum(r["recording_gap_s"] for r in mine), 3)})
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = asyncio.run(main(args.rounds))
    table = summary(results)
    print("\n| method | rounds | signal ms (median) | viewer gap ms (median / max) | same session | gone seen "
          "| recording gaps s |")
    print("|---|---|---|---|---|---|---|")
    for r in table:
        print(f"| {r['method']} | {r['rounds']} | {r['signal_ms_median']} | {r['viewer_gap_ms_median']} / "
              f"{r['viewer_gap_ms_max']} | {r['same_session']} | {r['gone_seen']} | {r['recording_gap_s_total']} |")
    out = REPO / "bench" / "results" / "ice_restart.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": table, "rounds": results, "when": time.strftime("%Y-%m-%d %H:%M:%S"),
                               "machine": "2 cores shared with other helpers"}, indent=2))
    print(f"wrote {out}")
