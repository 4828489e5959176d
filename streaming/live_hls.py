"""Live HLS for the crowd (手机直播 + 延时点播): one ffmpeg per live lesson, fed from the relay.

One publisher of the room is shown: the master (the broadcaster, a dual lesson's 主讲端, as its
token says), because a 双师课堂 broadcast is the master teacher's lesson. Until the master
publishes, the first classroom that does is shown, so the crowd sees the lesson as soon as it is
live rather than a blank page; the HLS switches to the master when it arrives, and falls back to
another classroom when the shown one has been gone for ``fallback_seconds`` (setting
``live_hls_fallback_seconds``, 3 s by default; a phone reconnecting
within that time continues on the same hubs, without a switch). A switch restarts ffmpeg with
``append_list`` (a discontinuity in the playlists, numbering continues).

The shown publisher is listened to through :meth:`TrackHub.listen`; its encoded packets are muxed
with PyAV (never decoded) into MPEG-TS (Matroska for VP8) and piped into one ffmpeg process that
writes::

    media_root/live/<lesson>/hls/master.m3u8
        src/index.m3u8    the source video, copied when it is H.264 (encoded when VP8) + AAC
        low/index.m3u8    ~360p H.264 + AAC, for weak phone connections
        audio/index.m3u8  AAC only

Playlists are HLS EVENT playlists: they grow while the lesson is live and get ``#EXT-X-ENDLIST``
when the room ends, so the same segments are the replay right after the lesson. If ffmpeg dies,
it is restarted with ``append_list`` (a discontinuity, numbering continues), at most
``MAX_RESTARTS`` times per minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import av
import ffmpeg

from streaming.bitstream import vp8_dimensions
from streaming.hub import FrameListener, TrackHub
from streaming.recording import safe_label

log = logging.getLogger(__name__)

VARIANTS = ("src", "low", "audio")
MAX_RESTARTS = 5  # per RESTART_WINDOW seconds; beyond that the lesson goes on without live HLS
RESTART_WINDOW = 60.0
PIPE_QUEUE_ITEMS = 1500  # ~20 s of audio+video; a stuck ffmpeg drops packets instead of growing memory
# A relay that is killed takes its ffmpeg with it (Linux parent-death signal) instead of leaving an
# orphan that keeps a core busy; setpriv sets it before exec, without preexec_fn in a threaded process.
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []
SOURCE_BANDWIDTH = "1500k"  # announced for the copied source variant (ffmpeg cannot measure a copy)


def hls_folder(media_root: Path, lesson: str) -> Path:
    """Where a lesson's live HLS lives (the API serves it from the same place)."""
    return media_root / "live" / safe_label(lesson) / "hls"


@dataclass(frozen=True)
class InputSpec:
    """What the publisher sends: codec names of its hubs ("h264", "vp8", "opus")."""

    video: str | None
    audio: str | None

    @property
    def container(self) -> str:
        return "matroska" if self.video == "vp8" else "mpegts"


