"""The hash-chained recorder: an eventsourcing `ApplicationRecorder` on SQLAlchemy Core.

Every stored event gets the next position in one global sequence and a SHA-256 hash over its
stored bytes chained to the previous event's hash, computed and inserted in the same
transaction that holds the table's write lock, so the chain is gap-free under concurrent writers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent, Subscription
from sqlalchemy.engine import Connection, Engine

from ledger.domain.chain import EMPTY, GENESIS_HASH, Fingerprint
from ledger.domain.errors import RuleViolation, StoreError
from ledger.domain.values import from_micros, micros
from ledger.store.append import chain_batch
from ledger.store.codecs import as_bytes, as_uuid, restored, rising
from ledger.store.engine import backend_for, for_writing
from ledger.store.errors import one_line, reading, writing
from ledger.store.mapper import EncodedBatch
from ledger.store.personal import Sealed, Vault, personal_table, readable, restored_personal
from ledger.store.schema import EVENTS_TABLE, create_missing, events_table, head_table
from ledger.store.tracking import PollingSubscription
from ledger.store.verify import verify as verify_chain


class LedgerRecorder(ApplicationRecorder):
    """Application recorder on SQLAlchemy Core that chains every event's hash to the last."""

    def __init__(self, engine: Engine, table_name: str = EVENTS_TABLE,
                 topics: frozenset[str] | None = None) -> None:
        self.engine = engine
        self.write_engine = for_writing(engine)
        self.metadata = sa.MetaData()
        self.table = t = events_table(self.metadata, table_name)
        self.head_table = head_table(self.metadata, table_name)
        self.personal = personal_table(self.metadata, table_name)
        self.vault = Vault(engine, self.personal, t)
        """Personal values and their salts, beside the hashed events (`store.personal`)."""
        self.topics = topics
        """The event types this store may hold (None: any); `verify` names a row of another."""
        self.backend = backend_for(engine, self.table, topics)
        self._last = (sa.select(t.c.position, t.c.hash, t.c.recorded_at)
                      .order_by(t.c.position.desc()).limit(1))
        self._known_on = (
            sa.select(t.c.position, t.c.hash)
            .where(t.c.recorded_at <= sa.bindparam("known", type_=sa.BigInteger()))
            .order_by(t.c.recorded_at.desc(), t.c.position.desc()).limit(1))

    # -- schema -------------------------------------------------------------------------------
    def create_table(self) -> None:
        """Create the events table (with its append-only triggers) and the head table if missing.

        Does nothing, and needs no write access, when both exist.
        """
        def install(conn: Connection, created: list[sa.Table]) -> None:
            if self.table in created:
                self.backend.install(conn)

        try:
            create_missing(self.engine, self.write_engine,
                           [self.table, self.head_table, self.personal], then=install)
            if not self.backend.installed(self.engine):  # a ledger made by an older version
                with self.write_engine.begin() as conn:
                    self.backend.install(conn)
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(f"cannot create the ledger's tables: {one_line(e)}") from e

    def drop_table(self) -> None:
        """Drop the events table (used only to rebuild a demo ledger)."""
        with self.write_engine.begin() as conn:
            self.backend.uninstall(conn)
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
            self.backend.lock(conn)
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
        """Chain the batch after the last row (checking its recorded times), insert it."""
        appended = self.backend.append(conn, batch)  # PostgreSQL: by the database itself
        if appended is None:
            last = conn.execute(self._last).first()
            rows = (chain_batch(batch, last.position, last.hash, last.recorded_at) if last
                    else chain_batch(batch, 0, GENESIS_HASH, None))
            if rows is None:
                return []
            self.backend.insert(conn, rows)
            self._remember_head(conn, Fingerprint(rows.positions[-1], rows.hashes[-1]))
            appended = list(rows.positions)
        if batch.personal is not None:
            self.vault.keep(conn, zip(appended, batch.personal, strict=True))
        return appended

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

    def restore(self, records: Iterable[tuple[int, dict[str, Any]]],
                check: Callable[[StoredEvent], object] | None = None,
                batch: int = 1000) -> Fingerprint:
        """Load exported rows into an empty store in one transaction, verifying the chain and
        that recorded times never go back as it goes; `records` are (line number, row) pairs and
        errors name the line."""
        with self.transaction() as conn:
            head = self._head(conn)
            if head.position:
                raise RuleViolation(
                    f"the target ledger is not empty ({head.position} events): restore needs an "
                    "empty store"
                )
            pending: list[dict[str, Any]] = []
            side: list[tuple[int, Sealed | None]] = []
            latest: int | None = None
            for line, record in records:
                row = restored(line, record, head, check)
                latest = rising(line, latest, row["recorded_at"])
                head = Fingerprint(row["position"], row["hash"])
                pending.append(row)
                side.append((row["position"], restored_personal(line, record, row)))
                if len(pending) >= batch:
                    conn.execute(self.table.insert(), pending)
                    self.vault.keep(conn, side)
                    pending, side = [], []
            if pending:
                conn.execute(self.table.insert(), pending)
                self.vault.keep(conn, side)
            if head.position:
                self._remember_head(conn, head)
            return head

    # -- reading ------------------------------------------------------------------------------
    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with reading(), self.engine.connect() as conn:
            yield conn

    def _head(self, conn: Connection) -> Fingerprint:
        t = self.table
        row = conn.execute(
            sa.select(t.c.position, t.c.hash).order_by(t.c.position.desc()).limit(1)
        ).first()
        return EMPTY if row is None else Fingerprint(row.position, row.hash)

    def head(self) -> Fingerprint:
        """The fingerprint of the ledger now: last position and head hash."""
        with self._reading() as conn:
            return self._head(conn)

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
        t, p = self.table, self.personal
        q = (sa.select(t.c.originator_id, t.c.originator_version, t.c.topic, t.c.state, p.c.plain)
             .outerjoin(p, p.c.position == t.c.position)
             .where(t.c.originator_id == as_uuid(originator_id)))
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
                    state=readable(as_bytes(r.state), r.plain),
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
        """A page of the global sequence, in position order (personal values read back in)."""
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
            rows = conn.execute(q).all()
            plain = self.vault.clears(conn, rows[0].position, rows[-1].position) if rows else {}
        return [_notification(r, plain.get(r.position)) for r in rows]

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
        self, start: int = 1, stop: int | None = None, batch: int = 5000, *,
        personal: bool = True,
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Stream stored rows in position order as pages of plain tuples

        `(position, originator_id, originator_version, topic, state, hash, recorded_at)`, each
        value as the driver returns it: on SQLite the id is the stored text (32 hex digits) and
        no type processing is done, which is what makes this the fast path (verify, catch-up,
        stream). Use `iter_rows` for rows with typed attributes. The state has its personal
        values read back in (`personal.readable`), unless `personal` is False: then it is the
        bytes the chain hashed."""
        for rows, clears in self._pages(start, stop, batch, personal):
            yield _merged(rows, clears) if clears else rows

    def iter_pages_apart(self, start: int = 1, stop: int | None = None, batch: int = 5000,
                         ) -> Iterator[tuple[list[tuple[Any, ...]], dict[int, str]]]:
        """As `iter_pages(personal=False)`, each page with its events' personal values apart
        (position → clear fragment; `personal.readable` reads one into its state)."""
        return self._pages(start, stop, batch, True)

    def _pages(self, start: int, stop: int | None, batch: int,
               personal: bool) -> Iterator[tuple[list[tuple[Any, ...]], dict[int, str]]]:
        """Pages of stored rows, each with its personal values (none fetched if not `personal`)."""
        after = start - 1
        while True:
            with self._reading() as conn:
                rows = self.backend.read_page(conn, after, stop, batch)
                clears = (self.vault.clears(conn, rows[0][0], rows[-1][0])
                          if personal and rows else {})
            if not rows:
                return
            yield rows, clears
            after = rows[-1][0]
            if len(rows) < batch:
                return

    def readable(self, conn: Connection, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Rows (position, originator_id, version, topic, state, …) with their personal values
        read back into the state, in `conn`'s transaction."""
        clears = self.vault.clears(conn, rows[0][0], rows[-1][0])
        return _merged(rows, clears) if clears else rows

    def appenders(self, positions: Sequence[int]) -> dict[int, str]:
        """The role the database authenticated for each of `positions` it noted (PostgreSQL;
        one query, none on SQLite)."""
        if not self.backend.records_appenders or not positions:
            return {}
        with self._reading() as conn:
            return self.backend.appenders(conn, positions)

    def first_position(self) -> int | None:
        """The lowest stored position (None for an empty ledger): 1 unless rows were inserted
        behind the ledger's back."""
        t = self.table
        with self._reading() as conn:
            return conn.execute(sa.select(sa.func.min(t.c.position))).scalar_one_or_none()

    def row_at(self, position: int) -> Any:
        """The stored row (typed) at `position`, or None."""
        t = self.table
        with self._reading() as conn:
            return conn.execute(sa.select(t).where(t.c.position == position)).first()

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


def _merged(rows: list[tuple[Any, ...]], clears: dict[int, str]) -> list[tuple[Any, ...]]:
    """Rows with the personal values of `clears` (position → clear fragment) read back in."""
    get = clears.get
    return [row if (clear := get(row[0])) is None
            else (*row[:4], readable(as_bytes(row[4]), clear), *row[5:]) for row in rows]


def _notification(row: Any, plain: str | None) -> Notification:
    return Notification(
        id=row.position,
        originator_id=row.originator_id,
        originator_version=row.originator_version,
        topic=row.topic,
        state=readable(as_bytes(row.state), plain),
    )
