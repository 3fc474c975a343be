"""The burn-up chart: actions completed, in progress and not started over time, meetings marked.

`draw` renders the points of `ledger.projections.burnup` with matplotlib's object API (a `Figure`
of its own: no pyplot, no global backend) as SVG or PNG bytes that are the same every time for
the same points: fixed hash salt, no date in the metadata, text drawn as paths so no font file is
needed to view it.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Literal

import matplotlib as mpl
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ledger.projections.burnup import Point

EPOCH = date(1970, 1, 1)
"""matplotlib's date epoch (set explicitly when drawing): x values are days since it."""
COLOURS = {"completed": "#2e7d32", "in_progress": "#f9a825", "not_started": "#b0bec5"}
LABELS = {"completed": "Completed", "in_progress": "In progress", "not_started": "Not started"}


def draw(points: list[Point], meetings: list[tuple[date, str]],
         fmt: Literal["svg", "png"] = "svg", title: str | None = None) -> bytes:
    """The burn-up as SVG or PNG bytes: stacked areas, meeting dates as dashed lines."""
    # rc_context sets these for this drawing only and restores them after (the SVG writer reads
    # its hash salt and font type from rcParams; there is no per-figure setting for them).
    with mpl.rc_context({"svg.hashsalt": "ledger-burnup", "svg.fonttype": "path",
                         "date.epoch": "1970-01-01T00:00:00",
                         "font.family": "DejaVu Sans", "font.size": 9,
                         "axes.spines.top": False, "axes.spines.right": False}):
        fig = Figure(figsize=(9, 3.6), dpi=100)
        ax = fig.subplots()
        _plot(ax, points, meetings, title)
        fig.tight_layout()
        out = io.BytesIO()
        if fmt == "svg":
            fig.savefig(out, format="svg", metadata={"Date": None})
        else:
            fig.savefig(out, format="png", dpi=150, metadata={"Software": None})
        return out.getvalue()


def _plot(ax: Axes, points: list[Point], meetings: list[tuple[date, str]],
          title: str | None) -> None:
    if not points:
        ax.text(0.5, 0.5, "No actions in this period.", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return
    days = [d for d, _ in points]
    xs = [_x(d) for d in days]
    layers = {
        "completed": [t.completed for _, t in points],
        "in_progress": [t.in_progress for _, t in points],
        "not_started": [t.not_started for _, t in points],
    }
    ax.stackplot(xs, *layers.values(), labels=[LABELS[k] for k in layers],
                 colors=[COLOURS[k] for k in layers], step="post", linewidth=0)
    top = max((t.actions for _, t in points), default=0)
    ax.set_ylim(0, max(1, top) * 1.12)
    pad = timedelta(days=max(1, (days[-1] - days[0]).days // 80))
    ax.set_xlim(_x(days[0] - pad), _x(days[-1] + pad))
    ax.set_ylabel("Actions")
    middle = days[0] + (days[-1] - days[0]) / 2
    for held_on, label in meetings:
        if days[0] <= held_on <= days[-1]:
            ax.axvline(_x(held_on), color="#37474f", linestyle="--", linewidth=1)
            right = held_on > middle
            ax.annotate(label, xy=(_x(held_on), 1), xycoords=("data", "axes fraction"),
                        xytext=(-3 if right else 3, -3), textcoords="offset points",
                        ha="right" if right else "left", va="top", fontsize=8, color="#37474f")
    # matplotlib.dates has no annotations yet.
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)  # type: ignore[no-untyped-call,unused-ignore]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))  # type: ignore[no-untyped-call,unused-ignore]
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False)
    if title:
        ax.set_title(title, loc="left", fontsize=10)


def _x(day: date) -> float:
    return float((day - EPOCH).days)
