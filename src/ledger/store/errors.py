"""Library errors, worded in one line and translated into eventsourcing's and the domain's errors.

Nothing outside the store sees a SQLAlchemy or driver exception: reads and writes run inside
`reading()` and `writing()`, and the driver-level fast paths translate their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from eventsourcing.persistence import IntegrityError, OperationalError

from ledger.domain.errors import StoreError


def one_line(e: BaseException) -> str:
    """The first line of an error's message (the driver's own when SQLAlchemy wraps one)."""
    orig = getattr(e, "orig", None)
    text = str(orig if orig is not None else e)
    return text.strip().splitlines()[0] if text.strip() else type(e).__name__


@contextmanager
def writing() -> Iterator[None]:
    """Translate the errors of a write: a conflict, a lost connection, a refusal (e.g. a
    read-only role)."""
    try:
        yield
    except sa.exc.IntegrityError as e:
        raise IntegrityError(one_line(e)) from e
    except sa.exc.OperationalError as e:
        raise OperationalError(one_line(e)) from e
    except sa.exc.DBAPIError as e:  # e.g. permission denied for a read-only role
        raise StoreError(f"the database refused the write: {one_line(e)}") from e


@contextmanager
def reading() -> Iterator[None]:
    """Translate the errors of a read."""
    try:
        yield
    except sa.exc.OperationalError as e:
        raise OperationalError(one_line(e)) from e
    except sa.exc.DBAPIError as e:
        raise StoreError(f"the database refused the read: {one_line(e)}") from e


@contextmanager
def database_errors(doing: str | None = None) -> Iterator[None]:
    """Any database error (a full disk, a permission denied, a missing table) as a one-line
    `StoreError`: "cannot DOING: the database's first line", or that line alone."""
    try:
        yield
    except sa.exc.DBAPIError as e:
        raise StoreError(f"cannot {doing}: {one_line(e)}" if doing else one_line(e)) from e
