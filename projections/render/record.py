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

from ledger.domain import events as ev
from ledger.domain.records import Action, Meeting, Record
from ledger.domain.values import Logged
from ledger.projections.describe import summary
from ledger.projections.render.data import action_json
from ledger.projections.render.safe import printable
from ledger.projections.replay import ActionState
from ledger.projections.report import STATUS_WORDS, iso_utc
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


def record_json(record: Record, history: Sequence[Logged],
                actions: Sequence[ActionState] | None = None) -> str:
    """The record and its history as one JSON document, each event with its links; an
    audit's or a recommendation's `actions` (as at today) when given."""
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
    doc: dict[str, Any] = {"ref": record.ref, "kind": record.kind, "version": record.version,
                           "state": record_state(record), "history": rows}
    if actions is not None:
        doc["actions"] = [action_json(a) for a in actions]
    return json.dumps(doc, indent=2)


LABELS = {"audit_kind": "kind", "areas": "scope", "status_on": "status since",
          "due": "target date", "recommendations": "for", "depends_on": "depends on",
          "completed_on": "completed on", "superseded_by": "superseded by",
          "achieved_on": "achieved on", "held_on": "held on"}
"""How a record's attributes are named for a person (others: underscores as spaces)."""

_OWN_LINES = frozenset({"events", "original_due", "resolutions", "received", "presented",
                        "notes", "created_on", "created_at"})


def words(value: Any) -> str | None:
    """A value as a person reads it; None when there is nothing to say."""
    if value is None or value is False or value in ((), [], {}):
        return None
    if value is True:
        return "yes"
    if isinstance(value, ev.Status):
        return STATUS_WORDS[value]
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {words(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(words(v)) for v in value)
    return str(value)


def facts(record: Record) -> list[tuple[str, str]]:
    """The record's state as (label, words) lines, in the record's own order."""
    out = [("added", f"effective {record.created_on}, recorded {iso_utc(record.created_at)}")]
    for key, value in vars(record).items():
        if key.startswith("_") or key in ("id", "ref", "version") or key in _OWN_LINES:
            continue
        said = words(value)
        if said is None and isinstance(record, Action) and key in ("owner", "due"):
            said = "(unassigned)" if key == "owner" else "none"
        if said is None:
            continue
        if key == "due" and isinstance(record, Action) and record.original_due != record.due:
            said += f" (originally {words(record.original_due) or 'none'})"
        out.append((LABELS.get(key, key.replace("_", " ")), said))
    return out


def _lists(record: Record) -> list[tuple[str, list[str]]]:
    """The record's lists, one item a line: notes, resolutions, reports received, papers."""
    out: list[tuple[str, list[str]]] = []
    if isinstance(record, Action) and record.notes:
        out.append(("notes", list(record.notes)))
    if isinstance(record, Meeting):
        out.append(("resolutions", [
            f"{r.number}" + (f" (minute {r.minute})" if r.minute else "")
            + f", {r.kind.value}: {r.text}" for _, r in sorted(record.resolutions.items())]))
        if record.received:
            out.append(("reports received", [f"for resolution {n}: at {by}"
                                             for n, by in sorted(record.received.items())]))
        if record.presented:
            out.append(("reports presented", [
                f"{p.number}: {p.parameters.get('format')} paper, from the trail up to "
                f"{p.position} (ledger report as-presented {record.ref} --number {p.number})"
                for p in record.presented]))
    return out


def record_text(record: Record, history: Sequence[Logged],
                actions: Sequence[ActionState] | None = None, width: int = 110) -> str:
    """The record for a terminal: its state in words, its actions (an audit's or a
    recommendation's), then its history as a table."""
    out = io.StringIO()
    # markup=False: stored text such as "[/x]" is words, not rich markup (which would raise);
    # `printable` escapes control characters stored before input refused them.
    console = Console(file=out, highlight=False, color_system=None, width=width, markup=False,
                      emoji=False, force_terminal=False)
    console.print(f"{record.kind} {record.ref}", style="bold")
    for label, said in facts(record):
        console.print(f"  {label}: {printable(said)}")
    for label, items in _lists(record):
        console.print(f"  {label}:" + ("" if items else " none"))
        for item in items:
            console.print(f"    - {printable(item)}")
    if actions is not None:
        console.print()
        _actions_table(console, actions)
    console.print()
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


def _actions_table(console: Console, actions: Sequence[ActionState]) -> None:
    if not actions:
        console.print("Actions: none yet.")
        return
    table = Table(title=f"Actions ({len(actions)}, as at today)", title_justify="left")
    for column in ("action", "status", "owner", "target date", "overdue", "text"):
        table.add_column(column, overflow="fold")
    for a in actions:
        table.add_row(a.ref, STATUS_WORDS[a.status], printable(a.owner or "(unassigned)"),
                      str(a.due or ""), "yes" if a.overdue else "no", printable(a.text))
    console.print(table)
