"""Whether two answers to the same question agree: the replay's (the reference) and another
source's (the SQL read model); the first difference, named by ref and field, in one line."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date
from enum import Enum
from typing import Any

from ledger.projections.followup import FollowUpFacts
from ledger.projections.replay import MeetingInfo, Position, natural_key


def _show(value: Any) -> str:
    """A value in a message: text quoted (escaped; an enum's by its value), anything else as it
    prints."""
    if isinstance(value, Enum):
        value = value.value
    return repr(value) if isinstance(value, str) else str(value)


def _first_field(expected: Any, got: Any) -> str:
    """`field is X in the read model, Y in the log` for the first field of two dataclasses
    (or tuples) that differs."""
    if dataclasses.is_dataclass(expected) and dataclasses.is_dataclass(got):
        for f in dataclasses.fields(expected):
            mine, theirs = getattr(expected, f.name), getattr(got, f.name)
            if mine != theirs:
                return f"{f.name} is {_show(theirs)} in the read model, {_show(mine)} in the log"
    return f"{_show(got)} in the read model, {_show(expected)} in the log"


def first_mismatch(expected: Mapping[str, Any], got: Mapping[str, Any],
                   what: str) -> tuple[str, str] | None:
    """The first ref (in natural order) whose value differs: (ref, what differs)."""
    for ref in sorted(expected.keys() | got.keys(), key=natural_key):
        if ref not in got:
            return ref, f"{what} missing from the read model"
        if ref not in expected:
            return ref, f"{what} in the read model but not in the log"
        if expected[ref] != got[ref]:
            return ref, f"{what}: {_first_field(expected[ref], got[ref])}"
    return None


def position_mismatch(expected: Position, got: Position,
                      deps: Iterable[str]) -> tuple[str | None, str] | None:
    """The first difference between two positions on the same question (the milestones the
    read model gives are those the actions depend on: `deps`)."""
    if expected.fingerprint != got.fingerprint:
        return None, (f"counts up to {got.fingerprint} in the read model, "
                      f"{expected.fingerprint} in the log")
    wanted = set(deps)
    for found in (
        first_mismatch({a.ref: a for a in expected.actions},
                       {a.ref: a for a in got.actions}, "action"),
        first_mismatch(expected.audits, got.audits, "audit"),
        first_mismatch({m: v for m, v in expected.milestones.items() if m in wanted},
                       got.milestones, "milestone"),
        first_mismatch({f"{r.meeting}/{r.number}": r for r in expected.requests},
                       {f"{r.meeting}/{r.number}": r for r in got.requests}, "requested report"),
        first_mismatch(expected.recommendations, got.recommendations, "recommendation"),
    ):
        if found is not None:
            return found
    if expected.policy != got.policy:
        return None, f"target-date policy: {_first_field(expected.policy, got.policy)}"
    return None


def meetings_mismatch(expected: list[MeetingInfo],
                      got: list[MeetingInfo]) -> tuple[str, str] | None:
    """The first meeting (or its resolutions) that differs."""
    return first_mismatch({m.ref: m for m in expected}, {m.ref: m for m in got}, "meeting")


def facts_mismatch(expected: FollowUpFacts, got: FollowUpFacts) -> tuple[str | None, str] | None:
    """The first difference between two answers about one follow-up audit: a finding (its
    outcome, note, date, what the officers had reported before it), the revised ratings, or
    the audit it follows."""
    found = first_mismatch(expected.findings, got.findings, "finding")
    if found is not None:
        return found
    if expected.revised != got.revised:
        return None, (f"revised ratings are {_ratings(got.revised)} in the read model, "
                      f"{_ratings(expected.revised)} in the log")
    if expected.followed != got.followed:
        either = expected.followed or got.followed
        return (either.ref if either else None,
                f"followed audit: {_first_field(expected.followed, got.followed)}")
    return None


def _ratings(revised: tuple[tuple[str, Any], ...]) -> str:
    return "; ".join(f"{area} {rating.value}" for area, rating in revised) or "none"


def scoped(position: Position, audit: str) -> Position:
    """The position as the read model gives it for one audit: its actions, that audit, and its
    recommendations."""
    return dataclasses.replace(position, actions=position.for_audit(audit),
                               audits={r: a for r, a in position.audits.items() if r == audit},
                               recommendations=position.recommendations_for(audit))


CurrentState = tuple[str, str | None, date | None]
"""An action's status (its value), owner and target date as at the latest date."""
