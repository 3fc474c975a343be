"""The event store: an eventsourcing `ApplicationRecorder` on SQLAlchemy Core with a hash chain.

Every stored event gets the next position in one global sequence and a SHA-256 hash over its
stored bytes chained to the previous event's hash, computed and inserted in the same
transaction that holds the table's write lock, so the chain is gap-free under concurrent writers.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Notification,
    OperationalError,
    ProcessRecorder,
    StoredEvent,
    Subscription,
    Tracking,
    TrackingRecorder,
    Transcoder,
)
from eventsourcing.utils import Environment, EnvType
from pydantic import TypeAdapter
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from ledger.domain.chain import EMPTY, GENESIS_HASH, Fingerprint, chain_hash, link
from ledger.domain.errors import InvalidInput, RecordedTimeBehind, RuleViolation, StoreError
from ledger.domain.values import from_micros, micros
from ledger.store.codecs import as_bytes, as_uuid, restored_row
from ledger.store.errors import one_line, reading, writing
from ledger.store.mapper import EncodedBatch, PydanticMapper
from ledger.store.verify import verify as verify_chain

_UUID_LIST = TypeAdapter(list[UUID])


EVENTS_TABLE = "ledger_events"


def sqlite_path(url: str | sa.URL) -> str | None:
    """The file a SQLite URL points at, or None for memory databases and other backends."""
    u = sa.make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return u.database


CACHE_KB = 65536
"""SQLite page cache per connection, in KiB."""


def make_engine(url: str | sa.URL) -> Engine:
    """Create an engine with the ledger's connection settings for the URL's backend."""
    u = sa.make_url(url)
    if u.get_backend_name() != "sqlite":
        return sa.create_engine(u, pool_pre_ping=True)
    if sqlite_path(u) is None:
        engine = sa.create_engine(
            u, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        engine = sa.create_engine(u, connect_args={"timeout": 60})

    @sa_event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN IMMEDIATE can be issued.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if sqlite_path(u) is not None:
            cur.execute("PRAGMA journal_mode=WAL")
            # A 64 MB page cache (the default is 2 MB) keeps the B-trees that bulk appends and
            # read-model rebuilds insert into at random (the stream index of a million events is
            # about 50 MB) in memory: a speed setting only, filled as pages are used.
            cur.execute(f"PRAGMA cache_size=-{CACHE_KB}")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @sa_event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("ledger_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _events_table(metadata: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=False),
        sa.Column("originator_id", sa.Uuid(), nullable=False),
        sa.Column("originator_version", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("originator_id", "originator_version", name=f"{name}_aggregate_uq"),
        sa.Index(f"{name}_recorded_at", "recorded_at"),
    )


def _head_table(metadata: sa.MetaData, name: str) -> sa.Table:
    """One row remembering the last position and hash appended: a truncated tail shows."""
    return sa.Table(
        f"{name}_head",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def _append_only_ddl(dialect: str, table: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{table} is append-only: %% refused', "
            f"TG_OP; END $$",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()",
        ]
    return []


def _notification(row: Any) -> Notification:
    return Notification(
        id=row.position,
        originator_id=row.originator_id,
        originator_version=row.originator_version,
        topic=row.topic,
        state=as_bytes(row.state),
    )


class LedgerRecorder(ApplicationRecorder):
    """Application recorder on SQLAlchemy Core that chains every event's hash to the last."""

    def __init__(self, engine: Engine, table_name: str = EVENTS_TABLE) -> None:
        self.engine = engine
        self.write_engine = engine.execution_options(ledger_write=True)
        self.metadata = sa.MetaData()
        self.table = _events_table(self.metadata, table_name)
        self.head_table = _head_table(self.metadata, table_name)
        self.dialect = engine.dialect.name
        t = self.table
        self._known_on = (
            sa.select(t.c.position, t.c.hash)
            .where(t.c.recorded_at <= sa.bindparam("known", type_=sa.BigInteger()))
            .order_by(t.c.recorded_at.desc(), t.c.position.desc()).limit(1))
        self._insert_sql = (
            f"INSERT INTO {table_name} (position, originator_id, originator_version, topic, "
            "state, hash, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        self.lock_key = int.from_bytes(hashlib.sha256(table_name.encode()).digest()[:8], "big",
                                       signed=True)

    # -- schema -------------------------------------------------------------------------------
    def create_table(self) -> None:
        """Create the events table (with its append-only triggers) and the head table if missing.

        Does nothing, and needs no write access, when both exist.
        """
        try:
            existing = set(sa.inspect(self.engine).get_table_names())
            missing = [t for t in (self.table, self.head_table) if t.name not in existing]
            if not missing:
                return
            with self.write_engine.begin() as conn:
                self.metadata.create_all(conn, tables=missing)
                if self.table in missing:
                    for ddl in _append_only_ddl(self.dialect, self.table.name):
                        conn.exec_driver_sql(ddl)
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(f"cannot create the ledger's tables: {one_line(e)}") from e

    def drop_table(self) -> None:
        """Drop the events table (used only to rebuild a demo ledger)."""
        with self.write_engine.begin() as conn:
            self.metadata.drop_all(conn)

    def has_table(self) -> bool:
        """True if the events table exists in the database."""
        try:
            return sa.inspect(self.engine).has_table(self.table.name)
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(f"cannot open the database: {one_line(e)}") from e

    # -- writing ------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction holding the append lock; commit on success, roll back on error."""
        with writing(), self.write_engine.begin() as conn:
            if self.dialect == "postgresql":
                # An advisory lock serialises appends without needing UPDATE rights on the
                # table (LOCK TABLE ... EXCLUSIVE would), so officers can be insert-only.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                             {"key": self.lock_key})
            yield conn

    def insert_events(
        self, stored_events: Sequence[StoredEvent], *, conn: Connection | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        """Append events at the next positions with their chained hashes; return the positions."""
        return self.insert_batch(EncodedBatch.of(stored_events), conn=conn)

    def insert_batch(self, batch: EncodedBatch, *, conn: Connection | None = None) -> list[int]:
        """`insert_events` for a batch encoded by `PydanticMapper.encode_batch`: the bulk path,
        with the same checks, chain and rows, and no object per event."""
        if conn is not None:
            return self._append(conn, batch)
        with self.transaction() as c:
            return self._append(c, batch)

    def _append(self, conn: Connection, batch: EncodedBatch) -> list[int]:
        ids, versions, topics, states = (batch.originator_ids, batch.originator_versions,
                                         batch.topics, batch.states)
        stamps = batch.recorded_at
        count = len(ids)
        if not len(versions) == len(topics) == len(states) == len(stamps) == count:
            raise ValueError("an encoded batch needs one value of each field per event")
        t = self.table
        last = conn.execute(
            sa.select(t.c.position, t.c.hash, t.c.recorded_at).order_by(t.c.position.desc()).limit(1)
        ).first()
        position, digest = (last.position, last.hash) if last else (0, GENESIS_HASH)
        latest: int | None = last.recorded_at if last else None
        first = position + 1
        for stamp in stamps:  # all checked before anything is written
            if stamp is not None:
                if latest is not None and stamp < latest:
                    raise RecordedTimeBehind(
                        f"recorded time {from_micros(stamp).isoformat()} is before the ledger's "
                        f"last ({from_micros(latest).isoformat()}); nothing recorded"
                    )
                latest = stamp
        if not count:
            return []
        # The chain is computed into columns: no object per event outlives its turn of the
        # loop, so the cyclic collector has nothing to scan.
        uuids = (cast(list[UUID], ids) if set(map(type, ids)) == {UUID}
                 else [as_uuid(oid) for oid in ids])
        # Each id's canonical text (what `str(UUID)` gives: the chain hashes it) and its 32 hex
        # digits (`UUID.hex`: how SQLAlchemy binds a UUID on SQLite), all at once: pydantic
        # writes a list of UUIDs as JSON from their 128-bit values, `["8-4-4-4-12",...]`.
        listed = _UUID_LIST.dump_json(uuids)[2:-2]
        texts = listed.split(b'","')
        hexes = listed.replace(b"-", b"").decode().split('","')
        if not len(texts) == len(hexes) == count:
            raise ValueError("an originator id did not encode as one UUID")
        digests: list[str] = []
        add_digest = digests.append
        topic_bytes: dict[str, bytes] = {}
        previous = bytes.fromhex(digest)
        for text, version, topic, state in zip(texts, versions, topics, states, strict=True):
            position += 1
            encoded_topic = topic_bytes.get(topic)
            if encoded_topic is None:
                encoded_topic = topic_bytes[topic] = topic.encode()
            previous = link(previous, position, text, version, encoded_topic, state)
            add_digest(previous.hex())
        positions = range(first, position + 1)
        if self.dialect == "sqlite":
            # The rows go to the driver as they are zipped (one prepared INSERT), in the column
            # types SQLAlchemy would bind (the UUID as 32 hex digits); errors are worded as
            # `transaction` words SQLAlchemy's.
            cursor = cast(sqlite3.Connection, conn.connection.dbapi_connection).cursor()
            try:
                cursor.executemany(self._insert_sql, zip(
                    positions, hexes, versions, topics, states, digests, stamps, strict=True))
            except sqlite3.IntegrityError as e:
                raise IntegrityError(one_line(e)) from e
            except sqlite3.OperationalError as e:
                raise OperationalError(one_line(e)) from e
            except sqlite3.DatabaseError as e:
                raise StoreError(f"the database refused the write: {one_line(e)}") from e
            finally:
                cursor.close()
        else:
            conn.execute(self.table.insert(), [
                {"position": p, "originator_id": oid, "originator_version": version,
                 "topic": topic, "state": state, "hash": hashed, "recorded_at": stamp}
                for p, oid, version, topic, state, hashed, stamp in zip(
                    positions, uuids, versions, topics, states, digests, stamps, strict=True)])
        self._remember_head(conn, Fingerprint(position, digests[-1]))
        return list(positions)

    def _remember_head(self, conn: Connection, head: Fingerprint) -> None:
        h = self.head_table
        values = {"position": head.position, "hash": head.hash}
        if conn.execute(h.update().where(h.c.id == 1).values(**values)).rowcount == 0:
            conn.execute(h.insert().values(id=1, **values))

    def remembered_head(self) -> Fingerprint | None:
        """The head the store remembers having written (None before the first append)."""
        h = self.head_table
        with self._reading() as conn:
            row = conn.execute(sa.select(h.c.position, h.c.hash).where(h.c.id == 1)).first()
        return None if row is None else Fingerprint(row.position, row.hash)

    # -- reading ------------------------------------------------------------------------------
    def _head(self, conn: Connection) -> Fingerprint:
        t = self.table
        row = conn.execute(
            sa.select(t.c.position, t.c.hash).order_by(t.c.position.desc()).limit(1)
        ).first()
        return EMPTY if row is None else Fingerprint(row.position, row.hash)

    def last_recorded_at(self) -> datetime | None:
        """The recorded time of the last event, if it has one."""
        t = self.table
        with self._reading() as conn:
            stamp = conn.execute(
                sa.select(t.c.recorded_at).order_by(t.c.position.desc()).limit(1)
            ).scalar_one_or_none()
        return None if stamp is None else from_micros(stamp)

    def fingerprint_known_on(self, known: datetime, conn: Connection | None = None) -> Fingerprint:
        """The fingerprint of the log's prefix recorded at or before `known`.

        Recorded times rise with position (`_append` refuses one earlier than the last), so the
        last event recorded at or before `known` is found by walking the recorded-time index
        back from `known` (ties by position): a seek, where ordering the matching rows by
        position would sort every one of them."""
        if conn is None:
            with self._reading() as c:
                return self.fingerprint_known_on(known, c)
        row = conn.execute(self._known_on, {"known": micros(known)}).first()
        return EMPTY if row is None else Fingerprint(row.position, row.hash)

    def head(self) -> Fingerprint:
        """The fingerprint of the ledger now: last position and head hash."""
        with self._reading() as conn:
            return self._head(conn)

    def fingerprint_at(self, position: int, conn: Connection | None = None) -> Fingerprint:
        """The fingerprint of the prefix ending at `position` (as stored, not verified)."""
        if position == 0:
            return EMPTY
        if conn is None:
            with self._reading() as c:
                return self.fingerprint_at(position, c)
        t = self.table
        digest = conn.execute(
            sa.select(t.c.hash).where(t.c.position == position)
        ).scalar_one_or_none()
        if digest is None:
            raise StoreError(f"the ledger has no event at position {position}")
        return Fingerprint(position, digest)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with reading(), self.engine.connect() as conn:
            yield conn

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The stored events of one aggregate, by version."""
        t = self.table
        q = sa.select(t.c.originator_id, t.c.originator_version, t.c.topic, t.c.state).where(
            t.c.originator_id == as_uuid(originator_id)
        )
        if gt is not None:
            q = q.where(t.c.originator_version > gt)
        if lte is not None:
            q = q.where(t.c.originator_version <= lte)
        q = q.order_by(t.c.originator_version.desc() if desc else t.c.originator_version)
        if limit is not None:
            q = q.limit(limit)
        with self._reading() as conn:
            return [
                StoredEvent(
                    originator_id=r.originator_id,
                    originator_version=r.originator_version,
                    topic=r.topic,
                    state=as_bytes(r.state),
                )
                for r in conn.execute(q)
            ]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """A page of the global sequence, in position order."""
        t = self.table
        q = sa.select(t)
        if start is not None:
            q = q.where(t.c.position >= start if inclusive_of_start else t.c.position > start)
        if stop is not None:
            q = q.where(t.c.position <= stop)
        if topics:
            q = q.where(t.c.topic.in_(list(topics)))
        q = q.order_by(t.c.position).limit(limit)
        with self._reading() as conn:
            return [_notification(r) for r in conn.execute(q)]

    def max_notification_id(self) -> int | None:
        """The last position, or None for an empty ledger."""
        head = self.head()
        return head.position or None

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        """A subscription that polls the table (SQLite has no LISTEN/NOTIFY)."""
        return PollingSubscription(self, gt=gt, topics=topics)

    def iter_rows(
        self, start: int = 1, stop: int | None = None, batch: int = 5000
    ) -> Iterator[Any]:
        """Stream stored rows (with their hashes) in position order, a page at a time."""
        t = self.table
        after = start - 1
        while True:
            q = sa.select(t).where(t.c.position > after)
            if stop is not None:
                q = q.where(t.c.position <= stop)
            q = q.order_by(t.c.position).limit(batch)
            with self._reading() as conn:
                rows = conn.execute(q).all()
            if not rows:
                return
            yield from rows
            after = rows[-1].position
            if len(rows) < batch:
                return

    def iter_pages(
        self, start: int = 1, stop: int | None = None, batch: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Stream stored rows in position order as pages of plain tuples

        `(position, originator_id, originator_version, topic, state, hash, recorded_at)`, each
        value as the driver returns it: on SQLite the id is the stored text (32 hex digits) and
        no type processing is done, which is what makes this the fast path (verify, catch-up,
        stream). Use `iter_rows` for rows with typed attributes."""
        t = self.table
        after = start - 1
        sql = (f"SELECT position, originator_id, originator_version, topic, state, hash, "
               f"recorded_at FROM {t.name} WHERE position > ?"
               + ("" if stop is None else " AND position <= ?") + " ORDER BY position LIMIT ?")
        while True:
            rows: list[tuple[Any, ...]]
            if self.dialect == "sqlite":
                params = (after, batch) if stop is None else (after, stop, batch)
                with self._reading() as conn:
                    try:
                        rows = conn.connection.dbapi_connection.execute(  # type: ignore[union-attr]
                            sql, params).fetchall()
                    except sqlite3.Error as e:
                        raise OperationalError(one_line(e)) from e
            else:
                q = sa.select(t).where(t.c.position > after)
                if stop is not None:
                    q = q.where(t.c.position <= stop)
                with self._reading() as conn:
                    rows = [tuple(r) for r in conn.execute(q.order_by(t.c.position).limit(batch))]
            if not rows:
                return
            yield rows
            after = rows[-1][0]
            if len(rows) < batch:
                return

    def restore(self, records: Iterable[tuple[int, dict[str, Any]]],
                check: Callable[[StoredEvent], object] | None = None,
                batch: int = 1000) -> Fingerprint:
        """Load exported rows into an empty store in one transaction, verifying the chain as it
        goes; `records` are (line number, row) pairs and errors name the line."""
        with self.transaction() as conn:
            head = self._head(conn)
            if head.position:
                raise RuleViolation(
                    f"the target ledger is not empty ({head.position} events): restore needs an "
                    "empty store"
                )
            digest, position, pending = GENESIS_HASH, 0, []
            for line, record in records:
                row = restored_row(line, record)
                if row["position"] != position + 1:
                    raise InvalidInput(
                        f"line {line}: position {row['position']} where {position + 1} was "
                        "expected (events missing or out of order)"
                    )
                position = row["position"]
                digest = chain_hash(digest, position, row["originator_id"],
                                    row["originator_version"], row["topic"], row["state"])
                if digest != row["hash"]:
                    raise InvalidInput(
                        f"line {line}: hash does not match the chain at position {position} "
                        "(the file was altered)"
                    )
                if check is not None:
                    try:
                        event = check(StoredEvent(originator_id=row["originator_id"],
                                                  originator_version=row["originator_version"],
                                                  topic=row["topic"], state=row["state"]))
                    except Exception as e:
                        raise InvalidInput(f"line {line}: not a ledger event: {one_line(e)}") from e
                    stamp = getattr(event, "timestamp", None)
                    row["recorded_at"] = micros(stamp) if isinstance(stamp, datetime) else None
                pending.append(row)
                if len(pending) >= batch:
                    conn.execute(self.table.insert(), pending)
                    pending = []
            if pending:
                conn.execute(self.table.insert(), pending)
            if position:
                self._remember_head(conn, Fingerprint(position, digest))
            return Fingerprint(position, digest)

    def rows_for(self, originator_id: UUID | str) -> list[Any]:
        """Every stored row (with position and hash) of one record, in version order."""
        t = self.table
        q = sa.select(t).where(t.c.originator_id == as_uuid(originator_id))
        with self._reading() as conn:
            return list(conn.execute(q.order_by(t.c.originator_version)))

    def verify(
        self, expect: Fingerprint | None = None, progress: Callable[[int], None] | None = None
    ) -> Fingerprint:
        """Recompute the chain from the stored rows; return the head or raise `ChainBroken`.

        Also checks the head the store remembers (a truncated tail) and, with `expect`, a
        fingerprint published earlier (a rewrite whose author recomputed every later hash).
        """
        return verify_chain(self, expect, progress)

    def row_at(self, position: int) -> Any:
        """The stored row (typed) at `position`, or None."""
        t = self.table
        with self._reading() as conn:
            return conn.execute(sa.select(t).where(t.c.position == position)).first()


class LedgerTrackingRecorder(TrackingRecorder):
    """Remembers, per downstream name, the last notification processed (one row each).

    `insert_tracking(..., conn=)` writes in the caller's transaction, so a read model's rows and
    its position commit together; a position at or below the recorded one is refused.
    """

    def __init__(self, engine: Engine, table_name: str = "ledger_tracking") -> None:
        self.engine = engine
        self.write_engine = engine.execution_options(ledger_write=True)
        self.metadata = sa.MetaData()
        self.table = sa.Table(
            table_name, self.metadata,
            sa.Column("application_name", sa.String(64), primary_key=True),
            sa.Column("notification_id", sa.BigInteger(), nullable=False),
        )

    def create_table(self) -> None:
        """Create the tracking table if missing."""
        with self.write_engine.begin() as conn:
            self.metadata.create_all(conn)

    def insert_tracking(self, tracking: Tracking, *, conn: Connection | None = None) -> None:
        """Record that `tracking.notification_id` was processed; refuse going back or repeating."""
        if conn is None:
            with self.write_engine.begin() as c:
                self.insert_tracking(tracking, conn=c)
            return
        t = self.table
        current = conn.execute(sa.select(t.c.notification_id).where(
            t.c.application_name == tracking.application_name)).scalar_one_or_none()
        if current is not None and tracking.notification_id <= current:
            raise IntegrityError(
                f"{tracking.application_name} already tracked {current}; "
                f"{tracking.notification_id} would go back or repeat"
            )
        if current is None:
            conn.execute(t.insert().values(application_name=tracking.application_name,
                                           notification_id=tracking.notification_id))
        else:
            conn.execute(t.update().where(t.c.application_name == tracking.application_name)
                         .values(notification_id=tracking.notification_id))

    def max_tracking_id(self, application_name: str,
                        conn: Connection | None = None) -> int | None:
        """The last position processed by `application_name`, or None."""
        if conn is None:
            with self.engine.connect() as c:
                return self.max_tracking_id(application_name, c)
        t = self.table
        value = conn.execute(sa.select(t.c.notification_id).where(
            t.c.application_name == application_name)).scalar_one_or_none()
        return None if value is None else int(value)

    def forget(self, application_name: str, conn: Connection) -> None:
        """Drop the tracking row (used when a read model is rebuilt from scratch)."""
        conn.execute(self.table.delete().where(self.table.c.application_name == application_name))


class PollingSubscription(Subscription[ApplicationRecorder]):
    """Yields notifications after `gt`, polling for new ones until stopped."""

    def __init__(
        self, recorder: ApplicationRecorder, gt: int | None = None, topics: Sequence[str] = (),
        interval: float = 0.05,
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._buffer: list[Notification] = []
        self._interval = interval

    def __next__(self) -> Notification:
        while not self._has_been_stopped:
            if self._buffer:
                n = self._buffer.pop(0)
                self._last_notification_id = n.id
                return n
            self._buffer = list(
                self._recorder.select_notifications(
                    start=self._last_notification_id or 0, limit=500, topics=self._topics,
                    inclusive_of_start=False,
                )
            )
            if not self._buffer:
                time.sleep(self._interval)
        raise StopIteration


class LedgerInfrastructure(InfrastructureFactory[TrackingRecorder]):
    """Wires the ledger's recorder and mapper into an eventsourcing application."""

    def __init__(self, env: Environment | EnvType | None, *, url: str) -> None:
        super().__init__(env)
        self.engine = make_engine(url)
        self.recorder = LedgerRecorder(self.engine)

    def mapper(
        self, transcoder: Transcoder | None = None, mapper_class: Any = None
    ) -> Mapper[Any]:
        """The pydantic mapper (the JSON transcoder is unused: pydantic encodes)."""
        return PydanticMapper(transcoder=transcoder or JSONTranscoder())

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        """The one recorder: the ledger keeps no snapshots."""
        return self.recorder

    def application_recorder(self) -> ApplicationRecorder:
        """The hash-chained recorder."""
        return self.recorder

    def tracking_recorder(self, tracking_recorder_class: Any = None) -> TrackingRecorder:
        """The tracking recorder the read models use."""
        return LedgerTrackingRecorder(self.engine)

    def process_recorder(self) -> ProcessRecorder:
        """Not used: the ledger is one application."""
        raise NotImplementedError("the ledger has no process recorder")

    def is_snapshotting_enabled(self) -> bool:
        """Snapshots are off: streams are short and tuples would not survive them."""
        return False

    def close(self) -> None:
        """Dispose of the engine's connections."""
        self.engine.dispose()
