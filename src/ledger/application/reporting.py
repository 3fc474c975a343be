"""Where reports come from: the SQL read model brought up to date, or the replay of the log;
and the burn-up behind a chart."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import NamedTuple

from ledger.application.ledger import Ledger
from ledger.application.store_errors import database_errors
from ledger.domain.errors import InvalidInput, LedgerError, StoreError, UnknownRef
from ledger.projections.burnup import Point, burnup
from ledger.projections.readmodel import ReadModel
from ledger.projections.replay import Timeline
from ledger.projections.report import ReplaySource, Report, Source, iso_utc

BIG_CATCH_UP = 20_000
"""A catch-up longer than this many events shows progress, where the caller can show it."""

Progress = Callable[[int], AbstractContextManager[Callable[[int], None]]]
"""Given the number of events to process, a context yielding a callback told how many are done."""


def open_read_model(app: Ledger, progress: Progress | None = None) -> ReadModel:
    """The SQL read model, caught up with the log first so a report is never stale."""
    model = ReadModel(app)
    model.create()
    lag = model.status().lag if progress is not None else 0
    if progress is not None and lag > BIG_CATCH_UP:
        start = model.status().position
        with progress(lag) as advance:
            model.catch_up(progress=lambda n: advance(n - start))
    else:
        model.catch_up()
    return model


def report_source(app: Ledger, *, warn: Callable[[str], None],
                  progress: Progress | None = None) -> Source:
    """The read model, caught up; if this database role may not write it and it is behind, the
    pure replay of the log (slower, never stale), after saying why through `warn`."""
    try:
        with database_errors():
            return open_read_model(app, progress)
    except StoreError as e:
        try:
            with database_errors():
                behind = ReadModel(app).status().lag
        except LedgerError:
            behind = -1
        if behind == 0:
            return ReadModel(app)
        why = str(e).strip().splitlines()[0]
        warn(f"note: the read model cannot be brought up to date here ({why}); "
             "answering from the log instead")
        return ReplaySource(app.stream)


def check_as_at(as_at: date, since: date | None, today: date) -> None:
    """Refuse, in one line, a position asked for a day that has not come yet, or a change
    measured from a day after the one it ends on."""
    if as_at > today:
        raise InvalidInput(f"as-at date {as_at} is in the future (today is {today}): a report "
                           "gives the position on a day that has come")
    if since is not None and since > as_at:
        raise InvalidInput(f"--since {since} is after the as-at date {as_at}: the change is "
                           "measured from an earlier date")


def meeting_label(held_on: date) -> str:
    """How a meeting is marked on a chart: `25 Jul 2016`."""
    return f"{held_on.day} {held_on:%b %Y}"


class Burnup(NamedTuple):
    """A burn-up: counts by status per day, and the meetings in its span."""

    points: list[Point]
    meetings: list[tuple[date, str]]


def _burnup(timeline: Timeline, start: date, end: date, audit: str | None) -> Burnup:
    meetings = [(m.held_on, meeting_label(m.held_on)) for m in timeline.meeting_list()
                if start <= m.held_on <= end]
    return Burnup(burnup(timeline, start, end, audit), meetings)


def report_burnup(app: Ledger, report: Report) -> Burnup:
    """The burn-up behind a report: from its first action's date to its as-at date, on its
    horizon (empty when it has no actions)."""
    timeline = Timeline.build(app.stream(), report.position.as_known_on)
    added = [a.added_on for a in report.actions]
    if not added:
        return Burnup([], [])
    return _burnup(timeline, min(added), report.position.as_at, report.audit)


def burnup_chart(app: Ledger, *, start: date | None, end: date | None, audit: str | None,
                 known: datetime) -> Burnup:
    """The burn-up from `start` (default: the first action's date) to `end` (default: the
    horizon's date), as known on `known`."""
    timeline = Timeline.build(app.stream(), known)
    last = end or known.date()
    if audit is not None and audit not in timeline.audits:
        raise UnknownRef(f"no audit {audit} as known on {iso_utc(known)}")
    if start is None:
        added = [a.added_on for a in timeline.position(last).for_audit(audit)]
        if not added:
            raise UnknownRef(f"no actions as at {last}: nothing to chart")
        start = min(added)
    if last < start:
        raise InvalidInput(f"--to {last} is before --from {start}")
    return _burnup(timeline, start, last, audit)

