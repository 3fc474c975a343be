"""Shared fixtures: a settable clock, a ledger per backend, a SQLite file ledger, and fresh
PostgreSQL schemas.

Tests that take `backend`, `ledger_url` or `app` run once on SQLite and once on PostgreSQL. The
PostgreSQL runs need `LEDGER_TEST_PG_URL` (an admin URL, e.g.
`postgresql+psycopg://postgres@127.0.0.1:5432/test`): without it they are skipped, all with the one
reason `PG_SKIP_REASON`; with it set and the server unreachable they fail. Each PostgreSQL test
gets its own schema (`CREATE SCHEMA`, reached through the URL's `search_path` option) and drops it
afterwards with everything in it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from ledger.application import Ledger

PG_ENV = "LEDGER_TEST_PG_URL"
PG_SKIP_REASON = f"set {PG_ENV}=postgresql+psycopg://… to run the PostgreSQL suite"
BACKENDS = ["sqlite", "postgresql"]


class Clock:
    """A recorded-time clock tests move by hand; each reading advances one second."""

    def __init__(self, start: datetime = datetime(2016, 3, 1, 9, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def set(self, day: date | str, hour: int = 12) -> None:
        """Jump to `day` at `hour` UTC (forwards or backwards)."""
        d = date.fromisoformat(day) if isinstance(day, str) else day
        self.now = datetime.combine(d, time(hour), tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


# -- PostgreSQL -------------------------------------------------------------------------------

def schema_url(admin_url: str, schema: str) -> str:
    """`admin_url` with its search_path set to `schema` (tables, triggers, functions go there)."""
    url = sa.make_url(admin_url)
    options = " ".join(filter(None, [url.query.get("options"), f"-csearch_path={schema}"]))
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """The admin URL from `LEDGER_TEST_PG_URL`: skip without it, fail if the server is unreachable."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.skip(PG_SKIP_REASON)
    parsed = None
    with contextlib.suppress(sa.exc.ArgumentError):
        parsed = sa.make_url(url)
    if parsed is None or parsed.get_backend_name() != "postgresql":
        shown = "not a URL" if parsed is None else parsed.render_as_string(hide_password=True)
        pytest.fail(f"{PG_ENV} must be a postgresql+psycopg://… URL ({shown})", pytrace=False)
    engine = sa.create_engine(parsed, poolclass=NullPool, connect_args={"connect_timeout": 10})
    why = None
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as e:
        why = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
    finally:
        engine.dispose()
    if why is not None:
        pytest.fail(f"{PG_ENV} is set but PostgreSQL at "
                    f"{parsed.render_as_string(hide_password=True)} is unreachable: {why}",
                    pytrace=False)
    return url


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Fold every PostgreSQL skip into one summary line (pytest would give one per test)."""
    report = yield
    longrepr = report.longrepr
    if (report.skipped and isinstance(longrepr, tuple) and len(longrepr) == 3
            and str(longrepr[2]).endswith(PG_SKIP_REASON)):
        report.longrepr = (__file__, None, PG_SKIP_REASON)  # type: ignore[assignment]
    return report


@pytest.fixture
def pg_schemas(pg_admin_url: str) -> Iterator[Callable[[], str]]:
    """A factory of fresh PostgreSQL schemas: each call creates one and returns a URL on it.

    Every schema made is dropped (CASCADE) when the test ends; close ledgers and dispose engines
    before then (fixtures that use this one are torn down first)."""
    engine = sa.create_engine(pg_admin_url, poolclass=NullPool)
    created: list[str] = []

    def new() -> str:
        name = f"ledger_test_{uuid4().hex[:16]}"
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        created.append(name)
        return schema_url(pg_admin_url, name)

    yield new
    with engine.begin() as conn:
        # A connection left idle in a transaction would block the drop: fail instead of hanging.
        conn.exec_driver_sql("SET LOCAL lock_timeout = '60s'")
        for name in created:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    engine.dispose()


@pytest.fixture
def pg_url(pg_schemas: Callable[[], str]) -> str:
    """A URL on a fresh, empty PostgreSQL schema (dropped after the test)."""
    return pg_schemas()


# -- per backend ------------------------------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """"sqlite" or "postgresql"; the PostgreSQL run skips without LEDGER_TEST_PG_URL."""
    if request.param == "postgresql":
        request.getfixturevalue("pg_admin_url")
    return str(request.param)


@pytest.fixture
def ledger_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh ledger URL on the backend: a new SQLite file, or a new PostgreSQL schema."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/ledger.db"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def app(backend: str, clock: Clock, request: pytest.FixtureRequest) -> Iterator[Ledger]:
    """A ledger on the test clock: in memory for SQLite, in a fresh schema for PostgreSQL."""
    url = "sqlite://" if backend == "sqlite" else str(request.getfixturevalue("pg_url"))
    with Ledger(url, clock=clock) as ledger:
        yield ledger


# -- SQLite only ------------------------------------------------------------------------------

@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/ledger.db"


@pytest.fixture
def file_app(sqlite_url: str, clock: Clock) -> Iterator[Ledger]:
    """A ledger in a real SQLite file on the test clock."""
    with Ledger(sqlite_url, clock=clock) as ledger:
        yield ledger
