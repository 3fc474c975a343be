"""The unit of work: what one transaction has read and changed, saved together at its end."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from ledger.domain import events as ev
from ledger.domain.errors import InvalidInput
from ledger.domain.records import Record
from ledger.domain.values import Logged

Clock = Callable[[], datetime]
Commit = Callable[[Sequence[Record], Sequence[ev.LedgerEvent]], list[Logged]]
"""Saves records' events in one store transaction and says where they were recorded."""


def system_clock() -> datetime:
    """The recorded-time clock: now, in UTC."""
    return datetime.now(UTC)


class UnitOfWork:
    """One application's transaction: closed between transactions; while open, it reads each
    record from the store once, stages the events of each command in the order they ran, and may
    pin the recorded time.

    Nothing staged is saved until the end, and a change by another writer in the meantime is
    still caught then, by the store's version and recorded-time checks.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._open = False
        self._at: datetime | None = None
        self._staged: dict[str, Record] = {}
        self._ordered: list[ev.LedgerEvent] = []
        self._ordered_ids: set[int] = set()
        self._read: dict[str, Record | None] = {}  # None: not in the store
        self._last: list[datetime | None] = []  # the ledger's last recorded time, once read

    @property
    def is_open(self) -> bool:
        """Whether a transaction is open."""
        return self._open

    @contextmanager
    def transaction(self, commit: Commit, *, dry_run: bool = False,
                    at: datetime | None = None) -> Iterator[list[Logged]]:
        """Open the unit; at the end, `commit` what was staged (nothing with `dry_run`, or if
        the block raised). Yields the list that receives what was recorded (positions 0 with
        `dry_run`). `at` pins the clock: every command inside reads that time."""
        if self._open:
            raise RuntimeError("transactions do not nest")
        self._open, self._at = True, at
        recorded: list[Logged] = []
        try:
            yield recorded
            records = list(self._staged.values())
            events = list(self._ordered)  # in the order the commands ran: recorded times rise
            self._open = False  # a conflict found by the commit is explained from the store
            if dry_run:
                recorded[:] = [Logged(0, "", e) for e in events]
            elif events:
                for r in records:
                    r.collect_events()
                recorded[:] = commit(records, events)
        finally:
            self._reset()

    def recorded_time(self, clock: Clock, last_recorded_at: Callable[[], datetime | None]) -> datetime:
        """The recorded time for a command: the clock's (or the pinned) time in UTC, but never
        before the ledger's last event, so recorded times rise with position and "as known on"
        is always a prefix of the log. In a transaction the last event's time is read once."""
        now = clock() if self._at is None else self._at
        if now.tzinfo is None:
            raise InvalidInput("the clock must give timezone-aware times")
        now = now.astimezone(UTC)
        if not self._open:
            last = last_recorded_at()
        else:
            if not self._last:
                self._last.append(last_recorded_at())
            last = self._last[0]
        if last is not None and now < last:
            now = last
        return now

    def find(self, ref: str, load: Callable[[str], Record | None]) -> Record | None:
        """The record with this ref: as staged or read in this transaction, else `load`ed (and,
        in a transaction, remembered, found or not)."""
        if self._open:
            if ref in self._staged:
                return self._staged[ref]
            if ref in self._read:
                return self._read[ref]
        record = load(ref)
        if self._open:
            self._read[ref] = record
        return record

    def stage(self, records: Sequence[Record]) -> list[Logged]:
        """Keep the records (and each new event of theirs, once) to save at the end; return
        their new events, at position 0 while pending."""
        fresh: list[ev.LedgerEvent] = []
        for r in records:
            self._staged[r.ref] = r
            fresh += [e for e in r.pending_events if id(e) not in self._ordered_ids]
        self._ordered += fresh
        self._ordered_ids.update(id(e) for e in fresh)
        return [Logged(0, "", e) for e in fresh]
