"""Immutable, validated domain events: what happened, to which ref, by whom, on which two clocks.

Every event carries the effective date (valid time: when it happened, typed by the officer) and
`timestamp`, the recorded time (when the ledger learned it: UTC, from the application's clock,
never typed by a user). Events are frozen pydantic models; their JSON is what the store hashes.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from ledger.domain.vocabulary import (
    ALLOWED_CONTROLS,
    CLOSED,
    FIRST_DAY,
    LAST_DAY,
    MINUTE_PATTERN,
    REF_NAMESPACE,
    REF_PATTERN,
    Assurance,
    AuditKind,
    Day,
    MilestoneStatus,
    Minute,
    Name,
    Outcome,
    Priority,
    Ref,
    ResolutionKind,
    Response,
    Status,
    Text,
    check_day,
    check_minute,
    check_printable,
    check_ref,
    is_new,
    record_id,
)

# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


class LedgerEvent(BaseModel):
    """Base of every event: identity in the stream, the record's ref, the actor and two clocks."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    originator_id: UUID
    originator_version: int = Field(ge=1)
    timestamp: AwareDatetime
    ref: Ref
    actor: Name
    effective: Day


    @property
    def recorded(self) -> datetime:
        """The recorded time (an alias of `timestamp`, the name eventsourcing uses)."""
        return self.timestamp


