"""The questions the read model answers from SQL: the position as at a date as known on a time,
the meetings known on a time, and the log's fingerprint on that horizon.

The statements are built once, with bind parameters (as_at; k, the recorded-time horizon in µs;
audit; refs): SQLAlchemy caches their compiled form, and nothing is built or keyed per question.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from typing import Any, Final, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger.domain import events as ev
from ledger.domain.chain import Fingerprint
from ledger.domain.values import FOREVER, micros
from ledger.projections.governance import Policy
from ledger.projections.readmodel import governed
from ledger.projections.readmodel.params import AS_AT, AUDIT, REFS, K, known
from ledger.projections.readmodel.protocol import EventLog
from ledger.projections.readmodel.requests import candidates
from ledger.projections.readmodel.schema import (
    BEGINNING,
    NAME,
    Attr,
    achievements,
    action_recs,
    actions,
    attrs,
    audits,
    meetings,
    milestones,
    received,
    recommendations,
    resolutions,
)
from ledger.projections.replay import ActionState, MeetingInfo, Position, Request, natural_key
from ledger.store import LedgerTrackingRecorder

IN_CHUNK: Final = 500
"""Refs per expanding `IN (...)` parameter."""
RANK = {p: p.rank for p in ev.Priority}
"""`Priority.rank`, looked up (the property lists the enum on every call)."""
STATUSES = {s.value: s for s in ev.Status}
"""A stored status value -> its `Status` (looked up, not constructed, per action)."""
PRIORITIES = {p.value: p for p in ev.Priority}
"""A stored priority value -> its `Priority`."""
NOT_STARTED: Final = ev.Status.NOT_STARTED.value
"""The stored status of an action with no status row on the horizon (its starting value)."""
FINISHED: Final = frozenset(s.value for s in ev.Status if s.finished)
"""The stored statuses after which nothing more is done: never overdue, never blocking."""


class Mark(NamedTuple):
    """A milestone as at a date: its words and whether it was achieved."""

    text: str
    status: ev.MilestoneStatus


class Current(NamedTuple):
    """The latest state the read model's rows keep (read by `verify --deep`)."""

    actions: dict[str, tuple[str, str | None, date | None]]
    """Action -> its status value, owner and target date as at the latest date."""
    milestones: dict[str, tuple[str, date | None]]
    """Milestone -> its words and the day it was achieved (None: pending)."""


def _day(value: Any) -> date:
    """A date column's value as read without type processing (ISO text on SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(value)

def _scope(audit: bool) -> Any:
    """The refs of the actions that exist as at the date on the horizon (of one audit)."""
    scope = sa.select(actions.c.ref).where(actions.c.added_on <= AS_AT, known(actions))
    if audit:
        scope = scope.where(actions.c.ref.in_(
            sa.select(action_recs.c.action_ref).join(
                recommendations, recommendations.c.ref == action_recs.c.rec_ref)
            .where(recommendations.c.audit == AUDIT, known(recommendations),
                   known(action_recs))))
    return scope.scalar_subquery()


def _attrs_of(scope: Any) -> Any:
    """The attribute rows valid as at the date, as known on the horizon, of the actions in scope."""
    # valid_from as the driver gives it (text on SQLite): only the status row's is ever parsed.
    valid_from = sa.type_coerce(attrs.c.valid_from, sa.String()).label("valid_from")
    return sa.select(attrs.c.action_ref, attrs.c.attr, attrs.c.value, valid_from).where(
        attrs.c.action_ref.in_(scope), attrs.c.recorded_from <= K, attrs.c.recorded_to > K,
        attrs.c.valid_from <= AS_AT, attrs.c.valid_to > AS_AT)


class _Statements(NamedTuple):
    """The statements of `Queries.position`, for all actions or for one audit's."""

    actions: Any
    attrs: Any
    recommendations: Any
    audits: Any
    due_changes: Any
    made: Any

    @classmethod
    def build(cls, audit: bool) -> _Statements:
        """The statements for one audit's actions (`audit`) or for all."""
        scope = _scope(audit)
        known_audits = sa.select(audits).where(audits.c.audit_date <= AS_AT, known(audits))
        if audit:  # the report needs only that audit (its actions are the scope)
            known_audits = known_audits.where(audits.c.ref == AUDIT)
        return cls(
            actions=sa.select(actions.c.ref, actions.c.text, actions.c.added_on,
                              actions.c.original_due, actions.c.recommendations,
                              actions.c.depends_on, actions.c.original_owner)
            .where(actions.c.ref.in_(scope), known(actions)),
            attrs=_attrs_of(scope),
            recommendations=sa.select(action_recs.c.action_ref, recommendations.c.ref,
                                      recommendations.c.audit, recommendations.c.priority)
            .join(recommendations, recommendations.c.ref == action_recs.c.rec_ref)
            .where(action_recs.c.action_ref.in_(scope), known(action_recs),
                   known(recommendations)),
            audits=known_audits,
            due_changes=governed.due_changes_of(scope),
            made=governed.made(audit),
        )


