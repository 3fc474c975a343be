"""A recommendation's own state, derived from its actions by one rule (pure).

* `delivered`: it has live actions and every one is completed;
* `in_progress`: some live action is in progress or completed, not all completed;
* `not_started`: it has live actions and none has been started;
* `closed`: every action it had was withdrawn or superseded;
* `no_actions`: no action serves it.

Withdrawn and superseded actions do not count against delivery: nothing more is to be done on
them. Follow-up audits and information-management reports count recommendations this way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol

from ledger.domain import events as ev


class RecommendationState(StrEnum):
    """A recommendation's state, derived from its actions' statuses."""

    NO_ACTIONS = "no_actions"
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    CLOSED = "closed"


def recommendation_state(statuses: Iterable[ev.Status]) -> RecommendationState:
    """The state of a recommendation whose actions have these statuses (the rule above)."""
    every = list(statuses)
    live = [s for s in every if s.live]
    if not every:
        return RecommendationState.NO_ACTIONS
    if not live:
        return RecommendationState.CLOSED
    if all(s is ev.Status.COMPLETED for s in live):
        return RecommendationState.DELIVERED
    if all(s is ev.Status.NOT_STARTED for s in live):
        return RecommendationState.NOT_STARTED
    return RecommendationState.IN_PROGRESS


class _Serving(Protocol):
    """An action as this rule reads it: the recommendations it serves and its status."""

    @property
    def recommendations(self) -> tuple[str, ...]: ...
    @property
    def status(self) -> ev.Status: ...


def recommendation_states(refs: Iterable[str],
                          actions: Iterable[_Serving]) -> dict[str, RecommendationState]:
    """Each recommendation's state from the actions given (those in scope), in `refs` order."""
    statuses: dict[str, list[ev.Status]] = {}
    for a in actions:
        for rec in a.recommendations:
            statuses.setdefault(rec, []).append(a.status)
    return {ref: recommendation_state(statuses.get(ref, ())) for ref in refs}


def state_counts(states: Iterable[RecommendationState]) -> dict[str, int]:
    """Recommendations by state, every state named."""
    counts = Counter(states)
    return {s.value: counts[s] for s in RecommendationState}
