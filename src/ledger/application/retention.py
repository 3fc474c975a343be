"""Retention: a schedule set as an event (keep free-text personal data of an action for so many
years after it closed), the plan of what falls due, and applying it as an erasure, with the same
guarantees as `ledger erase`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.application.erasing import Erased, erase_with, ledger_wide
from ledger.application.ledger import Ledger
from ledger.application.store_errors import database_errors
from ledger.domain import events as ev
from ledger.domain.errors import RuleViolation
from ledger.domain.values import Logged
from ledger.projections.replay import Timeline


@dataclass(frozen=True)
class Due:
    """An action closed long enough ago: when it closed, and its events' positions."""

    ref: str
    status: ev.Status
    closed_on: date
    positions: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    """What the schedule makes due on `on`: the actions, and how many free texts they hold."""

    schedule: ev.RetentionScheduled
    on: date
    cutoff: date
    due: list[Due]
    values: dict[str, int]

    @property
    def count(self) -> int:
        """How many free texts would be erased."""
        return sum(self.values.values())


def set_schedule(app: Ledger, *, years: int, basis: str, actor: str) -> Logged:
    """Record the retention schedule (it replaces any earlier one)."""
    now, today = app._now()
    with database_errors("set the retention schedule"), app.store.transaction() as conn:
        event = ledger_wide(app, conn, ev.RetentionScheduled, timestamp=now, actor=actor,
                            effective=today, years=years, basis=basis)
        (position,) = app.store.insert_batch(app.mapper.encode_batch([event]), conn=conn)  # type: ignore[attr-defined]
    return Logged(position, app.store.fingerprint_at(position).hash, event)


def schedule(app: Ledger) -> ev.RetentionScheduled:
    """The retention schedule in force (the last one set); refused if none was set."""
    found = [e for e in app.repository.event_store.get(ev.record_id(ev.RETENTION_REF))
             if isinstance(e, ev.RetentionScheduled)]
    if not found:
        raise RuleViolation("no retention schedule is set (ledger retention set --years N "
                            "--basis TEXT)")
    return found[-1]


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def plan(app: Ledger, on: date | None = None) -> Plan:
    """The actions closed (completed, withdrawn, superseded) on or before the cutoff, as at `on`
    (default: today), and the free texts of their events not yet erased."""
    rule = schedule(app)
    day = on or app._now()[1]
    cutoff = years_before(day, rule.years)
    timeline = Timeline.build(app.stream())
    due = [Due(a.ref, a.status, a.status_on,
               tuple(sorted(i.position for i in timeline.streams.get(a.ref, ()))))
           for a in timeline.position(day).actions
           if a.status.finished and a.status_on <= cutoff]
    positions = [p for d in due for p in d.positions]
    with database_errors("read personal data"), app.store.engine.connect() as conn:
        values = app.store.vault.texts_of(conn, positions).fields
    return Plan(rule, day, cutoff, due, values)


def apply(app: Ledger, *, actor: str) -> Erased:
    """Erase the free texts of every action due under the schedule today, recorded as an
    erasure whose reason names the schedule."""
    todo = plan(app)
    positions = [p for d in todo.due for p in d.positions]
    reason = (f"retention: actions closed on or before {todo.cutoff} ({todo.schedule.years} "
              f"years; {todo.schedule.basis})")
    return erase_with(app, lambda vault, conn: vault.erase_texts(conn, positions), reason=reason,
                      actor=actor, nothing=f"nothing falls due under the retention schedule "
                                           f"(actions closed on or before {todo.cutoff}): "
                                           "nothing erased")