_FOR_ALL, _FOR_AUDIT = _Statements.build(audit=False), _Statements.build(audit=True)
_DEP_ATTRS = _attrs_of(sa.select(actions.c.ref).where(
    actions.c.ref.in_(REFS), actions.c.added_on <= AS_AT, known(actions))
    .scalar_subquery())
_ACHIEVED = sa.select(achievements.c.ref).where(
    achievements.c.ref.in_(REFS), achievements.c.effective <= AS_AT,
    known(achievements))
_MILESTONES = sa.select(milestones).where(
    milestones.c.ref.in_(REFS), milestones.c.set_on <= AS_AT, known(milestones))
# Only the outstanding requests are read (and their JSON parsed): a requested report, known on
# the horizon, of a meeting held by the date and known on the horizon, with no receipt effective
# by the date and known on the horizon.
_OUTSTANDING = (
    sa.select(resolutions.c.number, resolutions.c.event, meetings.c.ref, meetings.c.committee,
              meetings.c.held_on)
    .join(meetings, meetings.c.ref == resolutions.c.meeting)
    .where(resolutions.c.meeting.in_(REFS),  # the candidates' meetings (`readmodel.requests`)
           resolutions.c.kind == ev.ResolutionKind.REPORT_REQUESTED.value,
           known(resolutions), known(meetings),
           meetings.c.held_on <= AS_AT,
           ~sa.exists().where(received.c.meeting == resolutions.c.meeting,
                              received.c.number == resolutions.c.number,
                              received.c.effective <= AS_AT, known(received))))
_HELD = sa.select(meetings.c.ref, meetings.c.held_on).where(meetings.c.ref.in_(REFS),
                                                            known(meetings))
_MEETINGS = sa.select(meetings).where(known(meetings))
_RESOLUTIONS = sa.select(resolutions.c.event).where(known(resolutions))


class AttrsAt(NamedTuple):
    """The attribute rows of some actions valid as at a date, as known on a horizon. An
    attribute with no row there has its starting value (see `schema`)."""

    values: dict[tuple[str, str], str | None]
    """(action, attribute) -> its value."""
    status_since: dict[str, Any]
    """Action -> the date its status has held from, as the driver gives it (see `_day`)."""


def _attrs_at(conn: Connection, statement: Any, params: dict[str, Any]) -> AttrsAt:
    out = AttrsAt({}, {})
    for action_ref, attr, value, valid_from in conn.execute(statement, params).all():
        out.values[(action_ref, attr)] = value
        if attr == Attr.STATUS:
            out.status_since[action_ref] = valid_from
    return out


class _Facts(NamedTuple):
    """What `Queries.position` reads from SQL for one question."""

    found: dict[str, Any]  # action ref -> its rm_actions row
    lists: dict[str, tuple[list[str], list[str]]]  # action ref -> (depends_on, recommendations)
    attrs: AttrsAt
    dep_status: dict[str, str | None]  # actions depended on, outside the scope -> status value
    rec_audit: dict[str, str]  # the actions' recommendations -> audit
    rec_priority: dict[str, ev.Priority]
    audits: dict[str, ev.AuditRecorded]
    marks: dict[str, Mark]
    requests: list[Request]
    fingerprint: Fingerprint
    due_changes: dict[str, governed.DueChanges]
    policy: Policy
    recommendations: dict[str, ev.RecommendationMade]