class AuditRecorded(LedgerEvent):
    """An audit or assessment was received; `effective` is its date."""

    title: Text
    kind: AuditKind
    areas: dict[Name, Assurance] = Field(default_factory=dict)
    follows: Ref | None = None
    """The audit this one follows up (a `follow-up` audit only)."""

    @model_serializer(mode="wrap")
    def _without_follows(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """An audit that follows none is stored without `follows`: the bytes (and so the hash
        chain) of every audit recorded before the field existed are what they were."""
        data: dict[str, Any] = handler(self)
        if "follows" in data and data["follows"] is None:
            del data["follows"]
        return data


class RecommendationMade(LedgerEvent):
    """An audit made a recommendation and management responded to it."""

    audit: Ref
    text: Text
    priority: Priority
    area: Name | None = None
    response: Response = Response.ACCEPTED
    risk_accepted_by: Name | None = None
    """Who accepted the risk of a recommendation not (or only partly) accepted."""

    @model_serializer(mode="wrap")
    def _without_risk(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Stored without `risk_accepted_by` when none is named: the bytes (and so the hash
        chain) of every recommendation recorded before the field existed are what they were."""
        data: dict[str, Any] = handler(self)
        if "risk_accepted_by" in data and data["risk_accepted_by"] is None:
            del data["risk_accepted_by"]
        return data


class ActionAdded(LedgerEvent):
    """An action was added to the plan for one or more recommendations."""

    recommendations: tuple[Ref, ...] = Field(min_length=1)
    text: Text
    owner: Name | None = None
    due: Day | None = None
    depends_on: tuple[Ref, ...] = ()


class ActionStarted(LedgerEvent):
    """Work on an action began."""

    note: Text | None = None


class ActionCompleted(LedgerEvent):
    """An action was completed, with the evidence for it."""

    evidence: Text | None = None


class ActionReopened(LedgerEvent):
    """A completed action was reopened; it is in progress again."""

    reason: Text


class ActionWithdrawn(LedgerEvent):
    """An action was withdrawn: the recommendation was not accepted, or its risk accepted."""

    reason: Text


class ActionSuperseded(LedgerEvent):
    """An action was superseded by another action, which carries its work on."""

    by: Ref
    reason: Text | None = None


class ActionAssigned(LedgerEvent):
    """An action changed owner."""

    owner: Name
    previous: str | None = None  # copied from the record, not input
    reason: Text | None = None


class ActionRescheduled(LedgerEvent):
    """An action's target date changed; the original is kept in the history. `approved_by`
    names who approved the new date, when someone did (stored only when set, so the bytes of
    reschedules recorded before the field are unchanged)."""

    due: Day
    previous: date | None = None  # copied from the record, not input
    reason: Text
    approved_by: Name | None = None

    @model_serializer(mode="wrap")
    def _without_approval(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if "approved_by" in data and data["approved_by"] is None:
            del data["approved_by"]
        return data


class ActionNoted(LedgerEvent):
    """A note was added to an action; `personal`: it is about the people it names, so its text
    is personal data (`ledger.domain.personal`)."""

    text: Text
    personal: bool = False


class MilestoneSet(LedgerEvent):
    """Something actions wait on that is not itself an action."""

    text: Text


class MilestoneAchieved(LedgerEvent):
    """A milestone was achieved."""

    note: Text | None = None


class MeetingScheduled(LedgerEvent):
    """A committee meeting was scheduled or held on `held_on` (may be in the future)."""

    committee: Name
    held_on: Day


class ResolutionPassed(LedgerEvent):
    """A committee passed a numbered resolution under a minute."""

    number: int = Field(ge=1, le=999)
    text: Text
    kind: ResolutionKind = ResolutionKind.NOTED
    minute: Minute | None = None
    further_to: Minute | None = None
    report_due_at: Ref | None = None
    report_due_by: Day | None = None
    report_after: Text | None = None
    fulfils: str | None = None


class ReportReceived(LedgerEvent):
    """A report requested by resolution `number` of this meeting was received, by `by`."""

    number: int = Field(ge=1, le=999)
    by: str


class ReportPresented(LedgerEvent):
    """A report was presented to this meeting: how it was computed, from which trail, its digest.

    `parameters` are what re-renders it (kind, as_at, as_known_on, since, audit, format);
    `position`/`chain_hash` the fingerprint of the trail it was computed from; `sha256` the
    digest of the rendered bytes, so the committee's papers can be reproduced and checked.
    """

    number: int = Field(ge=1)
    parameters: dict[str, str | None]
    position: int = Field(ge=0)
    chain_hash: str = Field(min_length=64, max_length=64)
    sha256: str = Field(min_length=64, max_length=64)
    fulfils: str | None = None


class EventCorrected(LedgerEvent):
    """An earlier event is corrected: from now on it reads as if recorded with `values`.

    `corrects` is the position the officer named (the event, or an earlier correction of it);
    `original` and `original_version` locate the first event of that family in the trail and in
    the record's stream. `values` holds only the fields that change, in their JSON form; the
    earlier events stay in the chain. `effective` is the day the correction was made. New values
    of personal fields (an owner's name, a personal note) are in `personal`, a JSON object kept
    apart from the chain like every personal value; `values` holds "[erased]" in their place,
    which is what they read as once erased.
    """

    corrects: int = Field(ge=1)
    original: int = Field(ge=1)
    original_version: int = Field(ge=1)
    corrects_version: int = Field(ge=1)
    values: dict[str, Any]
    reason: Text
    personal: str | None = None

    @property
    def new_values(self) -> dict[str, Any]:
        """The fields the correction changes, with their new values (personal ones read back
        from `personal` unless erased)."""
        if self.personal is None:
            return dict(self.values)
        try:
            kept = json.loads(self.personal)
        except ValueError:  # erased: the values keep their placeholder
            return dict(self.values)
        return {**self.values, **kept} if isinstance(kept, dict) else dict(self.values)


class EventRetracted(LedgerEvent):
    """An earlier event is withdrawn from the record: from now on it counts as never recorded.

    Retracting a correction undoes that correction; retracting a retraction restores what it
    retracted. `effective` is the day the retraction was made.
    """

    retracts: int = Field(ge=1)
    retracts_version: int = Field(ge=1)
    reason: Text


ERASURE_REF = "~personal-data"
"""The stream of erasures: not a ref anyone can type (refs start with a letter or digit)."""


class PersonalDataErased(LedgerEvent):
    """Personal data about one data subject was put beyond use: who did it, when, why and how
    many values, by field (never the subject's name nor the values)."""

    ref: str = ERASURE_REF
    fields: dict[str, int]
    reason: Text

    @property
    def count(self) -> int:
        """How many values were erased."""
        return sum(self.fields.values())


RETENTION_REF = "~retention"
"""The stream of the retention schedule."""


class RetentionScheduled(LedgerEvent):
    """The retention schedule was set: free-text personal data of an action closed more than
    `years` ago is erased by `ledger retention apply`; `basis` says whose guidance it follows."""

    ref: str = RETENTION_REF
    years: int = Field(ge=1, le=100)
    basis: Text


LEDGER_WIDE: tuple[type[LedgerEvent], ...] = (PersonalDataErased, RetentionScheduled)
"""Events about the ledger as a whole, in a stream of their own, changing no record."""


class ImplementationAssessed(LedgerEvent):
    """A follow-up audit (`by`) found how far this recommendation or action was implemented:
    the auditor's view, kept beside the officers' statuses, never replacing them."""

    by: Ref
    outcome: Outcome
    note: Text | None = None


class AssuranceRevised(LedgerEvent):
    """A follow-up audit revised its assurance rating for one scope area of the audit it follows."""

    area: Name
    rating: Assurance


class RescheduleRequested(LedgerEvent):
    """A new target date was asked for and awaits approval (the policy requires one): the
    action's due date is unchanged until an approval records `ActionRescheduled`."""

    due: Day
    reason: Text


POLICY_REF = "POLICY"
"""The ref of the ledger's one target-date policy record."""


class TargetPolicySet(LedgerEvent):
    """The ledger's policy on target dates, in force from `effective`: whether a missed
    original date still counts as overdue after a revision, the most revisions before an
    action is flagged, and whether a new date needs approval."""

    revised_counts_overdue: bool = True
    max_revisions: int | None = Field(default=None, ge=0, le=99)
    approval_required: bool = False


AMENDMENTS: tuple[type[LedgerEvent], ...] = (EventCorrected, EventRetracted)
"""The events that change how earlier events read, rather than the record itself."""

STATUS_AFTER: dict[type[LedgerEvent], Status] = {
    ActionStarted: Status.IN_PROGRESS,
    ActionCompleted: Status.COMPLETED,
    ActionReopened: Status.IN_PROGRESS,
    ActionWithdrawn: Status.WITHDRAWN,
    ActionSuperseded: Status.SUPERSEDED,
}
"""The status an action has after each status event: the whole status rule of the replay."""

ALL_EVENTS: tuple[type[LedgerEvent], ...] = (
    AuditRecorded, RecommendationMade, ActionAdded, ActionStarted, ActionCompleted,
    ActionReopened, ActionAssigned, ActionRescheduled, ActionNoted, MilestoneSet,
    MilestoneAchieved, MeetingScheduled, ResolutionPassed, ReportReceived, ReportPresented,
    ActionWithdrawn, ActionSuperseded, EventCorrected, EventRetracted, PersonalDataErased,
    RetentionScheduled, ImplementationAssessed, AssuranceRevised, RescheduleRequested,
    TargetPolicySet,
)


TOPIC_MODULE = "ledger.events"
"""Stored events name their class as `ledger.events:ClassName`: a stable name inside the hashed
row, so moving the module that defines the classes never changes the chain."""
_BY_TOPIC: dict[str, type[LedgerEvent]] = {f"{TOPIC_MODULE}:{c.__name__}": c for c in ALL_EVENTS}
TOPICS: frozenset[str] = frozenset(_BY_TOPIC)
"""Every topic the ledger writes: a stored row with any other was not written by the ledger."""


def topic_of(cls: type[LedgerEvent]) -> str:
    """The stored topic of an event class."""
    return f"{TOPIC_MODULE}:{cls.__name__}"


def event_class(topic: str) -> type[LedgerEvent]:
    """The event class a stored topic names; `ValueError` for a topic the ledger never writes."""
    try:
        return _BY_TOPIC[topic]
    except KeyError:
        raise ValueError(f"unknown event topic {topic!r}") from None


__all__ = [  # the vocabulary events are made of, re-exported: callers write `ev.Ref`
    "ALLOWED_CONTROLS",
    "CLOSED",
    "FIRST_DAY",
    "LAST_DAY",
    "MINUTE_PATTERN",
    "REF_NAMESPACE",
    "REF_PATTERN",
    "Assurance",
    "AuditKind",
    "Day",
    "MilestoneStatus",
    "Minute",
    "Name",
    "Outcome",
    "Priority",
    "Ref",
    "ResolutionKind",
    "Response",
    "Status",
    "Text",
    "check_day",
    "check_minute",
    "check_printable",
    "check_ref",
    "is_new",
    "record_id",
]
