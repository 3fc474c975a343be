"""The pure replay: the position as at any date, as known at any time, from the events alone.

Rules (the reference every faster read model must agree with):

* As known on K: only events whose recorded time (`timestamp`) is at or before K count.
* As at D: a record exists once its creating event's effective date is on or before D; an action's
  status, owner and target date are given by its events with effective date on or before D, the
  last one winning. Ties on the same effective date resolve in recorded order, i.e. by position in
  the global sequence (the order the ledger learned them).
* Corrections and retractions (`ledger.domain.amend`) known on K change how the earlier events
  of their record read: the record is replayed as if its events had been recorded as corrected,
  each keeping its own position (so tie-breaks are unchanged).
* A dependency blocks until it is completed, withdrawn or superseded; an action is overdue when
  its target date has passed and it is none of these.
* The fingerprint of a replay is the position and chain hash of the last event it counted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from ledger.domain import events as ev
from ledger.domain.amend import amended
from ledger.domain.chain import EMPTY, Fingerprint
from ledger.domain.values import Logged
from ledger.projections.governance import DEFAULT_POLICY, Pending, Policy, pending_from, policy_from

END_OF_DAY = time(23, 59, 59, 999999)


def end_of_day(d: date) -> datetime:
    """The last instant of a date, UTC: what a bare date means on the recorded-time clock."""
    return datetime.combine(d, END_OF_DAY, tzinfo=UTC)


_DIGIT_RUNS = re.compile(r"(\d+)")


def natural_key(ref: str) -> tuple[Any, ...]:
    """Sort key that puts ICO-2 before ICO-10."""
    # A list made then frozen, the pattern compiled once: a report sorts hundreds of refs.
    return tuple([int(p) if p.isdigit() else p.lower() for p in _DIGIT_RUNS.split(ref)])


@dataclass(frozen=True)
class Totals:
    """Counts of actions by status: `actions` counts the live ones (not started, in progress or
    completed); withdrawn and superseded actions are counted apart, never as outstanding."""

    actions: int = 0
    not_started: int = 0
    in_progress: int = 0
    completed: int = 0
    withdrawn: int = 0
    superseded: int = 0

    @classmethod
    def of(cls, actions: Iterable[ActionState]) -> Totals:
        """Count a collection of actions."""
        counts = {s: 0 for s in ev.Status}
        for a in actions:
            counts[a.status] += 1
        return cls(counts[ev.Status.NOT_STARTED] + counts[ev.Status.IN_PROGRESS]
                   + counts[ev.Status.COMPLETED], counts[ev.Status.NOT_STARTED],
                   counts[ev.Status.IN_PROGRESS], counts[ev.Status.COMPLETED],
                   counts[ev.Status.WITHDRAWN], counts[ev.Status.SUPERSEDED])

    def as_dict(self) -> dict[str, int]:
        """The JSON shape: actions, not_started, in_progress, completed, withdrawn, superseded."""
        return {"actions": self.actions, "not_started": self.not_started,
                "in_progress": self.in_progress, "completed": self.completed,
                "withdrawn": self.withdrawn, "superseded": self.superseded}


@dataclass(frozen=True)
class ActionState:
    """One action as at a date."""

    ref: str
    text: str
    status: ev.Status
    owner: str | None
    due: date | None
    original_due: date | None
    overdue: bool
    blocked_by: tuple[str, ...]
    recommendations: tuple[str, ...]
    audits: tuple[str, ...]
    priority: ev.Priority | None
    added_on: date
    status_on: date
    revisions: int = 0
    """How often the target date has moved (reschedules effective by the date)."""
    pending: Pending | None = None
    """A new target date asked for and awaiting approval as at the date."""


@dataclass(frozen=True)
class Request:
    """A committee's request for a report, outstanding as at a date."""

    meeting: str
    number: int
    committee: str
    minute: str | None
    text: str
    requested_on: date
    due_at: str | None
    due_date: date | None
    due_after: str | None
    overdue: bool

    @property
    def due_words(self) -> str:
        """When the report is due, as a clerk would say it."""
        if self.due_at:
            return f"at meeting {self.due_at}" + (f" ({self.due_date})" if self.due_date else "")
        if self.due_date:
            return f"by {self.due_date}"
        return f"after {self.due_after}"


