"""The stages of ``process_lesson``: ingest, (compose), transcode, storyboard, board_text, audio, transcribe,
analyse, store, index. Each stage is idempotent, keyed by (source assets, stage):

- file outputs are written under temporary names and swapped in (workers/media/files.py), and a
  marker ``.stages/<stage>.json`` records the source fingerprint, so a rerun after a crash skips
  what is already complete (a reprocess job redoes everything once);
- database rows are replaced in one transaction (delete then insert), so a rerun never
  duplicates transcript segments, assets or analytics.

Stages of other domains (board text, transcripts, analytics) are imported inside the stage that runs
them: their models (OCR, Whisper) load only when a lesson needs them, not with every worker. A stage that
cannot run (no picture to read, an OCR model missing from its wheel) is recorded in ``Job.report`` as not
run, never silently skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from models import (
    BoardTextLine,
    Job,
    Lesson,
    LessonAnalytics,
    LessonClassroom,
    MediaAsset,
    MediaKind,
    Note,
    Observation,
    TranscriptSegment,
)
from models.db import session_scope
from models.lifecycle import WHOLE_PIPELINE, JobKind
from models.search_index import index_lesson
from models.transcript_links import segment_at
from tingke.media_probe import MediaInfo, probe
from tingke.settings import get_settings
from tingke.stage_errors import StageError
from workers.jobs import Heartbeat, assert_ours, set_progress
from workers.media import files
from workers.media.compose import compose_pip
from workers.media.parts import join_parts, parts_file
from workers.media.storyboard import build_storyboard
from workers.media.subtitles import publish_subtitles
from workers.media.transcode import (
    Rendition,
    encode_ladder,
    extract_audio,
    ladder_json,
    make_audio_download,
    make_download,
    make_poster,
)
from workers.metrics import observe_stage
from workers.transcripts.corrections import corrected_lines, reapply, reassigned_spans, relink

log = logging.getLogger(__name__)

OUTPUT_KINDS = (MediaKind.hls, MediaKind.poster, MediaKind.storyboard, MediaKind.subtitles, MediaKind.composed)

# stage -> (first percent, last percent) of the job's overall progress
STAGES: dict[str, tuple[int, int]] = {
    "ingest": (0, 3), "compose": (3, 15), "transcode": (15, 40), "storyboard": (40, 43), "board_text": (43, 46),
    "audio": (46, 48), "transcribe": (48, 85), "analyse": (85, 92), "store": (92, 95), "index": (95, 99),
}

NO_SOURCE = StageError("no_recording", "这节课还没有录像", "The lesson has no recording to process")


def lesson_dir(lesson_id: int) -> Path:
    return get_settings().media_root / "lessons" / str(lesson_id)


@dataclass
class Source:
    asset_id: int
    kind: MediaKind
    path: Path
    label: str
    bytes: int
    parts: list[int] = field(default_factory=list)  # the asset ids of a label's joined parts


@dataclass
class Context:
    job_id: int
    owner: str
    kind: str
    lesson_id: int
    beat: Heartbeat
    folder: Path
    sources: list[Source]
    report: dict[str, Any] = field(default_factory=dict)
    _last_write: float = 0.0

    @property
    def fingerprint(self) -> str:
        return ";".join(f"{'+'.join(map(str, s.parts)) or s.asset_id}:{s.bytes}" for s in self.sources)

    def progress(self, stage: str, fraction: float, *, force: bool = False) -> None:
        """Write stage + overall percent, at most once a second; raises LeaseLost if taken over."""
        self.beat.check()
        now = time.monotonic()
        if not force and now - self._last_write < 1.0:
            return
        self._last_write = now
        lo, hi = STAGES[stage]
        set_progress(self.job_id, self.owner, stage, int(lo + (hi - lo) * max(0.0, min(1.0, fraction))))

    def reporter(self, stage: str) -> Callable[[float], None]:
        return lambda fraction: self.progress(stage, fraction)

    # -- stage markers ------------------------------------------------------------------------
    def _marker(self, stage: str) -> Path:
        return self.folder / ".stages" / f"{stage}.json"

    def done_before(self, stage: str) -> dict[str, Any] | None:
        """The marker's payload when this stage already completed for these sources."""
        import json

        path = self._marker(stage)
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        if data.get("fingerprint") != self.fingerprint:
            return None
        if self.kind == JobKind.reprocess and data.get("job_id") != self.job_id:
            return None
        return dict(data.get("result") or {})

    def mark_done(self, stage: str, result: dict[str, Any] | None = None) -> None:
        files.write_json(self._marker(stage), {"fingerprint": self.fingerprint, "job_id": self.job_id,
                                               "result": result or {}})

    def timed(self, stage: str, seconds: float, **extra: Any) -> None:
        self.report.setdefault("stages", {})[stage] = {"seconds": round(seconds, 3), **extra}
        observe_stage(stage, seconds, extra)


