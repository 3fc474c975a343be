"""Corrections and retractions in the read model: the rows of one record, derived again.

An amendment of record X recorded at R closes (`recorded_to` = R) every current row derived from
X's stream and opens fresh rows, recorded from R, from the stream as amended
(`ledger.domain.amend.amended`, the rule the replay applies): as known on K < R the rows read as
before, on K >= R as if the events had been recorded corrected. An action's fresh `rm_attrs`
rows are the whole valid-time timeline of each attribute that changed (the changes sorted by
effective date, then version, as the replay breaks ties), which is what the batch writer's
interval splitting builds one change at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger.domain import events as ev
from ledger.domain.amend import amended
from ledger.domain.values import FOREVER
from ledger.projections.readmodel import requests, schema
from ledger.projections.readmodel.intervals import NOT_STARTED, encode
from ledger.projections.readmodel.schema import BEGINNING, END, Attr, DueChange
from ledger.projections.readmodel.writer import CHANGED_ATTR, STATUS_VALUE, refs_json

Rows = dict[sa.Table, list[dict[str, Any]]]

TABLES_OF: dict[type[ev.LedgerEvent], tuple[sa.Table, ...]] = {
    ev.AuditRecorded: (schema.audits, schema.assurance),
    ev.RecommendationMade: (schema.recommendations, schema.findings),
    ev.ActionAdded: (schema.actions, schema.action_recs, schema.attrs, schema.due_changes,
                     schema.findings, schema.status_log),
    ev.MilestoneSet: (schema.milestones, schema.achievements),
    ev.MeetingScheduled: (schema.meetings, schema.resolutions, schema.received),
    ev.TargetPolicySet: (schema.policies,),
}
"""The tables holding rows of a record, by the event that creates it."""


def rederive(conn: Connection, stream: Sequence[ev.LedgerEvent], positions: Sequence[int],
             at: int) -> None:
    """Replace, from recorded time `at`, the rows of the record whose stream (version order,
    up to and including the amendment just recorded at `at`) and its events' positions in the
    log are given."""
    if not stream:
        return
    ref = stream[0].ref
    for table in TABLES_OF.get(type(stream[0]), ()):
        close(conn, table, ref, at)
    placed = {e.originator_version: p for e, p in zip(stream, positions, strict=True)}
    views = amended(stream)
    for table, rows in rows_of(views, at, placed).items():
        if rows:
            conn.execute(table.insert(), rows)
    if isinstance(stream[0], ev.MeetingScheduled):
        requests.unsure(conn, ref, [*stream, *views])


def close(conn: Connection, table: sa.Table, ref: str, at: int) -> None:
    """Close a record's current rows of a table at `at` (a row opened at `at` itself was never
    visible: it is deleted, as the batch writer does)."""
    current = sa.and_(schema.RECORD_KEY[table] == ref, table.c.recorded_to == FOREVER)
    conn.execute(table.delete().where(current, schema.RECORDED_FROM[table] == at))
    conn.execute(table.update().where(current).values(recorded_to=at))


def rows_of(views: Sequence[ev.LedgerEvent], at: int, placed: dict[int, int]) -> Rows:
    """The rows of one record's events as amended (`views`), recorded from `at` (`placed`:
    each event's position in the log, by its version)."""
    out: Rows = defaultdict(list)
    now = {"recorded_to": FOREVER}
    achieved: date | None = None
    for v in views:
        if isinstance(v, ev.AuditRecorded):
            out[schema.audits].append(dict(ref=v.ref, audit_date=v.effective, recorded_at=at,
                                           event=v.model_dump_json(), **now))
        elif isinstance(v, ev.RecommendationMade):
            out[schema.recommendations].append(dict(
                ref=v.ref, audit=v.audit, priority=v.priority.value, made_on=v.effective,
                recorded_at=at, event=v.model_dump_json(), **now))
        elif isinstance(v, ev.ImplementationAssessed):
            out[schema.findings].append(dict(
                ref=v.ref, by_audit=v.by, outcome=v.outcome.value, note=v.note,
                effective=v.effective, version=v.originator_version,
                position=placed[v.originator_version], recorded_from=at, **now))
        elif isinstance(v, ev.AssuranceRevised):
            out[schema.assurance].append(dict(
                audit=v.ref, area=v.area, rating=v.rating.value, effective=v.effective,
                version=v.originator_version, recorded_from=at, **now))
        elif isinstance(v, ev.TargetPolicySet):
            out[schema.policies].append(dict(
                ref=v.ref, effective=v.effective, version=v.originator_version,
                event=v.model_dump_json(), recorded_from=at, **now))
        elif isinstance(v, ev.MilestoneSet):
            out[schema.milestones].append(dict(ref=v.ref, text=v.text, set_on=v.effective,
                                               recorded_at=at, achieved_on=None, **now))
        elif isinstance(v, ev.MilestoneAchieved):
            out[schema.achievements].append(dict(ref=v.ref, effective=v.effective,
                                                 recorded_at=at, **now))
            achieved = achieved or v.effective  # the first achievement, as the writer keeps
        elif isinstance(v, ev.MeetingScheduled):
            out[schema.meetings].append(dict(ref=v.ref, committee=v.committee,
                                             held_on=v.held_on, recorded_at=at, **now))
        elif isinstance(v, ev.ResolutionPassed):
            out[schema.resolutions].append(dict(meeting=v.ref, number=v.number,
                                                kind=v.kind.value, recorded_at=at,
                                                event=v.model_dump_json(), **now))
        elif isinstance(v, ev.ReportReceived):
            out[schema.received].append(dict(meeting=v.ref, number=v.number,
                                             effective=v.effective, recorded_at=at, **now))
    for row in out.get(schema.milestones, ()):
        row["achieved_on"] = achieved
    if views and isinstance(views[0], ev.ActionAdded):
        _action(views[0], views[1:], at, out)
        out[schema.status_log] += [
            dict(action_ref=v.ref, effective=v.effective, position=placed[v.originator_version],
                 status=STATUS_VALUE[type(v)], recorded_from=at, **now)
            for v in views if type(v) in STATUS_VALUE]
    return out


