"""The shapes of the rows the batch writer builds and holds until its batch commits.

Each shape is a named tuple: its fields name the values, and for an insert row they are the
columns the INSERT names, in order. The writer builds and holds *plain* tuples in these shapes
(reading them back by unpacking, or with `getter`): a batch holds tens of thousands of them, and
the cyclic garbage collector stops tracking a plain tuple of plain values the first time it sees
one, but tracks a named tuple (or any object) for as long as it lives, walking it again in every
full collection. Dates are held as the connection binds them (`Day`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa

from ledger.projections.readmodel import schema

Day = Any
"""A date as the connection binds it: ISO text on SQLite, a `date` elsewhere."""


def getter(shape: type[tuple[Any, ...]], name: str) -> Callable[[tuple[Any, ...]], Any]:
    """Reads the field `name` of a plain tuple in a named tuple's shape."""
    return operator.itemgetter(shape._fields.index(name))  # type: ignore[attr-defined]


class AuditRow(NamedTuple):
    """An `rm_audits` row."""

    ref: str
    audit_date: Day
    recorded_at: int
    event: str
    recorded_to: int


class RecommendationRow(NamedTuple):
    """An `rm_recommendations` row."""

    ref: str
    audit: str
    priority: str
    made_on: Day
    recorded_at: int
    event: str
    recorded_to: int


class MilestoneRow(NamedTuple):
    """An `rm_milestones` row (`achieved_on` is set by an update once achieved)."""

    ref: str
    text: str
    set_on: Day
    recorded_at: int
    achieved_on: Day
    recorded_to: int


class MeetingRow(NamedTuple):
    """An `rm_meetings` row."""

    ref: str
    committee: str
    held_on: Day
    recorded_at: int
    recorded_to: int


class ResolutionRow(NamedTuple):
    """An `rm_resolutions` row (`event`: the whole event's JSON)."""

    meeting: str
    number: int
    kind: str
    recorded_at: int
    event: str
    recorded_to: int


class ReceivedRow(NamedTuple):
    """An `rm_received` row: a requested report, received."""

    meeting: str
    number: int
    effective: Day
    recorded_at: int
    recorded_to: int


class AchievementRow(NamedTuple):
    """An `rm_achievements` row."""

    ref: str
    effective: Day
    recorded_at: int
    recorded_to: int


class ActionRecRow(NamedTuple):
    """An `rm_action_recommendations` row."""

    action_ref: str
    rec_ref: str
    recorded_from: int
    recorded_to: int


class AddedAction(NamedTuple):
    """An action added in the batch, as added (its current values are added when written)."""

    ref: str
    added_on: Day
    added_at: int
    text: str
    original_due: Day
    original_owner: str | None
    recommendations: str
    depends_on: str


class ActionRow(NamedTuple):
    """An `rm_actions` row: the action as added, then its current status, owner and target date."""

    ref: str
    added_on: Day
    added_at: int
    text: str
    original_due: Day
    original_owner: str | None
    recommendations: str
    depends_on: str
    status: str
    owner: str | None
    due: Day
    recorded_to: int


class AttrRow(NamedTuple):
    """An `rm_attrs` row: one interval of one attribute's value (see `schema`)."""

    action_ref: str
    attr: str
    value: str | None
    valid_from: Day
    valid_to: Day
    recorded_from: int
    recorded_to: int


class DueChangeRow(NamedTuple):
    """An `rm_due_changes` row: an action's target date moved, or a new one asked for."""

    action_ref: str
    kind: str
    effective: Day
    version: int
    due: Day
    reason: str | None
    recorded_from: int
    recorded_to: int


class PolicyRow(NamedTuple):
    """An `rm_policies` row (`event`: the `TargetPolicySet`'s JSON)."""

    ref: str
    effective: Day
    version: int
    event: str
    recorded_from: int
    recorded_to: int


class FindingRow(NamedTuple):
    """An `rm_findings` row: a follow-up audit's finding on a recommendation or action."""

    ref: str
    by_audit: str
    outcome: str
    note: str | None
    effective: Day
    version: int
    position: int
    recorded_from: int
    recorded_to: int


class AssuranceRow(NamedTuple):
    """An `rm_assurance` row: a follow-up audit's revised rating of one scope area."""

    audit: str
    area: str
    rating: str
    effective: Day
    version: int
    recorded_from: int
    recorded_to: int


class StatusLogRow(NamedTuple):
    """An `rm_status_log` row: one status change of an action, with its position in the log."""

    action_ref: str
    effective: Day
    position: int
    status: str
    recorded_from: int
    recorded_to: int


INSERT_ORDER: tuple[tuple[sa.Table, tuple[str, ...]], ...] = (
    (schema.audits, AuditRow._fields),
    (schema.recommendations, RecommendationRow._fields),
    (schema.milestones, MilestoneRow._fields),
    (schema.meetings, MeetingRow._fields),
    (schema.resolutions, ResolutionRow._fields),
    (schema.received, ReceivedRow._fields),
    (schema.achievements, AchievementRow._fields),
    (schema.actions, ActionRow._fields),
    (schema.action_recs, ActionRecRow._fields),
    (schema.due_changes, DueChangeRow._fields),
    (schema.policies, PolicyRow._fields),
    (schema.findings, FindingRow._fields),
    (schema.assurance, AssuranceRow._fields),
    (schema.status_log, StatusLogRow._fields),
)
"""The tables a batch inserts into before its `rm_attrs` rows, with the columns it names."""


class Interval(NamedTuple):
    """An interval of an attribute's value still open in recorded time, as a batch works on it.

    Where its row is: `stored_id`, in the database; `pending`, its key among the rows the batch
    will insert; neither, it is the starting value, which has no row.
    """

    valid_from: date
    valid_to: date
    value: str | None
    recorded_from: int
    stored_id: int | None
    pending: int | None


valid_from_of = getter(Interval, "valid_from")
"""An interval's `valid_from`."""


class Change(NamedTuple):
    """A change to one attribute of an action, waiting for the batch to know the open intervals."""

    ref: str
    attr: str
    value: str | None
    effective: date
    recorded_at: int


class Closed(NamedTuple):
    """A stored `rm_attrs` row to close in recorded time."""

    row_id: int
    closed_at: int


change_ref_of = getter(Change, "ref")
"""A change's action."""
