"""One record for `ledger show`: its state now and every event about it, as JSON or text."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from ledger.domain.records import Record
from ledger.domain.values import Logged
from ledger.projections.describe import summary
from ledger.projections.render.safe import printable
from ledger.projections.report import iso_utc
from ledger.projections.trail import NO_LINKS, Links, links_of


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude={"originator_id", "originator_version"})
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


HIDDEN = frozenset({"id", "ref", "version", "events"})
"""Attributes of a record that are not its state: identity, and the raw stream it was folded
from (shown as the history)."""


def record_state(record: Record) -> dict[str, Any]:
    """The record's current state (as corrected) as plain JSON values, its identity left out;
    `retracted` only when its creation was."""
    return {k: _plain(v) for k, v in vars(record).items()
            if not k.startswith("_") and k not in HIDDEN and (k != "retracted" or v)}


def _what(h: Logged, links: dict[int, Links]) -> tuple[str, str]:
    """An event's summary (a correction with what it replaced) and its links in words."""
    link = links.get(h.position, NO_LINKS)
    return summary(h.event, None if link.was is None else dict(link.was)), link.words()


def record_json(record: Record, history: Sequence[Logged]) -> str:
    """The record and its history as one JSON document, each event with its links."""
    links = links_of(history)
    rows = []
    for h in history:
        what, linked = _what(h, links)
        link = links.get(h.position, NO_LINKS)
        rows.append({"position": h.position, "event": type(h.event).__name__,
                     "recorded": iso_utc(h.event.timestamp),
                     "effective": h.event.effective.isoformat(), "actor": h.event.actor,
                     "summary": what, "hash": h.hash, "corrects": link.corrects,
                     "retracts": link.retracts, "corrected_by": list(link.corrected_by),
                     "retracted_by": list(link.retracted_by), "links": linked})
    return json.dumps({"ref": record.ref, "kind": record.kind, "version": record.version,
                       "state": record_state(record), "history": rows}, indent=2)


def record_text(record: Record, history: Sequence[Logged], width: int = 110) -> str:
    """The record for a terminal: its state, then its history as a table."""
    out = io.StringIO()
    # markup=False: stored text such as "[/x]" is words, not rich markup (which would raise);
    # `printable` escapes control characters stored before input refused them.
    console = Console(file=out, highlight=False, color_system=None, width=width, markup=False,
                      emoji=False, force_terminal=False)
    console.print(f"{record.kind} {record.ref}", style="bold")
    for key, value in record_state(record).items():
        shown = json.dumps(value) if isinstance(value, dict | list) else str(value)
        console.print(f"  {key.replace('_', ' ')}: {printable(shown)}")
    table = Table(title="History", title_justify="left")
    for column in ("#", "recorded (UTC)", "effective", "actor", "what"):
        table.add_column(column, overflow="fold")
    links = links_of(history)
    for h in history:
        what, linked = _what(h, links)
        table.add_row(str(h.position), iso_utc(h.event.timestamp), str(h.event.effective),
                      printable(h.event.actor),
                      printable(what + (f" [{linked}]" if linked else "")))
    console.print(table)
    return out.getvalue()