def change_value(e: ev.LedgerEvent) -> str | None:
    """The value a change to an action gives its attribute, as `rm_attrs.value` keeps it."""
    if type(e) in STATUS_VALUE:
        return STATUS_VALUE[type(e)]
    if isinstance(e, ev.ActionAssigned):
        return e.owner
    assert isinstance(e, ev.ActionRescheduled)
    return encode(e.due)


def _action(added: ev.ActionAdded, changes: Sequence[ev.LedgerEvent], at: int,
            out: Rows) -> None:
    """An action's rows: `rm_actions`, its recommendations, and each changed attribute's
    intervals over all of valid time (an attribute never changed has no row: see `schema`)."""
    found: dict[str, list[tuple[date, int, str | None]]] = defaultdict(list)
    for e in changes:
        if isinstance(e, ev.ActionRescheduled | ev.RescheduleRequested):
            out[schema.due_changes].append(dict(
                action_ref=e.ref, effective=e.effective, version=e.originator_version,
                due=e.due, recorded_from=at, recorded_to=FOREVER,
                **(dict(kind=DueChange.MOVED, reason=None)
                   if isinstance(e, ev.ActionRescheduled)
                   else dict(kind=DueChange.REQUESTED, reason=e.reason))))
        if type(e) in CHANGED_ATTR:
            found[CHANGED_ATTR[type(e)]].append(
                (e.effective, e.originator_version, change_value(e)))
    current: dict[str, str | None] = {
        Attr.STATUS: NOT_STARTED, Attr.OWNER: added.owner, Attr.DUE: encode(added.due)}
    for attr, timeline in found.items():
        start, value = BEGINNING, current[attr]
        for effective, _version, new in sorted(timeline, key=lambda c: c[:2]):
            if effective > start:
                out[schema.attrs].append(_interval(added.ref, attr, value, start, effective, at))
                start = effective
            value = new
        out[schema.attrs].append(_interval(added.ref, attr, value, start, END, at))
        current[attr] = value
    due = current[Attr.DUE]
    out[schema.actions].append(dict(
        ref=added.ref, added_on=added.effective, added_at=at, text=added.text,
        original_due=added.due, original_owner=added.owner,
        recommendations=refs_json(added.recommendations), depends_on=refs_json(added.depends_on),
        status=current[Attr.STATUS], owner=current[Attr.OWNER],
        due=date.fromisoformat(due) if due else None, recorded_to=FOREVER))
    out[schema.action_recs] += [
        dict(action_ref=added.ref, rec_ref=r, recorded_from=at, recorded_to=FOREVER)
        for r in dict.fromkeys(added.recommendations)]


def _interval(ref: str, attr: str, value: str | None, valid_from: date, valid_to: date,
              at: int) -> dict[str, Any]:
    return dict(action_ref=ref, attr=attr, value=value, valid_from=valid_from,
                valid_to=valid_to, recorded_from=at, recorded_to=FOREVER)
