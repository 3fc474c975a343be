"""SQL read models kept from the log: current state, and a bitemporal history for as-at questions.

`rm_attrs` holds one row per interval of an action's status, owner and target date:
valid from/to (effective dates) × recorded from/to (microseconds), so "as at D, as known on K" is
one indexed query. A change effective on E, recorded at R, closes (in recorded time) the open row
whose valid interval contains E and opens two: the part before E with the old value and the part
from E with the new one. The implicit starting value of an attribute is valid from the beginning
of time, so a change dated before the action existed behaves as it does in the replay.

The model is caught up from the notification log in batches; each batch's rows and the tracking
position commit in one transaction, so a crash never loses or doubles a row. It must agree with
`ledger.projections.replay`, the reference (a hypothesis property test checks it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import Tracking
from sqlalchemy.engine import Connection

from ledger import events as ev
from ledger.application import Ledger, Logged
from ledger.errors import StoreError
from ledger.projections.replay import (
    ActionState,
    MeetingInfo,
    Position,
    Request,
    natural_key,
)
from ledger.store import FOREVER, Fingerprint, LedgerTrackingRecorder, micros

NAME = "readmodel"
BEGINNING = date(1, 1, 1)
END = date(9999, 12, 31)
STATUS, OWNER, DUE = "s", "o", "d"
CHANGES: dict[type[ev.LedgerEvent], str] = {
    ev.ActionStarted: STATUS, ev.ActionCompleted: STATUS, ev.ActionReopened: STATUS,
    ev.ActionAssigned: OWNER, ev.ActionRescheduled: DUE,
}

metadata = sa.MetaData()
ref_type = sa.String(64)
actions = sa.Table(
    "rm_actions", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("added_on", sa.Date(), nullable=False),
    sa.Column("added_at", sa.BigInteger(), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("original_due", sa.Date()),
    sa.Column("recommendations", sa.Text(), nullable=False),
    sa.Column("depends_on", sa.Text(), nullable=False),
    # Current state: as at the latest date, as known now.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("owner", sa.Text()),
    sa.Column("due", sa.Date()),
)
action_recs = sa.Table(
    "rm_action_recommendations", metadata,
    sa.Column("action_ref", ref_type, primary_key=True),
    sa.Column("rec_ref", ref_type, primary_key=True),
    sa.Index("rm_action_recommendations_rec", "rec_ref"),
)
attrs = sa.Table(
    "rm_attrs", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("action_ref", ref_type, nullable=False),
    sa.Column("attr", sa.String(1), nullable=False),
    sa.Column("value", sa.Text()),
    sa.Column("valid_from", sa.Date(), nullable=False),
    sa.Column("valid_to", sa.Date(), nullable=False),
    sa.Column("recorded_from", sa.BigInteger(), nullable=False),
    sa.Column("recorded_to", sa.BigInteger(), nullable=False),
    sa.Index("rm_attrs_asat", "action_ref", "recorded_to", "valid_from"),
)
recommendations = sa.Table(
    "rm_recommendations", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("audit", ref_type, nullable=False, index=True),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("made_on", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
)
audits = sa.Table(
    "rm_audits", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("audit_date", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    sa.Column("event", sa.Text(), nullable=False),
)
milestones = sa.Table(
    "rm_milestones", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("set_on", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    sa.Column("achieved_on", sa.Date()),
)
achievements = sa.Table(
    "rm_achievements", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("ref", ref_type, nullable=False, index=True),
    sa.Column("effective", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
)
meetings = sa.Table(
    "rm_meetings", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("committee", sa.Text(), nullable=False),
    sa.Column("held_on", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
)
resolutions = sa.Table(
    "rm_resolutions", metadata,
    sa.Column("meeting", ref_type, primary_key=True),
    sa.Column("number", sa.Integer(), primary_key=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    sa.Column("event", sa.Text(), nullable=False),
)
received = sa.Table(
    "rm_received", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("meeting", ref_type, nullable=False),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("effective", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    sa.Index("rm_received_request", "meeting", "number"),
)


@dataclass
class _Row:
    """An rm_attrs row being worked on in memory (id None until inserted)."""

    ref: str
    attr: str
    value: str | None
    valid_from: date
    valid_to: date
    recorded_from: int
    recorded_to: int = FOREVER
    id: int | None = None


@dataclass(frozen=True)
class Status:
    """Where the read model stands against the log."""

    position: int
    head: int

    @property
    def lag(self) -> int:
        """Events in the log not yet in the read model."""
        return self.head - self.position


def _encode(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


class _Batch:
    """Applies a batch of events: rows are worked out in memory, then written with executemany."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.inserts: dict[sa.Table, list[dict[str, Any]]] = defaultdict(list)
        self.open: dict[tuple[str, str], list[_Row]] = {}
        self.closed: list[_Row] = []
        self.dropped: list[int] = []
        self.new_rows: list[_Row] = []
        self.current: dict[str, dict[str, Any]] = {}
        self.achieved: dict[str, date] = {}

    def load_open(self, refs: Iterable[str]) -> None:
        """Fetch the open attribute rows of actions already in the database."""
        wanted = sorted({r for r in refs if (r, STATUS) not in self.open})
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            for ref in chunk:
                for attr in (STATUS, OWNER, DUE):
                    self.open.setdefault((ref, attr), [])
            for r in self.conn.execute(sa.select(attrs).where(
                    attrs.c.action_ref.in_(chunk), attrs.c.recorded_to == FOREVER)):
                self.open[(r.action_ref, r.attr)].append(_Row(
                    r.action_ref, r.attr, r.value, r.valid_from, r.valid_to, r.recorded_from,
                    r.recorded_to, r.id))
        for rows in self.open.values():
            rows.sort(key=lambda row: row.valid_from)

    def apply(self, item: Logged) -> None:
        """Fold one event into the pending rows."""
        e = item.event
        at = micros(e.timestamp)
        if isinstance(e, ev.ActionAdded):
            self.inserts[actions].append({
                "ref": e.ref, "added_on": e.effective, "added_at": at, "text": e.text,
                "original_due": e.due, "recommendations": json.dumps(list(e.recommendations)),
                "depends_on": json.dumps(list(e.depends_on)),
                "status": ev.Status.NOT_STARTED.value, "owner": e.owner, "due": e.due,
            })
            self.inserts[action_recs] += [{"action_ref": e.ref, "rec_ref": r}
                                          for r in dict.fromkeys(e.recommendations)]
            for attr, initial in ((STATUS, ev.Status.NOT_STARTED.value), (OWNER, e.owner),
                                  (DUE, _encode(e.due))):
                row = _Row(e.ref, attr, initial, BEGINNING, END, at)
                self.open[(e.ref, attr)] = [row]
                self.new_rows.append(row)
        elif type(e) in CHANGES:
            attr = CHANGES[type(e)]
            if isinstance(e, ev.ActionAssigned):
                value: str | None = e.owner
            elif isinstance(e, ev.ActionRescheduled):
                value = _encode(e.due)
            else:
                value = ev.STATUS_AFTER[type(e)].value
            self._change(e.ref, attr, value, e.effective, at)
        elif isinstance(e, ev.RecommendationMade):
            self.inserts[recommendations].append({
                "ref": e.ref, "audit": e.audit, "priority": e.priority.value,
                "made_on": e.effective, "recorded_at": at})
        elif isinstance(e, ev.AuditRecorded):
            self.inserts[audits].append({"ref": e.ref, "audit_date": e.effective,
                                         "recorded_at": at, "event": e.model_dump_json()})
        elif isinstance(e, ev.MilestoneSet):
            self.inserts[milestones].append({"ref": e.ref, "text": e.text, "set_on": e.effective,
                                             "recorded_at": at, "achieved_on": None})
        elif isinstance(e, ev.MilestoneAchieved):
            self.inserts[achievements].append({"ref": e.ref, "effective": e.effective,
                                               "recorded_at": at})
            self.achieved[e.ref] = e.effective
        elif isinstance(e, ev.MeetingScheduled):
            self.inserts[meetings].append({"ref": e.ref, "committee": e.committee,
                                           "held_on": e.held_on, "recorded_at": at})
        elif isinstance(e, ev.ResolutionPassed):
            self.inserts[resolutions].append({"meeting": e.ref, "number": e.number,
                                              "kind": e.kind.value, "recorded_at": at,
                                              "event": e.model_dump_json()})
        elif isinstance(e, ev.ReportReceived):
            self.inserts[received].append({"meeting": e.ref, "number": e.number,
                                           "effective": e.effective, "recorded_at": at})

    def _change(self, ref: str, attr: str, value: str | None, effective: date, at: int) -> None:
        rows = self.open.get((ref, attr))
        if not rows:
            return  # a change to an action the log never added: nothing to show for it
        i = max(k for k, row in enumerate(rows) if row.valid_from <= effective)
        old = rows[i]
        old.recorded_to = at
        if old.recorded_from == at:  # opened and closed at the same instant: never visible
            if old.id is None:
                self.new_rows.remove(old)
            else:
                self.dropped.append(old.id)
        elif old.id is not None:
            self.closed.append(old)
        replacement = []
        if old.valid_from < effective:
            replacement.append(_Row(ref, attr, old.value, old.valid_from, effective, at))
        replacement.append(_Row(ref, attr, value, effective, old.valid_to, at))
        rows[i:i + 1] = replacement
        self.new_rows += replacement
        if replacement[-1].valid_to == END:
            self.current.setdefault(ref, {})[attr] = value

    def flush(self) -> None:
        """Write everything worked out for the batch."""
        for table in (audits, recommendations, milestones, meetings, resolutions, received,
                      achievements, actions, action_recs):
            rows = self.inserts.get(table)
            if rows:
                self.conn.execute(table.insert(), rows)
        if self.dropped:
            self.conn.execute(attrs.delete().where(attrs.c.id == sa.bindparam("row_id")),
                              [{"row_id": i} for i in self.dropped])
        if self.closed:
            self.conn.execute(
                attrs.update().where(attrs.c.id == sa.bindparam("row_id"))
                .values(recorded_to=sa.bindparam("closed_at")),
                [{"row_id": r.id, "closed_at": r.recorded_to} for r in self.closed])
        if self.new_rows:
            self.conn.execute(attrs.insert(), [
                {"action_ref": r.ref, "attr": r.attr, "value": r.value,
                 "valid_from": r.valid_from, "valid_to": r.valid_to,
                 "recorded_from": r.recorded_from, "recorded_to": r.recorded_to}
                for r in self.new_rows])
        columns = {STATUS: "status", OWNER: "owner", DUE: "due"}
        for ref, values in self.current.items():
            update = {columns[a]: (date.fromisoformat(v) if a == DUE and v else v)
                      for a, v in values.items()}
            self.conn.execute(actions.update().where(actions.c.ref == ref).values(**update))
        for ref, day in self.achieved.items():
            self.conn.execute(milestones.update().where(
                milestones.c.ref == ref, milestones.c.achieved_on.is_(None))
                .values(achieved_on=day))


