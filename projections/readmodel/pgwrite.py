"""The batch writer's changes to rows already stored, on PostgreSQL: one statement a kind.

A batch closes (or drops) the stored `rm_attrs` intervals its changes replace, sets the current
values of actions added before it and marks milestones achieved: tens of thousands of rows a
batch in a rebuild. Each kind goes to the server as one `UPDATE … FROM` / `DELETE … USING` over
`unnest` of one array a column, instead of one statement a row (the same rows change, to the
same values: the statements of `writer.Batch._run` run set-wise).

The arrays pass through a scalar sub-select, so the planner cannot see their length and plans for
a few rows: probing each row by its key in its index. Seeing 20,000 keys against a table never
analyzed (autovacuum may be off, and a rebuild's tables are new), it chose to hash the whole
table instead: a scan of every row for each batch, so a rebuild that grows quadratically. Keys
are sent sorted, so the probes walk the index in order. No temporary table is made: nothing is
written to the catalog for a batch, and a role that catches up needs no TEMP right.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from operator import itemgetter
from typing import Any, Final

from sqlalchemy.engine import Connection

from ledger.domain.values import FOREVER
from ledger.projections.readmodel import schema

SQL_TYPE: Final = {"status": "text", "owner": "text", "due": "date"}
"""The array type each current-value column of `rm_actions` is sent as."""


def _unnest(names: Sequence[str], types: Sequence[str]) -> str:
    """`unnest` of one array parameter a column, each hidden in a sub-select, as `v(names)`."""
    arrays = ", ".join(f"(SELECT %s::{t}[])" for t in types)
    return f"unnest({arrays}) AS v({', '.join(names)})"


_KEY = itemgetter(0)


def _columns(rows: Sequence[tuple[Any, ...]]) -> tuple[list[Any], ...]:
    """The rows, sorted by their first value (a key), as one list a column (the arrays bound
    to `_unnest`)."""
    return tuple(list(column) for column in zip(*sorted(rows, key=_KEY), strict=True))


def drop_attrs(conn: Connection, ids: Sequence[int]) -> None:
    """Delete the `rm_attrs` rows of `ids` (intervals closed the moment they opened)."""
    if ids:
        conn.exec_driver_sql(
            f"DELETE FROM {schema.attrs.name} AS t USING {_unnest(['id'], ['int4'])} "
            "WHERE t.id = v.id", (sorted(ids),))


def close_attrs(conn: Connection, closed: Sequence[tuple[int, int]]) -> None:
    """Close the `rm_attrs` rows of `(row_id, closed_at)` in recorded time at `closed_at`."""
    if closed:
        conn.exec_driver_sql(
            f"UPDATE {schema.attrs.name} AS t SET recorded_to = v.closed_at "
            f"FROM {_unnest(['id', 'closed_at'], ['int4', 'int8'])} WHERE t.id = v.id",
            _columns(closed))


def set_current(conn: Connection, columns: Sequence[str],
                rows: Sequence[tuple[Any, ...]]) -> None:
    """Set `columns` of the current `rm_actions` row of each `(ref, *values)` (values as the
    columns bind them: a target date a `date`)."""
    if not rows:
        return
    names = ["ref", *columns]
    assignments = ", ".join(f"{c} = v.{c}" for c in columns)
    conn.exec_driver_sql(
        f"UPDATE {schema.actions.name} AS a SET {assignments} "
        f"FROM {_unnest(names, ['text', *(SQL_TYPE[c] for c in columns)])} "
        f"WHERE a.ref = v.ref AND a.recorded_to = {FOREVER}",
        _columns(rows))


def set_achieved(conn: Connection, achieved: dict[str, date]) -> None:
    """Mark the current `rm_milestones` row of each ref not yet achieved, achieved on its day."""
    if achieved:
        conn.exec_driver_sql(
            f"UPDATE {schema.milestones.name} AS m SET achieved_on = v.day "
            f"FROM {_unnest(['ref', 'day'], ['text', 'date'])} "
            f"WHERE m.ref = v.ref AND m.achieved_on IS NULL AND m.recorded_to = {FOREVER}",
            _columns(list(achieved.items())))
