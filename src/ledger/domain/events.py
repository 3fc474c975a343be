"""Immutable, validated domain events: what happened, to which ref, by whom, on which two clocks.

Every event carries the effective date (valid time: when it happened, typed by the officer) and
`timestamp`, the recorded time (when the ledger learned it: UTC, from the application's clock,
never typed by a user). Events are frozen pydantic models; their JSON is what the store hashes.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID, uuid5

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    model_serializer,
)

# --------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------

REF_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MINUTE_PATTERN = re.compile(r"[0-9]{1,4}/[0-9]{2}")
REF_NAMESPACE = UUID("6f1c3c43-2b8e-5f7a-9a53-0a5c1e6b7d10")


def check_ref(value: str) -> str:
    """Return the ref if it is well formed, else raise ValueError saying what a ref may hold."""
    if not REF_PATTERN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid ref (start with a letter or digit; then letters, digits, "
            "'.', '_' or '-'; at most 64 characters)"
        )
    return value


def check_minute(value: str) -> str:
    """Return a minute number like `36/16` if well formed."""
    value = value.strip()
    if not MINUTE_PATTERN.fullmatch(value):
        raise ValueError(f"{value!r} is not a minute number like 36/16")
    return value


FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2200, 12, 31)
"""The dates the ledger accepts as input: anything outside is a typing mistake (and would
overflow date arithmetic near year 1 or 9999)."""

ALLOWED_CONTROLS = frozenset("\n\t")
_FORGING = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Line and paragraph separators and bidirectional overrides: not category Cc, but they move
or reorder what a terminal or browser shows, so they are refused as control characters are."""


def is_new(info: ValidationInfo) -> bool:
    """True when an event is being built from input (Python values), False when stored JSON is
    decoded: input rules apply to the first, so events stored before a rule stay readable."""
    return info.mode != "json"


def check_printable(value: str) -> str:
    """Return the text if it holds no control character but newline and tab, else raise."""
    for ch in value:
        category = unicodedata.category(ch)
        if ch in _FORGING or (category == "Cc" and ch not in ALLOWED_CONTROLS):
            raise ValueError(f"holds the control character U+{ord(ch):04X} (only newline and "
                             "tab are allowed)")
        if category == "Cs":  # a byte the terminal's encoding could not decode
            raise ValueError("holds bytes that are not text in this terminal's encoding")
    return value


def check_day(value: date) -> date:
    """Return the date if it lies between FIRST_DAY and LAST_DAY, else raise."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"{value.isoformat()} is not a plausible date (between "
                         f"{FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()})")
    return value


def _day(value: date, info: ValidationInfo) -> date:
    return check_day(value) if is_new(info) else value


def _text(limit: int) -> AfterValidator:
    def check(value: str, info: ValidationInfo) -> str:
        if is_new(info):
            check_printable(value)
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if len(value) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return value

    return AfterValidator(check)


def _name(value: str, info: ValidationInfo) -> str:
    if is_new(info):
        check_printable(value)
    value = " ".join(value.split())
    if not value:
        raise ValueError("must not be empty")
    if len(value) > 120:
        raise ValueError("is longer than 120 characters")
    return value


Ref = Annotated[str, AfterValidator(check_ref)]
Minute = Annotated[str, AfterValidator(check_minute)]
Text = Annotated[str, _text(4000)]
Name = Annotated[str, AfterValidator(_name)]
Day = Annotated[date, AfterValidator(_day)]


def record_id(ref: str) -> UUID:
    """The aggregate id of a ref: the same ref always names the same stream, whatever its kind."""
    return uuid5(REF_NAMESPACE, ref)


class AuditKind(StrEnum):
    """Where recommendations come from."""

    ICO_AUDIT = "ico-audit"
    MATURITY_ASSESSMENT = "maturity-assessment"
    INTERNAL_AUDIT = "internal-audit"
    OTHER = "other"
    FOLLOW_UP = "follow-up"


class Assurance(StrEnum):
    """The ICO's assurance ratings for a scope area."""

    HIGH = "high"
    REASONABLE = "reasonable"
    LIMITED = "limited"
    VERY_LIMITED = "very-limited"

    @property
    def rank(self) -> int:
        """0 for very limited up to 3 for high: a rise in assurance is a higher rank."""
        return len(Assurance) - 1 - list(Assurance).index(self)


class Priority(StrEnum):
    """Recommendation priority, most pressing first."""

    URGENT = "urgent"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for urgent up to 3 for low."""
        return list(Priority).index(self)


class Response(StrEnum):
    """Management's response to a recommendation."""

    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially-accepted"
    NOT_ACCEPTED = "not-accepted"


class Status(StrEnum):
    """An action's life cycle: not started, in progress, completed; or closed without being
    done, withdrawn (not accepted, or the risk accepted) or superseded by another action."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"

    @property
    def live(self) -> bool:
        """Whether the action still counts in the plan (neither withdrawn nor superseded)."""
        return self not in CLOSED

    @property
    def finished(self) -> bool:
        """Whether nothing more is to be done on it: completed, withdrawn or superseded (a
        dependency on it no longer blocks, and it is never overdue)."""
        return self is Status.COMPLETED or self in CLOSED


CLOSED = frozenset({Status.WITHDRAWN, Status.SUPERSEDED})
"""The statuses of an action closed without being done: counted apart, never as outstanding."""


class MilestoneStatus(StrEnum):
    """A milestone is pending until it is achieved."""

    PENDING = "pending"
    ACHIEVED = "achieved"


class ResolutionKind(StrEnum):
    """What a committee resolution does."""

    NOTED = "noted"
    REPORT_REQUESTED = "report-requested"
    DECISION = "decision"


class Outcome(StrEnum):
    """A follow-up auditor's finding on how far a recommendation (or action) was implemented."""

    IMPLEMENTED = "implemented"
    PARTIALLY_IMPLEMENTED = "partially-implemented"
    NOT_IMPLEMENTED = "not-implemented"
    SUPERSEDED = "superseded"

    @property
    def short_of(self) -> bool:
        """Whether the finding says the work is not (fully) done: partially or not implemented."""
        return self in (Outcome.PARTIALLY_IMPLEMENTED, Outcome.NOT_IMPLEMENTED)


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
