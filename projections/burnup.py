"""The burn-up: totals by status as at each day of a span, from the pure replay."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from ledger.projections.replay import Timeline, Totals
from ledger.projections.report import LogSource, Report

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


def meeting_label(held_on: date) -> str:
    """How a meeting is marked on a chart: `25 Jul 2016`."""
    return f"{held_on.day} {held_on:%b %Y}"


class Burnup(NamedTuple):
    """A burn-up: counts by status per day, and the meetings in its span."""

    points: list[Point]
    meetings: list[tuple[date, str]]


def span(timeline: Timeline, start: date, end: date, audit: str | None) -> Burnup:
    """The burn-up from `start` to `end`, with the meetings held in that span."""
    meetings = [(m.held_on, meeting_label(m.held_on)) for m in timeline.meeting_list()
                if start <= m.held_on <= end]
    return Burnup(burnup(timeline, start, end, audit), meetings)


def report_burnup(log: LogSource, report: Report) -> Burnup:
    """The burn-up behind a report (its HTML paper's chart): from its first action's date to
    its as-at date, on its horizon (empty when it has no actions)."""
    timeline = Timeline.build(log(), report.position.as_known_on)
    added = [a.added_on for a in report.actions]
    if not added:
        return Burnup([], [])
    return span(timeline, min(added), report.position.as_at, report.audit)