def build_command(folder: Path, spec: InputSpec, *, segment_seconds: float, low_height: int,
                  append: bool) -> list[str]:
    """The ffmpeg command line: stdin (``spec.container``) → 3-variant HLS in ``folder``."""
    source = ffmpeg.input("pipe:0", format=spec.container, analyzeduration=1_000_000, probesize=1_000_000,
                          fflags="+genpts")
    streams: list[Any] = []
    options: dict[str, Any] = {}
    variants = []
    gop = f"expr:gte(t,n_forced*{segment_seconds:g})"
    if spec.video:
        streams.append(source["v:0"])
        if spec.video == "h264":
            options["c:v:0"] = "copy"
            options["b:v:0"] = SOURCE_BANDWIDTH  # only announced in the master playlist
        else:
            streams[-1] = source["v:0"].filter("scale", -2, "min(720,ih)")
            options.update({"c:v:0": "libx264", "preset:v:0": "veryfast", "b:v:0": SOURCE_BANDWIDTH,
                            "force_key_frames:v:0": gop, "pix_fmt:v:0": "yuv420p"})
        if spec.audio:
            streams.append(source["a:0"])
        streams.append(source["v:0"].filter("scale", -2, f"min({low_height},ih)"))
        options.update({"c:v:1": "libx264", "preset:v:1": "veryfast", "tune:v:1": "zerolatency",
                        "b:v:1": "500k", "maxrate:v:1": "600k", "bufsize:v:1": "1200k",
                        "profile:v:1": "main", "force_key_frames:v:1": gop, "pix_fmt:v:1": "yuv420p"})
        if spec.audio:
            streams.append(source["a:0"])
            variants = ["v:0,a:0,name:src", "v:1,a:1,name:low", "a:2,name:audio"]
        else:
            variants = ["v:0,name:src", "v:1,name:low"]
    if spec.audio:
        streams.append(source["a:0"])
        if not spec.video:
            variants = ["a:0,name:audio"]
    if not streams:
        raise ValueError("nothing to write: the publisher sends neither audio nor video")
    if spec.audio:
        options.update({"c:a": "aac", "b:a": "96k", "ac": 1, "ar": 48000})
    flags = "independent_segments+temp_file" + ("+append_list+discont_start" if append else "")
    output = ffmpeg.output(
        *streams, str(folder / "%v" / "index.m3u8"),
        format="hls", hls_time=segment_seconds, hls_list_size=0, hls_playlist_type="event",
        hls_flags=flags, master_pl_name="master.m3u8", var_stream_map=" ".join(variants),
        hls_segment_filename=str(folder / "%v" / "seg%05d.ts"),
        # WebRTC timestamps are variable-rate: pass them through. Left to guess a constant rate,
        # ffmpeg can guess 90000 fps from the 90 kHz clock and duplicate frames by the thousand.
        fps_mode="vfr", **options,
    )
    compiled: list[str] = output.compile()
    return [*DIE_WITH_PARENT, "ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", *compiled[1:]]


@dataclass
class _Item:
    kind: str
    data: bytes
    pts: int
    clock_rate: int
    keyframe: bool


class _PipeMuxer(threading.Thread):
    """Owns the PyAV container that writes MPEG-TS/Matroska into ffmpeg's stdin (blocking I/O
    stays off the event loop). Ends on ``None`` or when ffmpeg stops reading."""

    def __init__(self, pipe: IO[bytes], spec: InputSpec) -> None:
        super().__init__(name="live-hls-mux", daemon=True)
        self.pipe = pipe
        self.spec = spec
        self.items: queue.Queue[_Item | None] = queue.Queue(PIPE_QUEUE_ITEMS)
        self.dropped = 0
        self.written = 0
        self.broken = False
        self._container: Any = None
        self._streams: dict[str, Any] = {}

    def put(self, item: _Item) -> None:
        try:
            self.items.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    def finish(self) -> None:
        with contextlib.suppress(queue.Full):
            self.items.put(None, timeout=5)

    def run(self) -> None:
        try:
            while (item := self.items.get()) is not None:
                if self.broken:
                    continue
                try:
                    self._write(item)
                except (av.FFmpegError, OSError, ValueError) as exc:
                    log.warning("live HLS: ffmpeg stopped reading (%s)", exc)
                    self.broken = True
        finally:
            self._close()

    def _open(self, first: _Item) -> None:
        self._container = av.open(self.pipe, "w", format=self.spec.container)
        if self.spec.video:
            stream = self._container.add_stream(self.spec.video)
            if self.spec.video == "vp8":
                size = vp8_dimensions(first.data) or (640, 480)
                stream.width, stream.height = size
            self._streams["video"] = stream
        if self.spec.audio:
            self._streams["audio"] = self._container.add_stream("opus", rate=48000)

    def _write(self, item: _Item) -> None:
        if self._container is None:
            if self.spec.video and (item.kind != "video" or not item.keyframe):
                return  # ffmpeg must start on a video keyframe
            self._open(item)
        packet = av.Packet(item.data)
        packet.pts = item.pts
        packet.dts = item.pts
        packet.time_base = fractions.Fraction(1, item.clock_rate)
        packet.is_keyframe = item.keyframe
        packet.stream = self._streams[item.kind]
        self._container.mux(packet)
        self.written += 1

    def _close(self) -> None:
        if self._container is not None:
            with contextlib.suppress(av.FFmpegError, OSError, ValueError):
                self._container.close()
        with contextlib.suppress(OSError):
            self.pipe.close()


@dataclass
class HlsStats:
    label: str | None = None  # the publisher shown
    switches: int = 0  # from one publisher to another
    starts: int = 0
    restarts: int = 0
    packets: int = 0
    dropped: int = 0
    pid: int | None = None
    running: bool = False
    given_up: bool = False


