"""Values the layers share: the recorded-time clock's units and an event as the log holds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ledger.domain import events as ev

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FOREVER = 2**62
"""Recorded times are kept as integer microseconds since 1970 (UTC); FOREVER is 'not yet'."""
MICROSECOND = timedelta(microseconds=1)
LOCAL_TZ = ZoneInfo("Europe/London")
"""The council's zone: the calendar day a recorded time falls on, for 'today' in the rules."""


def micros(t: datetime) -> int:
    """A timezone-aware time as integer microseconds since the epoch."""
    return (t - EPOCH) // MICROSECOND


def from_micros(n: int) -> datetime:
    """The inverse of `micros`."""
    return EPOCH + timedelta(microseconds=n)


@dataclass(frozen=True)
class Logged:
    """An event as the log holds it: its global position, the chain hash there, the event, and
    the role the database authenticated for its append when it noted one (PostgreSQL)."""

    position: int
    hash: str
    event: ev.LedgerEvent
    database_role: str | None = None
