"""The store's tables: the events (one row per event, with its position and chained hash), the
head (the last position and hash appended) and the read models' tracking positions.

The append-only triggers on the events table are each backend's own DDL (`Backend.append_only_ddl`).
"""

from __future__ import annotations

import sqlalchemy as sa

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
