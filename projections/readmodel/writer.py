"""The batch writer: the log, folded into the read model's rows, one batch per transaction.

A change effective on E, recorded at R, closes (in recorded time) the open `rm_attrs` row whose
valid interval contains E and opens two: the part before E with the old value and the part from
E with the new one. A batch's rows and its tracked position commit in one transaction, so a
crash never loses or doubles a row. Corrections and retractions never come here: catch-up
writes what the batch took before one, then derives that record's rows again (`amendments`).
The result must agree with `ledger.projections.replay`, the reference (a hypothesis property
test checks it).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection

from ledger.domain import events as ev
from ledger.domain.values import FOREVER
from ledger.projections.readmodel import pgwrite, schema
from ledger.projections.readmodel.bulk import insert_rows
from ledger.projections.readmodel.intervals import (
    NOT_STARTED,
    Open,
    as_is,
    encode,
    load_open,
    numbered,
)
from ledger.projections.readmodel.requests import Requests
from ledger.projections.readmodel.rows import INSERT_ORDER, AttrRow, Closed, change_ref_of, valid_from_of
from ledger.projections.readmodel.schema import BEGINNING, END, Attr, DueChange

CARRIED: Final = 50_000
"""Most (action, attribute) pairs whose open intervals a catch-up keeps between its batches
(the most recently changed; about 15 MB), so that a batch loads only those of the others."""

CHANGED_ATTR: dict[type[ev.LedgerEvent], str] = {
    **{kind: Attr.STATUS for kind in ev.STATUS_AFTER},
    ev.ActionAssigned: Attr.OWNER, ev.ActionRescheduled: Attr.DUE,
}
"""The attribute each kind of change to an action changes."""
TAKEN: Final[frozenset[type[ev.LedgerEvent]]] = frozenset({
    *CHANGED_ATTR, ev.ActionAdded, ev.RecommendationMade, ev.AuditRecorded, ev.MilestoneSet,
    ev.MilestoneAchieved, ev.MeetingScheduled, ev.ResolutionPassed, ev.ReportReceived,
    ev.RescheduleRequested, ev.ImplementationAssessed, ev.AssuranceRevised, ev.TargetPolicySet})
"""The classes `Batch.take` folds into rows."""
IGNORED: Final[frozenset[type[ev.LedgerEvent]]] = frozenset({
    ev.ActionNoted, ev.ReportPresented, ev.PersonalDataErased, ev.RetentionScheduled})
"""The classes no row of the read model shows (a note, a paper, an erasure that the stored
values show already, a retention period): not even decoded by a rebuild. Every other class is
taken, or is an amendment (`catchup`); a unit test holds the three sets to `ALL_EVENTS`."""
STATUS_VALUE: dict[type[ev.LedgerEvent], str] = {k: v.value for k, v in ev.STATUS_AFTER.items()}


CURRENT: Final = sa.literal_column(str(FOREVER), sa.BigInteger())
"""FOREVER written into a statement run with `_run` (whose bind parameters are its keys only)."""


def refs_json(refs: tuple[str, ...]) -> str:
    """`json.dumps(list(refs))` for validated refs (letters, digits, '.', '_', '-': nothing to
    escape), without the encoder's overhead."""
    return '["' + '", "'.join(refs) + '"]' if refs else "[]"


class _IsoDays(dict[date | None, str | None]):
    """A date as SQLAlchemy's SQLite dialect stores it (YYYY-MM-DD), remembered: a batch formats
    a few hundred distinct dates millions of times."""

    def __missing__(self, value: date | None) -> str | None:
        text = self[value] = None if value is None else value.isoformat()
        return text


_SQLITE = sqlite_dialect.dialect()


def _sqlite_many(statement: Any) -> tuple[str, list[str]]:
    """A Core statement compiled for SQLite, and the order of its bind parameters."""
    compiled = statement.compile(dialect=_SQLITE)
    return str(compiled), list(compiled.positiontup)