@dataclass(frozen=True)
class MeetingInfo:
    """A meeting known to the ledger."""

    ref: str
    committee: str
    held_on: date
    resolutions: tuple[ev.ResolutionPassed, ...]


@dataclass(frozen=True)
class Position:
    """Everything a report needs, as at one date on one recorded-time horizon."""

    as_at: date
    as_known_on: datetime
    fingerprint: Fingerprint
    actions: tuple[ActionState, ...]
    audits: dict[str, ev.AuditRecorded]
    milestones: dict[str, tuple[str, ev.MilestoneStatus]]
    requests: tuple[Request, ...]
    policy: Policy = DEFAULT_POLICY
    """The target-date policy in force on `as_at`."""
    recommendations: dict[str, ev.RecommendationMade] = field(default_factory=dict)
    """The recommendations made by `as_at` (with the management response), in ref order."""

    def totals(self, audit: str | None = None) -> Totals:
        """Totals for all actions, or for one audit's actions."""
        return Totals.of(self.for_audit(audit))

    def for_audit(self, audit: str | None) -> tuple[ActionState, ...]:
        """The actions of one audit (all actions when `audit` is None)."""
        if audit is None:
            return self.actions
        return tuple(a for a in self.actions if audit in a.audits)

    def recommendations_for(self, audit: str | None) -> dict[str, ev.RecommendationMade]:
        """The recommendations of one audit (all when `audit` is None)."""
        if audit is None:
            return self.recommendations
        return {r: m for r, m in self.recommendations.items() if m.audit == audit}

    def describe_dependency(self, ref: str) -> str:
        """A milestone by its words and ref, an action by its ref."""
        if ref in self.milestones:
            return f"{self.milestones[ref][0]} ({ref})"
        return ref


@dataclass
class _ActionLog:
    added: ev.ActionAdded | None = None
    status: list[tuple[date, int, ev.Status]] = field(default_factory=list)
    owner: list[tuple[date, int, str]] = field(default_factory=list)
    due: list[tuple[date, int, date]] = field(default_factory=list)
    requests: list[tuple[date, int, ev.RescheduleRequested]] = field(default_factory=list)


def _latest(changes: list[tuple[date, int, Any]], as_at: date) -> tuple[date, int, Any] | None:
    best = None
    for change in changes:
        if change[0] <= as_at and (best is None or change[:2] > best[:2]):
            best = change
    return best