class Queries:
    """The questions, answered from the read model's tables (caught up by the caller)."""

    def __init__(self, log: EventLog, tracking: LedgerTrackingRecorder) -> None:
        self.log = log
        self.tracking = tracking

    def fingerprint_known_on(self, known: datetime, conn: Connection | None = None) -> Fingerprint:
        """The last event counted on this horizon (recorded times rise with position)."""
        if conn is None:
            with self.log.engine.connect() as c:
                return self.fingerprint_known_on(known, c)
        tracked = self.tracking.max_tracking_id(NAME, conn) or 0
        fp = self.log.fingerprint_known_on(known, conn)
        return fp if fp.position <= tracked else self.log.fingerprint_at(tracked, conn)

    def meetings(self, known: datetime) -> list[MeetingInfo]:
        """Meetings known on the horizon, with their resolutions, in date order."""
        k = micros(known)
        with self.log.engine.connect() as conn:
            found = conn.execute(_MEETINGS, {"k": k}).all()
            passed: dict[str, list[ev.ResolutionPassed]] = defaultdict(list)
            for r in conn.execute(_RESOLUTIONS, {"k": k}):
                e = ev.ResolutionPassed.model_validate_json(r.event)
                passed[e.ref].append(e)
        return sorted(
            (MeetingInfo(m.ref, m.committee, m.held_on,
                         tuple(sorted(passed.get(m.ref, ()), key=lambda r: r.number)))
             for m in found),
            key=lambda m: (m.held_on, natural_key(m.ref)))

    def current(self) -> Current:
        """The latest state every record's row keeps: each action's status, owner and target
        date, each milestone's words and the day it was achieved."""
        with self.log.engine.connect() as conn:
            found = {r.ref: (r.status, r.owner, r.due) for r in conn.execute(
                sa.select(actions.c.ref, actions.c.status, actions.c.owner, actions.c.due)
                .where(actions.c.recorded_to == FOREVER))}
            marks = {r.ref: (r.text, r.achieved_on) for r in conn.execute(
                sa.select(milestones.c.ref, milestones.c.text, milestones.c.achieved_on)
                .where(milestones.c.recorded_to == FOREVER))}
        return Current(found, marks)

    def position(self, as_at: date, known: datetime, audit: str | None = None) -> Position:
        """Everything a report needs, as at `as_at`, as known on `known`, from SQL."""
        facts = self._facts(as_at, known, audit)
        return Position(
            as_at, known, facts.fingerprint, _action_states(facts, as_at),
            {ref: facts.audits[ref] for ref in sorted(facts.audits, key=natural_key)},
            {m: (facts.marks[m].text, facts.marks[m].status) for m in sorted(facts.marks)},
            tuple(facts.requests), facts.policy,
            {ref: facts.recommendations[ref]
             for ref in sorted(facts.recommendations, key=natural_key)})

    def _facts(self, as_at: date, known: datetime, audit: str | None) -> _Facts:
        k = micros(known)
        q = _FOR_ALL if audit is None else _FOR_AUDIT
        params = {"as_at": as_at, "k": k, "audit": audit}
        with self.log.engine.connect() as conn:
            found = {r.ref: r for r in conn.execute(q.actions, params).all()}
            lists = _lists(found)
            attrs_at = _attrs_at(conn, q.attrs, params)
            deps = {d for depends_on, _ in lists.values() for d in depends_on}
            marks = _milestones(conn, sorted(deps), as_at, k)
            # Only an action outside the scope needs its status read (`_blocked_by` looks for a
            # dependency among the milestones, then the actions in scope, then these).
            dep_status = _dep_status(
                conn, sorted(d for d in deps if d not in found and d not in marks), as_at, k)
            rec_audit: dict[str, str] = {}
            rec_priority: dict[str, ev.Priority] = {}
            for _action, rec, rec_of, priority in conn.execute(q.recommendations, params).all():
                rec_audit[rec] = rec_of
                rec_priority[rec] = PRIORITIES.get(priority) or ev.Priority(priority)
            return _Facts(
                found=found, lists=lists, attrs=attrs_at, dep_status=dep_status,
                rec_audit=rec_audit, rec_priority=rec_priority,
                audits={r.ref: ev.AuditRecorded.model_validate_json(r.event)
                        for r in conn.execute(q.audits, params).all()},
                marks=marks,
                requests=_requests(conn, as_at, k),
                fingerprint=self.fingerprint_known_on(known, conn),
                due_changes=governed.changes_by_action(conn, q.due_changes, params),
                policy=governed.policy(conn, params, as_at),
                recommendations=governed.recommendations_made(conn, q.made, params))


def _lists(found: dict[str, Any]) -> dict[str, tuple[list[str], list[str]]]:
    """Each action's lists (depends_on, recommendations), all parsed by one `json.loads`: each
    stored list is a JSON array, so the arrays joined by commas inside brackets are one."""
    texts: list[str] = []
    for row in found.values():
        texts += (row.depends_on, row.recommendations)
    parsed = json.loads(f"[{','.join(texts)}]")
    # strict: a stored list that is not one JSON array would put the count out, and raises.
    return {ref: (parsed[i], parsed[i + 1])
            for i, ref in zip(range(0, len(parsed), 2), found, strict=True)}


