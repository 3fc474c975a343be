"""A list of records (`ledger list`) as a table for a terminal, one JSON document, or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from rich.console import Console
from rich.table import Table

from ledger.domain.chain import Fingerprint
from ledger.projections.render.safe import csv_cell, printable
from ledger.projections.report import iso_utc

COUNTS = ("actions", "completed", "in_progress", "not_started", "withdrawn", "superseded")

COLUMNS: dict[str, tuple[str, ...]] = {
    "actions": ("ref", "status", "owner", "due", "overdue", "blocked_by", "priority", "audits",
                "recommendations", "status_on", "text"),
    "recommendations": ("ref", "audit", "priority", "made_on", *COUNTS, "text"),
    "audits": ("ref", "kind", "date", *COUNTS, "title"),
    "meetings": ("ref", "committee", "date", "held", "resolutions"),
}
"""The columns of each kind of list, in order (JSON rows hold the same keys, and more)."""

SHOWN: dict[str, tuple[str, ...]] = {
    "actions": ("ref", "status", "owner", "due", "overdue", "blocked_by", "text"),
    "recommendations": ("ref", "audit", "priority", "actions", "completed", "text"),
    "audits": ("ref", "kind", "date", "actions", "completed", "in_progress", "not_started",
               "title"),
    "meetings": COLUMNS["meetings"],
}
"""The columns a terminal table shows (the rest are in JSON and CSV)."""

HEADINGS = {"blocked_by": "waiting on", "status_on": "status since", "made_on": "made on",
            "in_progress": "in progress", "not_started": "not started"}


class ListingLike(Protocol):
    """What a listing renderer reads (`ledger.application.reporting.Listing`)."""

    @property
    def kind(self) -> str: ...
    @property
    def as_at(self) -> date: ...
    @property
    def as_known_on(self) -> datetime: ...
    @property
    def fingerprint(self) -> Fingerprint: ...
    @property
    def rows(self) -> list[dict[str, Any]]: ...


def cell(value: Any) -> str:
    """One value as a person reads it: `yes`/`no`, lists joined, nothing for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value).replace("_", " ") if isinstance(value, str) and value in _WORDS else str(value)


_WORDS = frozenset({"not_started", "in_progress", "completed", "withdrawn", "superseded"})


def listing_json(listing: ListingLike) -> str:
    """One JSON document: the clocks, the fingerprint and the rows."""
    return json.dumps({"kind": listing.kind, "as_at": listing.as_at.isoformat(),
                       "as_known_on": iso_utc(listing.as_known_on),
                       "fingerprint": listing.fingerprint.as_dict(),
                       "count": len(listing.rows), listing.kind: listing.rows}, indent=2) + "\n"


def listing_csv(listing: ListingLike) -> str:
    """A header and one row per record; formula-like cells defused, lists joined by `;`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = COLUMNS[listing.kind]
    writer.writerow(columns)
    for row in listing.rows:
        writer.writerow([csv_cell(";".join(map(str, v)) if isinstance(v, list) else
                                  "yes" if v is True else "no" if v is False else
                                  "" if v is None else str(v)) for v in
                         (row.get(c) for c in columns)])
    return out.getvalue()


def listing_text(listing: ListingLike, width: int = 120) -> str:
    """A table for a terminal, with a line saying how many, on which clocks."""
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False,
                      highlight=False, emoji=False, markup=False)
    clocks = (f"as at {listing.as_at.isoformat()}, as known on "
              f"{iso_utc(listing.as_known_on)}")
    if not listing.rows:
        console.print(f"No {listing.kind} {clocks}.")
        return out.getvalue()
    table = Table(title=f"{len(listing.rows)} {_kind(listing.kind, len(listing.rows))} {clocks}",
                  title_justify="left")
    columns: Sequence[str] = SHOWN[listing.kind]
    for c in columns:
        table.add_column(HEADINGS.get(c, c.replace("_", " ")), overflow="fold")
    for row in listing.rows:
        table.add_row(*(printable(cell(row.get(c))) for c in columns))
    console.print(table)
    return out.getvalue()


def _kind(kind: str, n: int) -> str:
    return kind if n != 1 else kind[:-1]
