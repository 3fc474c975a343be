"""What an officer waits for at the command line, as ratios to baselines run in the same process.

  python bench/cli.py [--runs 15]

Each measure is the median wall time of `--runs` fresh processes, interleaved with its baseline
so that load on the machine falls on both alike:

  help   `ledger --help`                          against `python -c "import click"`
  write  `ledger action note` on the demo ledger   against `python -c "import sqlalchemy,
         pydantic, eventsourcing"` (the libraries every write needs)
  read   `ledger report as-at` (JSON) on the demo ledger, against the same baseline
         (informational)

Targets (issue 17): help <= 3x, write <= 1.5x. Prints a table and writes bench/cli.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
LEDGER = [PYTHON, "-c", "import sys; from ledger.cli import main; sys.argv[0] = 'ledger'; main()"]
TARGETS = {"help": 3.0, "write": 1.5}


def _time(argv: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def _pair(argv: list[str], base: list[str], runs: int, cwd: str) -> tuple[float, float]:
    """Medians of the command and of its baseline, run alternately."""
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(_time(argv, cwd))
        theirs.append(_time(base, cwd))
    return statistics.median(mine), statistics.median(theirs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    click_only = [PYTHON, "-c", "import click"]
    libraries = [PYTHON, "-c", "import sqlalchemy, pydantic, eventsourcing"]
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([*LEDGER, "demo"], cwd=d, check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "LEDGER_DB": "demo.db"})
        db = ["--db", "demo.db", "--actor", "Bench"]
        rows = {
            "help": _pair([*LEDGER, "--help"], click_only, args.runs, d),
            "write": _pair([*LEDGER, *db, "action", "note", "ICO-A1.1", "measured",
                            "--on", "2016-10-01"], libraries, args.runs, d),
            "read": _pair([*LEDGER, *db, "report", "as-at", "2016-10-24", "--format", "json"],
                          libraries, args.runs, d),
        }
    results = {}
    print(f"{'measure':<8}{'median s':>10}{'baseline s':>12}{'ratio':>8}{'target':>8}")
    for name, (mine, base) in rows.items():
        target = TARGETS.get(name)
        results[name] = {"seconds": mine, "baseline_seconds": base, "ratio": mine / base,
                         "target": target}
        print(f"{name:<8}{mine:>10.3f}{base:>12.3f}{mine / base:>8.2f}"
              f"{'' if target is None else f'≤ {target}':>8}")
    results["load_average"] = list(os.getloadavg())
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    (HERE / "cli.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
