"""Fan-out cost of the relay: encoded forwarding vs aiortc's MediaRelay re-encoding (baseline).

For N subscribers it measures, over a steady window:
- relay CPU (its threads' scheduler runtime, see CpuClock) per forwarded RTP packet and in % of a core per subscriber,
- the subscribers' frame rate (N receive-only peers in a separate process that count encoded
  frames without decoding, so the subscriber side is not the bottleneck),
- end-to-end latency capture -> decoded frame at a probe subscriber (frame index stamped in the
  picture; includes encode, jitter buffer and decode, so it bounds the latency the relay adds),
- late-join time: a new subscriber's wait for its first decoded frame (the late subscriber runs in its
  own process, as on its own phone).

    python bench/relay_fanout.py            # N = 1, 4, 16, 32 (MediaRelay up to 16)
    python bench/relay_fanout.py --quick    # N = 1, 4, short windows

Baselines measured in the same run: aiortc MediaRelay (decode once, re-encode per subscriber,
N up to 16), Debian's Janus VideoRoom (driven over its HTTP API, packets counted at the
subscribers; skipped when `janus` is not installed or with --no-janus), and a direct
publisher -> subscriber connection without any relay for latency (``added_latency_p95_ms`` =
probe p95 through the server minus the direct p50). ``cpu_pct_per_sub`` divides by N + 1
(the probe subscriber is also served). Before the subscribers join, the server's CPU with the
publisher alone is measured (``ingest_cpu_pct``: receiving, and for MediaRelay decoding); the
``marginal_*`` columns are the CPU above that level, i.e. what each extra viewer costs. Publishers
send no REMB-driven keyframes (see ``testkit.peers.without_bandwidth_feedback``), so late joins
measure keyframe-request forwarding.

Servers are measured N by N, each in turn (relay, MediaRelay, Janus at N = 1, then at N = 4, ...),
over ``--window`` seconds (15), with CPU time read from the scheduler in nanoseconds (see CpuClock).

Prints a markdown table and writes bench/results/relay_fanout.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import Response

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from testkit import peers  # noqa: E402
from tingke.signing import sign_token  # noqa: E402

SECRET = "bench-secret-key"
INGEST_WINDOW = 4.0  # seconds of publisher-only CPU measured before the subscribers join
SERVER_NICE = 0  # --server-nice: priority of the server under test (relay, MediaRelay, Janus alike)


def _server_priority() -> None:
    if SERVER_NICE:
        os.nice(SERVER_NICE)
CLK_TCK = os.sysconf("SC_CLK_TCK")


class CpuClock:
    """CPU time of a server process, read at two moments.

    The scheduler's per-thread runtime (schedstat, nanoseconds) is precise: at the relay's 1-3 % of
    a core, /proc/<pid>/stat's 10-ms ticks would leave +-6 % on a 10-s window. But a thread that
    exits takes its runtime along (MediaRelay's encoders are reopened, with their threads, whenever
    the bandwidth estimate moves), while the ticks keep it. So the precise figure is used unless
    the ticks show more than it by over 5 %: then threads exited and the ticks are right (and at
    such loads their 10 ms hardly matter).
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.runtime, self.ticks = self._read()

    def _read(self) -> tuple[float, float]:
        runtime = 0
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError, IndexError):
                runtime += int((task / "schedstat").read_text().split()[0])
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return runtime / 1e9, (int(fields[11]) + int(fields[12])) / CLK_TCK

    def seconds(self) -> float:
        """CPU seconds used since this clock was made."""
        runtime, ticks = self._read()
        precise, counted = runtime - self.runtime, ticks - self.ticks
        return counted if counted > 1.05 * precise + 0.02 else precise


def token(room: str, role: str, sub: str) -> str:
    return sign_token("live", {"room": room, "role": role, "mode": "broadcast", "sub": sub, "name": sub},
                      3600, key=SECRET.encode())


# ---- the baseline server: aiortc MediaRelay (decode once, encode per subscriber) ------------


