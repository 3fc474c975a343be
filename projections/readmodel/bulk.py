"""Bulk inserts of the read model's rows, the way each database takes them fastest: on
PostgreSQL a binary `COPY` (psycopg's, each value sent in its column's type), on SQLite one
prepared `INSERT` through the driver, elsewhere SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger.store.pgcopy import copy_rows


def insert_rows(conn: Connection, table: sa.Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (tuples in the order of `columns`) into `table` in `conn`'s transaction."""
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect == "postgresql":
        copy_rows(conn, table.name, columns, copy_types(table, tuple(columns)), rows)
    elif dialect == "sqlite":
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})", list(map(tuple, rows)))
    else:
        conn.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in rows])


@cache
def copy_types(table: sa.Table, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The PostgreSQL type each of `columns` is sent as in a binary `COPY` (the server reads a
    binary value only in its column's own type: an `INTEGER` column takes int4, not int8)."""
    return tuple(_copy_type(table.c[name].type) for name in columns)


def _copy_type(column_type: sa.types.TypeEngine[Any]) -> str:
    if isinstance(column_type, sa.BigInteger):  # before Integer: a subclass of it
        return "int8"
    if isinstance(column_type, sa.Integer):
        return "int4"
    if isinstance(column_type, sa.Date):
        return "date"
    if isinstance(column_type, sa.String):  # Text too; a varchar reads text's binary form
        return "text"
    raise TypeError(f"no binary COPY type for a {column_type!r} column")
