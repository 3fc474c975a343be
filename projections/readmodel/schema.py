"""The read model's tables: their shape, and how a database made by an earlier version is found.

`rm_attrs` holds one row per interval of an action's status, owner and target date: valid
from/to (effective dates) × recorded from/to (microseconds), so "as at D, as known on K" is one
indexed query. The starting value of an attribute (not started; the owner and target date the
action was added with, in `rm_actions`) is valid from the beginning of time and has no row of its
own: the first change to an attribute opens rows covering all of valid time, so an attribute with
no row recorded by K still has its starting value on K.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ledger.domain.errors import StoreError
from ledger.store import LedgerTrackingRecorder
from ledger.store.schema import create_missing

NAME = "readmodel"
"""The read model's name in the tracking table."""

BEGINNING = date(1, 1, 1)
"""Valid time's start: a starting value holds from here."""
END = date(9999, 12, 31)
"""Valid time's end: an interval open in valid time ends here."""


class Attr:
    """The codes of the attributes `rm_attrs.attr` stores (one letter each, as earlier versions
    wrote them: changing them would change the stored format)."""

    STATUS: Final = "s"
    OWNER: Final = "o"
    DUE: Final = "d"


CURRENT_COLUMN: Final = {Attr.STATUS: "status", Attr.OWNER: "owner", Attr.DUE: "due"}
"""The `rm_actions` column holding each attribute's current value (as at the latest date)."""

metadata = sa.MetaData()
ref_type = sa.String(64)
actions = sa.Table(
    "rm_actions", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("added_on", sa.Date(), nullable=False),
    sa.Column("added_at", sa.BigInteger(), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("original_due", sa.Date()),
    sa.Column("original_owner", sa.Text()),
    sa.Column("recommendations", sa.Text(), nullable=False),
    sa.Column("depends_on", sa.Text(), nullable=False),
    # Current state: as at the latest date, as known now.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("owner", sa.Text()),
    sa.Column("due", sa.Date()),
)
action_recs = sa.Table(
    "rm_action_recommendations", metadata,
    sa.Column("action_ref", ref_type, primary_key=True),
    sa.Column("rec_ref", ref_type, primary_key=True),
    sa.Index("rm_action_recommendations_rec", "rec_ref"),
)
attrs = sa.Table(
    "rm_attrs", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("action_ref", ref_type, nullable=False),
    sa.Column("attr", sa.String(1), nullable=False),
    sa.Column("value", sa.Text()),
    sa.Column("valid_from", sa.Date(), nullable=False),
    sa.Column("valid_to", sa.Date(), nullable=False),
    sa.Column("recorded_from", sa.BigInteger(), nullable=False),
    sa.Column("recorded_to", sa.BigInteger(), nullable=False),
    sa.Index("rm_attrs_asat", "action_ref", "recorded_to", "valid_from"),
)
recommendations = sa.Table(
    "rm_recommendations", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("audit", ref_type, nullable=False, index=True),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("made_on", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
)
audits = sa.Table(
    "rm_audits", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("audit_date", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    sa.Column("event", sa.Text(), nullable=False),
)
milestones = sa.Table(
    "rm_milestones", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("set_on", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    sa.Column("achieved_on", sa.Date()),
)
achievements = sa.Table(
    "rm_achievements", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("ref", ref_type, nullable=False, index=True),
    sa.Column("effective", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
)
meetings = sa.Table(
    "rm_meetings", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("committee", sa.Text(), nullable=False),
    sa.Column("held_on", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
)
resolutions = sa.Table(
    "rm_resolutions", metadata,
    sa.Column("meeting", ref_type, primary_key=True),
    sa.Column("number", sa.Integer(), primary_key=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    sa.Column("event", sa.Text(), nullable=False),
)
received = sa.Table(
    "rm_received", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("meeting", ref_type, nullable=False),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("effective", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    sa.Index("rm_received_request", "meeting", "number"),
)

STARTING_VALUES_COLUMN = actions.c.original_owner
"""The column whose absence marks a read model made by the version that stored every starting
value as an `rm_attrs` row (it kept no `original_owner`): such a model is emptied and refilled."""


def is_from_earlier_version(engine: Engine, existing: set[str]) -> bool:
    """Whether the tables were made by the version that stored starting values as rows."""
    if actions.name not in existing:
        return False
    columns = {c["name"] for c in sa.inspect(engine).get_columns(actions.name)}
    return STARTING_VALUES_COLUMN.name not in columns


def create(engine: Engine, write_engine: Engine, tracking: LedgerTrackingRecorder) -> None:
    """Create the tables if missing (needing no write access when they all exist; safe when
    processes race to first use), and empty a read model made by an earlier version (keeping
    its tables and grants) so catching up refills it."""
    try:
        tracking.create_table()
        create_missing(engine, write_engine, metadata.sorted_tables)
        if is_from_earlier_version(engine, {actions.name}):
            with write_engine.begin() as conn:
                conn.execute(sa.text(
                    f"ALTER TABLE {actions.name} ADD COLUMN {STARTING_VALUES_COLUMN.name} TEXT"))
                empty(conn, tracking)
    except sa.exc.DBAPIError as e:
        raise StoreError(f"cannot create the read model's tables: {e.orig}") from e


def empty(conn: Connection, tracking: LedgerTrackingRecorder) -> None:
    """Delete every row of the read model and its tracked position (tables and grants kept)."""
    for table in reversed(metadata.sorted_tables):
        conn.execute(table.delete())
    tracking.forget(NAME, conn)


def table_names() -> list[str]:
    """The read model's tables, in dependency order."""
    return [t.name for t in metadata.sorted_tables]
