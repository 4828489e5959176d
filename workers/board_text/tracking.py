"""Text lines across the frames read: one entry per line while it stays on the board or the slide.

A line read again in a later frame is the same line, not a new one, when its text is nearly the same
(OCR jitter: a character read differently, a traditional form, punctuation) and it sits about where it
was. A line that is no longer read is closed at the time the picture changed, unless its part of the
picture did not change (then the OCR missed it this time and it is still there); one that comes back
within ``BRIDGE_SECONDS`` (the teacher stood in front of it) is the same entry again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from workers.transcripts.textnorm import to_simplified

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the picture's width and height

SAME_TEXT = 0.85  # similarity of two readings that are the same line wherever they are
SAME_TEXT_NEAR = 0.6  # ... when they overlap where they are on the picture
NEAR_IOU = 0.3
BRIDGE_SECONDS = 10.0
MIN_CHARS = 2  # Han characters, letters or digits; a lone character is too often a misread stroke

_MEANINGFUL = re.compile(r"[\w]", re.UNICODE)
_SPACES = re.compile(r"\s+")


def clean_line(raw: str) -> str:
    """What is stored and shown: simplified characters, spaces tidied."""
    return _SPACES.sub(" ", to_simplified(raw)).strip()


def match_key(text: str) -> str:
    """What two readings are compared by: full-width forms folded, no spaces or punctuation, lower case."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def meaningful(text: str) -> bool:
    return len(match_key(text)) >= MIN_CHARS and bool(_MEANINGFUL.search(text))


def iou(a: Box, b: Box) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def similarity(a: str, b: str) -> float:
    ka, kb = match_key(a), match_key(b)
    if not ka or not kb:
        return 0.0
    return SequenceMatcher(None, ka, kb, autojunk=False).ratio()


@dataclass(frozen=True)
class Seen:
    """A line read in one frame."""

    text: str
    score: float
    box: Box


@dataclass
class BoardLine:
    text: str
    start: float
    end: float
    score: float
    box: Box
    readings: int = 1


@dataclass
class LineTracker:
    open: list[BoardLine] = field(default_factory=list)
    closed: list[BoardLine] = field(default_factory=list)

    def frame(self, since: float, seen: list[Seen], still_there: Callable[[Box], bool] = lambda _box: False) -> None:
        """The lines read in a frame whose picture has shown what it shows since ``since``."""
        unmatched = [s for s in seen if meaningful(s.text)]
        pairs: list[tuple[float, int, int]] = []
        for i, s in enumerate(unmatched):
            for j, line in enumerate(self.open):
                score = _pair_score(s, line)
                if score > 0:
                    pairs.append((score, i, j))
        taken_seen: set[int] = set()
        taken_open: set[int] = set()
        for _, i, j in sorted(pairs, reverse=True):
            if i in taken_seen or j in taken_open:
                continue
            taken_seen.add(i)
            taken_open.add(j)
            _update(self.open[j], unmatched[i])
        still_open: list[BoardLine] = []
        for j, line in enumerate(self.open):
            if j in taken_open or still_there(line.box):
                still_open.append(line)
            else:
                line.end = max(line.start, since)
                self.closed.append(line)
        self.open = still_open
        for i, s in enumerate(unmatched):
            if i in taken_seen:
                continue
            back = self._recently_closed(s, since)
            if back is not None:
                self.closed.remove(back)
                _update(back, s)
                self.open.append(back)
            else:
                self.open.append(BoardLine(s.text, since, since, s.score, s.box))

    def _recently_closed(self, s: Seen, since: float) -> BoardLine | None:
        best, best_score = None, 0.0
        for line in self.closed:
            if since - line.end <= BRIDGE_SECONDS:
                score = _pair_score(s, line)
                if score > best_score:
                    best, best_score = line, score
        return best

    def finish(self, end: float) -> list[BoardLine]:
        """Every line, the ones still shown closed at ``end``, in the order they appeared (top to bottom)."""
        for line in self.open:
            line.end = max(line.start, end)
        lines = self.closed + self.open
        self.open, self.closed = [], []
        return sorted(lines, key=lambda x: (x.start, x.box[1], x.box[0]))


def _pair_score(s: Seen, line: BoardLine) -> float:
    """How surely a reading is this line (0: it is not)."""
    text = similarity(s.text, line.text)
    overlap = iou(s.box, line.box)
    if text >= SAME_TEXT or (text >= SAME_TEXT_NEAR and overlap >= NEAR_IOU):
        return text + overlap
    return 0.0


def _update(line: BoardLine, s: Seen) -> None:
    """Keep the surest reading's text (a jittery frame does not overwrite a clean one)."""
    line.readings += 1
    line.box = s.box
    if s.score > line.score:
        line.text, line.score = s.text, s.score
