"""SQLite: the connection settings (WAL, synchronous writes, a larger page cache, BEGIN IMMEDIATE
for writes), the append-only triggers, and the fast paths through the driver: one `executemany`
per appended batch and raw page reads."""

from __future__ import annotations

import sqlite3
from typing import Any, cast

import sqlalchemy as sa
from eventsourcing.persistence import IntegrityError, OperationalError
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from ledger.domain.errors import StoreError
from ledger.store.append import ChainedRows
from ledger.store.backend import WRITE_OPTION, Backend
from ledger.store.errors import one_line

CACHE_KB = 65536
"""SQLite page cache per connection, in KiB."""


def sqlite_path(url: str | sa.URL) -> str | None:
    """The file a SQLite URL points at, or None for memory databases and other backends."""
    u = sa.make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return u.database


def _begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class SQLiteBackend(Backend):
    """Writes take the database's write lock at BEGIN; appends and page reads go to the driver."""

    def __init__(self, table: sa.Table, topics: frozenset[str] | None = None) -> None:
        super().__init__(table, topics)
        name = table.name
        self._insert_sql = (
            f"INSERT INTO {name} (position, originator_id, originator_version, topic, "
            "state, hash, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        select = (f"SELECT position, originator_id, originator_version, topic, state, hash, "
                  f"recorded_at FROM {name} WHERE position > ?")
        self._page_sql = select + " ORDER BY position LIMIT ?"
        self._page_upto_sql = select + " AND position <= ? ORDER BY position LIMIT ?"

    @staticmethod
    def create_engine(url: sa.URL) -> Engine:
        """An engine whose connections use WAL (files), synchronous writes and a long busy
        timeout, and whose write transactions begin IMMEDIATE (`engine.for_writing`)."""
        file = sqlite_path(url) is not None
        if file:
            engine = sa.create_engine(url, connect_args={"timeout": 60})
        else:
            engine = sa.create_engine(
                url, poolclass=StaticPool, connect_args={"check_same_thread": False}
            )

        @sa_event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            # Take transaction control away from pysqlite so BEGIN IMMEDIATE can be issued.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if file:
                cur.execute("PRAGMA journal_mode=WAL")
                # A 64 MB page cache (the default is 2 MB) keeps the B-trees that bulk appends and
                # read-model rebuilds insert into at random (the stream index of a million events
                # is about 50 MB) in memory: a speed setting only, filled as pages are used.
                cur.execute(f"PRAGMA cache_size=-{CACHE_KB}")
            cur.execute("PRAGMA synchronous=FULL")
            # Deleted and overwritten content is zeroed, not left in free pages: an erased
            # personal value leaves no trace in the file (`ledger erase`).
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        sa_event.listen(engine, "begin", _begin)
        return engine

    def scrub(self, engine: Engine) -> None:
        """Fold the write-ahead log into the file and truncate it to nothing, so no earlier
        page image (holding an erased value) is left in the -wal file; refused while a reader
        still holds an old snapshot."""
        if sqlite_path(engine.url) is None:
            return
        with engine.connect() as conn:
            busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            raise StoreError("another process is reading the ledger: the write-ahead log could "
                             "not be emptied; run ledger erase again when it has finished")

    def append_only_ddl(self) -> list[str]:
        """Triggers that abort any UPDATE or DELETE."""
        table = self.table.name
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            for op in ("UPDATE", "DELETE")
        ]

    def insert(self, conn: Connection, rows: ChainedRows) -> None:
        """One prepared INSERT through the driver, the rows zipped as they go."""
        # The column types are those SQLAlchemy would bind (the UUID as 32 hex digits); errors
        # are worded as `errors.writing` words SQLAlchemy's.
        cursor = cast(sqlite3.Connection, conn.connection.dbapi_connection).cursor()
        try:
            cursor.executemany(self._insert_sql, zip(
                rows.positions, rows.hexes, rows.versions, rows.topics, rows.states, rows.hashes,
                rows.recorded_at, strict=True))
        except sqlite3.IntegrityError as e:
            raise IntegrityError(one_line(e)) from e
        except sqlite3.OperationalError as e:
            raise OperationalError(one_line(e)) from e
        except sqlite3.DatabaseError as e:
            raise StoreError(f"the database refused the write: {one_line(e)}") from e
        finally:
            cursor.close()

    def read_page(self, conn: Connection, after: int, stop: int | None,
                  limit: int) -> list[tuple[Any, ...]]:
        """The rows as the driver returns them: no type processing (the id is its stored text)."""
        params: tuple[int, ...]
        if stop is None:
            sql, params = self._page_sql, (after, limit)
        else:
            sql, params = self._page_upto_sql, (after, stop, limit)
        try:
            rows: list[tuple[Any, ...]] = conn.connection.dbapi_connection.execute(  # type: ignore[union-attr]
                sql, params).fetchall()
        except sqlite3.Error as e:
            raise OperationalError(one_line(e)) from e
        return rows
