"""A relay killed mid-lesson loses nothing: on start, its recordings left unfinished are closed and,
unless the publisher comes back within the reconnect grace period, registered and processed as a
normal end does.

A recording is orphaned when its manifest says ``finished: false`` and its writer is gone: the
writer named in the manifest ran on this host and its process no longer exists (or is another
process now), or, written on another host sharing the media folder, the manifest was not touched
for ``STALE_SECONDS`` (a live recording rewrites it at every segment).

Closing it: the segments the manifest lists as closed are kept; the last one, cut by the kill, is
kept only if it decodes to the end (``ffmpeg -xerror``), else it is set aside as
``<name>.undecodable`` (kept on disk, out of the recording). The manifest is then marked finished
(with ``recovered``) and the playlist ends. A recording that was closed but not yet registered (the
relay died again during the grace period) is found again by its ``recovered.registered: false``.

What happens next is the room's business (:func:`schedule`): after the grace period a lesson whose
room is not live on this relay gets its recordings registered (status processing, job queued), or,
with nothing kept, is not left live; a publisher who came back continues the same lesson and the
closed recordings become its earlier parts, registered with the rest when the room ends. A settled
lesson's live HLS (the crowd's, ``live/<lesson>/hls``) gets its ENDLIST, as a normal end gives it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streaming.live_hls import hls_folder
from streaming.recording import RecordingSummary, write_index
from tingke.timeline import timeline_seconds

log = logging.getLogger(__name__)

STALE_SECONDS = 120.0
DECODE_TIMEOUT = 60


@dataclass
class Closed:
    room: str
    summary: RecordingSummary | None  # None: nothing in it could be kept


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def orphaned(manifest: dict[str, Any], manifest_path: Path, own_boot: str) -> bool:
    """True when the recording's writer is gone (see the module's docstring)."""
    writer = manifest.get("writer") or {}
    if writer.get("boot") == own_boot:
        return False  # this process is writing it
    if writer.get("host") == socket.gethostname() and isinstance(writer.get("pid"), int):
        return writer["pid"] == os.getpid() or not _pid_alive(writer["pid"])
    return time.time() - manifest_path.stat().st_mtime > STALE_SECONDS


def find(media_root: Path, own_boot: str) -> list[Path]:
    """Recording folders to close or to register: media_root/live/<lesson>/<label>/<start>/."""
    found = []
    for manifest_path in sorted((media_root / "live").glob("*/*/*/manifest.json")):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("recording %s: unreadable manifest; left as it is", manifest_path.parent)
            continue
        recovered = manifest.get("recovered") or {}
        if manifest.get("finished"):
            unregistered = bool(recovered) and not recovered.get("registered")
        else:
            unregistered = orphaned(manifest, manifest_path, own_boot)
        if unregistered:
            found.append(manifest_path.parent)
    return found


def decodable_seconds(path: Path) -> float | None:
    """The media length of a segment that decodes without an error to its end; None otherwise."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    decode = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", str(path), "-f", "null", "-"],
                            capture_output=True, timeout=DECODE_TIMEOUT)
    if decode.returncode != 0 or decode.stderr.strip():
        return None
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "packet=pts_time,duration_time",
                            "-of", "json", str(path)], capture_output=True, text=True, timeout=DECODE_TIMEOUT)
    try:
        packets = json.loads(probe.stdout).get("packets", [])
        times = [(float(p["pts_time"]), float(p.get("duration_time") or 0)) for p in packets if "pts_time" in p]
    except (ValueError, KeyError):
        return None
    if not times:
        return None
    return round(max(t + d for t, d in times) - min(t for t, _ in times), 3)