def _rel(path: Path) -> str:
    return str(path.relative_to(get_settings().media_root))


def choose_sources(session: Any, job: Job) -> list[Source]:
    """The upload the job names; else the newest of: the latest upload, or the live recordings (every
    part of each classroom label, joined in recording order: a later part never hides an earlier one;
    master classroom first)."""
    root = get_settings().media_root

    def to_source(a: MediaAsset) -> Source:
        return Source(a.id, a.kind, root / a.path, a.label, a.bytes)

    if job.asset_id is not None:
        asset = session.get(MediaAsset, job.asset_id)
        if asset is None:
            raise NO_SOURCE
        return [to_source(asset)]
    assets = session.scalars(
        select(MediaAsset).where(MediaAsset.lesson_id == job.lesson_id,
                                 MediaAsset.kind.in_([MediaKind.upload, MediaKind.live_recording]))
        .order_by(MediaAsset.id)
    ).all()
    if not assets:
        raise NO_SOURCE
    newest = assets[-1]
    if newest.kind == MediaKind.upload:
        return [to_source(newest)]
    by_label: dict[str, list[MediaAsset]] = {}
    for a in assets:
        if a.kind == MediaKind.live_recording:
            by_label.setdefault(a.label, []).append(a)
    positions = {c.label: c.position for c in session.scalars(
        select(LessonClassroom).where(LessonClassroom.lesson_id == job.lesson_id))}
    for recorded in by_label.values():
        recorded.sort(key=lambda a: (a.path, a.id))  # live/<lesson>/<label>/<UTC start>/: recording order
    ordered = sorted(by_label.values(), key=lambda p: (positions.get(p[0].label, 1000), min(a.id for a in p)))
    return [_joined(job.lesson_id, p) if len(p) > 1 else to_source(p[0]) for p in ordered]


def _joined(lesson_id: int, recorded: list[MediaAsset]) -> Source:
    """One source playing a label's parts one after another (its id and size those of all parts,
    so a new part makes every stage run again)."""
    root = get_settings().media_root
    first = recorded[0]
    target = join_parts([root / a.path for a in recorded], parts_file(lesson_dir(lesson_id), first.label))
    return Source(first.id, first.kind, target, first.label, sum(a.bytes for a in recorded),
                  parts=[a.id for a in recorded])


def run_job(job_id: int, owner: str, beat: Heartbeat) -> None:
    settings = get_settings()
    with session_scope(settings.db_url) as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        if job.kind == JobKind.refresh_transcript:  # a transcript correction: subtitles and analytics only
            from workers.transcripts.refresh import refresh_transcript

            lesson_id = job.lesson_id
            session.commit()
            report = refresh_transcript(job_id, owner, beat, lesson_id)
            with session_scope(settings.db_url) as done:
                if (row := done.get(Job, job_id)) is not None and row.owner == owner:
                    row.report = report
            return
        if job.kind not in WHOLE_PIPELINE:
            raise StageError("unknown_job", "未知的任务类型", f"Unknown job kind {job.kind!r}")
        sources = choose_sources(session, job)
        ctx = Context(job_id, owner, job.kind, job.lesson_id, beat, lesson_dir(job.lesson_id), sources)
    ctx.folder.mkdir(parents=True, exist_ok=True)
    files.clean_leftovers(ctx.folder)
    files.clean_leftovers(ctx.folder / ".stages")
    try:
        process_lesson(ctx)
    finally:
        _save_report(ctx)


def _save_report(ctx: Context) -> None:
    with session_scope(get_settings().db_url) as session:
        job = session.get(Job, ctx.job_id)
        if job is not None and job.owner == ctx.owner:
            job.report = dict(ctx.report)


def _stage(ctx: Context, name: str) -> float:
    ctx.progress(name, 0.0, force=True)
    return time.perf_counter()