class Timeline:
    """The events known on one recorded-time horizon, ready to be asked about any date."""

    def __init__(self, as_known_on: datetime) -> None:
        self.as_known_on = as_known_on
        self.fingerprint = EMPTY
        self.audits: dict[str, ev.AuditRecorded] = {}
        self.recommendations: dict[str, ev.RecommendationMade] = {}
        self.actions: dict[str, _ActionLog] = defaultdict(_ActionLog)
        self.milestones: dict[str, ev.MilestoneSet] = {}
        self.achieved: dict[str, list[tuple[date, int]]] = defaultdict(list)
        self.meetings: dict[str, ev.MeetingScheduled] = {}
        self.resolutions: dict[str, list[ev.ResolutionPassed]] = defaultdict(list)
        self.received: dict[tuple[str, int], list[date]] = defaultdict(list)
        self.streams: dict[str, list[Logged]] = defaultdict(list)
        self.policies: list[tuple[ev.LedgerEvent, int]] = []

    @classmethod
    def build(cls, log: Iterable[Logged], as_known_on: datetime | None = None) -> Timeline:
        """Read the log once, keeping what was recorded at or before `as_known_on`."""
        horizon = as_known_on or datetime.max.replace(tzinfo=UTC)
        timeline = cls(horizon)
        for item in log:
            if item.event.timestamp <= horizon:
                timeline._add(item)
        return timeline

    def add(self, item: Logged) -> None:
        """Count one more event, in log order (whatever its recorded time: the caller keeps to
        the horizon), so one pass can ask questions at each horizon as it is crossed."""
        self._add(item)

    def _add(self, item: Logged) -> None:
        e, pos = item.event, item.position
        if pos > self.fingerprint.position:
            self.fingerprint = Fingerprint(pos, item.hash)
        stream = self.streams[e.ref]
        stream.append(item)
        if isinstance(e, ev.AMENDMENTS):
            self._reindex(e.ref, stream)
        else:
            self._index(e, pos)

    def _reindex(self, ref: str, stream: list[Logged]) -> None:
        """Forget what one record's events said, then count them again as amended."""
        self.audits.pop(ref, None)
        self.recommendations.pop(ref, None)
        self.actions.pop(ref, None)
        self.milestones.pop(ref, None)
        self.achieved.pop(ref, None)
        self.meetings.pop(ref, None)
        self.resolutions.pop(ref, None)
        for key in [k for k in self.received if k[0] == ref]:
            del self.received[key]
        if ref == ev.POLICY_REF:
            self.policies.clear()
        ordered = sorted(stream, key=lambda i: i.event.originator_version)
        at = {i.event.originator_version: i.position for i in ordered}
        for view in amended([i.event for i in ordered]):
            self._index(view, at[view.originator_version])

    def _index(self, e: ev.LedgerEvent, pos: int) -> None:
        if isinstance(e, ev.AuditRecorded):
            self.audits[e.ref] = e
        elif isinstance(e, ev.RecommendationMade):
            self.recommendations[e.ref] = e
        elif isinstance(e, ev.ActionAdded):
            # Changes recorded before the action itself (a clock stepped back) wait for it.
            self.actions[e.ref].added = e
        elif type(e) in ev.STATUS_AFTER:
            self.actions[e.ref].status.append((e.effective, pos, ev.STATUS_AFTER[type(e)]))
        elif isinstance(e, ev.ActionAssigned):
            self.actions[e.ref].owner.append((e.effective, pos, e.owner))
        elif isinstance(e, ev.ActionRescheduled):
            self.actions[e.ref].due.append((e.effective, pos, e.due))
        elif isinstance(e, ev.RescheduleRequested):
            self.actions[e.ref].requests.append((e.effective, pos, e))
        elif isinstance(e, ev.TargetPolicySet):
            self.policies.append((e, pos))
        elif isinstance(e, ev.MilestoneSet):
            self.milestones[e.ref] = e
        elif isinstance(e, ev.MilestoneAchieved):
            self.achieved[e.ref].append((e.effective, pos))
        elif isinstance(e, ev.MeetingScheduled):
            self.meetings[e.ref] = e
        elif isinstance(e, ev.ResolutionPassed):
            self.resolutions[e.ref].append(e)
        elif isinstance(e, ev.ReportReceived):
            self.received[(e.ref, e.number)].append(e.effective)

    # -- questions ----------------------------------------------------------------------------
    def status_at(self, ref: str, as_at: date) -> ev.Status | None:
        """An action's status as at a date (None if it did not exist yet)."""
        log = self.actions.get(ref)
        if log is None or log.added is None or log.added.effective > as_at:
            return None
        latest = _latest(log.status, as_at)
        return ev.Status.NOT_STARTED if latest is None else latest[2]

    def milestone_at(self, ref: str, as_at: date) -> ev.MilestoneStatus | None:
        """A milestone's status as at a date (None if it did not exist yet)."""
        m = self.milestones.get(ref)
        if m is None or m.effective > as_at:
            return None
        done = any(d <= as_at for d, _ in self.achieved.get(ref, ()))
        return ev.MilestoneStatus.ACHIEVED if done else ev.MilestoneStatus.PENDING

    def meeting_list(self) -> list[MeetingInfo]:
        """Every meeting known on this horizon, in date order."""
        return sorted(
            (MeetingInfo(m.ref, m.committee, m.held_on,
                         tuple(sorted(self.resolutions.get(m.ref, ()), key=lambda r: r.number)))
             for m in self.meetings.values()),
            key=lambda m: (m.held_on, natural_key(m.ref)),
        )

    def position(self, as_at: date) -> Position:
        """The whole position as at a date."""
        actions = []
        for ref in sorted(self.actions, key=natural_key):
            state = self._action(ref, as_at)
            if state is not None:
                actions.append(state)
        audits = {r: a for r, a in self.audits.items() if a.effective <= as_at}
        milestones = {}
        for ref, m in self.milestones.items():
            status = self.milestone_at(ref, as_at)
            if status is not None:
                milestones[ref] = (m.text, status)
        return Position(as_at, self.as_known_on, self.fingerprint, tuple(actions),
                        dict(sorted(audits.items(), key=lambda kv: natural_key(kv[0]))),
                        milestones, tuple(self._requests(as_at)),
                        policy_from(self.policies, as_at),
                        {r: m for r, m in sorted(self.recommendations.items(),
                                                 key=lambda kv: natural_key(kv[0]))
                         if m.effective <= as_at})

    def _action(self, ref: str, as_at: date) -> ActionState | None:
        log = self.actions[ref]
        added = log.added
        status = self.status_at(ref, as_at)
        if status is None or added is None:
            return None
        latest_status = _latest(log.status, as_at)
        owner = _latest(log.owner, as_at)
        due = _latest(log.due, as_at)
        current_due = due[2] if due else added.due
        blocked = []
        if not status.finished:
            for dep in added.depends_on:
                if dep in self.milestones or self.actions.get(dep, _ActionLog()).added is None:
                    if self.milestone_at(dep, as_at) is not ev.MilestoneStatus.ACHIEVED:
                        blocked.append(dep)
                else:
                    dep_status = self.status_at(dep, as_at)
                    if dep_status is None or not dep_status.finished:
                        blocked.append(dep)
        recs = [self.recommendations[r] for r in added.recommendations
                if r in self.recommendations]
        priorities = [r.priority for r in recs]
        return ActionState(
            ref=ref, text=added.text, status=status,
            owner=owner[2] if owner else added.owner,
            due=current_due, original_due=added.due,
            overdue=not status.finished and current_due is not None and current_due < as_at,
            blocked_by=tuple(blocked), recommendations=added.recommendations,
            audits=tuple(dict.fromkeys(r.audit for r in recs)),
            priority=min(priorities, key=lambda p: p.rank) if priorities else None,
            added_on=added.effective,
            status_on=latest_status[0] if latest_status else added.effective,
            revisions=sum(1 for d, _, _ in log.due if d <= as_at),
            pending=pending_from(ref, log.requests, ((d, p) for d, p, _ in log.due), as_at),
        )

    def _requests(self, as_at: date) -> list[Request]:
        out = []
        for meeting in self.meeting_list():
            if meeting.held_on > as_at:
                continue
            for r in meeting.resolutions:
                if r.kind is not ev.ResolutionKind.REPORT_REQUESTED:
                    continue
                if any(d <= as_at for d in self.received.get((meeting.ref, r.number), ())):
                    continue
                due_date = r.report_due_by
                if r.report_due_at and r.report_due_at in self.meetings:
                    due_date = self.meetings[r.report_due_at].held_on
                out.append(Request(
                    meeting=meeting.ref, number=r.number, committee=meeting.committee,
                    minute=r.minute, text=r.text, requested_on=meeting.held_on,
                    due_at=r.report_due_at, due_date=due_date, due_after=r.report_after,
                    overdue=due_date is not None and due_date < as_at,
                ))
        return out


def replay(log: Iterable[Logged], as_at: date, as_known_on: datetime | None = None) -> Position:
    """The position as at `as_at`, as known on `as_known_on` (default: everything recorded)."""
    return Timeline.build(log, as_known_on).position(as_at)
