"""Which key frames are worth reading: those where the still part of the picture changed.

Each key frame is compared, small and grey, with the last frame read. Only pixels that stand still, now
(since the key frame before) and in the frame read (since the one before it), count, so a teacher walking
past the board, a video playing on a slide or the moving pattern of a test video never makes a frame
worth reading, while a new slide, a line added to the board or a wiped board does, as soon as it stands
still (one key frame later at most).

The storyboard's key frames are not enough for this: they need a mean change of 12 % at 64×36 (a new
scene), which a line of chalk or the next slide of the same layout does not reach, and they are 320×180
thumbnails, too small to read.

The time a change is dated from is the earliest key frame already showing it (the reader reads the frame
where it stands still, but the text was there before).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

PIXEL_DIFF = 32  # grey levels: a stroke appearing or vanishing at thumbnail size
STILL_DIFF = 16  # a pixel this close to the key frame before is not moving
MIN_CHANGED = 0.001  # fraction of the picture that changed and stands still: something new to read
ALREADY = 0.6  # share of the changed pixels an earlier key frame must show to date the change from it
HISTORY = 8
NEIGHBOURS = np.ones((3, 3), dtype=np.uint8)


@dataclass(frozen=True)
class Change:
    since: float  # first key frame showing the change
    fraction: float  # of the picture changed
    rows: tuple[float, float] = (0.0, 1.0)  # the band of the picture (top, bottom as fractions) that changed


class ChangeDetector:
    """Feed key frames in time order; ``offer`` says when one should be read."""

    def __init__(self) -> None:
        self.reference: np.ndarray | None = None
        self.reference_still: np.ndarray | None = None  # its pixels that were not moving when it was taken
        self.history: deque[tuple[float, np.ndarray]] = deque(maxlen=HISTORY)

    def offer(self, t: float, small: np.ndarray) -> Change | None:
        current = small.astype(np.int16)
        previous = self.history[-1][1] if self.history else None
        if previous is not None and previous.shape == current.shape:
            # still with its neighbours: noise (sensor grain, a busy moving texture) is not still by chance
            close = (np.abs(current - previous) <= STILL_DIFF).astype(np.uint8)
            still = cv2.erode(close, NEIGHBOURS).astype(bool)
        else:
            still = np.ones(current.shape, dtype=bool)
        self.history.append((t, current))
        if self.reference is None or self.reference_still is None or self.reference.shape != current.shape:
            self._take(t, current, still)
            return Change(t, 1.0)
        changed = (np.abs(current - self.reference) > PIXEL_DIFF) & still & self.reference_still
        fraction = float(changed.mean())
        if fraction < MIN_CHANGED:
            return None
        since = t
        for earlier_t, earlier in list(self.history)[-2::-1]:
            if earlier.shape != current.shape:
                break
            shown = (np.abs(earlier - self.reference) > PIXEL_DIFF)[changed].mean()
            if shown < ALREADY:
                break
            since = earlier_t
        self._take(t, current, still)
        changed_rows = np.flatnonzero(changed.any(axis=1))
        height = current.shape[0]
        return Change(since, fraction, (float(changed_rows[0]) / height, float(changed_rows[-1] + 1) / height))

    def _take(self, t: float, current: np.ndarray, still: np.ndarray) -> None:
        self.reference, self.reference_still = current, still
        self.history.clear()
        self.history.append((t, current))
