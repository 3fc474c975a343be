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

The code, beside this script: common.py (what every step's process shares), steps_sqlite.py (raw,
raw_same, append, save, rebuild, verify, decode), asat.py (the questions; asat, replay),
steps_pg.py (the run's schemas; pg_raw, pg_append, pg_asat), writers.py (pg_writers, pg_writer),
summary.py (results.json's summary and the tables); this module parses the options and runs each
step in its own process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from asat import FULL_REPLAY_UP_TO, step_asat, step_replay  # noqa: E402
from common import BATCH, rss_mb  # noqa: E402
from steps_pg import (  # noqa: E402
    pg_admin_url,
    pg_drop,
    pg_prepare,
    pg_schema_url,
    pg_schemas,
    step_pg_append,
    step_pg_asat,
    step_pg_raw,
)
from steps_sqlite import step_append, step_decode, step_raw, step_rebuild, step_save, step_verify  # noqa: E402
from summary import summarise, table  # noqa: E402
from writers import step_pg_writer, step_pg_writers  # noqa: E402

# The ceilings (decode) and baselines (replay) that a long run can do without come last.
STEPS = ("raw", "raw_same", "append", "save", "rebuild", "verify", "asat", "replay", "decode")
PG_STEPS = ("pg_raw", "pg_append", "pg_rebuild", "pg_verify", "pg_asat", "pg_writers")
PG_ENV = "LEDGER_BENCH_PG_URL"
DB_FILES = {"raw": "raw.db", "raw_same": "raw_same.db", "append": "ledger.db", "save": "save.db"}


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


def _parser() -> argparse.ArgumentParser:
    """The options; the hidden ones carry the run's schemas and a writer's share to a step."""
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
    return p


def main(argv: list[str] | None = None) -> int:
    """Run every step (or, with --step, one of them in this process).

    One piece, so the run's order reads top to bottom: work directory, schemas, steps, cleanup,
    summary."""
    args = _parser().parse_args(argv)
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