def process_lesson(ctx: Context) -> None:
    started = _stage(ctx, "ingest")
    infos = [probe(s.path) for s in ctx.sources]
    ctx.timed("ingest", time.perf_counter() - started, sources=len(ctx.sources))
    main, info = ctx.sources[0].path, infos[0]

    if len(ctx.sources) > 1:
        composed = ctx.folder / "composed.mp4"
        started = _stage(ctx, "compose")
        if ctx.done_before("compose") is None or not composed.is_file():
            compose_pip([(s.path, i) for s, i in zip(ctx.sources, infos, strict=True)], composed,
                        ctx.reporter("compose"))
            ctx.mark_done("compose")
        ctx.timed("compose", time.perf_counter() - started)
        main, info = composed, probe(composed, test_decode=False)

    hls = ctx.folder / "hls"
    started = _stage(ctx, "transcode")
    transcoded = ctx.done_before("transcode")
    if transcoded is None or not (hls / "master.m3u8").is_file():
        ladder = encode_ladder(main, info, hls, ctx.reporter("transcode"))
        has_poster = make_poster(main, info, ctx.folder / "poster.jpg")
        transcoded = {"ladder": ladder_json(ladder), "poster": has_poster, "duration": info.duration,
                      "width": info.width, "height": info.height}
        ctx.mark_done("transcode", transcoded)
    ctx.timed("transcode", time.perf_counter() - started)

    started = _stage(ctx, "storyboard")
    storyboard = ctx.done_before("storyboard")
    if info.has_video and (storyboard is None or not (ctx.folder / "storyboard" / "storyboard.json").is_file()):
        top = transcoded["ladder"][-2]["name"]  # the smallest video rendition decodes fastest
        keyframes = build_storyboard(hls / top / "index.m3u8", ctx.folder / "storyboard")
        storyboard = {"count": len(keyframes)}
        ctx.mark_done("storyboard", storyboard)
    ctx.timed("storyboard", time.perf_counter() - started)

    board_lines = board_text_stage(ctx, info, transcoded)

    wav = ctx.folder / "audio.wav"
    track_wavs: list[tuple[Source, Path]] = []
    started = _stage(ctx, "audio")
    if ctx.done_before("audio") is None or not wav.is_file():
        extract_audio(main, wav, info, ctx.reporter("audio"))
        if len(ctx.sources) > 1:
            for s, i in zip(ctx.sources, infos, strict=True):
                extract_audio(s.path, ctx.folder / "tracks" / f"{s.asset_id}.wav", i)
        ctx.mark_done("audio")
    if len(ctx.sources) > 1:
        track_wavs = [(s, ctx.folder / "tracks" / f"{s.asset_id}.wav") for s in ctx.sources]
    ctx.timed("audio", time.perf_counter() - started)

    segments = transcribe_stage(ctx, wav, info.duration)
    labelled, analytics = analyse_stage(ctx, wav, track_wavs, segments, info.duration)
    store_stage(ctx, info, transcoded, labelled, analytics, board_lines)
    index_stage(ctx)


# ---- board and slide text, transcription, analysis (other domains' code) ---------------------

