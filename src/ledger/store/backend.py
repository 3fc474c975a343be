"""What the store does differently per database backend, and the portable way (the default).

A recorder picks its backend once, at construction (`ledger.store.engine.backend_for`): its
methods call the backend's and never branch on the dialect. `SQLiteBackend` and
`PostgreSQLBackend` override what their database does better or needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ledger.store.append import ChainedRows
from ledger.store.mapper import EncodedBatch

WRITE_OPTION = "ledger_write"
"""The execution option that marks an engine's transactions as writes (`engine.for_writing`)."""


class Backend:
    """The portable way, through SQLAlchemy Core: no append lock but the database's own, no
    append-only triggers."""

    records_appenders = False
    """True if the database notes the role that appended each event (`appenders`)."""

    def __init__(self, table: sa.Table, topics: frozenset[str] | None = None) -> None:
        self.table = table
        self.topics = topics
        """The event types the database itself may accept (None: any), where it checks them."""

    @staticmethod
    def create_engine(url: sa.URL) -> Engine:
        """An engine with this backend's connection settings."""
        return sa.create_engine(url, pool_pre_ping=True)

    def append_only_ddl(self) -> list[str]:
        """Statements that make the events table refuse updates and deletes."""
        return []

    def installed(self, engine: Engine) -> bool:
        """False if the tables exist but what `install` adds is missing (an older ledger)."""
        return True

    def install(self, conn: Connection) -> None:
        """Add what the backend needs beside the tables (run by whoever creates them)."""
        for ddl in self.append_only_ddl():
            conn.exec_driver_sql(ddl)

    def uninstall(self, conn: Connection) -> None:
        """Drop what `install` added beside the tables (before they are dropped)."""

    def scrub(self, engine: Engine) -> None:
        """Leave no copy of rewritten or deleted rows in the database's own files, where the
        backend can (SQLite: its write-ahead log); nothing here."""

    def appenders(self, conn: Connection, positions: Sequence[int]) -> dict[int, str]:
        """The role the database authenticated for each of `positions` it knows (none here)."""
        return {}

    def lock(self, conn: Connection) -> None:
        """Serialise appends: runs first in every write transaction of the recorder."""

    def append(self, conn: Connection, batch: EncodedBatch) -> list[int] | None:
        """Append a batch in the database itself and return its positions, or None: the
        recorder chains it (`append.chain_batch`) and calls `insert`."""
        return None

    def insert(self, conn: Connection, rows: ChainedRows) -> None:
        """Insert a chained batch in `conn`'s transaction."""
        conn.execute(self.table.insert(), [
            {"position": p, "originator_id": oid, "originator_version": version,
             "topic": topic, "state": state, "hash": hashed, "recorded_at": stamp}
            for p, oid, version, topic, state, hashed, stamp in zip(
                rows.positions, rows.uuids, rows.versions, rows.topics, rows.states, rows.hashes,
                rows.recorded_at, strict=True)])

    def read_page(self, conn: Connection, after: int, stop: int | None,
                  limit: int) -> list[tuple[Any, ...]]:
        """Up to `limit` rows after position `after` (up to `stop`), in position order, as plain
        tuples of the table's columns."""
        t = self.table
        q = sa.select(t).where(t.c.position > after)
        if stop is not None:
            q = q.where(t.c.position <= stop)
        return [tuple(r) for r in conn.execute(q.order_by(t.c.position).limit(limit))]
