"""The burn-up: totals by status as at each day of a span, from the pure replay."""

from __future__ import annotations

from datetime import date, timedelta

from ledger.projections.replay import Timeline, Totals

WEEKLY_AFTER_DAYS = 400
"""Spans longer than this get one point a week (and always the last day)."""

Point = tuple[date, Totals]
"""One day of a burn-up and the totals as at that day."""


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