def serve_transcoding() -> None:
    """Same WHIP/WHEP paths and /stats fields as the relay, but with aiortc's MediaRelay."""
    import uvicorn
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.contrib.media import MediaRelay

    from streaming.aiortc_bridge import codecs, counters

    app = FastAPI()
    media_relay = MediaRelay()
    state: dict[str, Any] = {"tracks": {}, "senders": [], "pcs": set(), "codec": None}
    counters.install_decode_counter()

    @app.post("/whip/{room}")
    async def whip(room: str, request: Request) -> Response:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        state["pcs"].add(pc)

        @pc.on("track")
        def on_track(track: Any) -> None:
            state["tracks"][track.kind] = track

        await pc.setRemoteDescription(RTCSessionDescription((await request.body()).decode(), "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        state["codec"] = {t.kind: codecs.negotiated_codec(t) for t in pc.getTransceivers()}
        return Response(pc.localDescription.sdp, 201, media_type="application/sdp",
                        headers={"Location": f"/whip/{room}/1"})

    @app.post("/whep/{room}")
    async def whep(room: str, request: Request) -> Response:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        state["pcs"].add(pc)
        for kind, track in state["tracks"].items():
            transceiver = pc.addTransceiver(media_relay.subscribe(track, buffered=False), direction="sendonly")
            codecs.restrict_codecs(transceiver, [state["codec"][kind]])
            state["senders"].append(transceiver.sender)
        await pc.setRemoteDescription(RTCSessionDescription((await request.body()).decode(), "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return Response(pc.localDescription.sdp, 201, media_type="application/sdp",
                        headers={"Location": f"/whep/{room}/{id(pc)}"})

    @app.get("/stats")
    async def stats() -> dict[str, Any]:
        return dict(counters.COUNTERS.snapshot(), pid=os.getpid(),
                    packets_out=sum(counters.sender_packet_count(s) for s in state["senders"]))

    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    print(f"relay listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, loop="asyncio", log_level="warning"))
    asyncio.run(server.serve(sockets=[sock]))


# ---- Janus VideoRoom (Debian's janus) driven over its HTTP API, non-trickle ----------------

JANUS_ROOM = 4321
CROWD_PER_PROCESS = 8


def start_janus(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Janus with a private copy of /etc/janus: HTTP transport on a free port, nothing else."""
    import random
    import shutil
    import socket
    import urllib.request

    conf = work / "janus-conf"
    shutil.rmtree(conf, ignore_errors=True)
    shutil.copytree("/etc/janus", conf)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    main = (conf / "janus.jcfg").read_text().replace('configs_folder = "/etc/janus"',
                                                      f'configs_folder = "{conf}"')
    main = main.replace("#rtp_port_range", f'rtp_port_range = "{30000 + random.randrange(20000)}-60000"\n\t#x')
    (conf / "janus.jcfg").write_text(main)
    http = (conf / "janus.transport.http.jcfg").read_text().replace("port = 8088", f"port = {port}")
    (conf / "janus.transport.http.jcfg").write_text(http.replace("admin_http = true", "admin_http = false"))
    for name in ("websockets", "pfunix", "mqtt", "nanomsg", "rabbitmq"):
        (conf / f"janus.transport.{name}.jcfg").unlink(missing_ok=True)
    proc = subprocess.Popen(["janus", "-F", str(conf), "-d", "2", "-N"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, preexec_fn=_server_priority)
    base = f"http://127.0.0.1:{port}/janus"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/info", timeout=1)
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("janus did not start")


class JanusSession:
    """One Janus session with a long-poll loop routing events to handles."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.AsyncClient(timeout=40)
        self.events: dict[int, asyncio.Queue[dict[str, Any]]] = {}
        self.url = ""
        self.poller: asyncio.Task[None] | None = None

    async def post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        body["transaction"] = os.urandom(6).hex()
        return (await self.http.post(url, json=body)).json()

    async def create(self) -> None:
        created = await self.post(self.base, {"janus": "create"})
        self.url = f"{self.base}/{created['data']['id']}"
        self.poller = asyncio.ensure_future(self._poll())

    async def attach(self) -> int:
        attached = await self.post(self.url, {"janus": "attach", "plugin": "janus.plugin.videoroom"})
        handle = int(attached["data"]["id"])
        self.events[handle] = asyncio.Queue()
        return handle

    async def message(self, handle: int, body: dict[str, Any], jsep: dict[str, Any] | None = None) -> Any:
        message: dict[str, Any] = {"janus": "message", "body": body}
        if jsep:
            message["jsep"] = jsep
        return await self.post(f"{self.url}/{handle}", message)

    async def _poll(self) -> None:
        while True:
            try:
                data = (await self.http.get(self.url, params={"maxev": "10"})).json()
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
                continue
            for event in data if isinstance(data, list) else [data]:
                queue = self.events.get(event.get("sender"))
                if queue is not None and event.get("janus") == "event":
                    queue.put_nowait(event)

    async def wait(self, handle: int, key: str) -> dict[str, Any]:
        while True:
            event = await asyncio.wait_for(self.events[handle].get(), 20)
            if key in event or key in event.get("plugindata", {}).get("data", {}):
                return event

    async def close(self) -> None:
        if self.poller:
            self.poller.cancel()
        await self.http.aclose()


async def janus_publish(base: str, clock: peers.FrameClock) -> tuple[Any, JanusSession]:
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    session = JanusSession(base)
    await session.create()
    handle = await session.attach()
    await session.message(handle, {"request": "create", "room": JANUS_ROOM, "publishers": 2,
                                   "videocodec": "h264", "bitrate": 0, "fir_freq": 0})
    await session.message(handle, {"request": "join", "ptype": "publisher", "room": JANUS_ROOM, "display": "pub"})
    await session.wait(handle, "id")
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = pc.addTransceiver(peers.StampedVideoTrack(640, 360, 30, clock), direction="sendonly")
    peers.prefer(transceiver, "video/H264")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = peers.without_bandwidth_feedback(pc.localDescription.sdp)
    await session.message(handle, {"request": "publish", "audio": False, "video": True},
                          {"type": "offer", "sdp": sdp, "trickle": False})
    event = await session.wait(handle, "jsep")
    await pc.setRemoteDescription(RTCSessionDescription(sdp=event["jsep"]["sdp"], type="answer"))
    return pc, session


async def janus_watch(session: JanusSession, clock: peers.FrameClock | None, read: bool = True) -> peers.Viewer:
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    started = time.time()
    lister = await session.attach()
    listed = await session.message(lister, {"request": "listparticipants", "room": JANUS_ROOM})
    feed = listed["plugindata"]["data"]["participants"][0]["id"]
    handle = await session.attach()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received, tasks = peers.collect_tracks(pc, read=read, clock=clock)
    await session.message(handle, {"request": "join", "ptype": "subscriber", "room": JANUS_ROOM, "feed": feed})
    event = await session.wait(handle, "jsep")
    await pc.setRemoteDescription(RTCSessionDescription(sdp=event["jsep"]["sdp"], type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    await session.message(handle, {"request": "start", "room": JANUS_ROOM},
                          {"type": "answer", "sdp": pc.localDescription.sdp, "trickle": False})
    return peers.Viewer(peers.Peer(pc, "", session.base, ""), started, received, tasks)


# ---- the subscriber crowd: N receive-only peers that count encoded frames -------------------


async def crowd(base: str, room: str, count: int, janus: bool) -> None:
    """Runs in its own process; stdin 'mark' lines delimit the measuring window."""
    from streaming.aiortc_bridge import forwarding

    forwarding.install_forwarding()  # count encoded frames; decoding 32 streams would swamp the machine
    viewers = []
    session = None
    if janus:
        session = JanusSession(base)
        await session.create()
    for n in range(count):
        if session is not None:
            viewers.append(await janus_watch(session, None))
        else:
            viewers.append(await peers.watch(base, room, token(room, "viewer", f"crowd{n}"), audio=0))
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    start = time.time()
    packets0 = await _received_packets(viewers)
    await loop.run_in_executor(None, sys.stdin.readline)
    end = time.time()
    packets1 = await _received_packets(viewers)
    rates = [v.tracks["video"].fps(start, end) if "video" in v.tracks else 0.0 for v in viewers]
    print(json.dumps({"fps": rates, "packets": packets1 - packets0}), flush=True)
    for viewer in viewers:
        await viewer.close()


async def late_joiner(base: str, room: str, janus: bool) -> None:
    """Runs in its own process, as a late viewer's own phone would: 'ready' once set up, then on a
    line of stdin joins and prints its wait for the first DECODED frame. In the measuring process
    it would share an event loop with the publisher's encoder and the probe's decoder, which at
    N = 32 (2 cores saturated by the crowd) delayed its own offer, request and reply by 0.3-0.4 s."""
    session = None
    if janus:
        session = JanusSession(base)
        await session.create()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if session is not None:
        viewer = await janus_watch(session, None)
    else:
        viewer = await peers.watch(base, room, token(room, "viewer", f"late{time.time_ns()}"), audio=0)
    deadline = time.time() + 10
    while viewer.first_frame_seconds() is None and time.time() < deadline:
        await asyncio.sleep(0.005)
    first = viewer.first_frame_seconds()
    print(json.dumps({
        "late_join_s": round(first, 3) if first is not None else None,
        "late_answer_s": round(viewer.answered - viewer.started, 3) if viewer.answered and not janus else None,
        "late_connected_s": round(viewer.connected - viewer.started, 3) if viewer.connected else None,
    }), flush=True)
    await viewer.close()
    if session is not None:
        await session.close()


async def late_join(base: str, room: str, janus: bool) -> dict[str, Any]:
    """Start a :func:`late_joiner` process, let it join once it is ready, and read what it saw."""
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--late-join", "--base", base,
                             "--room", room] + (["--janus"] if janus else []), cwd=REPO, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        ready = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30)
        if ready.strip() != b"ready":
            raise RuntimeError(f"late joiner did not start: {ready!r}")
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
        result: dict[str, Any] = json.loads(await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30))
        return result
    finally:
        proc.kill()
        proc.wait()


async def _received_packets(viewers: list[peers.Viewer]) -> int:
    total = 0
    for viewer in viewers:
        for stat in (await viewer.peer.pc.getStats()).values():
            if stat.type == "inbound-rtp":
                total += stat.packetsReceived
    return total


class Crowd:
    """N subscribers spread over processes of at most CROWD_PER_PROCESS each (one Python
    process cannot receive 32 streams), driven through their stdin."""

    def __init__(self, n: int, base: str, room: str, janus: bool) -> None:
        script = str(Path(__file__).resolve())
        full, rest = divmod(n, CROWD_PER_PROCESS)
        sizes = [CROWD_PER_PROCESS] * full + ([rest] if rest else [])
        self.procs = [
            subprocess.Popen([sys.executable, script, "--crowd", str(size), "--base", base, "--room", room]
                             + (["--janus"] if janus else []), cwd=REPO, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            for size in sizes
        ]

    async def start(self) -> None:
        for proc in self.procs:
            assert proc.stdout is not None
            ready = await asyncio.to_thread(proc.stdout.readline)
            if ready.strip() != b"ready":
                raise RuntimeError(f"crowd did not connect: {ready!r}")

    def mark(self) -> None:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(b"mark\n")
            proc.stdin.flush()

    async def results(self) -> dict[str, Any]:
        merged: dict[str, Any] = {"fps": [], "packets": 0}
        for proc in self.procs:
            assert proc.stdout is not None
            part = json.loads(await asyncio.to_thread(proc.stdout.readline))
            merged["fps"] += part["fps"]
            merged["packets"] += part["packets"]
        return merged

    def stop(self) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()


# ---- one measurement ------------------------------------------------------------------------


async def relay_stats(base: str) -> dict[str, Any]:
    """GET /stats on a fresh connection (an idle keep-alive one may be closed under us)."""
    async with httpx.AsyncClient(base_url=base, timeout=20) as http:
        return (await http.get("/stats")).json()


def start_server(mode: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = dict(os.environ, TINGKE_SECRET_KEY=SECRET, TINGKE_DATA_DIR=str(data_dir), TINGKE_LIVE_RECORD="false",
               TINGKE_LOG_LEVEL="WARNING")
    if mode == "forward":
        cmd = [sys.executable, "-m", "streaming", "--host", "127.0.0.1", "--port", "0"]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve-transcoding"]
    log = (data_dir / f"{mode}.log").open("ab")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=log, preexec_fn=_server_priority)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("relay listening on "):
        raise RuntimeError(f"{mode} server did not start: {line!r}")
    return proc, line.split()[-1]


async def measure(mode: str, n: int, warmup: float, window: float, data_dir: Path) -> dict[str, Any]:
    janus = mode == "janus"
    proc, base = start_janus(data_dir) if janus else start_server(mode, data_dir)
    room = f"bench-{mode}-{n}"
    crowd: Crowd | None = None
    janus_session: JanusSession | None = None
    try:
        clock = peers.FrameClock()
        if janus:
            publisher_pc, publisher_session = await janus_publish(base, clock)
            janus_session = JanusSession(base)
            await janus_session.create()
        else:
            # remb=False: the publisher keeps its natural keyframe interval (8.3 s), so a fast
            # late join can only come from forwarded keyframe requests.
            publisher, clock = await peers.publish(base, room, token(room, "publisher", "teacher"), audio=False,
                                                   width=640, height=360, fps=30, remb=False, clock=clock)
            publisher_pc = publisher.pc
        await asyncio.sleep(1.0)
        # the publisher alone: what receiving the lesson costs before anyone watches (MediaRelay
        # decodes here already), so the cost each extra viewer adds can be told apart from it
        pid = proc.pid if janus else (await relay_stats(base))["pid"]
        ingest_clock, ingest_t0 = CpuClock(pid), time.time()
        await asyncio.sleep(INGEST_WINDOW)
        ingest_rate = ingest_clock.seconds() / (time.time() - ingest_t0)
        crowd = Crowd(n, base, room, janus)
        await crowd.start()

        async def subscribe(read_clock: peers.FrameClock | None) -> peers.Viewer:
            if janus_session is not None:
                return await janus_watch(janus_session, read_clock)
            return await peers.watch(base, room, token(room, "viewer", f"v{time.time_ns()}"), audio=0,
                                     clock=read_clock)

        probe = await subscribe(clock)
        await asyncio.sleep(warmup)
        crowd.mark()
        probe_packets0 = await _received_packets([probe])
        relay_packets0 = 0 if janus else (await relay_stats(base))["packets_out"]
        cpu_clock, t0 = CpuClock(pid), time.time()
        probe_from = len(probe.tracks["video"].latencies) if "video" in probe.tracks else 0
        await asyncio.sleep(window)
        cpu, t1 = cpu_clock.seconds(), time.time()
        stats1 = {} if janus else await relay_stats(base)
        probe_packets1 = await _received_packets([probe])
        crowd.mark()
        crowd_result = await crowd.results()
        rates = crowd_result["fps"]
        latencies = sorted(probe.tracks["video"].latencies[probe_from:]) if "video" in probe.tracks else []
        late_parts = await late_join(base, room, janus)
        if mode == "forward":
            hubs = [h for r in (await relay_stats(base))["rooms"] for h in r["hubs"]]
            late_parts["relay_keyframe_wait_ms"] = max((h["last_keyframe_wait_ms"] for h in hubs), default=None)
            video = [h for h in hubs if h["kind"] == "video"]
            late_parts["keyframe_requests"] = sum(h["keyframe_requests"] for h in video)
            late_parts["plis_sent"] = sum(h["plis_sent"] for h in video)
        await probe.close()
        await publisher_pc.close()
        if janus:
            await publisher_session.close()
        received = crowd_result["packets"] + probe_packets1 - probe_packets0
        packets = received if janus else stats1["packets_out"] - relay_packets0
        seconds = t1 - t0
        return {
            "mode": mode, "n": n, "window_s": round(seconds, 2),
            "relay_cpu_pct": round(100 * cpu / seconds, 1),
            "cpu_pct_per_sub": round(100 * cpu / seconds / (n + 1), 2),
            "pkts_out_per_s": round(packets / seconds),
            "us_per_pkt": round(1e6 * cpu / packets, 1) if packets else None,
            "ingest_cpu_pct": round(100 * ingest_rate, 1),
            # CPU above the publisher-only level, per outbound packet and per subscriber
            "marginal_us_per_pkt": round(1e6 * (cpu - ingest_rate * seconds) / packets, 1) if packets else None,
            "marginal_pct_per_sub": round(100 * (cpu / seconds - ingest_rate) / (n + 1), 2),
            "sub_fps_mean": round(statistics.mean(rates), 1) if rates else 0.0,
            "sub_fps_min": round(min(rates), 1) if rates else 0.0,
            "latency_p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
            "latency_p95_ms": round(1000 * latencies[int(len(latencies) * 0.95)], 1) if latencies else None,
            "relay_decoders": stats1.get("decoders_created"),
            **late_parts,
        }
    finally:
        if janus_session is not None:
            await janus_session.close()
        if crowd is not None:
            crowd.stop()
        proc.terminate()
        proc.wait(timeout=20)


async def direct_latency(seconds: float) -> list[float]:
    """Baseline for latency: publisher -> subscriber with no relay (same encoder, decoder, machine)."""
    from aiortc import RTCConfiguration, RTCPeerConnection

    clock = peers.FrameClock()
    sender = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receiver = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    peers.prefer(sender.addTransceiver(peers.StampedVideoTrack(640, 360, 30, clock), direction="sendonly"),
                 "video/H264")
    received, tasks = peers.collect_tracks(receiver, clock=clock)
    await sender.setLocalDescription(await sender.createOffer())
    await receiver.setRemoteDescription(sender.localDescription)
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.setRemoteDescription(receiver.localDescription)
    await asyncio.sleep(2 + seconds)
    latencies = sorted(received["video"].latencies[60:]) if "video" in received else []
    for task in tasks:
        task.cancel()
    await sender.close()
    await receiver.close()
    return latencies


def table(rows: list[dict[str, Any]]) -> str:
    cols = ["mode", "n", "relay_cpu_pct", "cpu_pct_per_sub", "pkts_out_per_s", "us_per_pkt", "ingest_cpu_pct",
            "marginal_us_per_pkt", "marginal_pct_per_sub", "sub_fps_mean",
            "sub_fps_min", "latency_p50_ms", "latency_p95_ms", "added_latency_p95_ms", "late_join_s",
            "late_connected_s", "relay_keyframe_wait_ms", "relay_decoders", "error"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(row.get(c)) for c in cols) + " |" for row in rows]
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> None:
    data_dir = REPO / "data" / "bench-relay"
    data_dir.mkdir(parents=True, exist_ok=True)
    forward_ns = [1, 4] if args.quick else [1, 4, 16, 32]
    baseline_ns = [1, 4] if args.quick else [1, 4, 16]
    warmup, window = (2.0, 4.0) if args.quick else (3.0, args.window)
    plan = [("forward", forward_ns), ("transcode", baseline_ns)]
    janus_note = "measured"
    if shutil.which("janus") and not args.no_janus:
        plan.append(("janus", forward_ns))
    else:
        janus_note = "not measured (janus not installed or --no-janus)"
    if args.modes or args.ns:
        modes = args.modes.split(",") if args.modes else [mode for mode, _ in plan]
        plan = [(mode, [int(n) for n in args.ns.split(",")] if args.ns else ns) for mode, ns in plan if mode in modes]
    direct = await direct_latency(window)
    direct_p50 = direct[len(direct) // 2] if direct else 0.0
    print(json.dumps({"direct_latency_p50_ms": round(1000 * direct_p50, 1),
                      "direct_latency_p95_ms": round(1000 * direct[int(len(direct) * 0.95)], 1) if direct else None}),
          flush=True)
    rows = []
    # N by N, every server in turn, so a machine that gets busier or quieter during the run
    # shifts all of them at one N alike instead of favouring whichever ran first
    steps = sorted(((n, index, mode) for index, (mode, ns) in enumerate(plan) for n in ns))
    for n, _, mode in steps:
        try:
            row = await measure(mode, n, warmup, window, data_dir)
        except (TimeoutError, RuntimeError, OSError, httpx.HTTPError, KeyError) as exc:
            row = {"mode": mode, "n": n, "error": f"{type(exc).__name__}: {exc}"}
        if row.get("latency_p95_ms") is not None:
            row["added_latency_p95_ms"] = round(row["latency_p95_ms"] - 1000 * direct_p50, 1)
        print(json.dumps(row), flush=True)
        rows.append(row)
    summary: dict[str, Any] = {"direct_latency_p50_ms": round(1000 * direct_p50, 1)}

    def row_for(mode: str, n: int) -> dict[str, Any]:
        return next((r for r in rows if r["mode"] == mode and r["n"] == n and "error" not in r), {})

    for n in forward_ns:
        fwd = row_for("forward", n)
        for other in ("transcode", "janus"):
            ref = row_for(other, n)
            if fwd.get("us_per_pkt") and ref.get("us_per_pkt"):
                summary[f"{other}_over_forward_us_per_pkt_n{n}"] = round(ref["us_per_pkt"] / fwd["us_per_pkt"], 2)
            if fwd.get("marginal_us_per_pkt") and ref.get("marginal_us_per_pkt"):
                summary[f"{other}_over_forward_marginal_us_per_pkt_n{n}"] = round(
                    ref["marginal_us_per_pkt"] / fwd["marginal_us_per_pkt"], 2)
            if fwd.get("relay_cpu_pct") and ref.get("relay_cpu_pct"):
                summary[f"{other}_over_forward_cpu_n{n}"] = round(ref["relay_cpu_pct"] / fwd["relay_cpu_pct"], 2)
    fwd_rows = [r for r in rows if r["mode"] == "forward" and "error" not in r]
    summary["forward_late_join_max_s"] = max((r["late_join_s"] or 99) for r in fwd_rows) if fwd_rows else None
    summary["forward_added_latency_p95_max_ms"] = (
        max((r.get("added_latency_p95_ms") or 9999) for r in fwd_rows) if fwd_rows else None)
    print()
    print(table(rows))
    print()
    print(json.dumps(summary, indent=1))
    out = REPO / "bench" / "results" / ("relay_fanout_partial.json" if args.modes or args.ns else "relay_fanout.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "summary": summary, "quick": args.quick, "janus": janus_note,
                               "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "load_average": os.getloadavg(), "server_nice": SERVER_NICE}, indent=1))
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="N = 1, 4 with short windows")
    parser.add_argument("--serve-transcoding", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--crowd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--late-join", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--room", help=argparse.SUPPRESS)
    parser.add_argument("--janus", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-janus", action="store_true", help="skip the Janus VideoRoom comparison")
    parser.add_argument("--window", type=float, default=15.0, help="seconds of each measurement window")
    parser.add_argument("--modes", help="only these of forward,transcode,janus (writes relay_fanout_partial.json)")
    parser.add_argument("--ns", help="only these subscriber counts, e.g. 16,32")
    parser.add_argument("--server-nice", type=int, default=0,
                        help="run the server under test at this nice value (e.g. -5 on a busy shared machine)")
    args = parser.parse_args()
    global SERVER_NICE
    SERVER_NICE = args.server_nice
    if args.serve_transcoding:
        serve_transcoding()
    elif args.crowd is not None:
        asyncio.run(crowd(args.base, args.room, args.crowd, args.janus))
    elif args.late_join:
        asyncio.run(late_joiner(args.base, args.room, args.janus))
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
