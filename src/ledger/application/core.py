"""What every command of the ledger stands on: the unit of work, the recorded-time clock, looking
records up (refusing a retracted one) and the one path every save takes."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Self, TypeVar, cast

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import OperationalError

from ledger.application.reading import LedgerLog
from ledger.application.retry import DEFAULT_RETRY, RetryPolicy
from ledger.application.store_errors import saving
from ledger.application.unit_of_work import Clock, UnitOfWork, system_clock
from ledger.domain import events as ev
from ledger.domain.errors import DuplicateRef, InvalidInput, StoreError, UnknownRef
from ledger.domain.records import Record, project_record
from ledger.domain.values import LOCAL_TZ, Logged

DEFAULT_URL = "sqlite:///ledger.db"
R = TypeVar("R", bound=Record)


class LedgerCore(LedgerLog):
    """The ledger's unit of work, clock and record lookup: what every command stands on."""

    name = "Ledger"

    def __init__(self, url: str = DEFAULT_URL, *, clock: Clock = system_clock,
                 create: bool = True, retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self.clock = clock
        self.retry = retry
        self._work = UnitOfWork()
        super().__init__(url, create=create)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the unit of work ---------------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        """Whether a `transaction()` is open."""
        return self._work.is_open

    def transaction(self, *, dry_run: bool = False,
                    at: datetime | None = None) -> AbstractContextManager[list[Logged]]:
        """Run several commands as one: all their events are saved together at the end, or none.

        Inside, commands see each other's changes. Yields the list that receives what was
        recorded (positions 0 while pending, or throughout with `dry_run`, which saves nothing).
        `at` pins the clock for the transaction: every command inside is recorded at that time.
        """
        # The commit is looked up when it runs: every save goes through `_save_events`.
        return self._work.transaction(lambda records, events: self._save_events(records, events),
                                      dry_run=dry_run, at=at)

    def _now(self) -> tuple[datetime, date]:
        """The recorded time for a command (never before the ledger's last event) and its day."""
        now = self._work.recorded_time(self.clock, self.store.last_recorded_at)
        return now, now.astimezone(LOCAL_TZ).date()

    def find(self, ref: str) -> Record | None:
        """The record with this ref, of whatever kind, or None."""
        try:
            ev.check_ref(ref)
        except ValueError as e:
            raise InvalidInput(str(e)) from None
        return self._work.find(ref, self._load)

    def _load(self, ref: str) -> Record | None:
        try:
            record: Record = self.repository.get(ev.record_id(ref), projector_func=project_record)
        except AggregateNotFoundError:
            return None
        except OperationalError as e:
            raise StoreError(f"cannot read the ledger: {e}") from e
        return record

    def get(self, ref: str, kind: type[R]) -> R:
        """The record with this ref, which must be of `kind`."""
        record = self.find(ref)
        if record is None:
            raise UnknownRef(f"no {kind.kind} {ref}")
        if record.retracted:
            raise UnknownRef(f"{ref} was retracted: it reads as never recorded")
        if not isinstance(record, kind):
            raise UnknownRef(f"{ref} is {_article(record.kind)} {record.kind}, not {_article(kind.kind)} {kind.kind}")
        return record

    def _check_new(self, ref: str) -> None:
        existing = self.find(ref)
        if existing is not None:
            raise DuplicateRef(f"ref {ref} is already used by {_article(existing.kind)} {existing.kind}")

    def _save(self, *records: Record) -> list[Logged]:
        """Save the records' new events now, or, in a transaction, stage them for its end."""
        if self._work.is_open:
            return self._work.stage(records)
        events = [e for r in records for e in r.collect_events()]
        return self._save_events(records, events)

    def _save_events(self, records: Sequence[Record], events: Sequence[ev.LedgerEvent]) -> list[Logged]:
        """Append the events in one store transaction: the one path every save takes."""
        with saving({r.ref: r.version for r in records}, self.find):
            recordings = self.save(*events)
        return [
            Logged(r.notification.id, "", cast(ev.LedgerEvent, r.domain_event)) for r in recordings
        ]


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
