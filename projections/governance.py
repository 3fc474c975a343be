"""Target dates under governance, the pure rule (no log, no tables): the policy in force, a
request awaiting approval, and each action's RAG status.

The rule, as at D, under the target-date policy in force on D (the latest `TargetPolicySet`
effective by D; without one: revised dates count overdue against the original, no limit on
revisions, no approval needed):

* `complete`: completed. `closed`: withdrawn or superseded.
* The date that counts: the current target date, or, when the policy says a revised date still
  counts overdue against the original, the earlier of the original and the current one.
* `red`: that date has passed (the action is overdue; its age is D minus that date, in the
  buckets `0-30`, `31-90` and `over 90` days).
* `amber`: not started and due within 30 days; or moved more often than the policy allows.
* `green`: on track: anything else.

`overdue_against_original` is a fact whatever the policy: not finished, and the original date
has passed. A request is pending from its effective date until a reschedule after it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from ledger.domain import events as ev

if TYPE_CHECKING:
    from ledger.projections.replay import ActionState

AMBER_DAYS = 30
"""How close a target date is before a not-started action turns amber."""
BUCKETS = ("0-30", "31-90", "over 90")
RAGS = ("complete", "green", "amber", "red", "closed")


@dataclass(frozen=True)
class Policy:
    """The target-date policy in force on a date."""

    revised_counts_overdue: bool = True
    max_revisions: int | None = None
    approval_required: bool = False
    since: date | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON shape."""
        return {"revised_counts_overdue": self.revised_counts_overdue,
                "max_revisions": self.max_revisions,
                "approval_required": self.approval_required,
                "since": self.since.isoformat() if self.since else None}


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Pending:
    """A request for a new target date awaiting approval."""

    ref: str
    due: date
    reason: str
    requested_on: date


@dataclass(frozen=True)
class Governed:
    """One action's dates and RAG status as at a date."""

    action: ActionState
    revisions: int
    overdue_against_original: bool
    rag: str
    days_overdue: int | None
    pending: Pending | None
    flagged: bool

    @property
    def ageing(self) -> str | None:
        """The overdue action's age bucket (`0-30`, `31-90`, `over 90`), else None."""
        if self.days_overdue is None:
            return None
        return bucket(self.days_overdue)

    def as_dict(self) -> dict[str, object]:
        """The JSON shape: the action's dates, revisions, RAG status and pending request."""
        a, p = self.action, self.pending
        return {"ref": a.ref, "status": a.status.value, "owner": a.owner,
                "original_due": _iso(a.original_due), "due": _iso(a.due),
                "revisions": self.revisions, "overdue": a.overdue,
                "overdue_against_original": self.overdue_against_original, "rag": self.rag,
                "days_overdue": self.days_overdue, "ageing": self.ageing,
                "flagged": self.flagged,
                "pending_reschedule": None if p is None else {
                    "due": p.due.isoformat(), "reason": p.reason,
                    "requested_on": p.requested_on.isoformat()}}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def bucket(days: int) -> str:
    """`0-30`, `31-90` or `over 90`."""
    return BUCKETS[0] if days <= 30 else BUCKETS[1] if days <= 90 else BUCKETS[2]


def rag(a: ActionState, as_at: date, policy: Policy, revisions: int) -> tuple[str, int | None]:
    """An action's RAG status by the rule above, and its days overdue (None unless red)."""
    if a.status is ev.Status.COMPLETED:
        return "complete", None
    if not a.status.live:
        return "closed", None
    counted = a.due
    if policy.revised_counts_overdue and a.original_due is not None:
        counted = a.original_due if counted is None else min(counted, a.original_due)
    if counted is not None and counted < as_at:
        return "red", (as_at - counted).days
    soon = counted is not None and (counted - as_at).days <= AMBER_DAYS
    too_many = policy.max_revisions is not None and revisions > policy.max_revisions
    if (soon and a.status is ev.Status.NOT_STARTED) or too_many:
        return "amber", None
    return "green", None


def govern(a: ActionState, as_at: date, policy: Policy) -> Governed:
    """One action under the policy, as at a date (its `revisions` and `pending` as at then)."""
    colour, days = rag(a, as_at, policy, a.revisions)
    return Governed(
        a, a.revisions,
        overdue_against_original=(not a.status.finished and a.original_due is not None
                                  and a.original_due < as_at),
        rag=colour, days_overdue=days, pending=a.pending,
        flagged=policy.max_revisions is not None and a.revisions > policy.max_revisions)


def rag_counts(governed: Iterable[Governed]) -> dict[str, int]:
    """Actions by RAG status, every status named (in `RAGS` order)."""
    counts = Counter(g.rag for g in governed)
    return {r: counts[r] for r in RAGS}


def ageing_counts(governed: Iterable[Governed]) -> dict[str, int]:
    """Overdue actions by age bucket, every bucket named (in `BUCKETS` order)."""
    counts = Counter(g.ageing for g in governed if g.ageing)
    return {b: counts[b] for b in BUCKETS}


# -- from one record's events, as amended, with their positions (replay and read model alike) --
def policy_from(views: Iterable[tuple[ev.LedgerEvent, int]], as_at: date) -> Policy:
    """The policy in force on `as_at`: the latest `TargetPolicySet` effective by then (ties by
    position), else the default."""
    found = [(e.effective, pos, e) for e, pos in views
             if isinstance(e, ev.TargetPolicySet) and e.effective <= as_at]
    if not found:
        return DEFAULT_POLICY
    e = max(found, key=lambda f: f[:2])[2]
    assert isinstance(e, ev.TargetPolicySet)
    return Policy(e.revised_counts_overdue, e.max_revisions, e.approval_required, e.effective)


class Asked(Protocol):
    """What `pending_from` reads of a request: a `RescheduleRequested`, or a row holding it."""

    @property
    def due(self) -> date: ...
    @property
    def reason(self) -> str: ...
    @property
    def effective(self) -> date: ...


def pending_from(ref: str, requests: Iterable[tuple[date, int, Asked]],
                 moves: Iterable[tuple[date, int]], as_at: date) -> Pending | None:
    """The request awaiting approval as at the date: the last one effective by then (ties by
    position), unless a reschedule effective by then was recorded after it."""
    known = [r for r in requests if r[0] <= as_at]
    if not known:
        return None
    last = max(known, key=lambda r: r[:2])
    if any(d <= as_at and pos > last[1] for d, pos in moves):
        return None
    e = last[2]
    return Pending(ref, e.due, e.reason, e.effective)
