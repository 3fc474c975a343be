"""The open intervals a batch needs and the ids of its new rows, read from the database.

An open interval (`rows.Interval`) is an `rm_attrs` row still open in recorded time, or, for an
attribute never changed, the action's starting value (no row). A batch loads those of the
actions it changes that it does not carry already (`writer.Batch`), one query per attribute and
few hundred actions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger.domain import events as ev
from ledger.domain.values import FOREVER
from ledger.projections.readmodel import schema
from ledger.projections.readmodel.schema import BEGINNING, END, Attr

IN_CHUNK: Final = 500
"""Refs per `IN (...)` list when loading open intervals (well under SQLite's bind limit)."""
NOT_STARTED: Final = ev.Status.NOT_STARTED.value
STARTING_COLUMN: dict[str, sa.Column[Any]] = {
    Attr.OWNER: schema.actions.c.original_owner, Attr.DUE: schema.actions.c.original_due}
"""Where an action's starting owner and target date are kept (every action starts not started)."""

Open = dict[tuple[str, str], tuple[tuple[Any, ...], ...]]
"""(action ref, attribute) → its open intervals (`rows.Interval`), in valid-time order."""


def encode(value: Any) -> str | None:
    """An attribute's value as `rm_attrs.value` keeps it (a date as ISO text)."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def as_is(value: Any) -> Any:
    """A value as it is (a date, where the connection binds dates itself)."""
    return value


def load_open(conn: Connection, into: Open, wanted: Iterable[tuple[str, str]]) -> None:
    """Fetch into `into` the open intervals of the (action, attribute) pairs wanted that it
    lacks, for actions already in the database; a pair of an action not there gets none."""
    by_attr: dict[str, set[str]] = defaultdict(set)
    for ref, attr in wanted:
        if (ref, attr) not in into:
            by_attr[attr].add(ref)
    sqlite = conn.dialect.name == "sqlite"
    t = schema.attrs
    for attr, found in by_attr.items():
        refs = sorted(found)
        for i in range(0, len(refs), IN_CHUNK):
            chunk = refs[i:i + IN_CHUNK]
            result: Iterable[Any]
            if sqlite:
                result = conn.exec_driver_sql(
                    "SELECT action_ref, value, valid_from, valid_to, recorded_from, id "
                    f"FROM {t.name} WHERE action_ref IN ({', '.join('?' * len(chunk))}) "
                    "AND attr = ? AND recorded_to = ? ORDER BY action_ref, valid_from",
                    (*chunk, attr, FOREVER)).all()
                parse: Callable[[Any], date] = date.fromisoformat
            else:
                result = conn.execute(
                    sa.select(t.c.action_ref, t.c.value, t.c.valid_from, t.c.valid_to,
                              t.c.recorded_from, t.c.id)
                    .where(t.c.action_ref.in_(chunk), t.c.attr == attr,
                           t.c.recorded_to == FOREVER)
                    .order_by(t.c.action_ref, t.c.valid_from))
                parse = as_is
            loaded: dict[str, list[tuple[Any, ...]]] = {ref: [] for ref in chunk}
            for ref, value, valid_from, valid_to, recorded_from, row_id in result:
                loaded[ref].append(  # Interval
                    (parse(valid_from), parse(valid_to), value, recorded_from, row_id, None))
            for ref, intervals in loaded.items():
                if intervals:  # none: an action not there yet (it may come later)
                    into[(ref, attr)] = tuple(intervals)
            _load_starting(conn, into, attr, [ref for ref in chunk if not loaded[ref]])


def _load_starting(conn: Connection, into: Open, attr: str, refs: list[str]) -> None:
    """The starting value of an attribute never changed yet, for actions in the database."""
    if not refs:
        return
    a = schema.actions
    column = STARTING_COLUMN.get(attr)  # the status: only whether the action exists is read
    if conn.dialect.name == "sqlite":  # as the driver gives them: a date is its ISO text already
        result: Iterable[Any] = conn.exec_driver_sql(
            f"SELECT ref, added_at, {'NULL' if column is None else column.name} AS starting "
            f"FROM {a.name} WHERE ref IN ({', '.join('?' * len(refs))}) AND recorded_to = ?",
            (*refs, FOREVER)).all()
    else:
        starting = sa.null() if column is None else column
        result = conn.execute(sa.select(a.c.ref, a.c.added_at, starting.label("starting"))
                              .where(a.c.ref.in_(refs), a.c.recorded_to == FOREVER)).all()
    for ref, added_at, starting_value in result:
        value = NOT_STARTED if column is None else encode(starting_value)
        into[(ref, attr)] = ((BEGINNING, END, value, added_at, None, None),)  # Interval


def numbered(conn: Connection, count: int) -> list[int]:
    """`count` fresh `rm_attrs` ids, so that the intervals a batch carries to the next know
    where their rows are (in the batch's transaction)."""
    if not count:
        return []
    if conn.dialect.name == "sqlite":  # the transaction holds the database's write lock
        last = conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {schema.attrs.name}")
        start = int(last.scalar() or 0) + 1
        return list(range(start, start + count))
    return list(conn.execute(sa.text(
        f"SELECT nextval(pg_get_serial_sequence('{schema.attrs.name}', 'id')) "
        "FROM generate_series(1, :n)"), {"n": count}).scalars())
