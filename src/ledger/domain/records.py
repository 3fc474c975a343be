"""Aggregates: the current state of each record, rebuilt from its events, and the rules on it.

Each record is one event stream whose id derives from its ref, so a ref is unique across the whole
ledger whatever its kind. Rules that need only one record live here; rules that need several
(dependencies, the audit behind a recommendation) are checked by the application.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from ledger.domain import events as ev
from ledger.domain.errors import IllegalTransition, InvalidInput, RuleViolation
from ledger.domain.followup import Assessable
from ledger.domain.record import Record
from ledger.domain.targets import Rescheduling


class Audit(Record):
    """An audit or assessment that makes recommendations."""

    kind = "audit"
    created_by = ev.AuditRecorded

    def _on_AuditRecorded(self, e: ev.AuditRecorded) -> None:
        self.title = e.title
        self.audit_kind = e.kind
        self.areas = dict(e.areas)
        self.follows = e.follows

    def _on_AssuranceRevised(self, e: ev.AssuranceRevised) -> None:
        self.areas[e.area] = e.rating

    def revise_assurance(self, area: str, rating: ev.Assurance, on: date, today: date, *,
                         actor: str, timestamp: datetime) -> None:
        """A follow-up audit rates a scope area again (the audit it follows keeps its own)."""
        if self.follows is None:
            raise RuleViolation(f"{self.ref} is not a follow-up audit: only a follow-up revises "
                                "assurance")
        if self.areas.get(area) is rating:
            raise RuleViolation(f"{self.ref} already rates {area!r} {rating.value}")
        self.check_effective(on, today)
        self.trigger(ev.AssuranceRevised, effective=on, actor=actor, timestamp=timestamp,
                     area=area, rating=rating)


class Recommendation(Assessable, Record):
    """A recommendation of an audit, with its priority and management response."""

    kind = "recommendation"
    created_by = ev.RecommendationMade

    def _on_RecommendationMade(self, e: ev.RecommendationMade) -> None:
        self.findings = {}
        self.audit = e.audit
        self.text = e.text
        self.priority = e.priority
        self.area = e.area
        self.response = e.response
        self.risk_accepted_by = e.risk_accepted_by

    def check_risk(self) -> None:
        """Refuse a risk accepted on an accepted recommendation (when recorded, and in a log
        read as corrected)."""
        if self.risk_accepted_by is not None and self.response is ev.Response.ACCEPTED:
            raise RuleViolation(f"{self.ref}: an accepted recommendation has no risk accepted "
                                "(--risk-accepted-by goes with a response not or partially "
                                "accepted)")


class Action(Assessable, Rescheduling, Record):
    """An action in a plan: owner, target date, dependencies and a status life cycle."""

    kind = "action"
    created_by = ev.ActionAdded

    def _on_ActionAdded(self, e: ev.ActionAdded) -> None:
        self.findings = {}
        self.recommendations = tuple(e.recommendations)
        self.text = e.text
        self.owner = e.owner
        self.due = e.due
        self.original_due = e.due
        self.depends_on = tuple(e.depends_on)
        self.status = ev.Status.NOT_STARTED
        self.status_on: date = e.effective
        self.completed_on: date | None = None
        self.superseded_by: str | None = None
        self.notes: list[str] = []
        self.pending: ev.RescheduleRequested | None = None
        self.revisions = 0

    def _status(self, e: ev.LedgerEvent) -> None:
        self.status = ev.STATUS_AFTER[type(e)]
        self.status_on = e.effective
        self.completed_on = e.effective if self.status is ev.Status.COMPLETED else None

    def _on_ActionStarted(self, e: ev.ActionStarted) -> None:
        self._status(e)

    def _on_ActionCompleted(self, e: ev.ActionCompleted) -> None:
        self._status(e)

    def _on_ActionReopened(self, e: ev.ActionReopened) -> None:
        self._status(e)

    def _on_ActionWithdrawn(self, e: ev.ActionWithdrawn) -> None:
        self._status(e)

    def _on_ActionSuperseded(self, e: ev.ActionSuperseded) -> None:
        self._status(e)
        self.superseded_by = e.by

    def _on_ActionAssigned(self, e: ev.ActionAssigned) -> None:
        self.owner = e.owner

    def _on_ActionRescheduled(self, e: ev.ActionRescheduled) -> None:
        self.due = e.due
        self.revisions += 1
        self.pending = None

    def _on_ActionNoted(self, e: ev.ActionNoted) -> None:
        self.notes.append(e.text)

    # -- rules ----------------------------------------------------------------------------
    def check_status_date(self, on: date, today: date) -> None:
        """A status change may not precede the action's last status change."""
        self.check_effective(on, today, after=self.status_on,
                             after_what=f"its last status change to {self.status}")

    def _refuse_closed(self) -> None:
        if not self.status.live:
            raise IllegalTransition(
                f"{self.ref} was {self.status} on {self.status_on}; retract that to work on it "
                "again")

    def start(self, on: date, today: date, *, actor: str, timestamp: datetime,
              note: str | None = None) -> None:
        """not_started → in_progress (dependencies are checked by the application)."""
        self._refuse_closed()
        if self.status is ev.Status.IN_PROGRESS:
            raise IllegalTransition(f"{self.ref} is already in progress (since {self.status_on})")
        if self.status is ev.Status.COMPLETED:
            raise IllegalTransition(
                f"{self.ref} is completed (on {self.completed_on}); reopen it to work on it again"
            )
        self.check_status_date(on, today)
        self.trigger(ev.ActionStarted, effective=on, actor=actor, timestamp=timestamp, note=note)

    def complete(self, on: date, today: date, *, actor: str, timestamp: datetime,
                 evidence: str | None = None) -> None:
        """in_progress → completed."""
        self._refuse_closed()
        if self.status is ev.Status.COMPLETED:
            raise IllegalTransition(f"{self.ref} is already completed (on {self.completed_on})")
        if self.status is ev.Status.NOT_STARTED:
            raise IllegalTransition(f"{self.ref} has not been started; start it first")
        self.check_status_date(on, today)
        self.trigger(ev.ActionCompleted, effective=on, actor=actor, timestamp=timestamp,
                     evidence=evidence)

    def reopen(self, on: date, today: date, *, actor: str, timestamp: datetime,
               reason: str) -> None:
        """completed → in_progress, with a reason."""
        self._refuse_closed()
        if self.status is not ev.Status.COMPLETED:
            raise IllegalTransition(f"{self.ref} is {self.status}, not completed: nothing to reopen")
        _require(reason, "reason", f"reopening {self.ref}")
        self.check_status_date(on, today)
        self.trigger(ev.ActionReopened, effective=on, actor=actor, timestamp=timestamp,
                     reason=reason)

    def withdraw(self, on: date, today: date, *, actor: str, timestamp: datetime,
                 reason: str) -> None:
        """not started or in progress → withdrawn (not accepted, or the risk accepted)."""
        self._refuse_closed()
        if self.status is ev.Status.COMPLETED:
            raise IllegalTransition(f"{self.ref} is completed (on {self.completed_on}): a "
                                    "completed action is not withdrawn")
        _require(reason, "reason", f"withdrawing {self.ref}")
        self.check_status_date(on, today)
        self.trigger(ev.ActionWithdrawn, effective=on, actor=actor, timestamp=timestamp,
                     reason=reason)

    def supersede(self, by: str, on: date, today: date, *, actor: str, timestamp: datetime,
                  reason: str | None = None) -> None:
        """not started or in progress → superseded by another action (checked by the
        application to exist)."""
        self._refuse_closed()
        if self.status is ev.Status.COMPLETED:
            raise IllegalTransition(f"{self.ref} is completed (on {self.completed_on}): a "
                                    "completed action is not superseded")
        if by == self.ref:
            raise RuleViolation(f"{self.ref} cannot supersede itself")
        self.check_status_date(on, today)
        self.trigger(ev.ActionSuperseded, effective=on, actor=actor, timestamp=timestamp,
                     by=by, reason=reason)

    def assign(self, owner: str, on: date, today: date, *, actor: str, timestamp: datetime,
               reason: str | None = None) -> None:
        """Change the owner."""
        if " ".join(owner.split()) == self.owner:
            raise RuleViolation(f"{self.ref} is already owned by {self.owner}")
        self.check_effective(on, today)
        self.trigger(ev.ActionAssigned, effective=on, actor=actor, timestamp=timestamp,
                     owner=owner, previous=self.owner, reason=reason)

    def reschedule(self, due: date, on: date, today: date, *, actor: str, timestamp: datetime,
                   reason: str, approved_by: str | None = None) -> None:
        """Change the target date, with a reason (and who approved it); the original stays
        in the history."""
        _require(reason, "reason", f"rescheduling {self.ref}")
        if due == self.due:
            raise RuleViolation(f"{self.ref} is already due on {due}")
        self.check_effective(on, today)
        self.trigger(ev.ActionRescheduled, effective=on, actor=actor, timestamp=timestamp,
                     due=due, previous=self.due, reason=reason, approved_by=approved_by)

    def note(self, text: str, on: date, today: date, *, actor: str, timestamp: datetime,
             personal: bool = False) -> None:
        """Add a note (`personal`: about the people it names)."""
        self.check_effective(on, today)
        self.trigger(ev.ActionNoted, effective=on, actor=actor, timestamp=timestamp, text=text,
                     personal=personal)


