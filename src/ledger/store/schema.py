"""The store's tables: the events (one row per event, with its position and chained hash), the
head (the last position and hash appended) and the read models' tracking positions.

The append-only triggers on the events table are each backend's own DDL (`Backend.append_only_ddl`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

EVENTS_TABLE = "ledger_events"
TRACKING_TABLE = "ledger_tracking"

_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""A position: 64 bits, but SQLite's INTEGER (its rowid) there."""


def events_table(metadata: sa.MetaData, name: str = EVENTS_TABLE) -> sa.Table:
    """The events: one row per event at its position, with its chained hash and recorded time."""
    return sa.Table(
        name,
        metadata,
        sa.Column("position", _POSITION, primary_key=True, autoincrement=False),
        sa.Column("originator_id", sa.Uuid(), nullable=False),
        sa.Column("originator_version", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("originator_id", "originator_version", name=f"{name}_aggregate_uq"),
        sa.Index(f"{name}_recorded_at", "recorded_at"),
    )


def head_name(events: str = EVENTS_TABLE) -> str:
    """The name of the head table of the events table `events`."""
    return f"{events}_head"


def head_table(metadata: sa.MetaData, events: str = EVENTS_TABLE) -> sa.Table:
    """One row remembering the last position and hash appended: a truncated tail shows.

    On PostgreSQL the row is made with the table: appends lock it (`postgresql.py`)."""
    return sa.Table(
        head_name(events),
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("position", _POSITION, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def tracking_table(metadata: sa.MetaData, name: str = TRACKING_TABLE) -> sa.Table:
    """One row per downstream name: the last position it processed."""
    return sa.Table(
        name,
        metadata,
        sa.Column("application_name", sa.String(64), primary_key=True),
        sa.Column("notification_id", sa.BigInteger(), nullable=False),
    )


def create_missing(engine: Engine, write_engine: Engine, tables: Sequence[sa.Table],
                   then: Callable[[Connection, list[sa.Table]], None] | None = None) -> None:
    """Create whichever of `tables` are missing, safely when processes race to first use.

    Needs no write access when all exist. The check is repeated inside the write transaction
    (`BEGIN IMMEDIATE` on SQLite serialises it); where the database does not serialise DDL
    (PostgreSQL), a creation that fails because another process created the tables first is
    fine once they all exist. `then(conn, created)` runs in the same transaction.
    """
    if not _missing(engine, tables):
        return
    try:
        with write_engine.begin() as conn:
            created = _missing(conn, tables)
            if created:
                tables[0].metadata.create_all(conn, tables=created, checkfirst=False)
                if then is not None:
                    then(conn, created)
    except sa.exc.SQLAlchemyError:
        if _missing(engine, tables):
            raise


def _missing(bind: Engine | Connection, tables: Sequence[sa.Table]) -> list[sa.Table]:
    existing = set(sa.inspect(bind).get_table_names())
    return [t for t in tables if t.name not in existing]
