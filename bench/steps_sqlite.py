"""The SQLite steps: the raw baselines (`raw`, `raw_same`), the ledger's own `append`, `save`,
`rebuild` and `verify`, and the `decode` ceiling. `rebuild` and `verify` are also the PostgreSQL
steps `pg_rebuild` and `pg_verify`, and `append` is inside `pg_append` (see common.ledger_url)."""

from __future__ import annotations

import argparse
import gc
import json
import random
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

from common import BATCH, ledger_url, open_ledger, size_mb

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


def payloads(seed: int, count: int = 20_000) -> list[tuple[str, bytes]]:
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
    pool = payloads(args.seed)
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


def step_append(args: argparse.Namespace) -> dict[str, Any]:
    """Append the synthetic events through the store: each batch encoded by the application's
    mapper (`PydanticMapper.encode_batch`: pydantic JSON) and appended by
    `LedgerRecorder.insert_batch` (the bulk `insert_events`: hash chain, one executemany),
    `--per-txn` batches to a write transaction (BEGIN IMMEDIATE ... COMMIT)."""
    from generate import batches

    from ledger.application import Ledger

    app = Ledger(ledger_url(args))
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
    file_mb = size_mb(app, args)
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

    app = open_ledger(args)
    model = ReadModel(app)
    t = time.perf_counter()
    done = model.rebuild()
    elapsed = time.perf_counter() - t
    app.close()
    return {"seconds": elapsed, "eps": done / elapsed, "events": done}


def step_verify(args: argparse.Namespace) -> dict[str, Any]:
    """Recompute the hash chain."""
    app = open_ledger(args)
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

    app = open_ledger(args)
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