class Milestone(Record):
    """Something actions wait on that is not itself an action: pending, then achieved."""

    kind = "milestone"
    created_by = ev.MilestoneSet

    def _on_MilestoneSet(self, e: ev.MilestoneSet) -> None:
        self.text = e.text
        self.status = ev.MilestoneStatus.PENDING
        self.achieved_on: date | None = None

    def _on_MilestoneAchieved(self, e: ev.MilestoneAchieved) -> None:
        self.status = ev.MilestoneStatus.ACHIEVED
        self.achieved_on = e.effective

    def achieve(self, on: date, today: date, *, actor: str, timestamp: datetime,
                note: str | None = None) -> None:
        """pending → achieved."""
        if self.status is ev.MilestoneStatus.ACHIEVED:
            raise IllegalTransition(f"{self.ref} is already achieved (on {self.achieved_on})")
        self.check_effective(on, today)
        self.trigger(ev.MilestoneAchieved, effective=on, actor=actor, timestamp=timestamp,
                     note=note)


class Meeting(Record):
    """A committee meeting and the resolutions it passed."""

    kind = "meeting"
    created_by = ev.MeetingScheduled

    def _on_MeetingScheduled(self, e: ev.MeetingScheduled) -> None:
        self.committee = e.committee
        self.held_on = e.held_on
        self.resolutions: dict[int, ev.ResolutionPassed] = {}
        self.received: dict[int, str] = {}
        self.presented: list[ev.ReportPresented] = []

    def _on_ResolutionPassed(self, e: ev.ResolutionPassed) -> None:
        self.resolutions[e.number] = e

    def _on_ReportReceived(self, e: ev.ReportReceived) -> None:
        self.received[e.number] = e.by

    def _on_ReportPresented(self, e: ev.ReportPresented) -> None:
        self.presented.append(e)

    def present_report(self, today: date, *, actor: str, timestamp: datetime,
                       **fields: Any) -> ev.ReportPresented:
        """Record that a report was presented to this meeting, with what it was computed from."""
        event = self.trigger(ev.ReportPresented, effective=min(self.held_on, today), actor=actor,
                             timestamp=timestamp, number=len(self.presented) + 1, **fields)
        assert isinstance(event, ev.ReportPresented)
        return event

    def receive_report(self, number: int, by: str, on: date, *, actor: str,
                       timestamp: datetime) -> None:
        """Record that the report requested by resolution `number` arrived (at `by`)."""
        self.trigger(ev.ReportReceived, effective=on, actor=actor, timestamp=timestamp,
                     number=number, by=by)

    def pass_resolution(self, number: int, today: date, *, actor: str, timestamp: datetime,
                        **fields: Any) -> ev.ResolutionPassed:
        """Record a numbered resolution; the meeting must have taken place."""
        if self.held_on > today:
            raise RuleViolation(
                f"meeting {self.ref} is on {self.held_on}, in the future: record its resolutions "
                "after it has met"
            )
        if number in self.resolutions:
            raise RuleViolation(f"resolution {self.ref}/{number} already exists")
        event = self.trigger(ev.ResolutionPassed, effective=self.held_on, actor=actor,
                             timestamp=timestamp, number=number, **fields)
        assert isinstance(event, ev.ResolutionPassed)
        return event