def _action_states(facts: _Facts, as_at: date) -> tuple[ActionState, ...]:
    """The actions as at the date, in ref order, from the facts read."""
    found, lists, (values, status_since) = facts.found, facts.lists, facts.attrs
    rec_audit, rec_priority = facts.rec_audit, facts.rec_priority
    states = []
    for ref in sorted(found, key=natural_key):
        _, text, added_on, original_due, _, _, original_owner = found[ref]
        depends_on, linked = lists[ref]
        # An attribute with no row known on the horizon has its starting value (see `schema`).
        status_value = str(values.get((ref, Attr.STATUS), NOT_STARTED))
        status = STATUSES.get(status_value) or ev.Status(status_value)
        finished = status_value in FINISHED
        owner = values.get((ref, Attr.OWNER), original_owner)
        if (ref, Attr.DUE) in values:
            due_text = values[(ref, Attr.DUE)]
            due = date.fromisoformat(due_text) if due_text else None
        else:
            due = original_due
        since = _day(status_since.get(ref, BEGINNING))
        recs = [r for r in linked if r in rec_audit]
        priorities = [rec_priority[r] for r in recs]
        changes = facts.due_changes.get(ref)
        states.append(ActionState(
            ref=ref, text=text, status=status, owner=owner, due=due,
            original_due=original_due,
            overdue=not finished and due is not None and due < as_at,
            blocked_by=() if finished or not depends_on else _blocked_by(depends_on, facts),
            recommendations=tuple(linked), audits=tuple(dict.fromkeys(rec_audit[r] for r in recs)),
            priority=(priorities[0] if len(priorities) == 1
                      else min(priorities, key=RANK.__getitem__) if priorities else None),
            added_on=added_on, status_on=since if since != BEGINNING else added_on,
            revisions=len(changes.moved) if changes else 0,
            pending=governed.pending(ref, changes, as_at)))
    return tuple(states)


def _blocked_by(depends_on: list[str], facts: _Facts) -> tuple[str, ...]:
    """What an action not completed still waits on: milestones not achieved, actions not
    completed (in scope or not)."""
    blocked = []
    for dep in depends_on:
        if dep in facts.marks:
            if facts.marks[dep].status is not ev.MilestoneStatus.ACHIEVED:
                blocked.append(dep)
        elif dep in facts.found:
            if facts.attrs.values.get((dep, Attr.STATUS), NOT_STARTED) not in FINISHED:
                blocked.append(dep)
        elif facts.dep_status.get(dep) not in FINISHED:
            blocked.append(dep)
    return tuple(blocked)


def _dep_status(conn: Connection, refs: list[str], as_at: date, k: int) -> dict[str, str | None]:
    """The status values of actions outside the scope, as at the date on the horizon."""
    out: dict[str, str | None] = {}
    for i in range(0, len(refs), IN_CHUNK):
        params = {"refs": refs[i:i + IN_CHUNK], "as_at": as_at, "k": k}
        values = _attrs_at(conn, _DEP_ATTRS, params).values
        out.update((ref, value) for (ref, attr), value in values.items() if attr == Attr.STATUS)
    return out


def _milestones(conn: Connection, refs: list[str], as_at: date, k: int) -> dict[str, Mark]:
    """The milestones among `refs` set as at the date on the horizon."""
    out: dict[str, Mark] = {}
    for i in range(0, len(refs), IN_CHUNK):
        params = {"refs": refs[i:i + IN_CHUNK], "as_at": as_at, "k": k}
        found = conn.execute(_MILESTONES, params).all()
        if not found:  # none of these refs is a milestone set by the date: nothing achieved
            continue
        done = {r.ref for r in conn.execute(_ACHIEVED, params)}
        for m in found:
            out[m.ref] = Mark(m.text, ev.MilestoneStatus.ACHIEVED if m.ref in done
                              else ev.MilestoneStatus.PENDING)
    return out


def _requests(conn: Connection, as_at: date, k: int) -> list[Request]:
    """The committees' requests for reports outstanding as at the date on the horizon, in
    meeting order."""
    keys = candidates(conn, as_at, k)
    refs = sorted({meeting for meeting, _ in keys})
    found = []
    for i in range(0, len(refs), IN_CHUNK):
        found += [(ev.ResolutionPassed.model_validate_json(r.event), r)
                  for r in conn.execute(_OUTSTANDING, {"as_at": as_at, "k": k,
                                                       "refs": refs[i:i + IN_CHUNK]})
                  if (r.ref, r.number) in keys]
    due_at = sorted({e.report_due_at for e, _ in found if e.report_due_at})
    held: dict[str, date] = {}
    for i in range(0, len(due_at), IN_CHUNK):
        held.update((m.ref, m.held_on) for m in conn.execute(
            _HELD, {"refs": due_at[i:i + IN_CHUNK], "k": k}))
    out = []
    for e, meeting in found:
        due_date = e.report_due_by
        if e.report_due_at and e.report_due_at in held:
            due_date = held[e.report_due_at]
        out.append(Request(
            meeting=e.ref, number=e.number, committee=meeting.committee, minute=e.minute,
            text=e.text, requested_on=meeting.held_on, due_at=e.report_due_at,
            due_date=due_date, due_after=e.report_after,
            overdue=due_date is not None and due_date < as_at))
    return sorted(out, key=lambda r: (r.requested_on, natural_key(r.meeting), r.number))