@dataclass
class _Candidate:
    """A publisher the HLS could show."""

    hubs: dict[str, TrackHub]
    master: bool
    order: int  # join order: the fallback among remote classrooms
    live: bool = True


@dataclass
class LiveHls:
    """The live HLS of one room: feeds one publisher's hubs to one ffmpeg, restarts it if it dies.

    ``attach(label, hubs, master=)`` when a publisher's tracks attach and ``detach(label)`` when its
    connection ends; the feed follows the preferred publisher (see the module docstring) and
    restarts on new hubs (a switch, a codec change). ``stop()`` at room end lets ffmpeg finish the
    playlists with ENDLIST.
    """

    room_id: str
    media_root: Path
    segment_seconds: float = 2.0
    low_height: int = 360
    fallback_seconds: float = 3.0  # the shown publisher dropped: wait this long before showing another
    stats: HlsStats = field(default_factory=HlsStats)
    folder: Path = field(init=False)
    label: str | None = field(default=None, init=False)  # the publisher shown
    _candidates: dict[str, _Candidate] = field(default_factory=dict, init=False)
    _fallback: asyncio.TimerHandle | None = field(default=None, init=False)
    _hubs: dict[str, TrackHub] = field(default_factory=dict, init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)
    _stopping: bool = field(default=False, init=False)
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _restart_times: list[float] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.folder = hls_folder(self.media_root, self.room_id)

    def attach(self, label: str, hubs: dict[str, TrackHub], *, master: bool = False) -> None:
        """``label``'s tracks attached (it connected, reconnected or changed codec)."""
        if self._stopping:
            return
        known = self._candidates.get(label)
        self._candidates[label] = _Candidate(dict(hubs), master, known.order if known else len(self._candidates))
        if label == self.label:
            self._cancel_fallback()  # the shown publisher is back
        self._choose()

    def detach(self, label: str) -> None:
        """``label``'s connection ended. If it is shown, another publisher is chosen once it has
        been gone for ``fallback_seconds``."""
        candidate = self._candidates.get(label)
        if candidate is None or self._stopping:
            return
        candidate.live = False
        if label == self.label and self._fallback is None:
            self._fallback = asyncio.get_running_loop().call_later(self.fallback_seconds, self._fallback_due)

    def _fallback_due(self) -> None:
        self._fallback = None
        self._choose()

    def _cancel_fallback(self) -> None:
        if self._fallback is not None:
            self._fallback.cancel()
            self._fallback = None

    def _preferred(self) -> str | None:
        """The master if it publishes, else the publisher shown now, else the first to have joined.
        The shown publisher stays eligible while its fallback wait runs."""
        eligible = [
            (label, c) for label, c in self._candidates.items()
            if (c.live or (label == self.label and self._fallback is not None))
            and any(not hub.closed for hub in c.hubs.values())
        ]
        if not eligible:
            return None
        return min(eligible, key=lambda item: (not item[1].master, item[0] != self.label, item[1].order))[0]

    def _choose(self) -> None:
        """Feed the preferred publisher's hubs: start the feed, or restart it on other hubs."""
        label = self._preferred()
        if label is None:
            return  # nobody publishes: the feed waits on the hubs it has
        hubs = self._candidates[label].hubs
        if label == self.label and {k: id(h) for k, h in hubs.items()} == {k: id(h) for k, h in self._hubs.items()}:
            return  # a reconnect onto the same hubs: the running feed just continues
        if self.label is not None and label != self.label:
            self.stats.switches += 1
            log.info("room %s: live HLS switches from %r to %r", self.room_id, self.label, label)
        self.label = self.stats.label = label
        self._hubs = dict(hubs)
        if self._task is None or (self._task.done() and not self.stats.given_up):
            self._task = asyncio.ensure_future(self._supervise())
        else:
            self._wake.set()  # new hubs: restart the feed on them

    async def stop(self) -> None:
        """The room ended: finish the playlists (ENDLIST) and wait for ffmpeg to exit."""
        self._stopping = True
        self._cancel_fallback()
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # ---- one ffmpeg run after another --------------------------------------------------------

    async def _supervise(self) -> None:
        append = (self.folder / "master.m3u8").exists()
        while not self._stopping:
            hubs = {k: h for k, h in self._hubs.items() if not h.closed}
            if not hubs:
                break
            self._wake.clear()
            ended_by = await self._run(hubs, append)
            append = True
            if ended_by == "stop" or self._stopping:
                break
            if ended_by == "died":
                now = time.monotonic()
                self._restart_times = [t for t in self._restart_times if now - t < RESTART_WINDOW] + [now]
                if len(self._restart_times) > MAX_RESTARTS:
                    log.error("room %s: live HLS ffmpeg keeps dying; giving up for this lesson", self.room_id)
                    self.stats.given_up = True
                    break
                self.stats.restarts += 1
                await asyncio.sleep(0.5)
        self.stats.running = False

    async def _run(self, hubs: dict[str, TrackHub], append: bool) -> str:
        """One ffmpeg process; returns "stop" (room ended / hubs closed), "died" or "rehub"."""
        spec = InputSpec(
            video=hubs["video"].codec.name.lower() if "video" in hubs else None,
            audio=hubs["audio"].codec.name.lower() if "audio" in hubs else None,
        )
        for variant in VARIANTS:
            (self.folder / variant).mkdir(parents=True, exist_ok=True)
        command = build_command(self.folder, spec, segment_seconds=self.segment_seconds,
                                low_height=self.low_height, append=append)
        with (self.folder.parent / "hls-ffmpeg.log").open("ab") as errors:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        assert proc.stdin is not None
        self.stats.starts += 1
        self.stats.pid = proc.pid
        self.stats.running = True
        muxer = _PipeMuxer(proc.stdin, spec)
        muxer.start()
        listeners = {kind: hub.listen() for kind, hub in hubs.items()}
        origin: list[float] = []
        feeds = [asyncio.ensure_future(self._feed(hub, listeners[kind], muxer, origin))
                 for kind, hub in hubs.items()]
        keyframes = asyncio.ensure_future(self._ask_keyframes(hubs.get("video")))
        outcome = "stop"
        try:
            while True:
                if self._stopping:
                    break
                if proc.poll() is not None or muxer.broken:
                    outcome = "died"
                    break
                if all(f.done() for f in feeds):
                    break  # the hubs closed: the room is ending
                if self._wake.is_set():
                    outcome = "rehub"
                    break
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 0.25)
        finally:
            keyframes.cancel()
            for listener in listeners.values():
                listener.close()
            for feed in feeds:
                with contextlib.suppress(asyncio.CancelledError):
                    await feed
            muxer.finish()
            await asyncio.to_thread(muxer.join, 5)
            self.stats.packets += muxer.written
            self.stats.dropped += muxer.dropped
            await asyncio.to_thread(_wait_or_kill, proc, 5.0)
            self.stats.running = False
        return outcome

    async def _feed(self, hub: TrackHub, listener: FrameListener, muxer: _PipeMuxer, origin: list[float]) -> None:
        """Packets of one hub onto a shared timeline (the earliest hub origin is t=0)."""
        offset: int | None = None
        async for packet in listener:
            if hub.origin is None:
                continue
            if not origin:
                origin.append(hub.origin)
            if offset is None:
                offset = max(0, round((hub.origin - origin[0]) * hub.clock_rate))
            muxer.put(_Item(hub.kind, bytes(packet), int(packet.pts or 0) + offset, hub.clock_rate,
                            bool(packet.is_keyframe)))

    async def _ask_keyframes(self, hub: TrackHub | None) -> None:
        """A keyframe per segment lets the copied source variant cut segments on time."""
        if hub is None:
            return
        while True:
            await asyncio.sleep(self.segment_seconds)
            hub.request_keyframe()


def _wait_or_kill(proc: subprocess.Popen[bytes], timeout: float) -> None:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def install(registry: Any, settings: Any) -> Callable[[Any], None]:
    """Give every room of ``registry`` its live HLS (when ``live_record`` and ``live_hls`` are on).

    Hooks into ``Room.publisher_hooks`` (a publisher's tracks attached), ``Room.leave_hooks`` (its
    connection ended) and ``Room.end_hooks``.
    Returns the room-opened callback (for tests)."""

    def room_opened(room: Any) -> None:
        if not (settings.live_record and settings.live_hls):
            return
        hls = LiveHls(room.id, settings.media_root, settings.live_hls_segment_seconds, settings.live_hls_low_height,
                      settings.live_hls_fallback_seconds)
        room.live_hls = hls
        room.publisher_hooks.append(lambda publisher: hls.attach(publisher.label, publisher.hubs,
                                                                 master=publisher.master))
        room.leave_hooks.append(lambda publisher: hls.detach(publisher.label))
        room.end_hooks.append(hls.stop)

    registry.room_opened.append(room_opened)
    return room_opened