class ReadModel:
    """The SQL read models of one ledger, in the ledger's own database."""

    def __init__(self, app: Ledger) -> None:
        self.app = app
        self.engine = app.store.engine
        self.write_engine = app.store.write_engine
        self.tracking = LedgerTrackingRecorder(self.engine)

    # -- maintenance --------------------------------------------------------------------------
    def create(self) -> None:
        """Create the tables if missing (needing no write access when they all exist)."""
        try:
            existing = set(sa.inspect(self.engine).get_table_names())
            missing = [t for t in metadata.sorted_tables if t.name not in existing]
            if self.tracking.table.name not in existing:
                self.tracking.create_table()
            if missing:
                with self.write_engine.begin() as conn:
                    metadata.create_all(conn, tables=missing)
        except sa.exc.DBAPIError as e:
            raise StoreError(f"cannot create the read model's tables: {e.orig}") from e

    def status(self) -> Status:
        """The read model's position and the log's head."""
        return Status(self.tracking.max_tracking_id(NAME) or 0, self.app.fingerprint().position)

    def catch_up(self, batch: int = 5000, progress: Callable[[int], None] | None = None) -> int:
        """Apply every event after the tracked position, a batch per transaction."""
        self.create()
        done = 0
        while True:
            start = (self.tracking.max_tracking_id(NAME) or 0) + 1
            rows = list(self.app.store.iter_rows(start=start, stop=start + batch - 1,
                                                 batch=batch))
            if not rows:
                return done
            items = [Logged(r.position, r.hash, self.app._decode(r)) for r in rows]
            with self.write_engine.begin() as conn:
                work = _Batch(conn)
                work.load_open(i.event.ref for i in items if type(i.event) in CHANGES)
                for item in items:
                    work.apply(item)
                work.flush()
                self.tracking.insert_tracking(Tracking(NAME, items[-1].position), conn=conn)
            done += len(items)
            if progress is not None:
                progress(items[-1].position)

    def rebuild(self, progress: Callable[[int], None] | None = None, batch: int = 5000) -> int:
        """Drop the read models and replay the whole log into them."""
        with self.write_engine.begin() as conn:
            metadata.drop_all(conn)
            self.tracking.metadata.create_all(conn)
            self.tracking.forget(NAME, conn)
        return self.catch_up(batch=batch, progress=progress)

    # -- questions ----------------------------------------------------------------------------
    def fingerprint_known_on(self, known: datetime) -> Fingerprint:
        """The last event counted on this horizon (recorded times rise with position)."""
        tracked = self.tracking.max_tracking_id(NAME) or 0
        fp = self.app.store.fingerprint_known_on(known)
        return fp if fp.position <= tracked else self.app.store.fingerprint_at(tracked)

    def meetings(self, known: datetime) -> list[MeetingInfo]:
        """Meetings known on the horizon, with their resolutions, in date order."""
        k = micros(known)
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(meetings).where(meetings.c.recorded_at <= k)).all()
            passed: dict[str, list[ev.ResolutionPassed]] = defaultdict(list)
            for r in conn.execute(sa.select(resolutions.c.event).where(
                    resolutions.c.recorded_at <= k)):
                e = ev.ResolutionPassed.model_validate_json(r.event)
                passed[e.ref].append(e)
        return sorted(
            (MeetingInfo(m.ref, m.committee, m.held_on,
                         tuple(sorted(passed.get(m.ref, ()), key=lambda r: r.number)))
             for m in found),
            key=lambda m: (m.held_on, natural_key(m.ref)))

    def position(self, as_at: date, known: datetime, audit: str | None = None) -> Position:
        """Everything a report needs, as at `as_at`, as known on `known`, from SQL."""
        k = micros(known)
        with self.engine.connect() as conn:
            scope = sa.select(actions.c.ref).where(actions.c.added_on <= as_at,
                                                   actions.c.added_at <= k)
            if audit is not None:
                scope = scope.where(actions.c.ref.in_(
                    sa.select(action_recs.c.action_ref).join(
                        recommendations, recommendations.c.ref == action_recs.c.rec_ref)
                    .where(recommendations.c.audit == audit, recommendations.c.recorded_at <= k)))
            found = {r.ref: r for r in conn.execute(
                sa.select(actions).where(actions.c.ref.in_(scope.scalar_subquery())))}
            values = self._attrs_at(conn, scope.scalar_subquery(), as_at, k)
            deps = {d for r in found.values() for d in json.loads(r.depends_on)}
            outside = sorted(d for d in deps if d not in found)
            dep_status = self._dep_status(conn, outside, as_at, k)
            rec_info: dict[str, tuple[str, ev.Priority]] = {}
            for r in conn.execute(sa.select(action_recs.c.action_ref, recommendations.c.ref,
                                            recommendations.c.audit, recommendations.c.priority)
                                  .join(recommendations,
                                        recommendations.c.ref == action_recs.c.rec_ref)
                                  .where(action_recs.c.action_ref.in_(scope.scalar_subquery()),
                                         recommendations.c.recorded_at <= k)):
                rec_info[r.ref] = (r.audit, ev.Priority(r.priority))
            known_audits = {
                r.ref: ev.AuditRecorded.model_validate_json(r.event)
                for r in conn.execute(sa.select(audits).where(
                    audits.c.audit_date <= as_at, audits.c.recorded_at <= k))}
            marks = self._milestones(conn, sorted(deps), as_at, k)
            requests = self._requests(conn, as_at, k)
        states = []
        for ref in sorted(found, key=natural_key):
            row = found[ref]
            status = ev.Status(str(values[(ref, STATUS)][0]))
            owner = values[(ref, OWNER)][0]
            due_text = values[(ref, DUE)][0]
            due = date.fromisoformat(due_text) if due_text else None
            blocked: list[str] = []
            if status is not ev.Status.COMPLETED:
                for dep in json.loads(row.depends_on):
                    if dep in marks:
                        if marks[dep][1] is not ev.MilestoneStatus.ACHIEVED:
                            blocked.append(dep)
                    elif dep in found:
                        if values[(dep, STATUS)][0] != ev.Status.COMPLETED.value:
                            blocked.append(dep)
                    elif dep_status.get(dep) != ev.Status.COMPLETED.value:
                        blocked.append(dep)
            recs = [r for r in json.loads(row.recommendations) if r in rec_info]
            priorities = [rec_info[r][1] for r in recs]
            states.append(ActionState(
                ref=ref, text=row.text, status=status, owner=owner, due=due,
                original_due=row.original_due,
                overdue=status is not ev.Status.COMPLETED and due is not None and due < as_at,
                blocked_by=tuple(blocked), recommendations=tuple(json.loads(row.recommendations)),
                audits=tuple(dict.fromkeys(rec_info[r][0] for r in recs)),
                priority=min(priorities, key=lambda p: p.rank) if priorities else None,
                added_on=row.added_on,
                status_on=values[(ref, STATUS)][1] if values[(ref, STATUS)][1] != BEGINNING
                else row.added_on,
            ))
        return Position(as_at, known, self.fingerprint_known_on(known), tuple(states),
                        dict(sorted(known_audits.items(), key=lambda kv: natural_key(kv[0]))),
                        {m: marks[m] for m in sorted(marks)}, tuple(requests))

    @staticmethod
    def _attrs_at(conn: Connection, scope: Any, as_at: date,
                  k: int) -> dict[tuple[str, str], tuple[str | None, date]]:
        found: dict[tuple[str, str], tuple[str | None, date]] = {}
        for r in conn.execute(sa.select(attrs.c.action_ref, attrs.c.attr, attrs.c.value,
                                        attrs.c.valid_from).where(
                attrs.c.action_ref.in_(scope), attrs.c.recorded_from <= k,
                attrs.c.recorded_to > k, attrs.c.valid_from <= as_at,
                attrs.c.valid_to > as_at)):
            found[(r.action_ref, r.attr)] = (r.value, r.valid_from)
        return found

    def _dep_status(self, conn: Connection, refs: list[str], as_at: date,
                    k: int) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for i in range(0, len(refs), 500):
            chunk = refs[i:i + 500]
            alive = sa.select(actions.c.ref).where(actions.c.ref.in_(chunk),
                                                   actions.c.added_on <= as_at,
                                                   actions.c.added_at <= k)
            for (ref, attr), (value, _) in self._attrs_at(conn, alive.scalar_subquery(), as_at,
                                                          k).items():
                if attr == STATUS:
                    out[ref] = value
        return out

    @staticmethod
    def _milestones(conn: Connection, refs: list[str], as_at: date,
                    k: int) -> dict[str, tuple[str, ev.MilestoneStatus]]:
        out: dict[str, tuple[str, ev.MilestoneStatus]] = {}
        for i in range(0, len(refs), 500):
            chunk = refs[i:i + 500]
            done = {r.ref for r in conn.execute(sa.select(achievements.c.ref).where(
                achievements.c.ref.in_(chunk), achievements.c.effective <= as_at,
                achievements.c.recorded_at <= k))}
            for m in conn.execute(sa.select(milestones).where(
                    milestones.c.ref.in_(chunk), milestones.c.set_on <= as_at,
                    milestones.c.recorded_at <= k)):
                out[m.ref] = (m.text, ev.MilestoneStatus.ACHIEVED if m.ref in done
                              else ev.MilestoneStatus.PENDING)
        return out

    @staticmethod
    def _requests(conn: Connection, as_at: date, k: int) -> list[Request]:
        held = {m.ref: m for m in conn.execute(sa.select(meetings).where(
            meetings.c.recorded_at <= k))}
        got = {(r.meeting, r.number) for r in conn.execute(sa.select(received).where(
            received.c.effective <= as_at, received.c.recorded_at <= k))}
        out = []
        for r in conn.execute(sa.select(resolutions.c.event).where(
                resolutions.c.kind == ev.ResolutionKind.REPORT_REQUESTED.value,
                resolutions.c.recorded_at <= k)):
            e = ev.ResolutionPassed.model_validate_json(r.event)
            meeting = held.get(e.ref)
            if meeting is None or meeting.held_on > as_at or (e.ref, e.number) in got:
                continue
            due_date = e.report_due_by
            if e.report_due_at and e.report_due_at in held:
                due_date = held[e.report_due_at].held_on
            out.append((meeting.held_on, natural_key(meeting.ref), e.number, Request(
                meeting=e.ref, number=e.number, committee=meeting.committee, minute=e.minute,
                text=e.text, requested_on=meeting.held_on, due_at=e.report_due_at,
                due_date=due_date, due_after=e.report_after,
                overdue=due_date is not None and due_date < as_at)))
        return [r for *_, r in sorted(out, key=lambda t: t[:3])]

