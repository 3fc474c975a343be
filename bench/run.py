"""Measure the ledger at scale, in one run, on one machine: `python bench/run.py --events N`.

Each step runs in a fresh subprocess of this script (`--step NAME`), so its peak RSS is its own:

  raw       the baseline: plain sqlite3 `executemany` of N rows (~300 bytes of event JSON each)
            into an eventsourcing-shaped table, one transaction, WAL, synchronous=FULL
  raw_same  the same, into a table of the ledger's own schema (hash column, recorded-time index):
            what the extra column and index cost with no Python at all (informational)
  append    N synthetic events appended through the store: the application's mapper encodes each
            batch (pydantic JSON) and `LedgerRecorder.insert_events` chains and inserts it (one
            executemany); ten batches per write transaction; WAL, synchronous=FULL
  save      the first 100,000 of them through `Ledger.save` (eventsourcing's `Application.save`,
            one transaction per batch) into another file: what the application layer adds
  rebuild   the SQL read model rebuilt from the whole log (`ReadModel.rebuild`)
  verify    the hash chain recomputed from the stored rows (`Ledger.verify`)
  decode    the floor under any rebuild: the whole log read page by page (as the rebuild reads
            it) and each event parsed (`json.loads`) and, separately, decoded and validated
            (the mapper, as the rebuild decodes), with nothing written
  asat      one audit's as-at report (a few hundred actions) at random dates D, as known on random
            times K, from the read model: latency p50/p99
  replay    a few of the same questions answered by replaying the whole log (the pure replay, as a
            naive implementation would), each checked equal to the read model's answer; above
            1,000,000 events by the scoped replay (bench/scoped_replay.py: the same decode of
            every event, only the audit's organisation folded), whose memory stays bounded
  decode    (run last: a ceiling, not one of the ledger's steps)

With `--pg-url URL` (or LEDGER_BENCH_PG_URL), the same ledger also goes to PostgreSQL, in a schema
made for the run (dropped at the end unless --keep):

  pg_raw      the baseline's rows by plain psycopg `executemany` into an eventsourcing-shaped
              table, one transaction (informational: PostgreSQL's own ceiling on this machine)
  pg_append   the `append` step's events, batches and transactions, into the PostgreSQL store
  pg_rebuild, pg_verify, pg_asat
              the `rebuild`, `verify` and `asat` steps on it (as-at answers also checked equal to
              the SQLite ledger's for a few of the questions)
  pg_writers  1, 2, 4 and 8 writer processes appending at once into one shared ledger (a fresh
              schema per writer count), each its own streams; then, if --writer-commands, the
              same with officers' single-command transactions (`Ledger.add_action` and so on)

Only the store calls are timed in `raw`, `raw_same` and `append` (the rows or events are made
outside the timer, a batch at a time: nothing holds the whole log in memory). The table printed at
the end gives rates, ratios to the raw baseline and peak RSS; `bench/results.json` keeps them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# The ceilings (decode) and baselines (replay) that a long run can do without come last.
STEPS = ("raw", "raw_same", "append", "save", "rebuild", "verify", "asat", "replay", "decode")
PG_STEPS = ("pg_raw", "pg_append", "pg_rebuild", "pg_verify", "pg_asat", "pg_writers")
PG_ENV = "LEDGER_BENCH_PG_URL"
OWN_STEPS = ("append", "save", "rebuild", "verify", "asat")
BATCH = 10_000
FULL_REPLAY_UP_TO = 1_000_000
"""Above this many events the full replay's memory (about 2.2 GB a million events) is not asked
for: the replay step answers by the scoped replay alone (`--replay auto`)."""
DB_FILES = {"raw": "raw.db", "raw_same": "raw_same.db", "append": "ledger.db", "save": "save.db"}
TARGETS = {
    "append_ratio_vs_raw": 0.40,
    "asat_p50_ms": 20.0,
    "asat_speedup_vs_replay": 500.0,
    "rebuild_eps": 100_000.0,
    "verify_eps": 100_000.0,
    "peak_rss_mb": 200.0,
}


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is in KB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


# -- the raw baseline ---------------------------------------------------------------------------

PLAIN_DDL = """CREATE TABLE stored_events (
    notification_id INTEGER PRIMARY KEY,
    originator_id TEXT NOT NULL,
    originator_version INTEGER NOT NULL,
    topic TEXT NOT NULL,
    state BLOB NOT NULL,
    UNIQUE (originator_id, originator_version))"""
SAME_DDL = [
    """CREATE TABLE stored_events (
    position INTEGER PRIMARY KEY,
    originator_id CHAR(32) NOT NULL,
    originator_version INTEGER NOT NULL,
    topic TEXT NOT NULL,
    state BLOB NOT NULL,
    hash VARCHAR(64) NOT NULL,
    recorded_at BIGINT,
    UNIQUE (originator_id, originator_version))""",
    "CREATE INDEX stored_events_recorded_at ON stored_events (recorded_at)",
]


def _payloads(seed: int, count: int = 20_000) -> list[tuple[str, bytes]]:
    """(topic, stored JSON) of the generator's first events: the raw rows carry the same bytes
    (personal values replaced by their commitments, as the store hashes them; the side rows of
    the values are the store's, counted in `append`)."""
    from generate import events

    from ledger.store.personal import seal

    rng = random.Random(seed)
    return [(f"ledger.events:{type(e).__name__}", seal(e, rng.randbytes)[0])
            for e in events(count, seed)]


def step_raw(args: argparse.Namespace, same_schema: bool = False) -> dict[str, Any]:
    """Plain sqlite3 executemany: the ceiling the store is compared with."""
    path = Path(args.dir) / ("raw_same.db" if same_schema else "raw.db")
    pool = _payloads(args.seed)
    rng = random.Random(args.seed)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    for ddl in SAME_DDL if same_schema else [PLAIN_DDL]:
        con.execute(ddl)
    if same_schema:
        sql = "INSERT INTO stored_events VALUES (?, ?, ?, ?, ?, ?, ?)"
    else:
        sql = "INSERT INTO stored_events VALUES (?, ?, ?, ?, ?)"
    n, elapsed, size = args.events, 0.0, 0
    con.execute("BEGIN IMMEDIATE")
    position = 0
    while position < n:
        rows: list[tuple[Any, ...]] = []
        stream = uuid.UUID(int=rng.getrandbits(128)).hex
        for _ in range(min(BATCH, n - position)):
            position += 1
            if position % 10 == 1:  # ten events per stream, as in the baseline notes
                stream = uuid.UUID(int=rng.getrandbits(128)).hex
            topic, state = pool[position % len(pool)]
            size += len(state)
            if same_schema:
                rows.append((position, stream, (position - 1) % 10 + 1, topic, state,
                             f"{rng.getrandbits(256):064x}", position))
            else:
                rows.append((position, stream, (position - 1) % 10 + 1, topic, state))
        t = time.perf_counter()
        con.executemany(sql, rows)
        elapsed += time.perf_counter() - t
    t = time.perf_counter()
    con.execute("COMMIT")
    elapsed += time.perf_counter() - t
    con.close()
    return {"seconds": elapsed, "eps": n / elapsed, "avg_state_bytes": round(size / n, 1),
            "file_mb": round(path.stat().st_size / 2**20, 1)}


# -- the ledger's steps ---------------------------------------------------------------------------

def _on_pg(args: argparse.Namespace) -> bool:
    """True in a PostgreSQL step's process (its ledger is the run's schema)."""
    return bool(args.step and args.step.startswith("pg_"))


def _url(args: argparse.Namespace) -> str:
    if _on_pg(args):
        return str(args.pg_url)
    return f"sqlite:///{Path(args.dir) / 'ledger.db'}"


def _open(args: argparse.Namespace) -> Any:
    from ledger.application import Ledger

    return Ledger(_url(args), create=False)


def _size_mb(app: Any, args: argparse.Namespace) -> float:
    """The ledger's events on disk: the SQLite file, or the PostgreSQL table with its indexes."""
    if _on_pg(args):
        with app.store.engine.connect() as conn:
            size = conn.exec_driver_sql(
                "SELECT pg_total_relation_size('ledger_events')").scalar() or 0
        return round(size / 2**20, 1)
    return round((Path(args.dir) / "ledger.db").stat().st_size / 2**20, 1)


def step_append(args: argparse.Namespace) -> dict[str, Any]:
    """Append the synthetic events through the store: each batch encoded by the application's
    mapper (`PydanticMapper.encode_batch`: pydantic JSON) and appended by
    `LedgerRecorder.insert_batch` (the bulk `insert_events`: hash chain, one executemany),
    `--per-txn` batches to a write transaction (BEGIN IMMEDIATE ... COMMIT)."""
    from generate import batches

    from ledger.application import Ledger

    app = Ledger(_url(args))
    # Seeded salts for the personal values: the same events give the same chain on both backends.
    app.mapper.random_bytes = random.Random(args.seed).randbytes  # type: ignore[attr-defined]
    store, encode = app.store, app.mapper.encode_batch
    total, making, encoding, n = 0.0, 0.0, 0.0, 0
    stream = batches(args.events, size=args.batch, seed=args.seed)
    done = False
    while not done:
        t = time.perf_counter()
        with store.transaction() as conn:
            for _ in range(args.per_txn):
                s = time.perf_counter()
                batch = next(stream, None)  # making the events is not timed
                # The generator's own objects (its plans, this batch) are moved out of the cyclic
                # collector's sight, so its scans of them are not billed to the store.
                gc.freeze()
                making += time.perf_counter() - s
                if batch is None:
                    done = True
                    break
                s = time.perf_counter()
                encoded = encode(batch)
                encoding += time.perf_counter() - s
                store.insert_batch(encoded, conn=conn)
                n += len(batch)
        total += time.perf_counter() - t  # with BEGIN IMMEDIATE and COMMIT
    saving = total - making
    head = app.fingerprint()
    with app.store.engine.connect() as conn:
        size = conn.exec_driver_sql("SELECT sum(length(state)) FROM ledger_events").scalar() or 0
    file_mb = _size_mb(app, args)
    app.close()
    return {"seconds": saving, "eps": n / saving, "encode_seconds": encoding,
            "store_eps": n / (saving - encoding), "generate_seconds": making,
            "generate_eps": n / making if making else 0.0, "head": str(head),
            "avg_state_bytes": round(size / max(n, 1), 1), "file_mb": file_mb}


def step_save(args: argparse.Namespace) -> dict[str, Any]:
    """The same events through `Ledger.save(*events)` (eventsourcing's Application.save: one
    transaction per batch), for the first `--save-events` of them, into a separate ledger."""
    from generate import batches

    from ledger.application import Ledger

    app = Ledger(f"sqlite:///{Path(args.dir) / 'save.db'}")
    n, saving = 0, 0.0
    for batch in batches(min(args.events, args.save_events), size=args.batch, seed=args.seed):
        t = time.perf_counter()
        app.save(*batch)
        saving += time.perf_counter() - t
        n += len(batch)
    app.close()
    return {"seconds": saving, "eps": n / saving, "events": n}


def step_rebuild(args: argparse.Namespace) -> dict[str, Any]:
    """Drop and rebuild the SQL read model from the whole log."""
    from ledger.projections.readmodel import ReadModel

    app = _open(args)
    model = ReadModel(app)
    t = time.perf_counter()
    done = model.rebuild()
    elapsed = time.perf_counter() - t
    app.close()
    return {"seconds": elapsed, "eps": done / elapsed, "events": done}


def step_verify(args: argparse.Namespace) -> dict[str, Any]:
    """Recompute the hash chain."""
    app = _open(args)
    t = time.perf_counter()
    head = app.verify()
    elapsed = time.perf_counter() - t
    app.close()
    return {"seconds": elapsed, "eps": head.position / elapsed, "head": str(head)}


def step_decode(args: argparse.Namespace) -> dict[str, Any]:
    """What a rebuild cannot avoid: reading every stored event and parsing its JSON (or decoding
    it with validation, or by the trusted decode the rebuild uses), nothing written. Each rate is
    a ceiling for the rebuild's."""
    from ledger.store.trusted import TrustedDecoder

    app = _open(args)
    decode = app.mapper.from_row
    trusted = TrustedDecoder(decode).from_row
    out: dict[str, Any] = {}
    for mode in ("read", "json", "validated", "trusted"):
        gc.collect()
        n, t = 0, time.perf_counter()
        for page in app.store.iter_pages(batch=20_000):
            if mode == "json":
                for row in page:
                    json.loads(row[4])
            elif mode == "validated":
                for row in page:
                    decode(row[1], row[2], row[3], row[4])
            elif mode == "trusted":
                for row in page:
                    trusted(row[1], row[2], row[3], row[4])
            n += len(page)
        elapsed = time.perf_counter() - t
        out[f"{mode}_eps"] = n / elapsed
    app.close()
    out["events"] = n
    out["eps"] = out["validated_eps"]
    return out


def _questions(args: argparse.Namespace, app: Any, count: int) -> list[tuple[str, date, datetime]]:
    """Random (audit, as at D, as known on K) inside the ledger: an audit with actions, D within
    its plan's life (from its first action, up to two years on, not after the ledger's last day),
    K at the end of D (what a committee could have been told), some time later, or now."""
    from ledger.domain.values import from_micros
    from ledger.projections.replay import end_of_day

    rng = random.Random(args.seed + 1)
    with app.store.engine.connect() as conn:
        audits = conn.exec_driver_sql(
            "SELECT r.audit, min(a.added_on), min(a.added_at) FROM rm_recommendations r "
            "JOIN rm_action_recommendations ar ON ar.rec_ref = r.ref "
            "JOIN rm_actions a ON a.ref = ar.action_ref GROUP BY r.audit ORDER BY r.audit").all()
    last = app.store.last_recorded_at()
    assert last is not None and audits, "run the append and rebuild steps first"
    out = []
    for _ in range(count):
        ref, first_added, first_at = audits[rng.randrange(len(audits))]
        first = date.fromisoformat(str(first_added))
        as_at = min(first + timedelta(days=rng.randint(0, 700)), last.date())
        roll = rng.random()
        if roll < 0.4:
            known = end_of_day(as_at)
        elif roll < 0.8:
            known = end_of_day(min(as_at + timedelta(days=rng.randint(1, 365)), last.date()))
        else:
            known = datetime.now(UTC)
        known = max(known, from_micros(first_at))  # the audit and an action are known by then
        out.append((ref, as_at, known))
    return out


def _answer(source: Any, question: tuple[str, date, datetime]) -> tuple[float, float, str, int]:
    """One audit's report: seconds to build it (the as-at question: every figure and action
    worked out), seconds to render it as JSON, the JSON, and its number of actions."""
    from ledger.projections.render import to_json
    from ledger.projections.report import build_report

    audit, as_at, known = question
    t = time.perf_counter()
    report = build_report(source, as_at, as_known_on=known, audit=audit)
    built = time.perf_counter()
    text = to_json(report)
    return built - t, time.perf_counter() - built, text, len(report.actions)


def step_asat(args: argparse.Namespace) -> dict[str, Any]:
    """Latency of one audit's report from the read model, at random D and K."""
    from ledger.projections.readmodel import ReadModel

    app = _open(args)
    model = ReadModel(app)
    questions = _questions(args, app, args.questions)
    result = _latencies(model, questions)
    app.close()
    return result


def replay_kind(args: argparse.Namespace) -> str:
    """`--replay`, with `auto` resolved: both replays up to FULL_REPLAY_UP_TO events, else scoped."""
    if args.replay != "auto":
        return str(args.replay)
    return "both" if args.events <= FULL_REPLAY_UP_TO else "scoped"


def step_replay(args: argparse.Namespace) -> dict[str, Any]:
    """The first few questions answered by replaying the whole log, each answer checked against
    SQL's: by the scoped replay (bounded memory; its peak RSS noted before the full replay runs),
    then by the full replay. The headline `median_ms` is the full replay's when it ran."""
    from scoped_replay import ScopedReplay

    from ledger.projections.readmodel import ReadModel

    kind = replay_kind(args)
    app = _open(args)
    model = ReadModel(app)
    questions = _questions(args, app, args.questions)[:args.replays]
    expected = [_answer(model, q)[2] for q in questions]
    out: dict[str, Any] = {"kind": kind, "questions": len(questions)}
    same = [True] * len(questions)
    for name, source in (("scoped", ScopedReplay(app)), ("full", app.stream)):
        if kind not in (name, "both"):
            continue
        times, folded = [], []
        for k, q in enumerate(questions):
            seconds, _, text, _ = _answer(source, q)
            times.append(seconds * 1000)
            same[k] = same[k] and text == expected[k]
            folded.append(getattr(source, "folded", 0))
        out.update({f"{name}_median_ms": statistics.median(times), f"{name}_max_ms": max(times),
                    f"{name}_rss_mb": rss_mb()})
        if name == "scoped":
            out["scoped_folded_events"] = max(folded)
    app.close()
    head = "full" if kind in ("full", "both") else "scoped"
    out.update({"median_ms": out[f"{head}_median_ms"], "max_ms": out[f"{head}_max_ms"],
                "matches": sum(same)})
    if kind == "both":
        out["scoped_over_full"] = round(out["scoped_median_ms"] / out["full_median_ms"], 3)
    return out


# -- PostgreSQL -----------------------------------------------------------------------------------

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


def pg_schemas(args: argparse.Namespace) -> list[str]:
    """Every schema the run uses: the ledger's, and one per writer count and kind of writer."""
    base = args.pg_schema
    counts = _writer_counts(args)
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
    pool = _payloads(args.seed)
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


def _latencies(model: Any, questions: list[tuple[str, date, datetime]]) -> dict[str, Any]:
    """The `asat` step's measurement: p50/p99 of the reports' build times, after 3 warm-ups."""
    for q in questions[:3]:
        _answer(model, q)
    times, renders, sizes = [], [], []
    for q in questions:
        seconds, render, _, actions = _answer(model, q)
        times.append(seconds * 1000)
        renders.append(render * 1000)
        sizes.append(actions)
    times.sort()
    renders.sort()
    return {"questions": len(times), "p50_ms": _pct(times, 50), "p99_ms": _pct(times, 99),
            "max_ms": round(times[-1], 3), "render_p50_ms": _pct(renders, 50),
            "median_actions": statistics.median(sizes), "max_actions": max(sizes)}


def step_pg_asat(args: argparse.Namespace) -> dict[str, Any]:
    """The `asat` step on PostgreSQL, first as the rebuild left the tables, then again after
    ANALYZE of the ledger's tables (the planner has no statistics for freshly written tables
    until autovacuum, if it is on, gets to them); then a few of the questions asked of both
    ledgers of this run (the same events), the two JSON answers compared."""
    from ledger.application import Ledger
    from ledger.projections.readmodel import ReadModel

    pg = _open(args)
    model = ReadModel(pg)
    questions = _questions(args, pg, args.questions)
    result = _latencies(model, questions)
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
    after = _latencies(model, questions)
    lite = Ledger(f"sqlite:///{Path(args.dir) / 'ledger.db'}", create=False)
    compared = questions[:args.compare]
    same = sum(_answer(model, q)[2] == _answer(ReadModel(lite), q)[2] for q in compared)
    pg.close()
    lite.close()
    result.update({"autovacuum": autovacuum, "tables_analyzed_before": analyzed,
                   "analyze_seconds": round(analyze_seconds, 2),
                   "analyzed_p50_ms": after["p50_ms"], "analyzed_p99_ms": after["p99_ms"],
                   "analyzed_render_p50_ms": after["render_p50_ms"],
                   "compared": len(compared), "matches_sqlite": same})
    return result


def _writer_counts(args: argparse.Namespace) -> list[int]:
    return [int(x) for x in str(args.writers).split(",") if x.strip()]


def _shares(total: int, n: int) -> list[int]:
    return [total // n + (1 if k < total % n else 0) for k in range(n)]


WRITER_DAY = date(2020, 1, 1)


def _writers_setup(app: Any, n: int) -> None:
    """For officers' commands: one audit and one recommendation per writer, before the start."""
    for k in range(n):
        app.add_audit(f"W{k}-A", title=f"Audit of writer {k}", kind="ico-audit", on=WRITER_DAY,
                      actor="bench")
        app.add_recommendation(f"W{k}-R", audit=f"W{k}-A", text="Keep records", priority="high",
                               on=WRITER_DAY, actor="bench")


def _writers_round(args: argparse.Namespace, n: int, mode: str, url: str) -> dict[str, Any]:
    """`n` writer processes at once into the fresh ledger at `url`; then the chain and counts.

    Each writer gets ready (opens the ledger, makes its events), says so on stdout and waits for
    a line on stdin; the clock runs from the moment all are told to go until the last finishes."""
    from ledger.application import Ledger
    from ledger.domain.errors import ChainBroken

    total = args.writer_events if mode == "events" else args.writer_commands
    with Ledger(url) as app:  # the tables, made once before anyone writes
        if mode == "commands":
            _writers_setup(app, n)
        before = app.fingerprint().position
    procs = []
    logs = []
    for k, share in enumerate(_shares(total, n)):
        log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed below)
        logs.append(log)
        procs.append(subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--step", "pg_writer",
             "--dir", args.dir, "--pg-url", url, "--writer-mode", mode, "--writer-index", str(k),
             "--writer-share", str(share), "--writer-batch", str(args.writer_batch),
             "--writer-per-txn", str(args.writer_per_txn), "--seed", str(args.seed)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True))
    outs: list[dict[str, Any]] = []
    try:
        for k, proc in enumerate(procs):
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                proc.wait()
                logs[k].seek(0)
                raise SystemExit(f"bench: writer {k} of {n} failed to start: "
                                 f"{line}{logs[k].read()}")
        start = time.time()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for k, proc in enumerate(procs):
            stdout, _ = proc.communicate(timeout=3600)
            if proc.returncode != 0:
                logs[k].seek(0)
                raise SystemExit(f"bench: writer {k} of {n} failed (exit {proc.returncode}): "
                                 f"{logs[k].read()}")
            outs.append(json.loads(stdout.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()
    wall = max(o["end"] for o in outs) - start
    written = sum(o["events"] for o in outs)
    expected = before + written
    problem = None
    with Ledger(url, create=False) as app:
        try:
            head = app.verify()
        except ChainBroken as e:
            head, problem = None, f"chain broken: {e}"
        with app.store.engine.connect() as conn:
            count, low, high, streams = conn.exec_driver_sql(
                "SELECT count(*), min(position), max(position), count(DISTINCT originator_id) "
                "FROM ledger_events").one()
    done = sum(o["done"] for o in outs)
    if problem is None and head is not None and head.position != expected:
        problem = f"head at {head.position}, expected {expected}"
    if problem is None and (count, low, high) != (expected, 1, expected):
        problem = f"{count} events at positions {low}..{high}, expected 1..{expected}"
    if problem is None and done != total:
        problem = f"the writers did {done} of {total}"
    return {"writers": n, "done": done, "events": written, "seconds": round(wall, 3),
            "per_second": done / wall, "streams": streams,
            "head": str(head) if head else None, "verified": problem is None,
            "problem": problem,
            "lock_wait_seconds": round(sum(o["lock_wait_seconds"] for o in outs), 3),
            "writer_seconds": [round(o["end"] - start, 3) for o in outs],
            "max_rss_mb": max(o["rss_mb"] for o in outs)}


def step_pg_writers(args: argparse.Namespace) -> dict[str, Any]:
    """Append throughput with 1, 2, 4 and 8 concurrent writers into one ledger (per count)."""
    rounds: dict[str, Any] = {}
    for n in _writer_counts(args):
        print(f"bench:   {n} writer(s) ...", file=sys.stderr, flush=True)
        result: dict[str, Any] = {
            "events": _writers_round(args, n, "events",
                                     pg_schema_url(args.pg_admin_url, f"{args.pg_schema}_w{n}"))}
        if args.writer_commands:
            result["commands"] = _writers_round(
                args, n, "commands", pg_schema_url(args.pg_admin_url, f"{args.pg_schema}_c{n}"))
        rounds[str(n)] = result
    return {"rounds": rounds, "writer_events": args.writer_events,
            "writer_commands": args.writer_commands, "writer_batch": args.writer_batch,
            "writer_per_txn": args.writer_per_txn}


_STAMP_KEY = b'{"timestamp":"'


def _restamp(stored: Any, stamp: bytes, micros: int) -> Any:
    """A stored event recorded at another time: its JSON's leading `timestamp` replaced (the
    bytes the mapper would write for the event with that timestamp) and its `recorded_at`."""
    from ledger.store import StampedEvent

    state = stored.state
    if not state.startswith(_STAMP_KEY):
        raise AssertionError(f"stored JSON does not start with the timestamp: {state[:40]!r}")
    return StampedEvent(originator_id=stored.originator_id,
                        originator_version=stored.originator_version, topic=stored.topic,
                        state=_STAMP_KEY + stamp + state[state.index(b'"', 14):],
                        recorded_at=micros, personal=getattr(stored, "personal", None))


def step_pg_writer(args: argparse.Namespace) -> dict[str, Any]:
    """One of the concurrent writers (run by `pg_writers`, never on its own).

    events: its share of the synthetic events, made before the start (prefix `W<k>-`, so its
    streams are its own), appended as `--writer-batch` events per `insert_events` call and
    `--writer-per-txn` calls per transaction. Each transaction's events are encoded by the mapper
    first, then, holding the append lock, stamped with the time now (the store refuses a recorded
    time behind the chain's last, and only under the lock is "now" sure to be at or after it).
    commands: its share of officers' commands, one transaction each, through `Ledger`: add an
    action, start it, note it, add the next, ..., under its own recommendation."""
    from pydantic import AwareDatetime, TypeAdapter

    from ledger.application import Ledger
    from ledger.domain.values import micros

    k = args.writer_index
    app = Ledger(args.pg_url, create=False)
    store, encode = app.store, app.mapper.to_stored_event
    stamp_json = TypeAdapter(AwareDatetime).dump_json
    done = events = 0
    waited = 0.0
    if args.writer_mode == "events":
        from generate import batches

        work = list(batches(args.writer_share, size=args.writer_batch, seed=args.seed + k,
                            prefix=f"W{k}-"))
        if work:  # the re-stamped bytes are the mapper's own for the re-stamped event
            first, now = work[0][0], datetime.now(UTC)
            app.mapper.random_bytes = bytes  # type: ignore[attr-defined]  # the same salts twice
            again = encode(first.model_copy(update={"timestamp": now}))
            fixed = _restamp(encode(first), stamp_json(now)[1:-1], micros(now))
            app.mapper.random_bytes = os.urandom  # type: ignore[attr-defined]
            assert (fixed.state, fixed.recorded_at, fixed.personal) == (
                again.state, getattr(again, "recorded_at", None), again.personal), fixed
        gc.freeze()
        app.fingerprint()  # the pool's connection is open before the start
        print("ready", flush=True)
        sys.stdin.readline()
        last = datetime.now(UTC)
        for i in range(0, len(work), args.writer_per_txn):
            group = [[encode(e) for e in batch] for batch in work[i:i + args.writer_per_txn]]
            t = time.perf_counter()
            with store.transaction() as conn:
                waited += time.perf_counter() - t  # BEGIN and the advisory lock
                now = max(datetime.now(UTC), last)
                last, stamp, us = now, stamp_json(now)[1:-1], micros(now)
                for stored in group:
                    store.insert_events([_restamp(s, stamp, us) for s in stored], conn=conn)
                    events += len(stored)
        done = events
    else:
        rec, actor = f"W{k}-R", f"officer-{k}"
        app.find(rec)
        print("ready", flush=True)
        sys.stdin.readline()
        added = WRITER_DAY + timedelta(days=1)
        for i in range(args.writer_share):
            ref = f"W{k}-X{i // 3}"
            if i % 3 == 0:
                logged = app.add_action(ref, recommendations=[rec], text=f"Action {ref}",
                                        owner="Records Manager", due=date(2021, 3, 31),
                                        on=added, actor=actor)
            elif i % 3 == 1:
                logged = app.start_action(ref, on=added, actor=actor)
            else:
                logged = app.note_action(ref, "Progress noted", on=added, actor=actor)
            done += 1
            events += len(logged)
    end = time.time()
    app.close()
    return {"done": done, "events": events, "end": end, "lock_wait_seconds": waited}


def _pct(sorted_ms: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of sorted values."""
    k = max(0, min(len(sorted_ms) - 1, round(p / 100 * len(sorted_ms) + 0.5) - 1))
    return round(sorted_ms[k], 3)


RUNNERS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "raw": step_raw,
    "raw_same": lambda a: step_raw(a, same_schema=True),
    "append": step_append,
    "save": step_save,
    "rebuild": step_rebuild,
    "verify": step_verify,
    "decode": step_decode,
    "asat": step_asat,
    "replay": step_replay,
    "pg_raw": step_pg_raw,
    "pg_append": step_pg_append,
    "pg_rebuild": step_rebuild,
    "pg_verify": step_verify,
    "pg_asat": step_pg_asat,
    "pg_writers": step_pg_writers,
    "pg_writer": step_pg_writer,
}


# -- the driver -----------------------------------------------------------------------------------

def run_step(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its last stdout line is its JSON result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--step", name, "--dir", args.dir,
           "--events", str(args.events), "--seed", str(args.seed), "--batch", str(args.batch),
           "--per-txn", str(args.per_txn), "--save-events", str(args.save_events),
           "--questions", str(args.questions), "--replays", str(args.replays),
           "--replay", args.replay]
    if name.startswith("pg_"):
        cmd += ["--pg-url", args.pg_ledger_url, "--pg-admin-url", args.pg_admin_url,
                "--pg-schema", args.pg_schema, "--writers", args.writers,
                "--writer-events", str(args.writer_events),
                "--writer-commands", str(args.writer_commands),
                "--writer-batch", str(args.writer_batch),
                "--writer-per-txn", str(args.writer_per_txn), "--compare", str(args.compare)]
    wall = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bench step {name} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - wall, 2)
    result["ended_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return result


def machine(pg_version: str | None = None) -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
            "postgresql": pg_version,
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]}


def summarise(args: argparse.Namespace, steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The results document: the issue's keys first, then the detail of every step."""
    raw = steps["raw"]["eps"]
    replay_ms = steps["replay"]["median_ms"]
    p50 = steps["asat"]["p50_ms"]
    results: dict[str, Any] = {
        "events": args.events,
        "raw_eps": round(raw),
        "append_eps": round(steps["append"]["eps"]),
        "append_ratio_vs_raw": round(steps["append"]["eps"] / raw, 3),
        "save_eps": round(steps["save"]["eps"]),
        "save_ratio_vs_raw": round(steps["save"]["eps"] / raw, 3),
        "rebuild_eps": round(steps["rebuild"]["eps"]),
        "verify_eps": round(steps["verify"]["eps"]),
        # Ceilings for the rebuild: the log read, parsed, and decoded with validation.
        "read_eps": round(steps["decode"]["read_eps"]),
        "parse_eps": round(steps["decode"]["json_eps"]),
        "decode_eps": round(steps["decode"]["validated_eps"]),
        "trusted_eps": round(steps["decode"].get("trusted_eps", 0)),
        # Issue 17: the rebuild against the log read + json.loads of the same run (≥ 0.5).
        "rebuild_ratio_vs_parse": round(steps["rebuild"]["eps"] / steps["decode"]["json_eps"], 3),
        "asat_p50_ms": p50,
        "asat_p99_ms": steps["asat"]["p99_ms"],
        "asat_render_p50_ms": steps["asat"]["render_p50_ms"],
        "replay_ms": round(replay_ms, 1),
        "replay_kind": "full" if steps["replay"]["kind"] in ("full", "both") else "scoped",
        "asat_speedup_vs_replay": round(replay_ms / p50, 1),
        "asat_matches_replay": steps["replay"]["matches"] == steps["replay"]["questions"],
        # The ledger's own steps; the baselines and the naive replay (which holds the whole log
        # in memory, by design) are shown apart.
        "peak_rss_mb": max(steps[name]["rss_mb"] for name in OWN_STEPS),
        "rss_mb": {name: s["rss_mb"] for name, s in steps.items()},
        "machine": machine(steps.get("pg_append", {}).get("server_version")),
        "parameters": {"seed": args.seed, "batch": args.batch, "questions": args.questions,
                       "replays": args.replays, "replay": steps["replay"]["kind"]},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "steps": steps,
    }
    results["pg"] = summarise_pg(args, steps) if "pg_append" in steps else None
    if results["pg"] is None:
        results["pg_skipped"] = getattr(args, "pg_skipped", None)
    results["targets_met"] = {
        "append_ratio_vs_raw": results["append_ratio_vs_raw"] >= TARGETS["append_ratio_vs_raw"],
        "asat_p50_ms": p50 <= TARGETS["asat_p50_ms"],
        "asat_speedup_vs_replay":
            results["asat_speedup_vs_replay"] >= TARGETS["asat_speedup_vs_replay"],
        "rebuild_eps": results["rebuild_eps"] >= TARGETS["rebuild_eps"],
        "verify_eps": results["verify_eps"] >= TARGETS["verify_eps"],
        "peak_rss_mb": results["peak_rss_mb"] <= TARGETS["peak_rss_mb"],
    }
    return results


def summarise_pg(args: argparse.Namespace, steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The PostgreSQL results: the same keys as SQLite's where they mean the same thing. The
    `append_ratio_vs_raw` is to the SQLite raw baseline of the same run (`raw_eps`), as SQLite's
    is; `append_ratio_vs_pg_raw` is to plain psycopg executemany on the same server."""
    raw = steps["raw"]["eps"]
    append = steps["pg_append"]["eps"]
    writers: dict[str, Any] = {}
    for n, rounds in steps["pg_writers"]["rounds"].items():
        e = rounds["events"]
        w: dict[str, Any] = {"eps": round(e["per_second"]), "events": e["events"],
                             "seconds": e["seconds"], "verified": e["verified"],
                             "head": e["head"], "problem": e["problem"],
                             "lock_wait_seconds": e["lock_wait_seconds"],
                             "max_rss_mb": e["max_rss_mb"]}
        c = rounds.get("commands")
        if c is not None:
            w.update({"commands_per_s": round(c["per_second"], 1), "commands": c["done"],
                      "commands_seconds": c["seconds"], "commands_verified": c["verified"],
                      "commands_head": c["head"], "commands_problem": c["problem"]})
        writers[n] = w
    asat = steps["pg_asat"]
    return {
        "server_version": steps["pg_append"]["server_version"],
        "raw_eps": round(steps["pg_raw"]["eps"]),
        "raw_copy_eps": round(steps["pg_raw"]["copy_eps"]),
        "append_eps": round(append),
        "append_ratio_vs_raw": round(append / raw, 3),
        "append_ratio_vs_pg_raw": round(append / steps["pg_raw"]["eps"], 3),
        "append_vs_sqlite_append": round(append / steps["append"]["eps"], 3),
        "append_ratio_vs_pg_copy": round(append / steps["pg_raw"]["copy_eps"], 3),
        "append_store_eps": round(steps["pg_append"]["store_eps"]),
        "append_store_ratio_vs_pg_copy": round(
            steps["pg_append"]["store_eps"] / steps["pg_raw"]["copy_eps"], 3),
        "rebuild_vs_sqlite_rebuild": round(
            steps["pg_rebuild"]["eps"] / steps["rebuild"]["eps"], 3),
        "head_matches_sqlite": steps["pg_append"]["head"] == steps["append"]["head"],
        "rebuild_eps": round(steps["pg_rebuild"]["eps"]),
        "verify_eps": round(steps["pg_verify"]["eps"]),
        "asat_p50_ms": asat["p50_ms"],
        "asat_p99_ms": asat["p99_ms"],
        "asat_render_p50_ms": asat["render_p50_ms"],
        "asat_analyzed_p50_ms": asat["analyzed_p50_ms"],
        "asat_analyzed_p99_ms": asat["analyzed_p99_ms"],
        "analyze_seconds": asat["analyze_seconds"],
        "autovacuum": asat["autovacuum"],
        "asat_matches_sqlite": asat["matches_sqlite"] == asat["compared"],
        "table_mb": steps["pg_append"]["file_mb"],
        "peak_rss_mb": max(steps[n]["rss_mb"] for n in ("pg_append", "pg_rebuild", "pg_verify",
                                                        "pg_asat")),
        "writers": writers,
        "writers_verified": all(w["verified"] and w.get("commands_verified", True)
                                for w in writers.values()),
        "parameters": {"writer_events": steps["pg_writers"]["writer_events"],
                       "writer_commands": steps["pg_writers"]["writer_commands"],
                       "writer_batch": steps["pg_writers"]["writer_batch"],
                       "writer_per_txn": steps["pg_writers"]["writer_per_txn"],
                       "schema": args.pg_schema},
    }


def table_pg(results: dict[str, Any], console: Any) -> None:
    """The PostgreSQL section: each figure beside SQLite's from the same run."""
    from rich.table import Table

    pg, s = results["pg"], results["steps"]
    t = Table(title=f"PostgreSQL {pg['server_version']} beside SQLite {results['machine']['sqlite']}"
              " (same run, same events)", title_justify="left")
    for col in ("step", "PostgreSQL", "SQLite", "PG ÷ SQLite", "PG peak RSS MB"):
        t.add_column(col, justify="left" if col == "step" else "right")

    def rate(pg_value: float, lite: float, rss: float | str = "") -> tuple[str, ...]:
        return (f"{pg_value:,.0f} ev/s", f"{lite:,.0f} ev/s", f"{pg_value / lite:.2f}",
                f"{rss:.0f}" if isinstance(rss, float | int) else rss)

    t.add_row("raw executemany, one transaction (baseline)",
              *rate(pg["raw_eps"], results["raw_eps"], s["pg_raw"]["rss_mb"]))
    t.add_row("  the same rows by binary COPY", f"{pg['raw_copy_eps']:,.0f} ev/s", "", "", "")
    t.add_row("append through the store, chained",
              *rate(pg["append_eps"], results["append_eps"], s["pg_append"]["rss_mb"]))
    t.add_row("  × SQLite raw (× PG raw)", f"{pg['append_ratio_vs_raw']:.2f} "
              f"({pg['append_ratio_vs_pg_raw']:.2f})", f"{results['append_ratio_vs_raw']:.2f}",
              "", "")
    t.add_row("  × PG binary COPY (store alone: encoding not counted)",
              f"{pg['append_ratio_vs_pg_copy']:.2f} ({pg['append_store_ratio_vs_pg_copy']:.2f})",
              "", "", "")
    t.add_row("read model rebuild",
              *rate(pg["rebuild_eps"], results["rebuild_eps"], s["pg_rebuild"]["rss_mb"]))
    t.add_row("chain verify",
              *rate(pg["verify_eps"], results["verify_eps"], s["pg_verify"]["rss_mb"]))
    for key, label in (("asat_p50_ms", "as-at report, one audit: p50"),
                       ("asat_p99_ms", "as-at report, one audit: p99")):
        t.add_row(label, f"{pg[key]:.1f} ms", f"{results[key]:.1f} ms",
                  f"{pg[key] / results[key]:.2f}",
                  f"{s['pg_asat']['rss_mb']:.0f}" if key == "asat_p50_ms" else "")
    for key, label in (("p50", f"  after ANALYZE ({pg['analyze_seconds']:.1f} s): p50"),
                       ("p99", "  after ANALYZE: p99")):
        value = pg[f"asat_analyzed_{key}_ms"]
        t.add_row(label, f"{value:.1f} ms", f"{results[f'asat_{key}_ms']:.1f} ms",
                  f"{value / results[f'asat_{key}_ms']:.2f}", "")
    console.print(t)
    p = pg["parameters"]
    w = Table(title=f"PostgreSQL: concurrent writers into one ledger (batches of "
              f"{p['writer_batch']:,} events, {p['writer_per_txn']} per transaction)",
              title_justify="left")
    for col in ("writer processes", "events/s", "× 1 writer", "lock wait s", "commands/s",
                "× 1 writer ", "chains and counts", "peak RSS MB"):
        w.add_column(col, justify="right")
    one = pg["writers"].get("1")
    for n, r in pg["writers"].items():
        ok = r["verified"] and r.get("commands_verified", True)
        why = r["problem"] or r.get("commands_problem")
        cmds = r.get("commands_per_s")
        w.add_row(n, f"{r['eps']:,.0f}", f"{r['eps'] / one['eps']:.2f}" if one else "",
                  f"{r['lock_wait_seconds']:.2f}",
                  f"{cmds:,.0f}" if cmds is not None else "",
                  f"{cmds / one['commands_per_s']:.2f}"
                  if cmds is not None and one and one.get("commands_per_s") else "",
                  "[green]verified[/green]" if ok else f"[red]{why}[/red]",
                  f"{r['max_rss_mb']:.0f}")
    console.print(w)
    console.print(
        f"writers: {p['writer_events']:,} events and {p['writer_commands']:,} commands in all per "
        f"writer count, shared equally, each writer its own streams, a fresh schema per count; "
        f"PostgreSQL head equal to SQLite's: {pg['head_matches_sqlite']}; as-at answers equal to "
        f"SQLite's: {s['pg_asat']['matches_sqlite']}/{s['pg_asat']['compared']}; events table "
        f"{pg['table_mb']:,.0f} MB with its indexes (SQLite file {s['append']['file_mb']:,.0f} MB); "
        f"the server's autovacuum: {pg['autovacuum']} (as-at first measured as the rebuild left "
        f"the tables, {s['pg_asat']['tables_analyzed_before']} of them analyzed)",
        highlight=False)


def table(results: dict[str, Any]) -> None:
    """Print the results as a table (rich)."""
    from rich.console import Console
    from rich.table import Table

    s, met = results["steps"], results["targets_met"]
    raw = s["raw"]["eps"]

    def ok(key: str) -> str:
        return "[green]yes[/green]" if met[key] else "[red]no[/red]"

    t = Table(title=f"ledger bench: {results['events']:,} events", title_justify="left")
    for col in ("step", "result", "× raw", "peak RSS MB", "target", "met"):
        t.add_column(col, justify="left" if col in ("step", "target") else "right")
    t.add_row("raw sqlite3 executemany (baseline)", f"{raw:,.0f} ev/s", "1.00",
              f"{s['raw']['rss_mb']:.0f}", "", "")
    t.add_row("raw, the ledger's schema", f"{s['raw_same']['eps']:,.0f} ev/s",
              f"{s['raw_same']['eps'] / raw:.2f}", f"{s['raw_same']['rss_mb']:.0f}", "", "")
    t.add_row("append through the store, chained", f"{s['append']['eps']:,.0f} ev/s",
              f"{results['append_ratio_vs_raw']:.2f}", f"{s['append']['rss_mb']:.0f}",
              "≥ 0.40 × raw", ok("append_ratio_vs_raw"))
    t.add_row(f"same, by Ledger.save (first {s['save']['events']:,})", f"{s['save']['eps']:,.0f} ev/s",
              f"{results['save_ratio_vs_raw']:.2f}", f"{s['save']['rss_mb']:.0f}", "", "")
    t.add_row("read model rebuild", f"{s['rebuild']['eps']:,.0f} ev/s",
              f"{s['rebuild']['eps'] / raw:.2f}", f"{s['rebuild']['rss_mb']:.0f}",
              "≥ 100,000 ev/s", ok("rebuild_eps"))
    d = s["decode"]
    t.add_row("  ceiling: log read + json.loads only", f"{d['json_eps']:,.0f} ev/s",
              f"{d['json_eps'] / raw:.2f}", f"{d['rss_mb']:.0f}", "", "")
    t.add_row("  ceiling: log read + decode, validated", f"{d['validated_eps']:,.0f} ev/s",
              f"{d['validated_eps'] / raw:.2f}", "", "", "")
    if "trusted_eps" in d:
        t.add_row("  ceiling: log read + trusted decode", f"{d['trusted_eps']:,.0f} ev/s",
                  f"{d['trusted_eps'] / raw:.2f}", "", "", "")
    t.add_row("  rebuild / (log read + json.loads)", f"{results['rebuild_ratio_vs_parse']:.2f}",
              "", "", "≥ 0.5", "[green]yes[/green]" if results["rebuild_ratio_vs_parse"] >= 0.5
              else "[red]no[/red]")
    t.add_row("chain verify", f"{s['verify']['eps']:,.0f} ev/s",
              f"{s['verify']['eps'] / raw:.2f}", f"{s['verify']['rss_mb']:.0f}",
              "≥ 100,000 ev/s", ok("verify_eps"))
    t.add_row("as-at report, one audit: p50", f"{results['asat_p50_ms']:.1f} ms", "",
              f"{s['asat']['rss_mb']:.0f}", "≤ 20 ms", ok("asat_p50_ms"))
    t.add_row("as-at report, one audit: p99", f"{results['asat_p99_ms']:.1f} ms", "", "", "", "")
    t.add_row("  + rendering it as JSON (p50)", f"{results['asat_render_p50_ms']:.1f} ms", "", "", "",
              "")
    r = s["replay"]
    if "scoped_median_ms" in r:
        t.add_row("same question by scoped replay (one organisation folded)",
                  f"{r['scoped_median_ms']:,.0f} ms", "", f"({r['scoped_rss_mb']:.0f})", "", "")
    if "full_median_ms" in r:
        t.add_row("same question by full replay (median)", f"{r['full_median_ms']:,.0f} ms", "",
                  f"({r['full_rss_mb']:.0f})", "", "")
    t.add_row(f"as-at speed-up vs {results['replay_kind']} replay",
              f"{results['asat_speedup_vs_replay']:,.0f}×", "", "",
              "≥ 500×", ok("asat_speedup_vs_replay"))
    t.add_row("peak RSS, the ledger's steps", f"{results['peak_rss_mb']:.0f} MB", "", "", "≤ 200 MB",
              ok("peak_rss_mb"))
    console = Console(width=120)
    console.print(t)
    m = results["machine"]
    console.print(
        f"machine: {m['nproc']} cores, {m['cpu']}, Python {m['python']}, SQLite {m['sqlite']}; "
        f"event JSON {s['append']['avg_state_bytes']:.0f} bytes on average; "
        f"as-at reports of {s['asat']['median_actions']:.0f} actions (median), "
        f"{s['asat']['questions']} questions; replay answers equal to SQL: "
        f"{s['replay']['matches']}/{s['replay']['questions']}; "
        f"events generated at {s['append']['generate_eps']:,.0f}/s (not timed); "
        f"load average at the end {m['loadavg_at_end']}",
        highlight=False)
    if results.get("pg"):
        table_pg(results, console)


def _chosen_steps(given: str | None, pg: bool) -> tuple[str, ...]:
    """The steps to run, in the usual order: all of them, or those named by `--steps`."""
    every = STEPS + (PG_STEPS if pg else ())
    if not given:
        return every
    names = {n.strip() for n in given.split(",") if n.strip()}
    unknown = names - set(every)
    if unknown:
        raise SystemExit(f"bench: unknown step(s) {', '.join(sorted(unknown))} "
                         f"(steps: {', '.join(every)})")
    return tuple(n for n in every if n in names)


def _unlink_db(directory: str, name: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(directory, name + suffix).unlink(missing_ok=True)


def partial(args: argparse.Namespace, steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What a run has measured so far (the summary replaces it when every step has run)."""
    return {"events": args.events, "partial": True, "steps_done": list(steps),
            "rss_mb": {name: s["rss_mb"] for name, s in steps.items()},
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "loadavg": [round(x, 2) for x in os.getloadavg()], "steps": steps}


def main(argv: list[str] | None = None) -> int:
    """Run every step (or, with --step, one of them in this process)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=20160725)
    p.add_argument("--batch", type=int, default=BATCH, help="events per insert_events call")
    p.add_argument("--per-txn", type=int, default=10, help="batches per write transaction")
    p.add_argument("--save-events", type=int, default=100_000,
                   help="events also saved through Ledger.save, for comparison")
    p.add_argument("--questions", type=int, default=200, help="as-at questions asked of SQL")
    p.add_argument("--replays", type=int, default=3, help="of those, answered by replay")
    p.add_argument("--replay", choices=("auto", "full", "scoped", "both"), default="auto",
                   help="which replay answers them (auto: both up to "
                   f"{FULL_REPLAY_UP_TO:,} events, scoped above; see bench/scoped_replay.py)")
    p.add_argument("--steps", help="only these steps, comma-separated, in the usual order "
                   "(results.json then holds their figures, no summary); the steps they need "
                   "must have run before into the same --dir")
    p.add_argument("--dir", help="work directory for the databases (default: a fresh one)")
    p.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    p.add_argument("--out", default=str(HERE / "results.json"))
    p.add_argument("--pg-url", default=os.environ.get(PG_ENV, ""),
                   help=f"also measure PostgreSQL (an admin URL; default ${PG_ENV}); the run makes "
                   "its own schemas and drops them at the end")
    p.add_argument("--writers", default="1,2,4,8", help="writer process counts (PostgreSQL)")
    p.add_argument("--writer-events", type=int, default=None,
                   help="events in all per writer count (default: min(events, 200,000))")
    p.add_argument("--writer-commands", type=int, default=2000,
                   help="officers' commands in all per writer count (0: none)")
    p.add_argument("--writer-batch", type=int, default=1000, help="events per insert_events call")
    p.add_argument("--writer-per-txn", type=int, default=1, help="batches per transaction")
    p.add_argument("--compare", type=int, default=5,
                   help="as-at questions answered by both PostgreSQL and SQLite and compared")
    p.add_argument("--step", choices=STEPS + PG_STEPS + ("pg_writer",), help=argparse.SUPPRESS)
    for hidden in ("--pg-admin-url", "--pg-schema", "--writer-mode"):
        p.add_argument(hidden, help=argparse.SUPPRESS)
    for hidden in ("--writer-index", "--writer-share"):
        p.add_argument(hidden, type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.writer_events is None:
        args.writer_events = min(args.events, 200_000)
    if args.step:
        result = RUNNERS[args.step](args)
        result["rss_mb"] = rss_mb()
        print(json.dumps(result))
        return 0
    chosen = _chosen_steps(args.steps, pg=bool(args.pg_url.strip()))
    made = args.dir is None
    if made:
        # Beside the repository, so the baseline and the store write to the same disk.
        args.dir = tempfile.mkdtemp(prefix=".work-", dir=HERE)
    else:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
        for step, name in DB_FILES.items():
            if step in chosen:
                _unlink_db(args.dir, name)
    pg = bool(args.pg_url.strip())
    if pg:
        args.pg_admin_url = pg_admin_url(args.pg_url.strip())
        args.pg_schema = f"ledger_bench_{uuid.uuid4().hex[:12]}"
        args.pg_ledger_url = pg_schema_url(args.pg_admin_url, args.pg_schema)
    else:
        args.pg_skipped = f"no --pg-url given (nor {PG_ENV})"
        print(f"bench: PostgreSQL steps skipped: {args.pg_skipped}", file=sys.stderr, flush=True)
    steps: dict[str, dict[str, Any]] = {}
    try:
        if pg:
            version = pg_prepare(args)
            print(f"bench: PostgreSQL {version}, schemas {args.pg_schema}*", file=sys.stderr)
        for name in chosen:
            print(f"bench: {name} ... ({datetime.now(UTC):%H:%M:%S} UTC, load average "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})", file=sys.stderr, flush=True)
            steps[name] = run_step(name, args)
            # Written as each step ends, so a long run that stops leaves what it measured.
            Path(args.out).write_text(json.dumps(partial(args, steps), indent=2) + "\n")
            if name in ("raw", "raw_same") and not args.keep:
                _unlink_db(args.dir, DB_FILES[name])  # baselines only: nothing reads them again
    finally:
        if made and not args.keep:
            shutil.rmtree(args.dir, ignore_errors=True)
        if pg and not args.keep:
            pg_drop(args)
        elif pg:
            print(f"bench: kept the PostgreSQL schemas {', '.join(pg_schemas(args))}",
                  file=sys.stderr)
    if args.steps:
        print(f"bench: steps {', '.join(chosen)} written to {args.out}", file=sys.stderr)
        return 0
    results = summarise(args, steps)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    table(results)
    print(f"results written to {args.out}", file=sys.stderr)
    if results["pg"] is not None and not results["pg"]["writers_verified"]:
        print("bench: a concurrent writers' ledger did not verify (see pg.writers)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
