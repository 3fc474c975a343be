"""Translating the storage libraries' errors (eventsourcing's, SQLAlchemy's) into `LedgerError`s.

`database_errors` (any database error as a one-line `StoreError`) is the store's own, re-exported."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from eventsourcing.persistence import IntegrityError, OperationalError

from ledger.domain.errors import ConcurrentChange, DuplicateRef, RecordedTimeBehind, RuleViolation, StoreError
from ledger.domain.records import Action, Milestone, Record
from ledger.store.errors import database_errors

__all__ = ["database_errors", "saving"]


@contextmanager
def saving(versions: Mapping[str, int], find: Callable[[str], Record | None]) -> Iterator[None]:
    """Around saving records (ref → the version they reach): the store's refusals as errors
    naming the records; `find` reads a record again to tell a taken ref from a changed record."""
    try:
        yield
    except RecordedTimeBehind:
        raise RecordedTimeBehind(f"{', '.join(versions)}: another officer recorded first; "
                                 "nothing recorded") from None
    except IntegrityError:
        raise _lost_race(versions, find) from None
    except OperationalError as e:
        raise StoreError(f"cannot write to the ledger: {str(e).splitlines()[0]}") from e


def _lost_race(versions: Mapping[str, int], find: Callable[[str], Record | None]) -> RuleViolation:
    for ref, version in versions.items():
        current = find(ref)
        if current is not None and version == 1:
            return DuplicateRef(f"ref {ref} was taken by another writer; nothing recorded")
        if current is not None and current.version >= version:
            now = f" (now {current.status})" if isinstance(current, Action | Milestone) else ""
            return ConcurrentChange(f"{ref} changed since it was read{now}; nothing recorded")
    return ConcurrentChange("the ledger changed during the command; nothing recorded")
