"""Shared fixtures: a settable clock, an in-memory ledger, a SQLite file ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest

from ledger.application import Ledger


class Clock:
    """A recorded-time clock tests move by hand; each reading advances one second."""

    def __init__(self, start: datetime = datetime(2016, 3, 1, 9, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def set(self, day: date | str, hour: int = 12) -> None:
        """Jump to `day` at `hour` UTC (forwards or backwards)."""
        d = date.fromisoformat(day) if isinstance(day, str) else day
        self.now = datetime.combine(d, time(hour), tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> Iterator[Ledger]:
    """An in-memory ledger on the test clock."""
    with Ledger("sqlite://", clock=clock) as ledger:
        yield ledger


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/ledger.db"


@pytest.fixture
def file_app(sqlite_url: str, clock: Clock) -> Iterator[Ledger]:
    """A ledger in a real SQLite file on the test clock."""
    with Ledger(sqlite_url, clock=clock) as ledger:
        yield ledger
