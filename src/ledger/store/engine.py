"""Connecting: `make_engine` with the ledger's settings for a URL's backend, and the backend
object (`backend.Backend`) that a recorder uses for whatever differs between databases."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ledger.domain.errors import StoreError
from ledger.store.backend import WRITE_OPTION, Backend
from ledger.store.postgresql import PostgreSQLBackend
from ledger.store.sqlite import CACHE_KB, SQLiteBackend, sqlite_path

__all__ = ["CACHE_KB", "backend_for", "for_writing", "make_engine", "normalize_url",
           "sqlite_path"]

_BACKENDS: dict[str, type[Backend]] = {"sqlite": SQLiteBackend, "postgresql": PostgreSQLBackend}

PSYCOPG = "postgresql+psycopg"
"""The one PostgreSQL driver the ledger ships with (psycopg 3)."""

_POSTGRES_SPELLINGS = frozenset({"postgres", "postgresql", "postgres+psycopg"})


def _backend_class(name: str) -> type[Backend]:
    return _BACKENDS.get(name, Backend)


def normalize_url(url: str | sa.URL) -> sa.URL:
    """The URL parsed, with `postgres://` and `postgresql://` (no driver named) meaning psycopg 3,
    the driver the ledger ships with (SQLAlchemy would otherwise look for psycopg2)."""
    u = sa.make_url(url)
    if u.drivername in _POSTGRES_SPELLINGS:
        u = u.set(drivername=PSYCOPG)
    return u


def make_engine(url: str | sa.URL) -> Engine:
    """Create an engine with the ledger's connection settings for the URL's backend."""
    u = normalize_url(url)
    engine = _backend_class(u.get_backend_name()).create_engine(u)
    if u.get_backend_name() == "postgresql":
        sa.event.listen(engine, "first_connect", _check_schema)
    return engine


def _check_schema(dbapi_connection: Any, _record: Any) -> None:
    """Say in one line when no schema on the search path exists (PostgreSQL would only say
    "no schema has been selected to create in" when the tables are created)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT current_schema(), current_setting('search_path'), "
                       "current_database()")
        schema, path, database = cursor.fetchone()
    finally:
        cursor.close()
    if schema is None:
        raise StoreError(
            f"no schema to keep the ledger in: database {database} has no schema named on its "
            f"search_path ({path}); create it (CREATE SCHEMA name) or correct the URL's "
            "options=-csearch_path%3Dname")


def backend_for(engine: Engine, table: sa.Table,
                topics: frozenset[str] | None = None) -> Backend:
    """The backend of `engine`'s database, for the events table `table` and, where the
    database checks them, the event types it may hold (`topics`; None: any)."""
    return _backend_class(engine.dialect.name)(table, topics)


def for_writing(engine: Engine) -> Engine:
    """`engine` for write transactions (on SQLite they begin IMMEDIATE, taking the write lock)."""
    return engine.execution_options(**{WRITE_OPTION: True})
