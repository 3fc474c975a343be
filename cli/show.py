"""`ledger show`: one record, its current state and its whole history."""

from __future__ import annotations

import click

from ledger.cli.common import Session, format_option, pass_session
from ledger.domain.errors import UnknownRef
from ledger.projections.render.record import record_json, record_text


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
    history = app.history(ref)
    text = record_json(record, history) if fmt == "json" else record_text(record, history)
    click.echo(text, nl=not text.endswith("\n"))
