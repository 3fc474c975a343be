"""PostgreSQL: the run's schemas and URLs, and the steps `pg_raw`, `pg_append` and `pg_asat`
(`pg_rebuild` and `pg_verify` are the SQLite steps on the run's schema; `pg_writers` is in
writers.py)."""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from asat import answer, latencies, make_questions
from common import BATCH, open_ledger
from steps_sqlite import payloads, step_append

PG_RAW_DDL = """CREATE TABLE bench_raw_events (
    notification_id BIGINT PRIMARY KEY,
    originator_id UUID NOT NULL,
    originator_version INTEGER NOT NULL,
    topic TEXT NOT NULL,
    state BYTEA NOT NULL,
    UNIQUE (originator_id, originator_version))"""


def pg_admin_url(url: str) -> str:
    """The URL as given, on psycopg 3 (`postgresql://` alone would mean psycopg2)."""
    import sqlalchemy as sa

    u = sa.make_url(url)
    if u.get_backend_name() != "postgresql":
        raise SystemExit(f"bench: --pg-url must be a postgresql+psycopg://… URL, not {u.drivername}")
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def pg_schema_url(admin_url: str, schema: str) -> str:
    """`admin_url` with its search_path set to `schema` (as the test suite's schemas are)."""
    import sqlalchemy as sa

    u = sa.make_url(admin_url)
    given = u.query.get("options")
    given = " ".join(given) if isinstance(given, tuple) else given
    options = " ".join(filter(None, [given, f"-csearch_path={schema}"]))
    return u.update_query_dict({"options": options}).render_as_string(hide_password=False)


def _pg_engine(url: str) -> Any:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    return sa.create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10})


def writer_counts(args: argparse.Namespace) -> list[int]:
    """`--writers` as numbers: the writer counts `pg_writers` runs, a schema each."""
    return [int(x) for x in str(args.writers).split(",") if x.strip()]


def pg_schemas(args: argparse.Namespace) -> list[str]:
    """Every schema the run uses: the ledger's, and one per writer count and kind of writer."""
    base = args.pg_schema
    counts = writer_counts(args)
    return ([base] + [f"{base}_w{n}" for n in counts]
            + ([f"{base}_c{n}" for n in counts] if args.writer_commands else []))


def pg_prepare(args: argparse.Namespace) -> str:
    """Check the server answers, create the run's schemas; return the server's version."""
    import sqlalchemy as sa

    engine = _pg_engine(args.pg_admin_url)
    try:
        with engine.begin() as conn:
            version = str(conn.exec_driver_sql("SHOW server_version").scalar())
            for name in pg_schemas(args):
                conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    except sa.exc.SQLAlchemyError as e:
        why = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        shown = sa.make_url(args.pg_admin_url).render_as_string(hide_password=True)
        raise SystemExit(f"bench: PostgreSQL at {shown} refused the run: {why}") from None
    finally:
        engine.dispose()
    return version


