"""What every step's process shares: the batch size, the ledger it opens (the SQLite file in
`--dir`, or in a PostgreSQL step the run's schema), and its peak RSS."""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path
from typing import Any

BATCH = 10_000


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is in KB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _on_pg(args: argparse.Namespace) -> bool:
    """True in a PostgreSQL step's process (its ledger is the run's schema)."""
    return bool(args.step and args.step.startswith("pg_"))


def ledger_url(args: argparse.Namespace) -> str:
    """The URL of the step's ledger: the run's PostgreSQL schema, or `ledger.db` in `--dir`."""
    if _on_pg(args):
        return str(args.pg_url)
    return f"sqlite:///{Path(args.dir) / 'ledger.db'}"


def open_ledger(args: argparse.Namespace) -> Any:
    """The step's ledger, which an earlier step (`append`) made."""
    from ledger.application import Ledger

    return Ledger(ledger_url(args), create=False)


def size_mb(app: Any, args: argparse.Namespace) -> float:
    """The ledger's events on disk: the SQLite file, or the PostgreSQL table with its indexes."""
    if _on_pg(args):
        with app.store.engine.connect() as conn:
            size = conn.exec_driver_sql(
                "SELECT pg_total_relation_size('ledger_events')").scalar() or 0
        return round(size / 2**20, 1)
    return round((Path(args.dir) / "ledger.db").stat().st_size / 2**20, 1)
