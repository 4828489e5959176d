"""Clients that load the product as a class does, for bench/load.py and the short load test.

Viewers fetch a recorded lesson's HLS the way hls.js does; observers post notes (open loop, as a page
posts each note when it is written) and read the report; a prober asks /api/health; an uploader sends
a recording in resumable chunks. Every request is timed and checked into a :class:`Tally`.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BUFFER_AHEAD = 30.0  # hls.js maxBufferLength
REPORT_EVERY = 15.0
HEALTH_EVERY = 0.5
CLASSES = ["media", "playlist", "segment", "note", "report", "health", "upload"]


# ---- the lesson and its people ---------------------------------------------------------------------

@dataclass
class LoadWorld:
    lesson_id: int  # a ready lesson with an HLS ladder, public
    upload_lesson_id: int  # another lesson of teacher1's, for the upload
    observers: list[str]  # teachers of the lesson's school, who may observe it


def ready_lesson(db_url: str, media_root: Path, hls_src: Path, ladder: list[dict[str, Any]], duration: float,
                 observers: int, password: str) -> LoadWorld:
    """In a database with the demo community: teacher1's first lesson made ready with the ladder, and
    ``observers`` new teachers at teacher1's school (password ``password``, teacher1's too)."""
    import shutil

    from sqlalchemy import select

    from api.auth.passwords import hash_password
    from models import Lesson, LessonStatus, MediaAsset, MediaKind, User, UserRole, Visibility
    from models.db import engine_for, session_scope

    with session_scope(db_url) as session:
        teacher1 = session.scalar(select(User).where(User.username == "teacher1"))
        assert teacher1 is not None, "the demo community is not seeded"
        lessons = list(session.scalars(select(Lesson).where(Lesson.teacher_id == teacher1.id).order_by(Lesson.id)))
        lesson, upload_lesson = lessons[0], lessons[1]
        shutil.copytree(hls_src, media_root / "lessons" / str(lesson.id) / "hls")
        session.add(MediaAsset(lesson_id=lesson.id, kind=MediaKind.hls, path=f"lessons/{lesson.id}/hls/master.m3u8",
                               content_type="application/vnd.apple.mpegurl", bytes=0, duration_seconds=duration,
                               meta={"ladder": ladder, "audio": f"lessons/{lesson.id}/hls/a/index.m3u8"}))
        lesson.status, lesson.media_duration_seconds = LessonStatus.ready, duration
        lesson.visibility = Visibility.public
        digest = hash_password(password)
        names = [f"observer{i:02d}" for i in range(observers)]
        for name in names:
            session.add(User(username=name, display_name=f"观课教师{name[-2:]}", password_hash=digest,
                             role=UserRole.teacher, school_id=teacher1.school_id, subject="数学"))
        teacher1.password_hash = digest
        world = LoadWorld(lesson.id, upload_lesson.id, names)
    engine_for(db_url).dispose()
    return world


def notes_kept(db_url: str, lesson_id: int, acked: list[int]) -> tuple[int, int]:
    """(notes stored for the lesson's observations, acknowledged notes that are missing)."""
    from sqlalchemy import func, select

    from models import Note, Observation
    from models.db import engine_for, session_scope

    with session_scope(db_url) as session:
        stored = session.scalar(select(func.count(Note.id)).join(Observation)
                                .where(Observation.lesson_id == lesson_id)) or 0
        present = set(session.scalars(select(Note.id).where(Note.id.in_(acked))))
    engine_for(db_url).dispose()
    return int(stored), len(set(acked) - present)


# ---- the lesson's media ----------------------------------------------------------------------

def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def prepared_ladder(cache: Path, seconds: int = 60, size: str = "1280x720") -> tuple[Path, list[dict[str, Any]], float]:
    """An HLS ladder of a synthetic lesson, made once by the workers' own encoder and cached."""
    from tingke.media_probe import probe
    from workers.media.transcode import encode_ladder, ladder_json

    hls = cache / "hls"
    meta = cache / "ladder.json"
    if not meta.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        source = cache / "source.mp4"
        ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
               "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}", "-c:v", "libx264",
               "-preset", "veryfast", "-profile:v", "main", "-b:v", "1800k", "-g", "50", "-pix_fmt", "yuv420p",
               "-c:a", "aac", "-shortest", str(source))
        info = probe(source)
        ladder = encode_ladder(source, info, hls)
        meta.write_text(json.dumps({"ladder": ladder_json(ladder), "duration": info.duration}))
    data = json.loads(meta.read_text())
    return hls, data["ladder"], float(data["duration"])


# ---- the clients ----------------------------------------------------------------------------------

