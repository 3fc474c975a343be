"""Where reports come from: the SQL read model brought up to date, or the replay of the log;
and the burn-up behind a chart."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger.application.ledger import Ledger
from ledger.application.store_errors import database_errors
from ledger.domain import events as ev
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import InvalidInput, LedgerError, StoreError, UnknownRef
from ledger.projections.burnup import Burnup, span
from ledger.projections.burnup import report_burnup as burnup_of_report
from ledger.projections.readmodel import ReadModel
from ledger.projections.render.data import action_json
from ledger.projections.replay import ActionState, Position, Timeline, Totals, natural_key
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


def bring_read_model_along(app: Ledger, progress: Progress | None = None) -> bool:
    """Catch the read model up right after a large write (an import), so the next report does
    not pay for it; False, and nothing said, when it cannot be (this role may not write it, or
    it is inconsistent with the log): the write stands, and the next report says why."""
    try:
        with database_errors():
            open_read_model(app, progress)
    except LedgerError:
        return False
    return True


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


def report_burnup(app: Ledger, report: Report) -> Burnup:
    """The burn-up behind a report: from its first action's date to its as-at date, on its
    horizon (empty when it has no actions)."""
    return burnup_of_report(app.stream, report)


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
    return span(timeline, start, last, audit)



# -- listing records: `ledger list` and the actions `ledger show` names ---------------------

@dataclass(frozen=True)
class Listing:
    """Records of one kind as at a date, as known on a horizon, each as a JSON-ready row."""

    kind: str
    as_at: date
    as_known_on: datetime
    fingerprint: Fingerprint
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class ActionFilter:
    """Which actions to list: all of them unless told (owner ignoring case; `outstanding`
    means not started or in progress)."""

    owner: str | None = None
    statuses: tuple[str, ...] = ()
    overdue: bool = False
    audit: str | None = None
    recommendation: str | None = None

    def keeps(self, a: ActionState) -> bool:
        """Whether action `a` passes every filter given."""
        wanted = {s for w in self.statuses
                  for s in (OUTSTANDING if w == "outstanding" else (w,))}
        return ((self.owner is None or (a.owner or "").casefold() == self.owner.casefold())
                and (not wanted or a.status.value in wanted)
                and (not self.overdue or a.overdue)
                and (self.audit is None or self.audit in a.audits)
                and (self.recommendation is None or self.recommendation in a.recommendations))


OUTSTANDING = (ev.Status.NOT_STARTED.value, ev.Status.IN_PROGRESS.value)


def _scoped(position: Position, audit: str | None, as_at: date, known: datetime) -> None:
    if audit is not None and audit not in position.audits:
        raise UnknownRef(f"no audit {audit} as at {as_at} as known on {iso_utc(known)}")


def list_actions(source: Source, as_at: date, known: datetime,
                 keep: ActionFilter = ActionFilter()) -> Listing:
    """The actions as at `as_at`, as known on `known`, that pass `keep`."""
    position = source.position(as_at, known)
    _scoped(position, keep.audit, as_at, known)
    rows = [action_json(a) for a in position.actions if keep.keeps(a)]
    return Listing("actions", as_at, known, position.fingerprint, rows)


def list_audits(source: Source, as_at: date, known: datetime) -> Listing:
    """The audits as at `as_at`, as known on `known`, with their actions counted by status."""
    position = source.position(as_at, known)
    rows = [{"ref": ref, "kind": a.kind.value, "title": a.title, "date": a.effective.isoformat(),
             **position.totals(ref).as_dict()} for ref, a in position.audits.items()]
    return Listing("audits", as_at, known, position.fingerprint, rows)


def list_recommendations(app: Ledger, as_at: date, known: datetime, *, audit: str | None = None,
                         priority: str | None = None) -> Listing:
    """The recommendations as at `as_at`, as known on `known`, with their actions counted by
    status (from the replay: the read model keeps no recommendation's wording)."""
    timeline = Timeline.build(app.stream(), known)
    position = timeline.position(as_at)
    _scoped(position, audit, as_at, known)
    rows = []
    for ref in sorted(timeline.recommendations, key=natural_key):
        r = timeline.recommendations[ref]
        if r.effective > as_at or (audit and r.audit != audit) or (
                priority and r.priority.value != priority):
            continue
        totals = Totals.of(a for a in position.actions if ref in a.recommendations)
        rows.append({"ref": ref, "audit": r.audit, "priority": r.priority.value, "text": r.text,
                     "made_on": r.effective.isoformat(), **totals.as_dict()})
    return Listing("recommendations", as_at, known, position.fingerprint, rows)


def list_meetings(source: Source, as_at: date, known: datetime, *,
                  committee: str | None = None) -> Listing:
    """The meetings known on `known` (those held after `as_at` marked as scheduled), with how
    many resolutions each has."""
    position = source.position(as_at, known)
    rows = [{"ref": m.ref, "committee": m.committee, "date": m.held_on.isoformat(),
             "held": m.held_on <= as_at, "resolutions": len(m.resolutions)}
            for m in source.meetings(known)
            if committee is None or m.committee.casefold() == committee.casefold()]
    return Listing("meetings", as_at, known, position.fingerprint, rows)


def actions_of(source: Source, kind: str, ref: str, as_at: date, known: datetime) -> list[ActionState]:
    """The actions an audit or a recommendation yields, as at `as_at`, as known on `known`
    (none for a record of another kind)."""
    if kind not in ("audit", "recommendation"):
        return []
    position = source.position(as_at, known)
    if kind == "audit":
        return list(position.for_audit(ref))
    return [a for a in position.actions if ref in a.recommendations]