class Batch:
    """Folds a batch of events into rows in memory, then writes them, one executemany a table.

    `take` each event in log order, then `settle` (changes to actions wait until the open
    intervals they need are loaded, in one query per attribute) and `flush`. Rows are plain
    tuples in the shapes of `rows` (see there why). On SQLite they go to the driver through one
    prepared statement per table; elsewhere through Core. `carried`: the open intervals an
    earlier batch of the same catch-up left, exactly as committed (`rows.Interval`, stored ids
    only), kept up to date by this one; the caller empties it when that no longer holds.
    """

    def __init__(self, conn: Connection,
                 carried: Open | None = None) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.day: Callable[[date | None], Any] = _IsoDays().__getitem__ if self.sqlite else as_is
        self.inserts: dict[sa.Table, list[tuple[Any, ...]]] = defaultdict(list)
        self.added_rows: list[tuple[Any, ...]] = []  # AddedAction
        self.added: dict[str, int] = {}  # action ref -> its row in added_rows
        self.changes: list[tuple[Any, ...]] = []  # Change, in log order
        self.changed_refs: set[str] = set()
        self.open = {} if carried is None else carried  # (ref, attr) -> Interval, oldest first
        self.touched: set[tuple[str, str]] = set()
        self.new_rows: dict[int, tuple[Any, ...]] = {}  # AttrRow, by Interval.pending
        self.pending_keys = itertools.count()
        self.closed: list[tuple[int, int]] = []  # Closed
        self.dropped: list[int] = []  # rm_attrs ids
        self.current: dict[str, dict[str, str | None]] = {}  # action ref -> attribute -> value
        self.achieved: dict[str, date] = {}
        self.requests = Requests()

    # -- events in ------------------------------------------------------------------------------
    def take(self, e: Any, recorded_at: int, position: int = 0,
             kind: type[ev.LedgerEvent] | None = None) -> None:
        """Fold one event in: `e` an event, or its light form (`light.py`: the same fields, of
        class `kind`); `recorded_at` its stored column, `micros(e.timestamp)`; `position` its
        place in the log. Rows that depend on nothing else are made now; changes to actions are
        queued for `settle`."""
        kind = kind or type(e)
        day = self.day
        if kind in CHANGED_ATTR:
            value: str | None
            if kind in STATUS_VALUE:
                value = STATUS_VALUE[kind]
                self.inserts[schema.status_log].append(
                    (e.ref, day(e.effective), position, value, recorded_at, FOREVER))
            elif kind is ev.ActionAssigned:
                value = e.owner
            else:  # ActionRescheduled
                value = encode(e.due)
                self.inserts[schema.due_changes].append((  # counted as a revision
                    e.ref, DueChange.MOVED, day(e.effective), e.originator_version, day(e.due),
                    None, recorded_at, FOREVER))
            self.changes.append((e.ref, CHANGED_ATTR[kind], value, e.effective, recorded_at))
            self.changed_refs.add(e.ref)
        elif kind is ev.ActionAdded:
            if e.ref in self.changed_refs:  # changed before it was added: nothing to show for it
                self.changes = [c for c in self.changes if change_ref_of(c) != e.ref]
            self.added[e.ref] = len(self.added_rows)
            self.added_rows.append((
                e.ref, day(e.effective), recorded_at, e.text, day(e.due), e.owner,
                refs_json(e.recommendations), refs_json(e.depends_on)))
            self.inserts[schema.action_recs] += [(e.ref, r, recorded_at, FOREVER)
                                                 for r in dict.fromkeys(e.recommendations)]
        elif kind is ev.RecommendationMade:
            self.inserts[schema.recommendations].append(
                (e.ref, e.audit, e.priority.value, day(e.effective), recorded_at,
                 e.model_dump_json(), FOREVER))
        elif kind is ev.AuditRecorded:
            self.inserts[schema.audits].append(
                (e.ref, day(e.effective), recorded_at, e.model_dump_json(), FOREVER))
        elif kind is ev.MilestoneSet:
            self.inserts[schema.milestones].append(
                (e.ref, e.text, day(e.effective), recorded_at, None, FOREVER))
        elif kind is ev.MilestoneAchieved:
            self.inserts[schema.achievements].append(
                (e.ref, day(e.effective), recorded_at, FOREVER))
            self.achieved[e.ref] = e.effective
        elif kind is ev.MeetingScheduled:
            self.inserts[schema.meetings].append(
                (e.ref, e.committee, day(e.held_on), recorded_at, FOREVER))
        elif kind is ev.ResolutionPassed:
            self.inserts[schema.resolutions].append(
                (e.ref, e.number, e.kind.value, recorded_at, e.model_dump_json(), FOREVER))
            self.requests.take_resolution(e.ref, e.number, e.kind.value)
        elif kind is ev.ReportReceived:
            self.inserts[schema.received].append(
                (e.ref, e.number, day(e.effective), recorded_at, FOREVER))
            self.requests.take_receipt(e.ref, e.number, e.effective, recorded_at)
        elif kind is ev.RescheduleRequested:
            self.inserts[schema.due_changes].append((
                e.ref, DueChange.REQUESTED, day(e.effective), e.originator_version, day(e.due),
                e.reason, recorded_at, FOREVER))
        elif kind is ev.ImplementationAssessed:
            self.inserts[schema.findings].append((
                e.ref, e.by, e.outcome.value, e.note, day(e.effective), e.originator_version,
                position, recorded_at, FOREVER))
        elif kind is ev.AssuranceRevised:
            self.inserts[schema.assurance].append((
                e.ref, e.area, e.rating.value, day(e.effective), e.originator_version,
                recorded_at, FOREVER))
        elif kind is ev.TargetPolicySet:
            self.inserts[schema.policies].append((
                e.ref, day(e.effective), e.originator_version, e.model_dump_json(), recorded_at,
                FOREVER))

    def settle(self) -> None:
        """Load the open intervals the queued changes need, then apply them in log order."""
        load_open(self.conn, self.open, {(ref, attr) for ref, attr, _, _, _ in self.changes
                                         if ref not in self.added})
        for ref, attr, value, effective, recorded_at in self.changes:
            self._change(ref, attr, value, effective, recorded_at)
        self.changes.clear()
        self.changed_refs.clear()

    # -- open intervals -------------------------------------------------------------------------
    def _starting(self, ref: str, attr: str) -> tuple[Any, ...]:
        """The starting value (an Interval) of an attribute of an action added in this batch."""
        (_, _, added_at, _, original_due, original_owner, _, _) = self.added_rows[self.added[ref]]
        value = {Attr.STATUS: NOT_STARTED, Attr.OWNER: original_owner,
                 Attr.DUE: encode(original_due)}[attr]
        return (BEGINNING, END, value, added_at, None, None)

    def _open_interval(self, ref: str, attr: str, value: str | None, valid_from: date,
                       valid_to: date, at: int) -> tuple[Any, ...]:
        """A new Interval, and its row to insert."""
        key = next(self.pending_keys)
        self.new_rows[key] = (ref, attr, value, self.day(valid_from), self.day(valid_to), at,
                              FOREVER)
        return (valid_from, valid_to, value, at, None, key)

    def _change(self, ref: str, attr: str, value: str | None, effective: date, at: int) -> None:
        key = (ref, attr)
        intervals = self.open.get(key)
        if intervals is None and ref in self.added:
            intervals = (self._starting(ref, attr),)
        if not intervals:
            return  # a change to an action the log never added: nothing to show for it
        i = len(intervals) - 1
        while i > 0 and valid_from_of(intervals[i]) > effective:
            i -= 1  # the last interval that starts on or before `effective`
        valid_from, valid_to, old_value, recorded_from, stored_id, pending = intervals[i]
        if valid_from > effective:
            raise ValueError(f"{ref}: no open row holds {effective}")
        self._close(recorded_from, stored_id, pending, at)
        replacement = []
        if valid_from < effective:
            replacement.append(self._open_interval(ref, attr, old_value, valid_from, effective, at))
        replacement.append(self._open_interval(ref, attr, value, effective, valid_to, at))
        self.open.pop(key, None)  # put back last: the most recently changed are kept longest
        self.open[key] = (*intervals[:i], *replacement, *intervals[i + 1:])
        self.touched.add(key)
        if valid_to == END:
            self.current.setdefault(ref, {})[attr] = value

    def _close(self, recorded_from: int, stored_id: int | None, pending: int | None,
               at: int) -> None:
        """Close an interval in recorded time at `at` (one opened at `at` is never visible: its
        row is not written, or is deleted)."""
        if pending is not None:
            if recorded_from == at:
                del self.new_rows[pending]
            else:
                ref, attr, value, valid_from, valid_to, _, _ = self.new_rows[pending]
                self.new_rows[pending] = (ref, attr, value, valid_from, valid_to, recorded_from, at)
        elif stored_id is not None:
            if recorded_from == at:
                self.dropped.append(stored_id)
            else:
                self.closed.append((stored_id, at))
        # else the starting value: no row to close, the rows opened now cover all of valid time

    # -- rows out -------------------------------------------------------------------------------
    def _bound(self, attr: str, value: str | None) -> Any:
        """A current value as its `rm_actions` column binds it (a target date: a date, or its
        ISO text on SQLite)."""
        if attr == Attr.DUE and value and not self.sqlite:
            return date.fromisoformat(value)
        return value

    def _action_rows(self) -> list[tuple[Any, ...]]:
        """The actions added in this batch (ActionRow), inserted with their current values."""
        out = []
        for (ref, added_on, added_at, text, original_due, original_owner, recommendations,
             depends_on) in self.added_rows:
            now = self.current.pop(ref, {})
            out.append((
                ref, added_on, added_at, text, original_due, original_owner, recommendations,
                depends_on, now.get(Attr.STATUS, NOT_STARTED), now.get(Attr.OWNER, original_owner),
                self._bound(Attr.DUE, now[Attr.DUE]) if Attr.DUE in now else original_due,
                FOREVER))
        return out

    def _insert(self, table: sa.Table, columns: tuple[str, ...],
                rows: list[tuple[Any, ...]]) -> None:
        insert_rows(self.conn, table, columns, rows)  # COPY on PostgreSQL (`bulk.py`)

    @property
    def postgresql(self) -> bool:
        """Whether the batch writes to PostgreSQL (changes to stored rows go set-wise there)."""
        return self.conn.dialect.name == "postgresql"

    def _run(self, statement: Any, keys: tuple[str, ...],
             params: Sequence[tuple[Any, ...]]) -> None:
        """One executemany of a Core statement whose bind parameters are `keys`."""
        if self.sqlite:
            sql, order = _sqlite_many(statement)
            index = [keys.index(name) for name in order]
            self.conn.exec_driver_sql(sql, [tuple(p[i] for i in index) for p in params]
                                      if index != list(range(len(keys))) else params)
        else:
            self.conn.execute(statement, [dict(zip(keys, p, strict=True)) for p in params])

    def flush(self) -> None:
        """Write everything worked out for the batch."""
        # First: the actions added in this batch take their current values out of `current`,
        # which then holds only those of actions already in the database (`_update_current`).
        self.inserts[schema.actions] = self._action_rows()
        for table, columns in INSERT_ORDER:
            if rows := self.inserts.get(table):
                self._insert(table, columns, rows)
        self.requests.flush(self.conn)  # reads back the dates of meetings just written
        t = schema.attrs
        if self.postgresql:  # one statement a kind, not one a row (`pgwrite`)
            pgwrite.drop_attrs(self.conn, self.dropped)
            pgwrite.close_attrs(self.conn, self.closed)
        else:
            if self.dropped:
                self._run(t.delete().where(t.c.id == sa.bindparam("row_id")), ("row_id",),
                          [(i,) for i in self.dropped])
            if self.closed:
                self._run(t.update().where(t.c.id == sa.bindparam("row_id"))
                          .values(recorded_to=sa.bindparam("closed_at")), Closed._fields,
                          self.closed)
        ids = dict(zip(self.new_rows, numbered(self.conn, len(self.new_rows)), strict=True))
        if ids:
            self._insert(t, ("id", *AttrRow._fields),
                         [(ids[key], *row) for key, row in self.new_rows.items()])
        self._carry(ids)
        self._update_current()
        if self.postgresql:
            pgwrite.set_achieved(self.conn, self.achieved)
        elif self.achieved:
            m = schema.milestones
            self._run(m.update().where(m.c.ref == sa.bindparam("row_ref"), m.c.achieved_on.is_(None),
                                       m.c.recorded_to == CURRENT)
                      .values(achieved_on=sa.bindparam("day")), ("row_ref", "day"),
                      [(ref, self.day(day)) for ref, day in self.achieved.items()])

    def _carry(self, ids: dict[int, int]) -> None:
        """Leave the open intervals as committed for the next batch: those changed in this one
        with their new rows' ids, the starting status of actions added in it, and no more than
        `CARRIED` pairs (the oldest dropped)."""
        carried = self.open
        for key in self.touched:
            if (intervals := carried.get(key)) is not None:
                carried[key] = tuple([(i[0], i[1], i[2], i[3], ids[i[5]], None)
                                      if i[5] is not None else i for i in intervals])
        for ref, _, added_at, *_ in self.added_rows:
            carried.setdefault((ref, Attr.STATUS), ((BEGINNING, END, NOT_STARTED, added_at,
                                                     None, None),))
        for key in list(itertools.islice(carried, max(0, len(carried) - CARRIED))):
            del carried[key]

    def _update_current(self) -> None:
        """The current values of actions added before this batch: one executemany per set of
        columns changed (at most seven)."""
        groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for ref, values in self.current.items():
            changed = tuple(sorted(values))
            groups[changed].append((ref, *(self._bound(a, values[a]) for a in changed)))
        a = schema.actions
        for changed, params in groups.items():
            columns = [schema.CURRENT_COLUMN[attr] for attr in changed]
            if self.postgresql:
                pgwrite.set_current(self.conn, columns, params)
                continue
            self._run(a.update().where(a.c.ref == sa.bindparam("row_ref"),
                                       a.c.recorded_to == CURRENT)
                      .values({c: sa.bindparam(f"new_{c}") for c in columns}),
                      ("row_ref", *(f"new_{c}" for c in columns)), params)
