"""`ledger show`: one record, its current state and its whole history."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from ledger.application.reporting import actions_of
from ledger.cli.common import Session, format_option, pass_session, report_source
from ledger.domain.errors import UnknownRef
from ledger.projections.render.record import record_json, record_text


@click.command("show")
@click.argument("ref")
@format_option("text", "json")
@pass_session
def command(session: Session, ref: str, fmt: str) -> None:
    """Show record REF (of any kind): its state now in words, the actions of an audit or a
    recommendation, and every event about it.

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
    actions = None
    if record.kind in ("audit", "recommendation"):
        now = datetime.now(UTC)
        actions = actions_of(report_source(app), record.kind, ref, now.date(), now)
    text = (record_json(record, history, actions) if fmt == "json"
            else record_text(record, history, actions))
    click.echo(text, nl=not text.endswith("\n"))
