"""Where a command's time goes when N officers write to one SQLite file at once.

    .venv/bin/python bench/concurrent_writers.py --writers 8 --commands 10

Phases, each on a fresh ledger seeded with one audit and one recommendation:

  serial      one officer runs M commands (`action add`, `action start`, alternately), each a
              `python -m ledger` process: the baseline
  startup     N officers at once each run M `python -m ledger --version`: interpreter and import
              cost under the same CPU contention, no database at all
  reads       N officers at once each run M `ledger show` (no write lock): start-up plus a read
  writes      N officers at once each run the serial phase's commands on their own refs
  inproc      N processes at once each call the same commands M times on `Ledger` directly (no
              start-up): time per command, the share spent saving (waiting for the write lock,
              inserting, committing) and the retries the policy made (`CountingRetry`)

Prints p50/p95 per command for each phase and the ratios to the serial p50; `--json FILE` keeps
them. No timing is asserted anywhere: this is a measurement.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from ledger.application import Ledger
from ledger.application.retry import RetryPolicy
from ledger.domain.events import AuditKind, Priority

T = TypeVar("T")
LEDGER = [sys.executable, "-m", "ledger"]
ACTOR = "Bench"


def seed(db: str) -> None:
    with Ledger(f"sqlite:///{db}") as app:
        app.add_audit("A", title="bench", kind=AuditKind.OTHER, on=date(2024, 1, 1), actor=ACTOR)
        app.add_recommendation("R", audit="A", text="bench", priority=Priority.HIGH,
                               on=date(2024, 1, 1), actor=ACTOR)


def commands(worker: int, count: int) -> list[list[str]]:
    """`action add` then `action start` of the worker's own refs, alternately."""
    out: list[list[str]] = []
    for i in range(count):
        ref = f"W{worker}-{i // 2}"
        out.append(["action", "add", ref, "--recommendation", "R", "--text", "t",
                    "--on", "2024-01-02"] if i % 2 == 0 else
                   ["action", "start", ref, "--on", "2024-01-03"])
    return out


def timed_processes(argvs: Sequence[list[str]]) -> list[float]:
    """Run each argv in turn as a process; the seconds each took. A failure stops the bench."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    took = []
    for argv in argvs:
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        took.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return took


def officers(n: int, work: Callable[[int], list[float]]) -> list[float]:
    """N officers at once (threads waiting on their processes); every command's seconds."""
    with ThreadPoolExecutor(n) as pool:
        return [t for times in pool.map(work, range(n)) for t in times]


def cli(db: str, args: list[str]) -> list[str]:
    return [*LEDGER, "--db", db, "--actor", ACTOR, *args]


@dataclass(frozen=True)
class CountingRetry(RetryPolicy):
    """The default policy, counting the runs it repeats (kept in a list: the class is frozen)."""

    runs: list[int] = field(default_factory=list)

    def run(self, attempt: Callable[[], T], *, retry: bool = True) -> T:
        def counted() -> T:
            self.runs.append(1)
            return attempt()
        return super().run(counted, retry=retry)


class TimedLedger(Ledger):
    """A ledger that adds up the seconds spent saving (write lock, insert, commit)."""

    saving = 0.0

    def _save_events(self, records: Any, events: Any) -> Any:
        start = time.perf_counter()
        try:
            return super()._save_events(records, events)
        finally:
            self.saving += time.perf_counter() - start


def in_process(args: tuple[str, int, int]) -> dict[str, Any]:
    db, worker, count = args
    retry = CountingRetry()
    took = []
    app = TimedLedger(f"sqlite:///{db}", retry=retry)
    with app:
        for i in range(count):
            ref = f"P{worker}-{i // 2}"
            start = time.perf_counter()
            if i % 2 == 0:
                app.add_action(ref, recommendations=["R"], text="t", on=date(2024, 1, 2),
                               actor=ACTOR)
            else:
                app.start_action(ref, on=date(2024, 1, 3), actor=ACTOR)
            took.append(time.perf_counter() - start)
        return {"took": took, "saving": app.saving, "runs": len(retry.runs)}


def in_processes(db: str, n: int, m: int, results: dict[str, Any]) -> None:
    """The `inproc` phase: N processes calling the ledger directly; checks nothing was lost."""
    with multiprocessing.get_context("spawn").Pool(n) as pool:
        done = pool.map(in_process, [(db, w, m) for w in range(n)])
    took = [t for d in done for t in d["took"]]
    results["inproc"] = summary(took, results["serial"]["p50_s"])
    results["inproc"]["saving_share"] = sum(d["saving"] for d in done) / sum(took)
    results["inproc"]["retries"] = sum(d["runs"] for d in done) - n * m
    with Ledger(f"sqlite:///{db}", create=False) as app:
        app.verify()
        assert app.fingerprint().position == 2 + n * m, "lost or doubled events"


def summary(took: list[float], serial_p50: float | None) -> dict[str, float]:
    q = statistics.quantiles(took, n=20, method="inclusive") if len(took) > 1 else took * 19
    out = {"n": len(took), "p50_s": statistics.median(took), "p95_s": q[18]}
    if serial_p50:
        out["p50_ratio"] = out["p50_s"] / serial_p50
    return out


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--commands", type=int, default=10, help="per writer (even)")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--phases", default="serial,startup,reads,writes,inproc",
                        help="comma-separated; serial always runs (the baseline)")
    opts = parser.parse_args(argv)
    n, m = opts.writers, opts.commands
    results: dict[str, Any] = {"writers": n, "commands": m, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="ledger-writers-") as folder:
        def fresh(name: str) -> str:
            db = os.path.join(folder, f"{name}.db")
            seed(db)
            return db

        first = fresh("serial")
        serial = timed_processes([cli(first, a) for a in commands(0, m)])
        results["serial"] = summary(serial, None)
        base = results["serial"]["p50_s"]
        phases = opts.phases.split(",")
        if "startup" in phases:
            results["startup"] = summary(officers(
                n, lambda w: timed_processes([[*LEDGER, "--version"]] * m)), base)
        if "reads" in phases:
            reads = fresh("reads")
            results["reads"] = summary(officers(
                n, lambda w: timed_processes([cli(reads, ["show", "R"])] * m)), base)
        if "writes" in phases:
            writes = fresh("writes")
            results["writes"] = summary(officers(
                n, lambda w: timed_processes([cli(writes, a) for a in commands(w, m)])), base)
        if "inproc" in phases:
            in_processes(fresh("inproc"), n, m, results)
    for phase in ("serial", "startup", "reads", "writes", "inproc"):
        if phase not in results:
            continue
        r = results[phase]
        extra = "".join(f"  {k} {r[k]:.2f}" if isinstance(r[k], float) else f"  {k} {r[k]}"
                        for k in ("p50_ratio", "saving_share", "retries") if k in r)
        print(f"{phase:8} n={r['n']:4}  p50 {r['p50_s']:6.3f} s  p95 {r['p95_s']:6.3f} s{extra}")
    if opts.json:
        with open(opts.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    return results


if __name__ == "__main__":
    main()
