"""Catching the read model up with the log: a batch per transaction, safe when several
processes catch up at once, and fresh planner statistics after a large catch-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, cast

import sqlalchemy as sa
from eventsourcing.persistence import IntegrityError, Tracking
from sqlalchemy.engine import Connection, Engine

from ledger.domain import events as ev
from ledger.projections.readmodel import schema
from ledger.projections.readmodel.amendments import rederive
from ledger.projections.readmodel.intervals import Open
from ledger.projections.readmodel.light import LightDecoder
from ledger.projections.readmodel.protocol import LedgerLike
from ledger.projections.readmodel.schema import NAME
from ledger.projections.readmodel.writer import IGNORED, Batch
from ledger.store import LedgerTrackingRecorder, PydanticMapper
from ledger.store.trusted import TrustedDecoder

BATCH: Final = 20_000
"""Events per batch (and per transaction) by default."""
ANALYZE_AFTER: Final = 50_000
"""Events a catch-up must apply before it refreshes the planner's statistics (PostgreSQL)."""
AMENDING: Final = frozenset(ev.AMENDMENTS)
"""The events after which the rows of their record are derived again (`amendments`)."""


def catch_up(ledger: LedgerLike, tracking: LedgerTrackingRecorder, batch: int = BATCH,
             progress: Callable[[int], None] | None = None,
             analyze_after: int = ANALYZE_AFTER) -> int:
    """Apply every event after the tracked position, a batch per transaction; the number done.

    Another process catching up at the same time is normal: each batch first locks the tracking
    row and re-reads the position, and a batch that lost the race to a first tracking row (a
    duplicate key) is rolled back; either way the loop goes on from the position now tracked."""
    # The log's rows are trusted (the chain proves them as written): `store.trusted` says why.
    full = TrustedDecoder(cast(PydanticMapper, ledger.mapper).from_row).from_row
    decode = LightDecoder(full, IGNORED).from_row
    write_engine = ledger.store.write_engine
    done = 0
    carried: Open = {}  # the open intervals as committed (`writer.Batch`)
    while True:
        start = (tracking.max_tracking_id(NAME) or 0) + 1
        page, clears = next(ledger.store.iter_pages_apart(start, start + batch - 1, batch),
                            ([], {}))
        if not page:
            if done >= analyze_after:
                analyze(write_engine)
            return done
        last, *_ = page[-1]
        count = len(page)
        try:
            with write_engine.begin() as conn:
                if _locked_position(conn, tracking) != start - 1:
                    carried.clear()  # another process applied this batch first
                    continue
                work = Batch(conn, carried)
                for position, oid, version, topic, state, _hash, recorded_at in page:
                    decoded = decode(oid, version, topic, state, clears.get(position))
                    if decoded is None:
                        continue  # an event no row shows
                    kind, event = decoded
                    if kind in AMENDING:  # rare: write what came before, then re-derive
                        work.settle()
                        work.flush()
                        rederive(conn, *_stream(conn, ledger, event), recorded_at)
                        carried.clear()  # the record's rows are derived again
                        work = Batch(conn, carried)
                    else:
                        work.take(event, recorded_at, position, kind)
                del page, clears
                work.settle()
                work.flush()
                tracking.insert_tracking(Tracking(NAME, last), conn=conn)
        except (sa.exc.IntegrityError, IntegrityError):
            carried.clear()  # rolled back: the batch's changes to it never committed
            if (tracking.max_tracking_id(NAME) or 0) < start:
                raise  # not a race lost: the position did not move
            continue
        done += count
        if progress is not None:
            progress(last)


def _stream(conn: Connection, ledger: LedgerLike,
            last: ev.LedgerEvent) -> tuple[list[ev.LedgerEvent], list[int]]:
    """The events of `last`'s record up to `last` itself, in version order, and their positions
    (read in the batch's transaction: the log is committed, so events of this batch are there,
    later ones are not read)."""
    t, decode = ledger.store.table, cast(PydanticMapper, ledger.mapper).from_row
    rows = [tuple(row) for row in conn.execute(
        sa.select(t.c.position, t.c.originator_id, t.c.originator_version, t.c.topic, t.c.state)
        .where(t.c.originator_id == last.originator_id,
               t.c.originator_version <= last.originator_version)
        .order_by(t.c.originator_version))]
    # Personal values live beside the hashed payload (`ledger.store.personal`): read them back.
    readable = ledger.store.readable(conn, rows)
    return ([cast(ev.LedgerEvent, decode(oid, version, topic, state))
             for _position, oid, version, topic, state in readable],
            [position for position, *_ in readable])


def _locked_position(conn: Connection, tracking: LedgerTrackingRecorder) -> int:
    """The tracked position, its row locked until the transaction ends (PostgreSQL; a SQLite
    write transaction holds the database's write lock already)."""
    t = tracking.table
    value = conn.execute(sa.select(t.c.notification_id).where(t.c.application_name == NAME)
                         .with_for_update()).scalar_one_or_none()
    return 0 if value is None else int(value)


def analyze(write_engine: Engine) -> None:
    """Refresh PostgreSQL's statistics of the read model after a large catch-up: with none
    (autovacuum off, or not yet run) the planner scans whole tables and an as-at question takes
    200 ms instead of 35 at 1,000,000 events. A role that does not own the tables gets a warning
    from PostgreSQL, not an error, and answers stay right, only slower."""
    if write_engine.dialect.name != "postgresql":
        return
    with write_engine.begin() as conn:
        conn.execute(sa.text("ANALYZE " + ", ".join(schema.table_names())))
