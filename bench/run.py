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
  asat      one audit's as-at report (a few hundred actions) at random dates D, as known on random
            times K, from the read model: latency p50/p99
  replay    a few of the same questions answered by replaying the whole log (the pure replay, as a
            naive implementation would), each checked equal to the read model's answer

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
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

STEPS = ("raw", "raw_same", "append", "save", "rebuild", "verify", "asat", "replay")
OWN_STEPS = ("append", "save", "rebuild", "verify", "asat")
BATCH = 10_000
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
    """(topic, stored JSON) of the generator's first events: the raw rows carry the same bytes."""
    from generate import events

    return [(f"ledger.events:{type(e).__name__}",
             e.model_dump_json(exclude={"originator_id", "originator_version"}).encode())
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

def _url(args: argparse.Namespace) -> str:
    return f"sqlite:///{Path(args.dir) / 'ledger.db'}"


def _open(args: argparse.Namespace) -> Any:
    from ledger.application import Ledger

    return Ledger(_url(args), create=False)


def step_append(args: argparse.Namespace) -> dict[str, Any]:
    """Append the synthetic events through the store: each batch encoded by the application's
    mapper (pydantic JSON) and appended by `LedgerRecorder.insert_events` (hash chain, one
    executemany), `--per-txn` batches to a write transaction (BEGIN IMMEDIATE ... COMMIT)."""
    from generate import batches

    from ledger.application import Ledger

    app = Ledger(_url(args))
    store, encode = app.store, app.mapper.to_stored_event
    total, making, n = 0.0, 0.0, 0
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
                store.insert_events([encode(e) for e in batch], conn=conn)
                n += len(batch)
        total += time.perf_counter() - t  # with BEGIN IMMEDIATE and COMMIT
    saving = total - making
    head = app.fingerprint()
    with app.store.engine.connect() as conn:
        size = conn.exec_driver_sql("SELECT sum(length(state)) FROM ledger_events").scalar() or 0
    app.close()
    path = Path(args.dir) / "ledger.db"
    return {"seconds": saving, "eps": n / saving, "generate_seconds": making,
            "generate_eps": n / making if making else 0.0, "head": str(head),
            "avg_state_bytes": round(size / max(n, 1), 1),
            "file_mb": round(path.stat().st_size / 2**20, 1)}


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


def _questions(args: argparse.Namespace, app: Any, count: int) -> list[tuple[str, date, datetime]]:
    """Random (audit, as at D, as known on K) inside the ledger: an audit with actions, D within
    its plan's life (from its first action, up to two years on, not after the ledger's last day),
    K at the end of D (what a committee could have been told), some time later, or now."""
    from ledger.projections.replay import end_of_day
    from ledger.store import from_micros

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
    from ledger.projections.report import build_report, to_json

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
    for q in questions[:3]:  # warm the statement caches; not counted
        _answer(model, q)
    times, renders, sizes = [], [], []
    for q in questions:
        seconds, render, _, actions = _answer(model, q)
        times.append(seconds * 1000)
        renders.append(render * 1000)
        sizes.append(actions)
    app.close()
    times.sort()
    renders.sort()
    return {"questions": len(times), "p50_ms": _pct(times, 50), "p99_ms": _pct(times, 99),
            "max_ms": round(times[-1], 3), "render_p50_ms": _pct(renders, 50),
            "median_actions": statistics.median(sizes), "max_actions": max(sizes)}


def step_replay(args: argparse.Namespace) -> dict[str, Any]:
    """The first few questions answered by replaying the whole log, and checked against SQL."""
    from ledger.projections.readmodel import ReadModel

    app = _open(args)
    model = ReadModel(app)
    questions = _questions(args, app, args.questions)[:args.replays]
    times, same = [], 0
    for q in questions:
        seconds, _, text, _ = _answer(app.stream, q)
        times.append(seconds * 1000)
        same += text == _answer(model, q)[2]
    app.close()
    return {"questions": len(times), "median_ms": statistics.median(times), "max_ms": max(times),
            "matches": same}


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
    "asat": step_asat,
    "replay": step_replay,
}


# -- the driver -----------------------------------------------------------------------------------

def run_step(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its last stdout line is its JSON result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--step", name, "--dir", args.dir,
           "--events", str(args.events), "--seed", str(args.seed), "--batch", str(args.batch),
           "--per-txn", str(args.per_txn), "--save-events", str(args.save_events),
           "--questions", str(args.questions), "--replays", str(args.replays)]
    wall = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bench step {name} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - wall, 2)
    return result


def machine() -> dict[str, Any]:
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
        "asat_p50_ms": p50,
        "asat_p99_ms": steps["asat"]["p99_ms"],
        "asat_render_p50_ms": steps["asat"]["render_p50_ms"],
        "replay_ms": round(replay_ms, 1),
        "asat_speedup_vs_replay": round(replay_ms / p50, 1),
        "asat_matches_replay": steps["replay"]["matches"] == steps["replay"]["questions"],
        # The ledger's own steps; the baselines and the naive replay (which holds the whole log
        # in memory, by design) are shown apart.
        "peak_rss_mb": max(steps[name]["rss_mb"] for name in OWN_STEPS),
        "rss_mb": {name: s["rss_mb"] for name, s in steps.items()},
        "machine": machine(),
        "parameters": {"seed": args.seed, "batch": args.batch, "questions": args.questions,
                       "replays": args.replays},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "steps": steps,
    }
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
    t.add_row("chain verify", f"{s['verify']['eps']:,.0f} ev/s",
              f"{s['verify']['eps'] / raw:.2f}", f"{s['verify']['rss_mb']:.0f}",
              "≥ 100,000 ev/s", ok("verify_eps"))
    t.add_row("as-at report, one audit: p50", f"{results['asat_p50_ms']:.1f} ms", "",
              f"{s['asat']['rss_mb']:.0f}", "≤ 20 ms", ok("asat_p50_ms"))
    t.add_row("as-at report, one audit: p99", f"{results['asat_p99_ms']:.1f} ms", "", "", "", "")
    t.add_row("  + rendering it as JSON (p50)", f"{results['asat_render_p50_ms']:.1f} ms", "", "", "",
              "")
    t.add_row("same question by full replay (median)", f"{results['replay_ms']:,.0f} ms", "",
              f"({s['replay']['rss_mb']:.0f})", "", "")
    t.add_row("as-at speed-up vs replay", f"{results['asat_speedup_vs_replay']:,.0f}×", "", "",
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
    p.add_argument("--replays", type=int, default=3, help="of those, answered by full replay")
    p.add_argument("--dir", help="work directory for the databases (default: a fresh one)")
    p.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    p.add_argument("--out", default=str(HERE / "results.json"))
    p.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.step:
        result = RUNNERS[args.step](args)
        result["rss_mb"] = rss_mb()
        print(json.dumps(result))
        return 0
    made = args.dir is None
    if made:
        # Beside the repository, so the baseline and the store write to the same disk.
        args.dir = tempfile.mkdtemp(prefix=".work-", dir=HERE)
    else:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
        for name in ("raw.db", "raw_same.db", "ledger.db", "save.db"):
            for suffix in ("", "-wal", "-shm"):
                Path(args.dir, name + suffix).unlink(missing_ok=True)
    steps: dict[str, dict[str, Any]] = {}
    try:
        for name in STEPS:
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            steps[name] = run_step(name, args)
    finally:
        if made and not args.keep:
            shutil.rmtree(args.dir, ignore_errors=True)
    results = summarise(args, steps)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    table(results)
    print(f"results written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
