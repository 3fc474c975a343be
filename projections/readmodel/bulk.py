"""Bulk inserts of the read model's rows, the way each database takes them fastest: on
PostgreSQL a `COPY` (psycopg's, text format: the server converts each value to its column's
type), on SQLite one prepared `INSERT` through the driver, elsewhere SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
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
        copy_rows(conn, table.name, columns, None, rows)
    elif dialect == "sqlite":
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})", list(map(tuple, rows)))
    else:
        conn.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in rows])
