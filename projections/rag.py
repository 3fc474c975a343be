"""Target dates under governance, the read side (pure): each action's original and current date,
how often it moved, requests awaiting approval, and its RAG status by one rule.

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
from datetime import date, datetime

from ledger.domain import events as ev
from ledger.domain.amend import amended
from ledger.domain.chain import Fingerprint
from ledger.domain.values import Logged
from ledger.projections.recommendations import RecommendationState, recommendation_state
from ledger.projections.replay import ActionState, Timeline, Totals

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


@dataclass(frozen=True)
class TargetsReport:
    """Every action's dates and RAG status, the policy, and counts by recommendation."""

    as_at: date
    as_known_on: datetime
    fingerprint: Fingerprint
    policy: Policy
    actions: tuple[Governed, ...]
    recommendations: dict[str, RecommendationState]

    def rag_counts(self) -> dict[str, int]:
        """Actions by RAG status."""
        counts = Counter(g.rag for g in self.actions)
        return {r: counts[r] for r in RAGS}

    def ageing(self) -> dict[str, int]:
        """Overdue actions by age bucket."""
        counts = Counter(g.ageing for g in self.actions if g.ageing)
        return {b: counts[b] for b in BUCKETS}

    def by_recommendation(self) -> dict[str, int]:
        """Recommendations by their derived state (beside `totals`, which counts actions)."""
        counts = Counter(self.recommendations.values())
        return {s.value: counts[s] for s in RecommendationState}

    def totals(self) -> Totals:
        """Actions by status."""
        return Totals.of(g.action for g in self.actions)

    def pending(self) -> list[Pending]:
        """Requests awaiting approval."""
        return [g.pending for g in self.actions if g.pending]


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


def targets_report(log: Iterable[Logged], as_at: date, as_known_on: datetime,
                   audit: str | None = None) -> TargetsReport:
    """The targets report as at `as_at`, as known on `as_known_on` (one audit's, or all)."""
    timeline = Timeline.build(log, as_known_on)
    policy = _policy(timeline, as_at)
    position = timeline.position(as_at)
    actions = []
    for a in position.for_audit(audit):
        log_ = timeline.actions[a.ref]
        revisions = sum(1 for d, _, _ in log_.due if d <= as_at)
        colour, days = rag(a, as_at, policy, revisions)
        actions.append(Governed(
            a, revisions,
            overdue_against_original=(not a.status.finished and a.original_due is not None
                                      and a.original_due < as_at),
            rag=colour, days_overdue=days, pending=_pending(timeline, a.ref, as_at),
            flagged=policy.max_revisions is not None and revisions > policy.max_revisions))
    statuses: dict[str, list[ev.Status]] = {}
    for a in position.for_audit(audit):
        for rec in a.recommendations:
            statuses.setdefault(rec, []).append(a.status)
    recs = {ref: recommendation_state(statuses.get(ref, ()))
            for ref, made in timeline.recommendations.items()
            if made.effective <= as_at and (audit is None or made.audit == audit)}
    return TargetsReport(as_at, as_known_on, timeline.fingerprint, policy, tuple(actions), recs)


def _views(timeline: Timeline, ref: str) -> list[tuple[ev.LedgerEvent, int]]:
    ordered = sorted(timeline.streams.get(ref, ()), key=lambda i: i.event.originator_version)
    at = {i.event.originator_version: i.position for i in ordered}
    return [(v, at[v.originator_version]) for v in amended([i.event for i in ordered])]


def _policy(timeline: Timeline, as_at: date) -> Policy:
    found = [(e.effective, pos, e) for e, pos in _views(timeline, ev.POLICY_REF)
             if isinstance(e, ev.TargetPolicySet) and e.effective <= as_at]
    if not found:
        return Policy()
    e = max(found, key=lambda f: f[:2])[2]
    return Policy(e.revised_counts_overdue, e.max_revisions, e.approval_required, e.effective)


def _pending(timeline: Timeline, ref: str, as_at: date) -> Pending | None:
    """The request awaiting approval as at the date: the last one effective by then, unless a
    reschedule effective by then was recorded after it."""
    request: tuple[ev.RescheduleRequested, int] | None = None
    moved: list[int] = []
    for e, pos in _views(timeline, ref):
        if e.effective > as_at:
            continue
        if isinstance(e, ev.RescheduleRequested):
            request = (e, pos)
        elif isinstance(e, ev.ActionRescheduled):
            moved.append(pos)
    if request is None or any(p > request[1] for p in moved):
        return None
    e = request[0]
    return Pending(ref, e.due, e.reason, e.effective)
