"""The report's charts drawn on the server as PNG for the Word 听课记录: the radar of scores per dimension,
the S-T curve and the talk-time shares. The page draws the same charts in the browser (web/static/js/
charts.js); these are their print twins, so a document read offline or printed carries them too.

matplotlib's object API (no pyplot state) with the Agg canvas, so two requests can draw at once; it is
imported on first use so that the API starts as fast as before. Chinese labels need a CJK font: Debian's
fonts-wqy-microhei (installed by ``make setup``) or Noto Sans CJK.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

log = logging.getLogger(__name__)

CJK_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC")
DPI = 150
COLOURS = ("#2f6fb3", "#d9822b", "#3c9a5f", "#b54848", "#7a5aa6", "#8c6d31", "#c0579b", "#5f7f8f")


@dataclass(frozen=True)
class RadarSeries:
    name: str
    values: Sequence[float | None]  # one per axis, in the axes' order; None: not scored


@lru_cache(maxsize=1)
def _font() -> FontProperties:
    from matplotlib import font_manager

    for family in CJK_FAMILIES:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        return font_manager.FontProperties(fname=path)
    log.warning("no CJK font found (install fonts-wqy-microhei): the report's charts will show boxes for Chinese")
    return font_manager.FontProperties()


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _sized(font: FontProperties, size: float) -> FontProperties:
    copy = font.copy()
    copy.set_size(size)
    return copy


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def radar(axes: Sequence[str], maxima: Sequence[float], series: Sequence[RadarSeries], title: str) -> bytes:
    """Scores per dimension as shares of each dimension's maximum, one closed line per series."""
    font = _font()
    fig = _figure(5.2, 4.6)
    ax = fig.add_subplot(projection="polar")
    angles = [2 * math.pi * i / len(axes) for i in range(len(axes))]
    for i, s in enumerate(series):
        share = [(v or 0.0) / m if m else 0.0 for v, m in zip(s.values, maxima, strict=True)]
        colour = COLOURS[i % len(COLOURS)]
        ax.plot([*angles, angles[0]], [*share, share[0]], color=colour, linewidth=1.6, label=s.name)
        ax.fill([*angles, angles[0]], [*share, share[0]], color=colour, alpha=0.08)
    ax.set_xticks(angles)
    ax.set_xticklabels(axes, fontproperties=font, fontsize=9)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0])
    ax.set_yticklabels(["25%", "50%", "75%", "100%"], fontsize=7, color="#777")
    ax.set_title(title, fontproperties=font, fontsize=11, pad=14)
    ax.legend(prop=_sized(font, 8), loc="upper center", bbox_to_anchor=(0.5, -0.08),
              ncol=min(3, len(series)), frameon=False)
    return _png(fig)


def st_curve(samples: str, sample_seconds: float, title: str, x_label: str, y_label: str) -> bytes:
    """The S-T curve: a teacher sample steps right, a student sample steps up; the diagonal is balance."""
    font = _font()
    fig = _figure(4.6, 4.2)
    ax = fig.add_subplot()
    t = s = 0
    xs, ys = [0], [0]
    for code in samples:
        if code == "T":
            t += 1
        else:
            s += 1
        xs.append(t)
        ys.append(s)
    top = max(t, s, 1)
    ax.plot(xs, ys, color=COLOURS[0], linewidth=1.8)
    ax.plot([0, top], [0, top], color="#aaa", linestyle="--", linewidth=1)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel(x_label.format(seconds=f"{sample_seconds:g}"), fontproperties=font, fontsize=9)
    ax.set_ylabel(y_label.format(seconds=f"{sample_seconds:g}"), fontproperties=font, fontsize=9)
    ax.set_title(title, fontproperties=font, fontsize=11)
    ax.grid(alpha=0.3)
    return _png(fig)


def talk_shares(rows: Sequence[tuple[str, dict[str, float]]], labels: dict[str, str], title: str) -> bytes:
    """One stacked bar per row (this lesson, the norm): teacher, students, silence as percentages."""
    font = _font()
    fig = _figure(5.6, 0.9 + 0.55 * len(rows))
    ax = fig.add_subplot()
    keys = ("teacher", "students", "silence")
    left = [0.0] * len(rows)
    names = [name for name, _ in rows]
    for i, key in enumerate(keys):
        widths = [100 * shares.get(key, 0.0) for _, shares in rows]
        bars = ax.barh(names, widths, left=left, color=COLOURS[i], label=labels[key], height=0.6)
        for bar, width in zip(bars, widths, strict=True):
            if width >= 7:
                ax.text(bar.get_x() + width / 2, bar.get_y() + bar.get_height() / 2, f"{width:.0f}%",
                        ha="center", va="center", color="white", fontsize=8)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontproperties=font, fontsize=9)
    ax.set_xlabel("%", fontsize=8)
    ax.set_title(title, fontproperties=font, fontsize=11)
    ax.legend(prop=_sized(font, 8), ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.35), frameon=False)
    return _png(fig)


def chart_inputs(analytics: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(S-T result, talk-time result) out of a lesson's analytics document, each None when absent."""
    if not analytics:
        return None, None
    st = analytics.get("st") if isinstance(analytics.get("st"), dict) else None
    talk = analytics.get("talk_time") if isinstance(analytics.get("talk_time"), dict) else None
    return (st if st and st.get("samples") else None), (talk or None)
