"""The audit trail as rows: who recorded what, when, with what effect and why."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, TextIO

from ledger.domain import events as ev
from ledger.domain.values import Logged
from ledger.projections.describe import details, summary
from ledger.projections.render.safe import csv_cell, one_line
from ledger.projections.report import iso_utc

COLUMNS = ["position", "recorded", "effective", "actor", "ref", "event", "change", "why", "hash"]
WHY_FIELDS = ("reason", "evidence", "note")


def trail_row(item: Logged) -> dict[str, Any]:
    """One event as a flat row (the same keys in every format)."""
    e = item.event
    why = "; ".join(f"{k}: {getattr(e, k)}" for k in WHY_FIELDS if getattr(e, k, None))
    return {
        "position": item.position, "recorded": iso_utc(e.timestamp),
        "effective": e.effective.isoformat(), "actor": e.actor, "ref": e.ref,
        "event": type(e).__name__, "change": summary(e), "why": why, "hash": item.hash,
        "details": details(e), "database_role": item.database_role,
    }


def trail_line(row: dict[str, Any]) -> str:
    """A row as one line of text, the database's role beside the actor when it noted one;
    unprintable characters (a CR, a newline, an escape sequence stored before input refused
    them) are escaped, so no event can print a forged line."""
    role = row.get("database_role")
    by = f"{row['actor']} (role {role})" if role else row["actor"]
    return one_line(f"#{row['position']} {row['recorded']} (effective {row['effective']}) "
                    f"{by}: {row['ref']} {row['change']}")


def trail_csv(row: dict[str, Any]) -> list[Any]:
    """A row's CSV cells, in COLUMNS order; text that a spreadsheet would run as a formula is
    defused (`csv_cell`), numbers stay numbers."""
    return [csv_cell(v) if isinstance(v, str) else v for v in (row[c] for c in COLUMNS)]


def select(log: Iterable[Logged], *, recorded_from: date | None = None,
           recorded_to: date | None = None, actor: str | None = None,
           ref: str | None = None) -> Iterator[Logged]:
    """Filter the trail lazily: recorded between two dates (inclusive), by actor, by ref."""
    for item in log:
        e: ev.LedgerEvent = item.event
        day = e.timestamp.date()
        if recorded_from and day < recorded_from:
            continue
        if recorded_to and day > recorded_to:
            continue
        if actor and e.actor != actor:
            continue
        if ref and e.ref != ref:
            continue
        yield item


def write_trail(items: Iterable[Logged], fmt: str, out: TextIO) -> int:
    """Write the trail to `out` as text, JSON or CSV as it comes (never the whole trail in
    memory); return how many events were written."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for item in items:
            writer.writerow(trail_csv(trail_row(item)))
            count += 1
        return count
    if fmt == "json":
        out.write("[")
        for item in items:
            out.write(("," if count else "") + "\n  " + json.dumps(trail_row(item)))
            count += 1
        out.write("\n]\n" if count else "]\n")
        return count
    for item in items:
        out.write(trail_line(trail_row(item)) + "\n")  # the change carries its reason or note
        count += 1
    return count
