"""What the read model needs from a ledger, as a structural type (a `Ledger` fits it).

The read model reads the log and answers questions; it never issues commands, so it depends on
these few members rather than on the application.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from eventsourcing.persistence import Mapper
from sqlalchemy.engine import Connection, Engine

from ledger.domain.chain import Fingerprint


class EventLog(Protocol):
    """The stored log, as the read model reads it."""

    @property
    def engine(self) -> Engine:
        """The engine for reading (and the read model's own tables)."""
        ...

    @property
    def write_engine(self) -> Engine:
        """The engine for the read model's write transactions."""
        ...

    @property
    def table(self) -> sa.Table:
        """The events table (read in the read model's own transaction for one record's
        stream)."""
        ...

    def readable(self, conn: Connection, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Rows (position, originator_id, version, topic, state, …) with personal values read
        back into the state (`ledger.store.personal`)."""
        ...

    def iter_pages(self, start: int = 1, stop: int | None = None,
                   batch: int = 5000) -> Iterator[list[tuple[Any, ...]]]:
        """Stored rows in position order, a page of plain tuples at a time."""
        ...

    def iter_pages_apart(self, start: int = 1, stop: int | None = None, batch: int = 5000,
                         ) -> Iterator[tuple[list[tuple[Any, ...]], dict[int, str]]]:
        """The same pages, personal values left apart: (rows, position → clear fragment)."""
        ...

    def fingerprint_known_on(self, known: datetime, conn: Connection | None = None) -> Fingerprint:
        """The fingerprint of the log's prefix recorded at or before `known`."""
        ...

    def fingerprint_at(self, position: int, conn: Connection | None = None) -> Fingerprint:
        """The fingerprint of the prefix ending at `position`."""
        ...


class LedgerLike(Protocol):
    """Exactly what `ReadModel` uses of a ledger: its store, its mapper and its fingerprint."""

    @property
    def store(self) -> EventLog:
        """The stored log."""
        ...

    @property
    def mapper(self) -> Mapper[Any]:
        """Decodes stored rows into events (a `PydanticMapper`, for its `from_row`)."""
        ...

    def fingerprint(self) -> Fingerprint:
        """The log's fingerprint now."""
        ...