@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    notes_acked: list[int] = field(default_factory=list)
    notes_sent: int = 0

    async def call(self, kind: str, client: httpx.AsyncClient, method: str, url: str,
                   expect: tuple[int, ...] = (200,), **kwargs: Any) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            reply = await client.request(method, url, **kwargs)
            await reply.aread()
        except (httpx.HTTPError, OSError) as exc:
            self._error(kind, f"{kind} {method} {url.split('?')[0]}: {type(exc).__name__}")
            return None
        self.latencies[kind].append(time.perf_counter() - started)
        if reply.status_code not in expect:
            self._error(kind, f"{kind} {method} {url.split('?')[0]}: HTTP {reply.status_code} {reply.text[:120]}")
            return None
        return reply

    def fail(self, kind: str, text: str) -> None:
        """A wrong answer that was not an HTTP error (e.g. a write acknowledged but not visible)."""
        self._error(kind, text)

    def _error(self, kind: str, text: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(text)


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    for attempt in range(10):
        reply = await client.post("/api/auth/token", data={"username": username, "password": password})
        if reply.status_code == 200:
            return {"Authorization": f"Bearer {reply.json()['access_token']}"}
        await asyncio.sleep(0.5 * (attempt + 1))
    raise RuntimeError(f"{username} could not sign in: {reply.status_code} {reply.text[:200]}")


def playlist_uris(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def segment_lengths(text: str) -> list[float]:
    return [float(m) for m in re.findall(r"#EXTINF:([0-9.]+)", text)]


async def viewer(n: int, client: httpx.AsyncClient, headers: dict[str, str], lesson_id: int, tally: Tally,
                 stop_at: float) -> None:
    await asyncio.sleep(n * 0.1)  # a class joins over ten seconds
    media = await tally.call("media", client, "GET", f"/api/lessons/{lesson_id}/media", headers=headers)
    if media is None:
        return
    master = await tally.call("playlist", client, "GET", media.json()["hls"])
    if master is None:
        return
    variants = playlist_uris(master.text)
    variant_url = variants[n % len(variants)]
    variant = await tally.call("playlist", client, "GET", variant_url)
    if variant is None:
        return
    base = variant_url.split("?")[0].rsplit("/", 1)[0]
    segments = [uri if uri.startswith("/") else f"{base}/{uri}" for uri in playlist_uris(variant.text)]
    lengths = segment_lengths(variant.text)
    started = time.monotonic()
    buffered, i = 0.0, 0
    while time.monotonic() < stop_at:
        played = time.monotonic() - started
        if buffered - played >= BUFFER_AHEAD:
            await asyncio.sleep(min(buffered - played - BUFFER_AHEAD + 0.05, stop_at - time.monotonic()))
            continue
        if await tally.call("segment", client, "GET", segments[i % len(segments)]) is None:
            await asyncio.sleep(1.0)  # hls.js retries after a moment
            continue
        buffered += lengths[i % len(lengths)]
        i += 1


async def observer(n: int, count: int, client: httpx.AsyncClient, headers: dict[str, str], lesson_id: int,
                   length: float, rate: float, tally: Tally, stop_at: float, *, read_back: bool = False,
                   together: bool = False) -> None:
    """Post this observer's share of ``rate`` notes/s and read the report every 15 s. With ``read_back``,
    read the observation again after each acknowledged note, as the page does: the note must be there.
    With ``together``, every observer writes at the same instants (the moment a lesson turns)."""
    period = count / rate  # each observer's share of the notes per second
    await asyncio.sleep(0.0 if together else period * n / count)
    started = await tally.call("note", client, "POST", f"/api/lessons/{lesson_id}/observations", expect=(201,),
                               headers=headers, json={})
    if started is None:
        return
    obs_id = started.json()["id"]
    next_note, next_report = time.monotonic(), time.monotonic() + REPORT_EVERY * n / count
    k = 0
    pending: set[asyncio.Task[None]] = set()
    while True:
        now = time.monotonic()
        if now >= stop_at:
            if pending:
                await asyncio.wait(pending, timeout=30)  # the drain is bounded
            return
        if now >= next_report:
            await tally.call("report", client, "GET", f"/api/lessons/{lesson_id}/report", headers=headers)
            next_report += REPORT_EVERY
        if now >= next_note:  # open loop, as a page posts each note when it is written, replies or not
            k += 1
            tally.notes_sent += 1
            body = {"t": round((now * 7 + n) % length, 1), "text": f"第{k}条：学生回答问题，教师追问"}
            pending.add(asyncio.create_task(post_note(client, headers, obs_id, body, tally, read_back)))
            next_note += period
        await asyncio.sleep(max(0.0, min(next_note, next_report) - time.monotonic()))
        pending = {task for task in pending if not task.done()}


async def post_note(client: httpx.AsyncClient, headers: dict[str, str], obs_id: int, body: dict[str, Any],
                    tally: Tally, read_back: bool = False) -> None:
    reply = await tally.call("note", client, "POST", f"/api/observations/{obs_id}/notes", expect=(201,),
                             headers=headers, json=body)
    if reply is None:
        return
    note_id = reply.json()["id"]
    tally.notes_acked.append(note_id)
    if read_back:
        again = await tally.call("report", client, "GET", f"/api/observations/{obs_id}", headers=headers)
        if again is not None and note_id not in {note["id"] for note in again.json()["notes"]}:
            tally.fail("note", f"note {note_id} acknowledged (201) but not in the observation read right after")


async def prober(client: httpx.AsyncClient, tally: Tally, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        await tally.call("health", client, "GET", "/api/health")
        await asyncio.sleep(HEALTH_EVERY)


async def uploader(client: httpx.AsyncClient, headers: dict[str, str], lesson_id: int, sample: Path,
                   tally: Tally) -> int | None:
    await asyncio.sleep(5.0)
    data = sample.read_bytes()
    made = await tally.call("upload", client, "POST", f"/api/lessons/{lesson_id}/recording", expect=(201,),
                            headers=headers, json={"size": len(data), "filename": "第二课时.mp4"})
    if made is None:
        return None
    url, offset = made.json()["url"], 0
    while offset < len(data):
        reply = await tally.call("upload", client, "PATCH", url, headers={
            **headers, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
            content=data[offset: offset + 1024 * 1024])
        if reply is None:
            return None
        body = reply.json()
        offset = body["offset"]
        if body.get("complete"):
            return int(body["job_id"])
    return None


