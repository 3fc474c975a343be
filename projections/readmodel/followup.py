"""A follow-up audit's facts as the read model answers them: its findings (`rm_findings`), its
revised ratings (`rm_assurance`), and what the officers had reported before each finding
(`rm_status_log`), by the replay's rules (`ledger.projections.followup`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger.domain import events as ev
from ledger.projections.followup import Assessed, FollowUpFacts
from ledger.projections.readmodel.params import AS_AT, AUDIT, REFS, known
from ledger.projections.readmodel.schema import (
    action_recs,
    actions,
    assurance,
    audits,
    findings,
    status_log,
)
from ledger.projections.recommendations import recommendation_state

_FINDINGS = sa.select(findings.c.ref, findings.c.outcome, findings.c.note, findings.c.effective,
                      findings.c.version, findings.c.position).where(
    findings.c.by_audit == AUDIT, findings.c.effective <= AS_AT, known(findings))
_REVISED = sa.select(assurance.c.area, assurance.c.rating).where(
    assurance.c.audit == AUDIT, assurance.c.effective <= AS_AT, known(assurance)).order_by(
    assurance.c.effective, assurance.c.version)
_AUDIT_EVENT = sa.select(audits.c.event).where(audits.c.ref == AUDIT, known(audits))
# The actions assessed, or serving a recommendation assessed, as known on the horizon.
_LINKED = sa.select(action_recs.c.action_ref, action_recs.c.rec_ref).where(
    action_recs.c.rec_ref.in_(REFS), known(action_recs))
_ADDED = sa.select(actions.c.ref, actions.c.added_on).where(actions.c.ref.in_(REFS),
                                                              known(actions))
_STATUS_LOG = sa.select(status_log.c.action_ref, status_log.c.effective, status_log.c.position,
                        status_log.c.status).where(status_log.c.action_ref.in_(REFS),
                                                   known(status_log))


def follow_up_facts(conn: Connection, audit: str, follows: str, as_at: date,
                    k: int) -> FollowUpFacts:
    """Follow-up audit `audit`'s facts as at `as_at`, as known on `k` (µs)."""
    params: dict[str, Any] = {"audit": audit, "as_at": as_at, "k": k}
    latest: dict[str, tuple[Any, ...]] = {}
    for row in conn.execute(_FINDINGS, params):
        ref, _, _, effective, version, _ = row
        if ref not in latest or (effective, version) > latest[ref][3:5]:
            latest[ref] = tuple(row)
    revised = tuple((area, ev.Assurance(rating)) for area, rating in conn.execute(_REVISED, params))
    followed = conn.execute(_AUDIT_EVENT, {**params, "audit": follows}).scalar_one_or_none()
    refs = sorted(latest)
    linked: dict[str, list[str]] = defaultdict(list)
    for action, rec in conn.execute(_LINKED, {**params, "refs": refs}):
        linked[rec].append(action)
    wanted = sorted({*refs, *(a for found in linked.values() for a in found)})
    added = dict(conn.execute(_ADDED, {**params, "refs": wanted}).tuples().all())
    changes: dict[str, list[tuple[date, int, str]]] = defaultdict(list)
    for action, effective, position, status in conn.execute(_STATUS_LOG,
                                                             {**params, "refs": wanted}):
        changes[action].append((effective, position, status))

    def before(action: str, day: date, position: int) -> ev.Status | None:
        """The action's status as at `day`, counting only changes recorded before `position`."""
        if action not in added or added[action] > day:
            return None
        known = [c for c in changes[action] if c[0] <= day and c[1] < position]
        return ev.Status(max(known)[2]) if known else ev.Status.NOT_STARTED

    out = {}
    for ref, (_, outcome, note, effective, _, position) in latest.items():
        if ref in added:
            then = before(ref, effective, position)
            officers_then = then.value if then else None
        else:
            statuses = [s for a in linked[ref] if (s := before(a, effective, position)) is not None]
            officers_then = recommendation_state(statuses).value
        out[ref] = Assessed(ev.Outcome(outcome), note, effective, officers_then)
    return FollowUpFacts(
        None if followed is None else ev.AuditRecorded.model_validate_json(followed), out, revised)
