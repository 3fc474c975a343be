"""The `pg_writers` step: 1, 2, 4 and 8 writer processes appending at once into one PostgreSQL
ledger (a fresh schema per count), each a `pg_writer` step of run.py; then its chain and counts."""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from steps_pg import pg_schema_url, writer_counts

RUN = Path(__file__).resolve().parent / "run.py"  # each writer is its `--step pg_writer`


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
    a line on stdin; the clock runs from the moment all are told to go until the last finishes.
    One piece: the processes are started, released and reaped under one `finally`."""
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
            [sys.executable, str(RUN), "--step", "pg_writer",
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
    for n in writer_counts(args):
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
    action, start it, note it, add the next, ..., under its own recommendation. One piece: both
    kinds keep the same ready/go handshake with `_writers_round`."""
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