def board_text_stage(ctx: Context, info: MediaInfo, transcoded: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Lines read off the board and slides ({start, end, text, score, box}), cached in board_text.json;
    None when the OCR engine cannot load its models (the lesson's earlier lines are then left as they are)."""
    started = _stage(ctx, "board_text")
    videos = [r for r in transcoded["ladder"] if r.get("height")]
    if not info.has_video or not videos:
        ctx.timed("board_text", 0.0, skipped="the recording has no picture")
        return []
    import json

    cache = ctx.folder / "board_text.json"
    if ctx.done_before("board_text") is not None and cache.is_file():
        lines = list(json.loads(cache.read_text()))
        ctx.timed("board_text", time.perf_counter() - started, cached=True, lines=len(lines))
        return lines
    from workers.board_text.engine import EngineUnavailable
    from workers.board_text.reader import read_board_text

    best = ctx.folder / "hls" / videos[0]["name"] / "index.m3u8"  # the sharpest picture reads best
    try:
        found = read_board_text(best, info.duration, ctx.reporter("board_text"))
    except EngineUnavailable as exc:
        ctx.timed("board_text", time.perf_counter() - started, skipped=f"the OCR engine is unavailable: {exc}")
        return None
    lines = [{"start": x.start, "end": x.end, "text": x.text, "score": round(x.score, 4), "box": list(x.box)}
             for x in found.lines]
    files.write_json(cache, lines)
    ctx.mark_done("board_text", {"lines": len(lines)})
    ctx.timed("board_text", time.perf_counter() - started, **found.report())
    return lines


def transcribe_stage(ctx: Context, wav: Path, duration: float) -> list[dict[str, Any]]:
    """Segments as dicts {start, end, text}; cached in transcript.json so a rerun does not redo it."""
    started = _stage(ctx, "transcribe")
    cached = ctx.done_before("transcribe")
    transcript_file = ctx.folder / "transcript.json"
    if cached is not None and transcript_file.is_file():
        import json

        segments = list(json.loads(transcript_file.read_text()))
        ctx.timed("transcribe", time.perf_counter() - started, cached=True, segments=len(segments))
        return segments
    from workers.transcripts.model import ModelUnavailable
    from workers.transcripts.transcribe import transcribe

    try:
        raw = transcribe(wav, language="zh", progress=ctx.reporter("transcribe"))
    except ModelUnavailable as exc:
        raise StageError("model_missing", "语音识别模型不可用，请管理员运行 make model",
                         f"The speech recognition model is not available: {exc}") from exc
    segments = [{"start": float(s.start), "end": float(s.end), "text": s.text} for s in raw]
    files.write_json(transcript_file, segments)
    ctx.mark_done("transcribe", {"segments": len(segments)})
    ctx.timed("transcribe", time.perf_counter() - started, segments=len(segments), audio_seconds=duration)
    return segments


@dataclass
class _Timed:
    start: float
    end: float
    text: str


def analyse_stage(ctx: Context, wav: Path, tracks: list[tuple[Source, Path]], segments: list[dict[str, Any]],
                  duration: float) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Speaker-labelled segments and the analytics document."""
    started = _stage(ctx, "analyse")
    from workers.analytics.service import (
        TrackAudio,
        analyse_lesson,
        detect_speech_activity,
        label_segments_with_speaker,
    )

    if tracks:  # a live dual lesson knows whose microphone is whose: the master classroom is the teacher's
        audio = [TrackAudio(path, "teacher" if i == 0 else "student") for i, (_, path) in enumerate(tracks)]
    else:
        audio = [TrackAudio(wav)]
    timed = [_Timed(s["start"], s["end"], s["text"]) for s in segments]
    activity = detect_speech_activity(audio, duration)
    ctx.progress("analyse", 0.5)
    labelled = label_segments_with_speaker(timed, activity)
    analytics = analyse_lesson(audio, timed, duration, activity=activity)
    ctx.timed("analyse", time.perf_counter() - started)
    return [{"start": s.start, "end": s.end, "text": s.text, "speaker": s.speaker} for s in labelled], analytics


# ---- storing, indexing -----------------------------------------------------------------------

def link_notes(session: Any, lesson_id: int, segments: list[TranscriptSegment]) -> int:
    notes = session.scalars(
        select(Note).join(Observation, Note.observation_id == Observation.id).where(Observation.lesson_id == lesson_id)
    ).all()
    for note in notes:
        seg = segment_at(segments, note.t)
        note.segment_id = seg.id if seg else None
    return len(notes)


def store_stage(ctx: Context, info: MediaInfo, transcoded: dict[str, Any], segments: list[dict[str, Any]],
                analytics: dict[str, Any] | None, board_lines: list[dict[str, Any]] | None = None) -> None:
    """The subtitles (file, HLS rendition) and the downloads (video with its subtitle track, audio only),
    then one transaction: the lesson's output assets, transcript, board text, note links, analytics, duration."""
    started = _stage(ctx, "store")
    with session_scope(get_settings().db_url) as session:  # people's corrections survive the new transcript
        matched = reapply(corrected_lines(session, ctx.lesson_id), segments)
    if matched and analytics is not None:
        from workers.analytics.revise import revise_analytics

        lines = [_Timed(s["start"], s["end"], s["text"]) for s in segments]
        analytics = revise_analytics(analytics, lines, [s.get("speaker") for s in segments], reassigned_spans(matched))
    hls = ctx.folder / "hls"
    vtt = publish_subtitles(ctx.folder, [_Timed(s["start"], s["end"], s["text"]) for s in segments], info.duration)
    make_download(hls, [Rendition(**r) for r in transcoded["ladder"]], ctx.folder / "download.mp4", vtt)
    make_audio_download(hls, ctx.folder / "audio.m4a")
    settings = get_settings()
    with session_scope(settings.db_url) as session:
        lesson = session.get(Lesson, ctx.lesson_id)
        if lesson is None:
            return
        ctx.beat.check()
        assert_ours(session, ctx.job_id, ctx.owner)  # superseded (the lesson was resumed): store nothing
        session.execute(delete(MediaAsset).where(MediaAsset.lesson_id == ctx.lesson_id,
                                                 MediaAsset.kind.in_(OUTPUT_KINDS)))
        source_ids = [part for s in ctx.sources for part in (s.parts or [s.asset_id])]
        session.add(MediaAsset(
            lesson_id=ctx.lesson_id, kind=MediaKind.hls, path=_rel(hls / "master.m3u8"),
            content_type="application/vnd.apple.mpegurl", bytes=_tree_bytes(hls), duration_seconds=info.duration,
            meta={"ladder": transcoded["ladder"], "download": _rel(ctx.folder / "download.mp4"),
                  "audio_download": _rel(ctx.folder / "audio.m4a"),
                  "audio": _rel(hls / "a" / "index.m3u8"), "sources": source_ids},
        ))
        if transcoded.get("poster"):
            poster = ctx.folder / "poster.jpg"
            session.add(MediaAsset(lesson_id=ctx.lesson_id, kind=MediaKind.poster, path=_rel(poster),
                                   content_type="image/jpeg", bytes=poster.stat().st_size))
        board = ctx.folder / "storyboard" / "storyboard.json"
        if board.is_file():
            session.add(MediaAsset(lesson_id=ctx.lesson_id, kind=MediaKind.storyboard, path=_rel(board),
                                   content_type="application/json", bytes=_tree_bytes(board.parent)))
        if vtt.is_file():
            session.add(MediaAsset(lesson_id=ctx.lesson_id, kind=MediaKind.subtitles, path=_rel(vtt),
                                   content_type="text/vtt", bytes=vtt.stat().st_size))
        composed = ctx.folder / "composed.mp4"
        if len(ctx.sources) > 1 and composed.is_file():
            session.add(MediaAsset(lesson_id=ctx.lesson_id, kind=MediaKind.composed, path=_rel(composed),
                                   content_type="video/mp4", bytes=composed.stat().st_size,
                                   duration_seconds=info.duration, label="+".join(s.label for s in ctx.sources)))
        session.execute(delete(TranscriptSegment).where(TranscriptSegment.lesson_id == ctx.lesson_id))
        rows = [TranscriptSegment(lesson_id=ctx.lesson_id, asset_id=ctx.sources[0].asset_id, idx=i,
                                  start=s["start"], end=s["end"], text=s["text"], speaker=s.get("speaker"))
                for i, s in enumerate(segments)]
        session.add_all(rows)
        session.flush()
        relink(session, matched, rows)
        linked = link_notes(session, ctx.lesson_id, rows)
        if board_lines is not None:
            store_board_lines(session, ctx.lesson_id, board_lines)
        if analytics is not None:
            existing = session.get(LessonAnalytics, ctx.lesson_id)
            if existing is None:
                session.add(LessonAnalytics(lesson_id=ctx.lesson_id, data=analytics, job_id=ctx.job_id))
            else:
                existing.data, existing.job_id = analytics, ctx.job_id
        lesson.media_duration_seconds = info.duration
    ctx.timed("store", time.perf_counter() - started, segments=len(segments), notes_linked=linked)


def store_board_lines(session: Any, lesson_id: int, lines: list[dict[str, Any]]) -> None:
    session.execute(delete(BoardTextLine).where(BoardTextLine.lesson_id == lesson_id))
    session.add_all([BoardTextLine(lesson_id=lesson_id, idx=i, start=x["start"], end=x["end"], text=x["text"],
                                   score=x["score"], box=x["box"]) for i, x in enumerate(lines)])


def index_stage(ctx: Context) -> None:
    started = _stage(ctx, "index")
    with session_scope(get_settings().db_url) as session:
        index_lesson(session, ctx.lesson_id)
    ctx.timed("index", time.perf_counter() - started)


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