class TargetPolicy(Record):
    """The ledger's one policy on target dates (ref `POLICY`), changed by setting it again."""

    kind = "policy"
    created_by = ev.TargetPolicySet

    def _on_TargetPolicySet(self, e: ev.TargetPolicySet) -> None:
        self.revised_counts_overdue = e.revised_counts_overdue
        self.max_revisions = e.max_revisions
        self.approval_required = e.approval_required
        self.since = e.effective

    def set(self, on: date, today: date, *, actor: str, timestamp: datetime,
            **fields: Any) -> None:
        """Set the policy again, from `on` (not before the policy in force)."""
        self.check_effective(on, today, after=self.since, after_what="the policy in force")
        self.trigger(ev.TargetPolicySet, effective=on, actor=actor, timestamp=timestamp,
                     **fields)


RECORD_TYPES: tuple[type[Record], ...] = (Audit, Recommendation, Action, Milestone, Meeting,
                                          TargetPolicy)
_CREATED_BY: dict[type[ev.LedgerEvent], type[Record]] = {r.created_by: r for r in RECORD_TYPES}


def project_record(record: Record | None, events: Iterable[Any]) -> Record | None:
    """Projector for the repository: fold a record's events into its current state."""
    for event in events:
        if record is None:
            record = _CREATED_BY[type(event)](event)
        record.apply(event)
    return record


def _require(value: str | None, what: str, doing: str) -> None:
    if value is None or not value.strip():
        raise InvalidInput(f"{doing} needs a {what}")


def blockers(action: Action, on: date, find: Callable[[str], Record | None]) -> list[str]:
    """What `action` still waits on at `on`: each unmet dependency with its state (`find` looks
    a ref up); an action may start only when this is empty."""
    waiting = []
    for dep in action.depends_on:
        target = find(dep)
        if isinstance(target, Action):
            if not target.status.live and target.status_on <= on:
                continue  # withdrawn or superseded: nothing more will be done on it
            if target.completed_on is None:
                waiting.append(f"{dep} ({target.status})")
            elif target.completed_on > on:
                waiting.append(f"{dep} (completed only on {target.completed_on})")
        elif isinstance(target, Milestone):
            if target.achieved_on is None:
                waiting.append(f"{dep} (pending)")
            elif target.achieved_on > on:
                waiting.append(f"{dep} (achieved only on {target.achieved_on})")
    return waiting


__all__ = ["RECORD_TYPES", "Action", "Audit", "Meeting", "Milestone", "Recommendation", "Record",
           "TargetPolicy", "blockers", "project_record"]
