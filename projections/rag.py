"""The targets report (pure): every action's dates and RAG status by the rule in
`ledger.projections.governance`, the policy in force, and counts by recommendation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ledger.domain.chain import Fingerprint
from ledger.projections.governance import (
    AMBER_DAYS,
    BUCKETS,
    RAGS,
    Governed,
    Pending,
    Policy,
    ageing_counts,
    bucket,
    govern,
    rag,
    rag_counts,
)
from ledger.projections.recommendations import (
    RecommendationState,
    recommendation_states,
    state_counts,
)
from ledger.projections.replay import Totals
from ledger.projections.report import LogSource, Source, as_source

__all__ = ["AMBER_DAYS", "BUCKETS", "RAGS", "Governed", "Pending", "Policy", "TargetsReport",
           "bucket", "rag", "targets_report"]


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
        return rag_counts(self.actions)

    def ageing(self) -> dict[str, int]:
        """Overdue actions by age bucket."""
        return ageing_counts(self.actions)

    def by_recommendation(self) -> dict[str, int]:
        """Recommendations by their derived state (beside `totals`, which counts actions)."""
        return state_counts(self.recommendations.values())

    def totals(self) -> Totals:
        """Actions by status."""
        return Totals.of(g.action for g in self.actions)

    def pending(self) -> list[Pending]:
        """Requests awaiting approval."""
        return [g.pending for g in self.actions if g.pending]


def targets_report(source: Source | LogSource, as_at: date, as_known_on: datetime,
                   audit: str | None = None) -> TargetsReport:
    """The targets report as at `as_at`, as known on `as_known_on` (one audit's, or all), from
    the position a source gives (the SQL read model, or the replay of a log)."""
    position = as_source(source).position(as_at, as_known_on, audit)
    in_scope = position.for_audit(audit)
    actions = [govern(a, as_at, position.policy) for a in in_scope]
    recs = recommendation_states(position.recommendations_for(audit), in_scope)
    return TargetsReport(as_at, as_known_on, position.fingerprint, position.policy,
                         tuple(actions), recs)
