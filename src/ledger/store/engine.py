"""Connecting: `make_engine` with the ledger's settings for a URL's backend, and the backend
object (`backend.Backend`) that a recorder uses for whatever differs between databases."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ledger.store.backend import WRITE_OPTION, Backend
from ledger.store.postgresql import PostgreSQLBackend
from ledger.store.sqlite import CACHE_KB, SQLiteBackend, sqlite_path

__all__ = ["CACHE_KB", "backend_for", "for_writing", "make_engine", "sqlite_path"]

_BACKENDS: dict[str, type[Backend]] = {"sqlite": SQLiteBackend, "postgresql": PostgreSQLBackend}


def _backend_class(name: str) -> type[Backend]:
    return _BACKENDS.get(name, Backend)


def make_engine(url: str | sa.URL) -> Engine:
    """Create an engine with the ledger's connection settings for the URL's backend."""
    u = sa.make_url(url)
    return _backend_class(u.get_backend_name()).create_engine(u)


def backend_for(engine: Engine, table: sa.Table,
                topics: frozenset[str] | None = None) -> Backend:
    """The backend of `engine`'s database, for the events table `table` and, where the
    database checks them, the event types it may hold (`topics`; None: any)."""
    return _backend_class(engine.dialect.name)(table, topics)


def for_writing(engine: Engine) -> Engine:
    """`engine` for write transactions (on SQLite they begin IMMEDIATE, taking the write lock)."""
    return engine.execution_options(**{WRITE_OPTION: True})
