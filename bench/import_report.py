"""A report right after a large import, against the same report again: `python bench/import_report.py`.

Issue 17's target: the first report after importing 60,000 events costs at most 2 × the same
report on a read model already caught up, because the import brings the read model along. The
run makes a plan (`--rows` actions under one audit, each added, most started, many completed, some
noted: about 2.6 events a row, 60,000 events in all), imports it into a fresh SQLite ledger with `ledger import`,
then asks `ledger report as-at` for that audit twice, each a fresh process as an officer runs it,
and prints the times and the ratio (first / second). With `--no-catch-up` the same plan is also
imported by the use case alone (`ledger.application.importing.import_plan`, in this process),
which leaves the read model behind as `ledger import` did before: the ratio then shows what the
first report paid. Nothing is asserted; ratios are meaningful within one run (the load average
is printed with them).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = ["Rec Ref", "Recommendation", "Priority", "Action Ref", "Agreed Action",
          "Responsible Officer", "Target Date", "Status", "Status Date", "Notes / Observations"]
START = date(2016, 1, 4)


def write_plan(path: Path, rows: int) -> None:
    """A plan of `rows` actions, ten per recommendation: 40 % completed, 40 % in progress,
    20 % not started, every third with a note (deterministic)."""
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(rows):
            rec, k = divmod(i, 10)
            status = ("Completed", "Completed", "In progress", "In progress", "Not started")[i % 5]
            due = START + timedelta(days=30 + i % 700)
            when = "" if status == "Not started" else (START + timedelta(days=1 + i % 600))
            out.writerow([
                f"B-R{rec + 1}", f"Recommendation {rec + 1}", ("High", "Medium", "Low")[rec % 3],
                f"B-R{rec + 1}.{k + 1}", f"Agreed action {i + 1}", f"Officer {i % 37 + 1}",
                due.strftime("%d/%m/%Y"), status, when and when.strftime("%d/%m/%Y"),
                f"Observation {i}" if i % 3 == 0 else ""])


def ledger(work: Path, *args: str) -> float:
    """Run `ledger ARGS` in a fresh process on the run's ledger; its wall time in seconds."""
    cmd = [sys.executable, "-m", "ledger", "--db", str(work / "ledger.db"), "--actor", "Bench",
           *args]
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
        raise SystemExit(f"ledger {' '.join(args[:2])} failed (exit {done.returncode})")
    return elapsed


def events(work: Path) -> int:
    """How many events the ledger holds (its head's position)."""
    import sqlite3

    with sqlite3.connect(work / "ledger.db") as conn:
        return int(conn.execute("SELECT max(position) FROM ledger_events").fetchone()[0] or 0)


def import_alone(work: Path) -> float:
    """The plan imported by the use case alone (no catch-up), as `ledger import` did before."""
    from ledger.application import Ledger
    from ledger.application.importing import import_plan
    from ledger.application.plan_headings import HeadingRules
    from ledger.application.plan_reading import load_plan

    t = time.perf_counter()
    app = Ledger(f"sqlite:///{work / 'ledger.db'}", create=False)
    plan = load_plan(str(work / "plan.csv"), None, HeadingRules.parse([], []), "")
    outcome = import_plan(app, plan, actor="Bench", audit="B", on=START)
    app.close()
    if outcome.errors:
        raise SystemExit(f"import refused: {outcome.errors[:3]}")
    return time.perf_counter() - t


def measure(work: Path, rows: int, catch_up: bool) -> dict[str, float | int]:
    """One import and two reports in a fresh ledger under `work`."""
    for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm"):
        (work / name).unlink(missing_ok=True)
    ledger(work, "audit", "add", "B", "--title", "Bench audit", "--kind", "internal-audit",
           "--on", START.isoformat())
    if catch_up:
        imported = ledger(work, "import", str(work / "plan.csv"), "--audit", "B", "--on",
                          START.isoformat())
    else:
        imported = import_alone(work)
    report = ["report", "as-at", "2018-01-01", "--audit", "B", "--format", "json"]
    first = ledger(work, *report)
    second = ledger(work, *report)
    return {"events": events(work), "import_s": round(imported, 2), "first_report_s":
            round(first, 3), "second_report_s": round(second, 3),
            "ratio": round(first / second, 2), "loadavg": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> int:
    """Make the plan, measure with the import catching up (and, unless --only-new, without)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--rows", type=int, default=23_000, help="actions in the plan (about 2.6 events each)")
    p.add_argument("--no-catch-up", action="store_true",
                   help="also measure an import that leaves the read model behind (as before)")
    p.add_argument("--out", default=str(HERE / "import_report.json"))
    args = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix=".work-import-", dir=HERE))
    try:
        write_plan(work / "plan.csv", args.rows)
        results = {"with_catch_up": measure(work, args.rows, catch_up=True)}
        if args.no_catch_up:
            results["without_catch_up"] = measure(work, args.rows, catch_up=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, r in results.items():
        print(f"{name}: {r['events']:,} events imported in {r['import_s']} s; report right after "
              f"{r['first_report_s']} s, again {r['second_report_s']} s: ratio {r['ratio']} "
              f"(target ≤ 2; load average {r['loadavg']:.2f})")
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
