"""From a lesson's video to its board and slide text: key frames → changed ones → OCR → tracked lines.

A line whose pixels did not change since the frame read before (the title of a slide kept on the next
one, the lines already on a board that a new line is added to) keeps what it was read as; only new or
changed lines are recognised. Detection runs on every frame read; recognition, the costly part on a
full board, only where something is new.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from tingke.settings import get_settings
from workers.board_text.changes import ChangeDetector
from workers.board_text.engine import OcrEngine, Recognised, crop_line, get_engine
from workers.board_text.sampling import samples
from workers.board_text.tracking import BoardLine, Box, LineTracker, Seen, clean_line, iou

SAME_PLACE_IOU = 0.8
UNCHANGED_PIXELS = 0.01  # share of a line's pixels that may differ for it to count as the same picture
PIXEL_DIFF = 32
BAND_MARGIN = 0.08  # of the picture's height, around the rows that changed: a line half in the band is whole
BAND_MAX = 0.6  # a change taller than this is read over the whole picture
MIN_LINE_PIXELS = 8  # narrower or lower boxes are specks (a bullet, a dot), not lines


@dataclass
class _Read:
    """A line as read in the last frame: where, and what."""

    box: Box
    result: Recognised


@dataclass
class BoardText:
    lines: list[BoardLine]
    key_frames: int = 0
    frames_read: int = 0
    lines_recognised: int = 0
    lines_reused: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def report(self) -> dict[str, float | int]:
        return {"key_frames": self.key_frames, "frames_read": self.frames_read, "lines": len(self.lines),
                "lines_recognised": self.lines_recognised, "lines_reused": self.lines_reused,
                **{f"{k}_seconds": round(v, 3) for k, v in self.seconds.items()}}


def _box(quad: np.ndarray, width: int, height: int) -> Box:
    xs, ys = quad[:, 0], quad[:, 1]
    return (round(max(0.0, float(xs.min()) / width), 4), round(max(0.0, float(ys.min()) / height), 4),
            round(min(1.0, float(xs.max()) / width), 4), round(min(1.0, float(ys.max()) / height), 4))


def _region(grey: np.ndarray, box: Box) -> np.ndarray:
    height, width = grey.shape[:2]
    x0, y0 = int(box[0] * width), int(box[1] * height)
    x1, y1 = max(x0 + 1, round(box[2] * width)), max(y0 + 1, round(box[3] * height))
    return grey[y0:y1, x0:x1]


def unchanged(before: np.ndarray | None, now: np.ndarray, box: Box) -> bool:
    """True when this part of the picture looks as it did in the frame read before."""
    if before is None or before.shape != now.shape:
        return False
    a, b = _region(before, box), _region(now, box)
    return a.size > 0 and float((cv2.absdiff(a, b) > PIXEL_DIFF).mean()) <= UNCHANGED_PIXELS


def detect_lines(engine: OcrEngine, image: np.ndarray, rows: tuple[float, float]) -> list[np.ndarray]:
    """Line quadrilaterals over the whole picture, or only in the band of rows that changed (plus a margin);
    lines outside the band are as they were and need not be found again."""
    height = image.shape[0]
    top, bottom = max(0.0, rows[0] - BAND_MARGIN), min(1.0, rows[1] + BAND_MARGIN)
    if bottom - top > BAND_MAX:
        return engine.detect(image)
    y0, y1 = int(top * height), int(np.ceil(bottom * height))
    quads = engine.detect(np.ascontiguousarray(image[y0:y1]))
    return [q + np.array([0.0, y0], dtype=np.float32) for q in quads]


def _speck(quad: np.ndarray) -> bool:
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return bool(min(width, height) < MIN_LINE_PIXELS)


class _Clock:
    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def add(self, name: str, started: float) -> None:
        self.totals[name] = self.totals.get(name, 0.0) + time.perf_counter() - started


def read_board_text(video: Path, duration: float, progress: Callable[[float], None] | None = None,
                    engine: OcrEngine | None = None) -> BoardText:
    """Every text line shown in ``video``, each with the first and last time it was on screen."""
    engine = engine or get_engine()
    min_score = get_settings().board_text_min_score
    detector, tracker, clock = ChangeDetector(), LineTracker(), _Clock()
    result = BoardText(lines=[])
    last: list[_Read] = []
    last_grey: np.ndarray | None = None
    started = time.perf_counter()
    for sample in samples(video):
        result.key_frames += 1
        clock.add("decode", started)
        if progress is not None and duration > 0:
            progress(min(1.0, sample.t / duration))
        change = detector.offer(sample.t, sample.small)
        if change is None:
            started = time.perf_counter()
            continue
        result.frames_read += 1
        t0 = time.perf_counter()
        image = sample.image()
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        height, width = grey.shape
        quads = [q for q in detect_lines(engine, image, change.rows) if not _speck(q)]
        clock.add("detect", t0)
        t0 = time.perf_counter()
        reads: list[_Read] = []
        todo: list[tuple[_Read, np.ndarray]] = []
        for quad in quads:
            box = _box(quad, width, height)
            before = next((r for r in last if iou(r.box, box) >= SAME_PLACE_IOU), None)
            if before is not None and unchanged(last_grey, grey, box):
                reads.append(_Read(box, before.result))
                result.lines_reused += 1
            else:
                read = _Read(box, Recognised("", 0.0))
                reads.append(read)
                todo.append((read, crop_line(image, quad)))
        for (read, _), recognised in zip(todo, engine.recognise([crop for _, crop in todo]), strict=True):
            read.result = recognised
        result.lines_recognised += len(todo)
        clock.add("recognise", t0)
        seen = [Seen(clean_line(r.result.text), r.result.score, r.box) for r in reads if r.result.score >= min_score]
        before_grey = last_grey

        def still_there(box: Box, before: np.ndarray | None = before_grey, now: np.ndarray = grey) -> bool:
            return unchanged(before, now, box)

        tracker.frame(change.since, seen, still_there)
        # what the next frame compares with: these lines, and those outside the band kept from before
        inside = [r.box for r in reads]
        last = reads + [r for r in last
                        if not any(iou(r.box, b) > 0 for b in inside) and unchanged(before_grey, grey, r.box)]
        last_grey = grey
        started = time.perf_counter()
    result.lines = tracker.finish(duration)
    result.seconds = clock.totals
    return result
