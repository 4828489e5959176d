"""Board text across frames: one entry per line while it is shown, OCR jitter folded, times kept; and which
key frames are worth reading at all (the still part of the picture changed)."""

from __future__ import annotations

import numpy as np

from workers.board_text.changes import ChangeDetector
from workers.board_text.tracking import LineTracker, Seen, clean_line

TOP: tuple[float, float, float, float] = (0.1, 0.1, 0.6, 0.18)
MIDDLE: tuple[float, float, float, float] = (0.1, 0.3, 0.7, 0.38)


def test_a_line_read_again_with_jitter_is_one_entry_from_first_to_last_sight() -> None:
    tracker = LineTracker()
    tracker.frame(4.0, [Seen(clean_line("板書：通分"), 0.91, TOP)])
    tracker.frame(8.0, [Seen("板书：通分", 0.99, (0.1, 0.1, 0.61, 0.18)), Seen("二分之一等于四分之二", 0.97, MIDDLE)])
    tracker.frame(12.0, [Seen("板书:通分", 0.95, TOP), Seen("二分之一等于四分之", 0.9, MIDDLE)])
    tracker.frame(20.0, [])  # the board was wiped
    lines = tracker.finish(30.0)
    assert [(x.text, x.start, x.end) for x in lines] == [("板书：通分", 4.0, 20.0), ("二分之一等于四分之二", 8.0, 20.0)]
    assert lines[0].readings == 3 and lines[0].score == 0.99  # the surest reading's text is kept


def test_a_line_missed_by_the_ocr_stays_while_its_pixels_did_not_change() -> None:
    tracker = LineTracker()
    tracker.frame(2.0, [Seen("同分母分数相加", 0.99, TOP), Seen("分母不变", 0.99, MIDDLE)])
    tracker.frame(6.0, [Seen("分母不变", 0.99, MIDDLE)], still_there=lambda box: box == TOP)
    lines = tracker.finish(10.0)
    assert [(x.text, x.start, x.end) for x in lines] == [("同分母分数相加", 2.0, 10.0), ("分母不变", 2.0, 10.0)]


def test_a_line_hidden_for_a_moment_is_the_same_entry_a_line_shown_again_later_a_new_one() -> None:
    tracker = LineTracker()
    tracker.frame(0.0, [Seen("最小公倍数", 0.99, TOP)])
    tracker.frame(10.0, [])  # the teacher stands in front of it
    tracker.frame(14.0, [Seen("最小公倍数", 0.98, TOP)])
    tracker.frame(20.0, [])  # the next slide
    tracker.frame(60.0, [Seen("最小公倍数", 0.99, TOP)])  # the teacher goes back to it
    lines = tracker.finish(70.0)
    assert [(x.start, x.end) for x in lines] == [(0.0, 20.0), (60.0, 70.0)]


def test_different_lines_are_not_merged_and_specks_are_dropped() -> None:
    tracker = LineTracker()
    tracker.frame(0.0, [Seen("分子相加", 0.99, TOP), Seen("分母相加", 0.99, MIDDLE), Seen("一", 0.99, (0, 0, 0.1, 0.1)),
                        Seen("·", 0.99, (0.5, 0.5, 0.51, 0.51))])
    assert sorted(x.text for x in tracker.finish(5.0)) == ["分子相加", "分母相加"]


def _frame(rng: np.random.Generator, lines: int, moving: bool) -> np.ndarray:
    """A 320×180 grey picture: a dark board with ``lines`` white strokes, a noisy moving part below it."""
    image = np.full((180, 320), 40, dtype=np.uint8)
    for n in range(lines):
        image[20 + 25 * n: 26 + 25 * n, 30:200:3] = 230
    if moving:
        image[135:] = rng.integers(0, 255, (45, 320), dtype=np.uint8)
    return image


def test_only_key_frames_whose_still_part_changed_are_read_dated_from_when_the_change_showed() -> None:
    rng = np.random.default_rng(1)
    detector = ChangeDetector()
    plan = {0: 0, 2: 0, 4: 0, 6: 1, 8: 1, 10: 1, 12: 2, 14: 2, 16: 2, 18: 2}  # t → lines written
    reads = []
    for t, lines in plan.items():
        change = detector.offer(float(t), _frame(rng, lines, moving=True))
        if change is not None:
            reads.append((t, change.since))
    # the first frame; each new line once it stands still (one key frame later), dated from its first sight
    assert reads == [(0, 0.0), (8, 6.0), (14, 12.0)]
    wiped = detector.offer(20.0, _frame(rng, 0, moving=True))
    assert wiped is None  # not still yet
    wiped = detector.offer(22.0, _frame(rng, 0, moving=True))
    assert wiped is not None and wiped.since == 20.0 and wiped.rows[1] < 0.5
