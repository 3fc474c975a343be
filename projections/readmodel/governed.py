"""Target dates under governance, and the recommendations, as the read model answers them:
each action's reschedules and requests (`rm_due_changes`), the policy in force
(`rm_policies`) and the recommendations made (`rm_recommendations`), as at a date on a
horizon, read by the replay's own rules (`ledger.projections.governance`)."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger.domain import events as ev
from ledger.projections.governance import Pending, Policy, pending_from, policy_from
from ledger.projections.readmodel.params import AS_AT, AUDIT, known
from ledger.projections.readmodel.schema import (
    DueChange,
    due_changes,
    policies,
    recommendations,
)


class Asked(NamedTuple):
    """A request for a new target date, as `rm_due_changes` keeps it (`governance.Asked`)."""

    due: date
    reason: str
    effective: date


class DueChanges(NamedTuple):
    """An action's reschedules and requests effective as at a date, known on a horizon."""

    moved: list[tuple[date, int]]
    """(effective, version) of each reschedule."""
    requested: list[tuple[date, int, Asked]]
    """(effective, version, the request) of each request."""


def due_changes_of(scope: Any) -> Any:
    """The statement: the reschedules and requests of the actions in scope effective as at the
    date, known on the horizon."""
    t = due_changes
    return sa.select(t.c.action_ref, t.c.kind, t.c.effective, t.c.version, t.c.due,
                     t.c.reason).where(t.c.action_ref.in_(scope), t.c.effective <= AS_AT,
                                       known(t))


def made(audit: bool) -> Any:
    """The statement: the recommendations made as at the date, known on the horizon (of one
    audit when `audit`)."""
    found = sa.select(recommendations.c.event).where(recommendations.c.made_on <= AS_AT,
                                                     known(recommendations))
    return found.where(recommendations.c.audit == AUDIT) if audit else found


_POLICIES = sa.select(policies.c.event, policies.c.version).where(
    policies.c.effective <= AS_AT, known(policies))


def changes_by_action(conn: Connection, statement: Any, params: dict[str, Any]) -> dict[str, DueChanges]:
    """Each action's reschedules and requests (`due_changes_of`), by action."""
    out: dict[str, DueChanges] = {}
    for ref, kind, effective, version, due, reason in conn.execute(statement, params):
        found = out.setdefault(ref, DueChanges([], []))
        if kind == DueChange.MOVED:
            found.moved.append((effective, version))
        else:
            found.requested.append((effective, version, Asked(due, reason or "", effective)))
    return out


def pending(ref: str, changes: DueChanges | None, as_at: date) -> Pending | None:
    """The request awaiting approval as at the date (the replay's rule, `pending_from`)."""
    if changes is None or not changes.requested:
        return None
    return pending_from(ref, changes.requested, changes.moved, as_at)


def policy(conn: Connection, params: dict[str, Any], as_at: date) -> Policy:
    """The target-date policy in force as at the date, as known on the horizon."""
    return policy_from(((ev.TargetPolicySet.model_validate_json(r.event), r.version)
                        for r in conn.execute(_POLICIES, params)), as_at)


def recommendations_made(conn: Connection, statement: Any,
                         params: dict[str, Any]) -> dict[str, ev.RecommendationMade]:
    """The recommendations (`made`), by ref (the caller orders them)."""
    return {e.ref: e for e in (ev.RecommendationMade.model_validate_json(r.event)
                               for r in conn.execute(statement, params))}
