"""Whether each stored event was a legal step under the rules, by re-applying the log to fresh
records: the rules of `ledger.domain.records` run against the state before each event, with the
stored event itself applied in place of the one a command would have triggered.

The cross-record rules the application checks before a command (what a creation refers to, the
dependencies of a start) are checked here too, on the records rebuilt so far.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date
from typing import Any

from ledger.domain import events as ev
from ledger.domain.amend import amended_log, check_amendment
from ledger.domain.errors import DependenciesNotMet, LedgerError, RuleViolation, UnknownRef
from ledger.domain.records import (
    RECORD_TYPES,
    Action,
    Audit,
    Meeting,
    Milestone,
    Recommendation,
    Record,
    TargetPolicy,
    blockers,
)
from ledger.domain.values import LOCAL_TZ, Logged

_BASE = frozenset(ev.LedgerEvent.model_fields)


class _Replaying(Record):
    """A record whose rule methods, instead of building a new event, apply the stored one
    (`stored`), so the rules run unchanged and the state is exactly what the log says."""

    stored: ev.LedgerEvent | None = None

    def trigger(self, event_class: type[ev.LedgerEvent], **fields: Any) -> ev.LedgerEvent:
        """Apply the stored event, which must be of the class the rule would trigger."""
        event = self.stored
        if event is None or type(event) is not event_class:
            raise RuleViolation(f"{self.ref}: the rules would record {event_class.__name__} here")
        self.apply(event)
        return event


_CHECKED: dict[type[ev.LedgerEvent], type[Record]] = {
    r.created_by: type(f"Replaying{r.__name__}", (_Replaying, r), {}) for r in RECORD_TYPES}


def _fields(e: ev.LedgerEvent, *drop: str) -> dict[str, Any]:
    """The event's own fields (not those every event has), as Python values."""
    return {k: getattr(e, k) for k in type(e).model_fields if k not in _BASE and k not in drop}


