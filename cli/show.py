"""`ledger show`: one record, its current state and its whole history."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any

import click
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from ledger.cli.common import Session, format_option, pass_session
from ledger.domain.errors import UnknownRef
from ledger.projections.describe import summary
from ledger.projections.render.safe import printable
from ledger.projections.report import iso_utc


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


@click.command("show")
@click.argument("ref")
@format_option("text", "json")
@pass_session
def command(session: Session, ref: str, fmt: str) -> None:
    """Show record REF (of any kind): its state now and every event about it.

    \b
    Examples:
      ledger show ICO-A1.1
      ledger show 2016-10-24 --format json
    """
    app = session.ledger(write=False)
    record = app.find(ref)
    if record is None:
        raise UnknownRef(f"no record {ref}")
    state = {k: _plain(v) for k, v in vars(record).items()
             if not k.startswith("_") and k not in ("id", "ref", "version")}
    history = app.history(ref)
    if fmt == "json":
        click.echo(json.dumps({
            "ref": ref, "kind": record.kind, "version": record.version, "state": state,
            "history": [{"position": h.position, "event": type(h.event).__name__,
                         "recorded": iso_utc(h.event.timestamp),
                         "effective": h.event.effective.isoformat(), "actor": h.event.actor,
                         "summary": summary(h.event), "hash": h.hash} for h in history],
        }, indent=2))
        return
    # markup=False: stored text such as "[/x]" is words, not rich markup (which would raise);
    # `printable` escapes control characters stored before input refused them.
    console = Console(highlight=False, color_system=None, width=110, markup=False, emoji=False)
    console.print(f"{record.kind} {ref}", style="bold")
    for key, value in state.items():
        shown = json.dumps(value) if isinstance(value, dict | list) else str(value)
        console.print(f"  {key.replace('_', ' ')}: {printable(shown)}")
    table = Table(title="History", title_justify="left")
    for column in ("#", "recorded (UTC)", "effective", "actor", "what"):
        table.add_column(column, overflow="fold")
    for h in history:
        table.add_row(str(h.position), iso_utc(h.event.timestamp), str(h.event.effective),
                      printable(h.event.actor), printable(summary(h.event)))
    console.print(table)