def close(folder: Path) -> RecordingSummary | None:
    """Close one orphaned recording in place; its summary, or None when nothing could be kept."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if not manifest.get("finished"):
        segments = [dict(s) for s in manifest.get("segments", [])]
        listed = {s["file"] for s in segments}
        extension = ".mkv" if manifest.get("format") == "matroska" else ".ts"
        for stray in sorted(folder.glob(f"seg*{extension}")):  # opened but never listed (an older relay)
            if stray.name not in listed:
                last = segments[-1] if segments else None
                start = float(last["start"]) + float(last["duration"]) if last else 0.0
                segments.append({"file": stray.name, "start": round(start, 3), "duration": 0.0})
        kept = []
        for seg in segments:
            if float(seg["duration"]) > 0:
                kept.append(seg)
                continue
            seconds = decodable_seconds(folder / seg["file"])
            if seconds and seconds > 0:
                kept.append(dict(seg, duration=seconds))
                log.info("recording %s: kept the cut segment %s (%.1f s)", folder, seg["file"], seconds)
            elif (folder / seg["file"]).exists():
                os.replace(folder / seg["file"], folder / f"{seg['file']}.undecodable")
                log.warning("recording %s: the cut segment %s does not decode; set aside", folder, seg["file"])
        manifest.update(segments=kept, finished=True, duration_seconds=timeline_seconds(kept),
                        recovered={"at": time.time(), "registered": False})
        write_index(folder, manifest, float(manifest.get("segment_seconds") or 4.0))
    return summary_of(folder, manifest)


def summary_of(folder: Path, manifest: dict[str, Any]) -> RecordingSummary | None:
    segments = [s for s in manifest.get("segments", []) if float(s["duration"]) > 0]
    if not segments:
        return None
    fmt = str(manifest.get("format") or "mpegts")
    return RecordingSummary(
        label=str(manifest.get("label") or folder.parent.name),
        folder=folder,
        playlist=folder / ("index.m3u8" if fmt == "mpegts" else "segments.ffconcat"),
        format=fmt,
        duration_seconds=timeline_seconds(segments),
        bytes=sum((folder / s["file"]).stat().st_size for s in segments if (folder / s["file"]).is_file()),
        segments=segments,
        gaps=list(manifest.get("gaps", [])),
        codecs=dict(manifest.get("codecs", {})),
    )


def mark_registered(summaries: list[RecordingSummary]) -> None:
    """Note in each recovered manifest that the database has it (so the next start leaves it)."""
    for summary in summaries:
        path = summary.folder / "manifest.json"
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("recovered"):
            manifest["recovered"]["registered"] = True
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, path)


def finish_live_hls(media_root: Path, room: str) -> int:
    """End the crowd's live HLS a killed relay left growing (``#EXT-X-ENDLIST``), so the pages show it
    as the replay it now is; returns how many playlists were ended."""
    ended = 0
    for playlist in sorted(hls_folder(media_root, room).glob("*/index.m3u8")):
        text = playlist.read_text(encoding="utf-8", errors="replace")
        if "#EXT-X-ENDLIST" in text:
            continue
        tmp = playlist.with_name(playlist.name + ".tmp")
        tmp.write_text(text.rstrip("\n") + "\n#EXT-X-ENDLIST\n", encoding="utf-8")
        os.replace(tmp, playlist)
        ended += 1
    return ended


def close_all(media_root: Path, own_boot: str) -> list[Closed]:
    """Find and close every orphaned recording (blocking: run it in a thread)."""
    closed = []
    for folder in find(media_root, own_boot):
        room = folder.parent.parent.name
        try:
            closed.append(Closed(room, close(folder)))
        except (OSError, ValueError, KeyError, subprocess.SubprocessError):
            log.exception("recording %s: could not be closed; left as it is", folder)
    return closed


Settle = Callable[[str, list[RecordingSummary]], Awaitable[Any]]


def schedule(loop: asyncio.AbstractEventLoop, closed: list[Closed], grace: float, is_live: Callable[[str], bool],
             adopt: Callable[[str, list[RecordingSummary]], None], settle: Settle,
             background: Callable[[Awaitable[Any]], None], media_root: Path) -> None:
    """After ``grace`` seconds, per room: a room live again adopts its recovered recordings as earlier
    parts (``adopt``); any other is settled (``settle``: registered, or not left live) and its live
    HLS ended."""
    rooms: dict[str, list[RecordingSummary]] = {}
    for item in closed:
        rooms.setdefault(item.room, [])
        if item.summary is not None:
            rooms[item.room].append(item.summary)

    def decide(room: str, summaries: list[RecordingSummary]) -> None:
        if is_live(room):
            adopt(room, summaries)
            return
        try:
            finish_live_hls(media_root, room)
        except OSError:
            log.exception("room %s: could not end its live HLS", room)
        background(settle(room, summaries))

    for room, summaries in rooms.items():
        log.warning("room %s: %d recording(s) recovered after a relay restart; waiting %.0f s for the "
                    "publisher", room, len(summaries), grace)
        loop.call_later(grace, decide, room, summaries)
