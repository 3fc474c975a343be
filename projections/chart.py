"""The burn-up chart: actions completed, in progress and not started over time, meetings marked.

`burnup` computes the points from the pure replay (the same totals the reports give, one point a
day, or a week over long spans); `draw` renders them with matplotlib (Agg, no display) as SVG or
PNG bytes that are the same every time for the same points: fixed hash salt, no date in the
metadata, text drawn as paths so no font file is needed to view it.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Literal

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from ledger.projections.replay import Timeline, Totals  # noqa: E402

WEEKLY_AFTER_DAYS = 400
"""Spans longer than this get one point a week (and always the last day)."""

COLOURS = {"completed": "#2e7d32", "in_progress": "#f9a825", "not_started": "#b0bec5"}
LABELS = {"completed": "Completed", "in_progress": "In progress", "not_started": "Not started"}
Point = tuple[date, Totals]


def burnup(timeline: Timeline, start: date, end: date, audit: str | None = None) -> list[Point]:
    """Totals as at each day from `start` to `end` (each week when the span is long)."""
    if end < start:
        return []
    step = timedelta(days=7 if (end - start).days > WEEKLY_AFTER_DAYS else 1)
    days = []
    day = start
    while day < end:
        days.append(day)
        day += step
    days.append(end)
    return [(d, timeline.position(d).totals(audit)) for d in days]


def draw(points: list[Point], meetings: list[tuple[date, str]],
         fmt: Literal["svg", "png"] = "svg", title: str | None = None) -> bytes:
    """The burn-up as SVG or PNG bytes: stacked areas, meeting dates as dashed lines."""
    with plt.rc_context({"svg.hashsalt": "ledger-burnup", "svg.fonttype": "path",
                         "font.family": "DejaVu Sans", "font.size": 9,
                         "axes.spines.top": False, "axes.spines.right": False}):
        fig, ax = plt.subplots(figsize=(9, 3.6), dpi=100)
        try:
            _plot(ax, points, meetings, title)
            fig.tight_layout()
            out = io.BytesIO()
            if fmt == "svg":
                fig.savefig(out, format="svg", metadata={"Date": None})
            else:
                fig.savefig(out, format="png", dpi=150, metadata={"Software": None})
            return out.getvalue()
        finally:
            plt.close(fig)


def _plot(ax: plt.Axes, points: list[Point], meetings: list[tuple[date, str]],
          title: str | None) -> None:
    if not points:
        ax.text(0.5, 0.5, "No actions in this period.", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return
    days = [d for d, _ in points]
    layers = {
        "completed": [t.completed for _, t in points],
        "in_progress": [t.in_progress for _, t in points],
        "not_started": [t.not_started for _, t in points],
    }
    ax.stackplot(days, *layers.values(), labels=[LABELS[k] for k in layers],
                 colors=[COLOURS[k] for k in layers], step="post", linewidth=0)
    top = max((t.actions for _, t in points), default=0)
    ax.set_ylim(0, max(1, top) * 1.12)
    ax.set_xlim(days[0], days[-1])
    ax.set_ylabel("Actions")
    for held_on, label in meetings:
        if days[0] <= held_on <= days[-1]:
            ax.axvline(held_on, color="#37474f", linestyle="--", linewidth=1)
            ax.annotate(label, xy=(mdates.date2num(held_on), 1), xycoords=("data", "axes fraction"),
                        xytext=(3, -3), textcoords="offset points", ha="left", va="top",
                        fontsize=8, color="#37474f")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
