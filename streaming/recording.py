"""Write what a publisher sends to disk as it is relayed: encoded packets muxed, never transcoded.

Layout, one folder per recording of one publisher label::

    media_root/live/<lesson id>/<label>/<UTC start>/
        seg00000.ts, seg00001.ts, ...   (MPEG-TS for H.264 and/or Opus; .mkv segments for VP8)
        index.m3u8                      (MPEG-TS only: an HLS EVENT playlist, ENDLIST when done)
        segments.ffconcat               (every format: ffmpeg's concat list)
        manifest.json                   (segments with start/duration, gaps, codecs, finished)

Segments are cut at a video keyframe every ``segment_seconds`` (the recorder asks the
publisher for one), so each file starts decodable. Timestamps are on the lesson clock: a
publisher who reconnects continues the same files with a jump in time (the hub's timeline
counts the wall-clock time between the last packet before and the first packet after), the
writer lists that jump in the manifest as a gap, and the playlist and concat list count it as
time (``tingke.timeline``): the recording lasts as long as the lesson did. MPEG-TS segments
can be concatenated byte for byte; every packet is flushed to its file as it is muxed, so a
killed relay loses only the packet in flight, and recovery (streaming/recovery.py) closes the rest.

The muxing runs in a thread so file I/O never delays forwarding.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fractions
import json
import logging
import os
import queue
import re
import secrets
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av

from streaming.bitstream import vp8_dimensions
from streaming.hub import TrackHub
from tingke.timeline import timeline_durations, timeline_seconds

log = logging.getLogger(__name__)

WRITE_QUEUE_ITEMS = 3000
# Packets come every 20 ms (audio) to 33 ms (video): a longer silence on every track is a publisher
# gone and back, recorded as a gap.
GAP_SECONDS = 0.5
BOOT = secrets.token_hex(4)  # tells this process from an earlier one that had the same pid


def safe_label(label: str) -> str:
    """A folder name for a classroom label (keeps CJK letters, drops path separators)."""
    cleaned = re.sub(r"[^\w\-]+", "_", label, flags=re.UNICODE).strip("._")
    return cleaned[:60] or "main"


@dataclass
class Segment:
    file: str
    start: float
    duration: float


@dataclass
class RecordingSummary:
    """What the lesson store needs to register the recording as a MediaAsset."""

    label: str
    folder: Path
    playlist: Path  # the file ffmpeg opens to read the whole recording
    format: str
    duration_seconds: float
    bytes: int
    segments: list[dict[str, Any]]
    gaps: list[dict[str, float]]
    codecs: dict[str, str]


@dataclass
class _Item:
    kind: str
    data: bytes
    pts: int  # in 1/clock_rate of its kind, on the recording's timeline
    keyframe: bool


@dataclass
class _StreamSpec:
    kind: str
    codec_name: str  # "h264", "vp8", "opus"
    clock_rate: int


class _SegmentWriter(threading.Thread):
    """Owns the PyAV containers; consumes packets from a queue."""

    def __init__(self, folder: Path, specs: dict[str, _StreamSpec], segment_seconds: float,
                 manifest_base: dict[str, Any]) -> None:
        super().__init__(name=f"recorder-{folder.name}", daemon=True)
        self.folder = folder
        self.specs = specs
        self.segment_seconds = segment_seconds
        self.manifest_base = manifest_base
        self.format = "matroska" if any(s.codec_name == "vp8" for s in specs.values()) else "mpegts"
        self.extension = ".mkv" if self.format == "matroska" else ".ts"
        self.items: queue.Queue[_Item | None] = queue.Queue(WRITE_QUEUE_ITEMS)
        self.segments: list[Segment] = []
        self.gaps: list[dict[str, float]] = []
        self.lock = threading.Lock()
        self.dropped = 0
        self.bytes = 0
        self.first_time: float | None = None
        self.last_time = 0.0
        self.finished = False
        self._container: Any = None
        self._streams: dict[str, Any] = {}
        self._segment_start = 0.0
        self._segment_last = 0.0
        self._video_size: tuple[int, int] | None = None

    # -- producer side (event loop) --
    def put(self, item: _Item) -> None:
        try:
            self.items.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    def finish(self) -> None:
        self.items.put(None)

    # -- thread --
    def run(self) -> None:
        try:
            self.write_index()
            while True:
                item = self.items.get()
                if item is None:
                    break
                try:
                    self._write(item)
                except (av.FFmpegError, OSError, ValueError):
                    log.exception("recording %s: could not write a packet", self.folder)
        finally:
            self._close_segment()
            self.finished = True
            self.write_index()

    def _write(self, item: _Item) -> None:
        spec = self.specs[item.kind]
        seconds = item.pts / spec.clock_rate
        has_video = "video" in self.specs
        starts_segment = item.keyframe if has_video else True
        if self._container is None:
            if has_video and (item.kind != "video" or not item.keyframe):
                return  # a segment must begin with a video keyframe
            self._open_segment(seconds, item)
        elif (item.kind == "video" or not has_video) and starts_segment and (
            seconds - self._segment_start >= self.segment_seconds
        ):
            self._close_segment()
            self._open_segment(seconds, item)
        packet = av.Packet(item.data)
        packet.pts = item.pts
        packet.dts = item.pts
        packet.time_base = fractions.Fraction(1, spec.clock_rate)
        packet.is_keyframe = item.keyframe
        packet.stream = self._streams[item.kind]
        self._container.mux(packet)
        self.bytes += len(item.data)
        if self.first_time is not None and seconds - self.last_time > GAP_SECONDS:
            with self.lock:
                self.gaps.append({"start": round(self.last_time, 3), "end": round(seconds, 3),
                                  "seconds": round(seconds - self.last_time, 3)})
        frame_seconds = 1 / 30 if item.kind == "video" else 0.02
        self._segment_last = max(self._segment_last, seconds + frame_seconds)
        if self.first_time is None:
            self.first_time = seconds
        self.last_time = max(self.last_time, seconds + frame_seconds)

    def _open_segment(self, start: float, first: _Item) -> None:
        name = f"seg{len(self.segments):05d}{self.extension}"
        # every packet reaches the file as it is muxed: a killed relay loses the packet in flight, not
        # the muxer's buffer (without this, seconds of a segment were still in memory)
        self._container = av.open(str(self.folder / name), "w", format=self.format,
                                  container_options={"flush_packets": "1"})
        self._streams = {}
        for kind, spec in self.specs.items():
            if spec.codec_name == "opus":
                stream = self._container.add_stream("opus", rate=48000)
            else:
                stream = self._container.add_stream(spec.codec_name)
                if spec.codec_name == "vp8":
                    size = vp8_dimensions(first.data) if first.kind == "video" else None
                    self._video_size = size or self._video_size
                    if self._video_size:
                        stream.width, stream.height = self._video_size
            self._streams[kind] = stream
        self._segment_start = start
        self._segment_last = start
        with self.lock:
            self.segments.append(Segment(name, round(start, 3), 0.0))
        self.write_index()

    def _close_segment(self) -> None:
        if self._container is None:
            return
        try:
            self._container.close()
        except (av.FFmpegError, OSError):
            log.exception("recording %s: closing a segment failed", self.folder)
        self._container = None
        with self.lock:
            self.segments[-1].duration = round(self._segment_last - self._segment_start, 3)
        self.write_index()

    def write_index(self) -> None:
        """Rewrite manifest.json, segments.ffconcat and (MPEG-TS) index.m3u8, each atomically. While
        recording, the manifest also lists the open segment (duration 0) with its start, so a relay
        killed mid-segment leaves what recovery needs (streaming/recovery.py)."""
        with self.lock:
            segments = [s for s in self.segments if s.duration > 0 or not self.finished]
            manifest = dict(
                self.manifest_base,
                format=self.format,
                segments=[s.__dict__ for s in segments],
                gaps=list(self.gaps),
                duration_seconds=self.duration,
                finished=self.finished,
                dropped_packets=self.dropped,
            )
        write_index(self.folder, manifest, self.segment_seconds)

    @property
    def duration(self) -> float:
        """What the playlist lasts: the closed segments on the lesson clock, gaps included."""
        return timeline_seconds([s.__dict__ for s in self.segments if s.duration > 0])


def write_index(folder: Path, manifest: dict[str, Any], segment_seconds: float) -> None:
    """Write a recording's manifest.json, segments.ffconcat and (MPEG-TS) index.m3u8, each atomically;
    the lists name the closed segments (duration > 0), the playlist ends (ENDLIST) once finished."""
    done = [s for s in manifest["segments"] if s["duration"] > 0]
    _write_atomic(folder / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    # each segment lasts until the next one starts: a gap after it is lesson time (tingke.timeline);
    # the timestamps go on across it, so the playlist needs no discontinuity
    lengths = timeline_durations(done)
    concat = ["ffconcat version 1.0"]
    for s, seconds in zip(done, lengths, strict=True):
        concat += [f"file {s['file']}", f"duration {seconds:.3f}"]
    _write_atomic(folder / "segments.ffconcat", "\n".join(concat) + "\n")
    if manifest["format"] == "mpegts":
        target = max([int(seconds + 0.999) for seconds in lengths] + [int(segment_seconds)])
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}",
                 "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:EVENT"]
        for s, seconds in zip(done, lengths, strict=True):
            lines += [f"#EXTINF:{seconds:.3f},", s["file"]]
        if manifest["finished"]:
            lines.append("#EXT-X-ENDLIST")
        _write_atomic(folder / "index.m3u8", "\n".join(lines) + "\n")


def writer_identity() -> dict[str, Any]:
    """Who writes a recording: recovery closes only recordings whose writer is gone."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "boot": BOOT}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class LiveRecording:
    """The recording of one publisher label in one room, fed from that label's hubs.

    Created on the publisher's first connection and fed across its reconnects (the writer
    notes the gaps); :meth:`finish` when the lesson ends.
    """

    lesson_id: str
    label: str
    root: Path
    segment_seconds: float = 4.0
    folder: Path = field(init=False)
    _writer: _SegmentWriter | None = field(default=None, init=False)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list, init=False)
    _listeners: list[Any] = field(default_factory=list, init=False)
    _origin: float | None = field(default=None, init=False)  # monotonic time of recording t=0
    _codecs: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.folder = self.root / "live" / safe_label(self.lesson_id) / safe_label(self.label) / stamp
        self.folder.mkdir(parents=True, exist_ok=True)

    def start(self, hubs: dict[str, TrackHub]) -> None:
        """Begin writing the label's hubs (called once, with every kind the publisher sends)."""
        specs = {
            kind: _StreamSpec(kind, hub.codec.name.lower(), hub.clock_rate) for kind, hub in hubs.items()
        }
        self._codecs = {kind: hub.codec.mimeType for kind, hub in hubs.items()}
        base = {"lesson": self.lesson_id, "label": self.label, "codecs": self._codecs,
                "started_at": dt.datetime.now(dt.UTC).isoformat(), "writer": writer_identity(),
                "segment_seconds": self.segment_seconds}
        self._writer = _SegmentWriter(self.folder, specs, self.segment_seconds, base)
        self._writer.start()
        for hub in hubs.values():
            listener = hub.listen()
            self._listeners.append(listener)
            self._tasks.append(asyncio.ensure_future(self._feed(hub, listener)))
        if "video" in hubs:
            self._tasks.append(asyncio.ensure_future(self._ask_keyframes(hubs["video"])))

    async def _feed(self, hub: TrackHub, listener: Any) -> None:
        offset_ticks: int | None = None
        async for packet in listener:
            if hub.origin is None or self._writer is None:
                continue
            if self._origin is None:
                self._origin = hub.origin
            if offset_ticks is None:
                offset_ticks = max(0, round((hub.origin - self._origin) * hub.clock_rate))
            self._writer.put(_Item(hub.kind, bytes(packet), int(packet.pts or 0) + offset_ticks,
                                   bool(packet.is_keyframe)))

    async def _ask_keyframes(self, hub: TrackHub) -> None:
        """Ask for a keyframe once per segment so segments are cut on time."""
        while True:
            await asyncio.sleep(self.segment_seconds)
            hub.request_keyframe()

    async def finish(self) -> RecordingSummary | None:
        """Stop, flush and close the files; None when nothing was recorded."""
        for task in self._tasks:
            task.cancel()
        for listener in self._listeners:
            listener.close()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        writer = self._writer
        if writer is None:
            return None
        writer.finish()
        await asyncio.to_thread(writer.join)
        if not writer.segments or writer.duration <= 0:
            return None
        playlist = self.folder / ("index.m3u8" if writer.format == "mpegts" else "segments.ffconcat")
        return RecordingSummary(
            label=self.label,
            folder=self.folder,
            playlist=playlist,
            format=writer.format,
            duration_seconds=writer.duration,
            bytes=writer.bytes,
            segments=[s.__dict__ for s in writer.segments if s.duration > 0],
            gaps=list(writer.gaps),
            codecs=self._codecs,
        )