class Rules:
    """The records rebuilt so far; `check` each event in log order."""

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}

    def check(self, e: ev.LedgerEvent) -> str | None:
        """Apply one event; what makes it illegal (one line), or None. An illegal event is
        still applied as it is, so later events are judged on the state the log gives."""
        if isinstance(e, ev.LEDGER_WIDE):
            return None  # changes no record (an erasure)
        record = self.records.get(e.ref)
        try:
            if record is None:
                self._create(e)
            else:
                self._change(record, e)
        except (LedgerError, ValueError, TypeError) as problem:
            if record is not None:
                record.collect_events()
                if record.version < e.originator_version:
                    with contextlib.suppress(TypeError):  # an event of another kind of record
                        record.apply(e)
            return f"{type(e).__name__} is illegal: {problem}"
        return None

    # -- creations ----------------------------------------------------------------------------
    def _create(self, e: ev.LedgerEvent) -> None:
        kind = _CHECKED.get(type(e))
        if kind is None:
            raise UnknownRef(f"no record {e.ref} to change")
        record = kind(e)
        record.apply(e)
        self.records[e.ref] = record
        if e.originator_version != 1:
            raise RuleViolation(f"{e.ref} starts at version {e.originator_version}, not 1")
        today = _today(e)
        if e.effective > today:
            raise RuleViolation(f"{e.ref}: effective date {e.effective} is in the future "
                                f"(recorded on {today})")
        if isinstance(e, ev.AuditRecorded) and e.follows is not None:
            self._refers(e, e.follows, Audit, dated=True)
        elif isinstance(e, ev.RecommendationMade):
            self._refers(e, e.audit, Audit, dated=True)
            assert isinstance(record, Recommendation)
            record.check_risk()
        elif isinstance(e, ev.ActionAdded):
            for ref in e.recommendations:
                self._refers(e, ref, Recommendation, dated=True)
            for ref in e.depends_on:
                if ref == e.ref:
                    raise RuleViolation(f"{e.ref} cannot depend on itself")
                self._refers(e, ref, Action | Milestone, dated=False)

    def _refers(self, e: ev.LedgerEvent, ref: str, kind: Any, *, dated: bool) -> None:
        """Refuse a reference to a record missing or of the wrong kind (or, `dated`, made after
        the event's effective date)."""
        target = self.records.get(ref)
        if target is None or not isinstance(target, kind):
            raise UnknownRef(f"{e.ref} refers to {ref}, which is "
                             f"{'missing' if target is None else 'a ' + target.kind}")
        if dated and e.effective < target.created_on:
            raise RuleViolation(f"{e.ref}: effective date {e.effective} is before {ref} was "
                                f"made ({target.created_on})")

    # -- changes ------------------------------------------------------------------------------
    def _change(self, record: Record, e: ev.LedgerEvent) -> None:
        if e.originator_version != record.version + 1:
            raise RuleViolation(f"{e.ref} is at version {record.version}; the event is version "
                                f"{e.originator_version}")
        assert isinstance(record, _Replaying)
        if isinstance(e, ev.AMENDMENTS):
            try:
                check_amendment(record.events, e)
            except ValueError as problem:
                raise RuleViolation(f"{e.ref}: {problem}") from None
            record.apply(e)  # the record reads as amended from here on
            return
        record.stored = e
        today, kw = _today(e), {"actor": e.actor, "timestamp": e.timestamp}
        actor, timestamp = e.actor, e.timestamp
        if isinstance(e, ev.ImplementationAssessed) and isinstance(record, Action | Recommendation):
            self._refers(e, e.by, Audit, dated=False)
            if getattr(self.records[e.by], "follows", None) is None:
                raise RuleViolation(f"{e.ref}: {e.by} is not a follow-up audit")
            record.assess(e.by, e.outcome, e.effective, today, actor=actor, timestamp=timestamp,
                          note=e.note)
        elif isinstance(record, TargetPolicy) and isinstance(e, ev.TargetPolicySet):
            record.set(e.effective, today, actor=actor, timestamp=timestamp,
                       **_fields(e))
        elif isinstance(record, Audit) and isinstance(e, ev.AssuranceRevised):
            record.revise_assurance(e.area, e.rating, e.effective, today, actor=actor,
                                    timestamp=timestamp)
        elif isinstance(record, Action):
            self._change_action(record, e, today, kw)
        elif isinstance(record, Milestone) and isinstance(e, ev.MilestoneAchieved):
            record.achieve(e.effective, today, actor=actor, timestamp=timestamp, note=e.note)
        elif isinstance(record, Meeting) and isinstance(e, ev.ResolutionPassed):
            record.pass_resolution(e.number, today, actor=actor, timestamp=timestamp,
                                   **_fields(e, "number"))
        elif isinstance(record, Meeting) and isinstance(e, ev.ReportReceived):
            record.receive_report(e.number, e.by, e.effective, actor=actor, timestamp=timestamp)
        elif isinstance(record, Meeting) and isinstance(e, ev.ReportPresented):
            record.present_report(today, actor=actor, timestamp=timestamp,
                                  **_fields(e, "number"))
        else:
            raise RuleViolation(f"{e.ref} is {record.kind}: {type(e).__name__} does not apply")
        record.collect_events()

    def _change_action(self, action: Action, e: ev.LedgerEvent, today: date,
                       kw: dict[str, Any]) -> None:
        on = e.effective
        if isinstance(e, ev.ActionStarted):
            waiting = blockers(action, on, self.records.get)
            if waiting and action.status is ev.Status.NOT_STARTED:
                raise DependenciesNotMet(f"{e.ref} started on {on} while it waited on "
                                         f"{', '.join(waiting)}")
            action.start(on, today, note=e.note, **kw)
        elif isinstance(e, ev.ActionCompleted):
            action.complete(on, today, evidence=e.evidence, **kw)
        elif isinstance(e, ev.ActionReopened):
            action.reopen(on, today, reason=e.reason, **kw)
        elif isinstance(e, ev.ActionAssigned):
            action.assign(e.owner, on, today, reason=e.reason, **kw)
        elif isinstance(e, ev.ActionRescheduled):
            action.reschedule(e.due, on, today, reason=e.reason, approved_by=e.approved_by, **kw)
        elif isinstance(e, ev.RescheduleRequested):
            action.request_reschedule(e.due, on, today, reason=e.reason, **kw)
        elif isinstance(e, ev.ActionNoted):
            action.note(e.text, on, today, **kw)
        elif isinstance(e, ev.ActionWithdrawn):
            action.withdraw(on, today, reason=e.reason, **kw)
        elif isinstance(e, ev.ActionSuperseded):
            self._refers(e, e.by, Action, dated=False)
            action.supersede(e.by, on, today, reason=e.reason, **kw)
        else:
            raise RuleViolation(f"{e.ref} is an action: {type(e).__name__} does not apply")


def problems(log: Iterable[Logged]) -> list[tuple[int, str]]:
    """What the rules refuse in a log read as amended (each record's events corrected, the
    retracted left out, renumbered in its stream): (position, one line) per illegal event."""
    rules, found, versions = Rules(), [], dict[str, int]()
    for item in amended_log(log):
        e = item.event
        versions[e.ref] = versions.get(e.ref, 0) + 1
        view = e.model_copy(update={"originator_version": versions[e.ref]})
        problem = rules.check(view)
        if problem is not None:
            found.append((item.position, problem))
    return found


def _today(e: ev.LedgerEvent) -> date:
    """The day the event was recorded, as a command judges "today"."""
    return e.timestamp.astimezone(LOCAL_TZ).date()
