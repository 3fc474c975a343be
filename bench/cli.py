"""What an officer waits for at the command line, as ratios to baselines run in the same process.

  python bench/cli.py [--runs 15]

Each measure is the median wall time of `--runs` fresh processes, interleaved with its baseline
so that load on the machine falls on both alike:

  help   `ledger --help`                          against `python -c "import click"`
  write  `ledger action note` on the demo ledger   against `python -c "import sqlalchemy,
         pydantic, eventsourcing"` (the libraries every write needs)
  read   `ledger report as-at` (JSON) on the demo ledger, against the same baseline
         (informational)

Each process's CPU time (user + system, from `wait4`) is kept beside its wall time: on a shared
machine the CPU ratio moves less with the load than the wall ratio does.

The ledger's modules are compiled to bytecode first (`compileall`, as pip does on install), so
that a PYTHONDONTWRITEBYTECODE environment does not time the compiler on every run.

Targets (issue 17): help <= 3x, write <= 1.5x (wall). Prints a table and writes bench/cli.json.
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


def _time(argv: list[str], cwd: str) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def _pair(argv: list[str], base: list[str], runs: int, cwd: str) -> dict[str, float]:
    """Medians (wall and CPU) of the command and of its baseline, run alternately."""
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(_time(argv, cwd))
        theirs.append(_time(base, cwd))
    return {"seconds": statistics.median(m[0] for m in mine),
            "baseline_seconds": statistics.median(t[0] for t in theirs),
            "cpu_seconds": statistics.median(m[1] for m in mine),
            "baseline_cpu_seconds": statistics.median(t[1] for t in theirs)}


def _compile() -> None:
    """Bytecode for the ledger's modules where the interpreter looks for it (pip's install
    writes it; an editable link tree gets it on first import unless PYTHONDONTWRITEBYTECODE)."""
    subprocess.run([PYTHON, "-c", "import compileall, ledger\n"
                    "for p in ledger.__path__: compileall.compile_dir(p, quiet=1)"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    click_only = [PYTHON, "-c", "import click"]
    libraries = [PYTHON, "-c", "import sqlalchemy, pydantic, eventsourcing"]
    _compile()
    load_start = list(os.getloadavg())
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
    results: dict[str, object] = {}
    print(f"{'measure':<8}{'median s':>10}{'baseline s':>12}{'ratio':>8}{'target':>8}"
          f"{'cpu s':>8}{'baseline':>10}{'cpu ratio':>11}")
    for name, row in rows.items():
        target = TARGETS.get(name)
        ratio = row["seconds"] / row["baseline_seconds"]
        cpu_ratio = row["cpu_seconds"] / row["baseline_cpu_seconds"]
        results[name] = {**row, "ratio": ratio, "cpu_ratio": cpu_ratio, "target": target}
        print(f"{name:<8}{row['seconds']:>10.3f}{row['baseline_seconds']:>12.3f}{ratio:>8.2f}"
              f"{'' if target is None else f'≤ {target}':>8}{row['cpu_seconds']:>8.3f}"
              f"{row['baseline_cpu_seconds']:>10.3f}{cpu_ratio:>11.2f}")
    results["load_average_start"] = load_start
    results["load_average"] = list(os.getloadavg())
    print(f"load average: {' '.join(f'{x:.2f}' for x in load_start)} at the start, "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    (HERE / "cli.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
