"""The words events are made of: refs, minutes, days and texts with their input rules, and the
enumerations (kinds, ratings, priorities, statuses). `ledger.domain.events` re-exports them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid5

from pydantic import AfterValidator, ValidationInfo

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