def pg_drop(args: argparse.Namespace) -> None:
    """Drop the run's schemas with everything in them."""
    engine = _pg_engine(args.pg_admin_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '60s'")
            for name in pg_schemas(args):
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        engine.dispose()


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as a libpq URI for psycopg.connect (options and all)."""
    import sqlalchemy as sa

    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_raw_rows(args: argparse.Namespace) -> Iterator[list[tuple[Any, ...]]]:
    """The `raw` step's rows in batches (the UUID as a UUID, for a uuid column)."""
    pool = payloads(args.seed)
    rng = random.Random(args.seed)
    n, position = args.events, 0
    while position < n:
        rows: list[tuple[Any, ...]] = []
        stream = uuid.UUID(int=rng.getrandbits(128))
        for _ in range(min(BATCH, n - position)):
            position += 1
            if position % 10 == 1:
                stream = uuid.UUID(int=rng.getrandbits(128))
            topic, state = pool[position % len(pool)]
            rows.append((position, stream, (position - 1) % 10 + 1, topic, state))
        yield rows


def step_pg_raw(args: argparse.Namespace) -> dict[str, Any]:
    """The raw baseline on PostgreSQL: the `raw` step's rows (the UUID as a uuid, the state as
    bytea) by plain psycopg `executemany` (which pipelines one INSERT a row), one transaction;
    then the same rows by binary COPY (PostgreSQL's bulk path), into a fresh table. Only the
    executemany or COPY calls and the COMMIT are timed."""
    import psycopg

    n = args.events
    out: dict[str, Any] = {}
    with psycopg.connect(_libpq(args.pg_url)) as con:
        for method in ("executemany", "copy"):
            con.execute(PG_RAW_DDL)
            con.commit()
            elapsed, size = 0.0, 0
            with con.cursor() as cur:
                for rows in _pg_raw_rows(args):
                    size += sum(len(r[4]) for r in rows)
                    t = time.perf_counter()
                    if method == "executemany":
                        cur.executemany("INSERT INTO bench_raw_events VALUES (%s, %s, %s, %s, %s)",
                                        rows)
                    else:
                        with cur.copy("COPY bench_raw_events FROM STDIN (FORMAT BINARY)") as copy:
                            copy.set_types(["int8", "uuid", "int4", "text", "bytea"])
                            for row in rows:
                                copy.write_row(row)
                    elapsed += time.perf_counter() - t
            t = time.perf_counter()
            con.commit()
            elapsed += time.perf_counter() - t
            table = con.execute("SELECT pg_total_relation_size('bench_raw_events')").fetchone()
            con.execute("DROP TABLE bench_raw_events")
            con.commit()
            if method == "executemany":
                out.update({"seconds": elapsed, "eps": n / elapsed,
                            "avg_state_bytes": round(size / n, 1),
                            "file_mb": round((table[0] if table else 0) / 2**20, 1)})
            else:
                out.update({"copy_seconds": elapsed, "copy_eps": n / elapsed})
    return out


def step_pg_append(args: argparse.Namespace) -> dict[str, Any]:
    """The `append` step into the PostgreSQL store, and the server's version."""
    result = step_append(args)
    engine = _pg_engine(args.pg_url)
    with engine.connect() as conn:
        result["server_version"] = str(conn.exec_driver_sql("SHOW server_version").scalar())
    engine.dispose()
    return result


def step_pg_asat(args: argparse.Namespace) -> dict[str, Any]:
    """The `asat` step on PostgreSQL, first as the rebuild left the tables, then again after
    ANALYZE of the ledger's tables (the planner has no statistics for freshly written tables
    until autovacuum, if it is on, gets to them); then a few of the questions asked of both
    ledgers of this run (the same events), the two JSON answers compared."""
    from ledger.application import Ledger
    from ledger.projections.readmodel import ReadModel

    pg = open_ledger(args)
    model = ReadModel(pg)
    questions = make_questions(args, pg, args.questions)
    result = latencies(model, questions)
    engine = pg.store.engine
    with engine.connect() as conn:
        autovacuum = str(conn.exec_driver_sql("SHOW autovacuum").scalar())
        analyzed = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = current_schema() "
            "AND coalesce(last_analyze, last_autoanalyze) IS NOT NULL").scalar()
    t = time.perf_counter()
    with engine.begin() as conn:
        for name in conn.exec_driver_sql("SELECT tablename FROM pg_tables "
                                         "WHERE schemaname = current_schema()").scalars().all():
            conn.exec_driver_sql(f'ANALYZE "{name}"')
    analyze_seconds = time.perf_counter() - t
    after = latencies(model, questions)
    lite = Ledger(f"sqlite:///{Path(args.dir) / 'ledger.db'}", create=False)
    compared = questions[:args.compare]
    same = sum(answer(model, q)[2] == answer(ReadModel(lite), q)[2] for q in compared)
    pg.close()
    lite.close()
    result.update({"autovacuum": autovacuum, "tables_analyzed_before": analyzed,
                   "analyze_seconds": round(analyze_seconds, 2),
                   "analyzed_p50_ms": after["p50_ms"], "analyzed_p99_ms": after["p99_ms"],
                   "analyzed_render_p50_ms": after["render_p50_ms"],
                   "compared": len(compared), "matches_sqlite": same})
    return result

