"""`ledger requests`: the committee's outstanding requests for reports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import click

from ledger.application.reporting import check_as_at
from ledger.cli.common import DATE, DATETIME, Session, format_option, pass_session, report_source
from ledger.projections.render.data import requests_json
from ledger.projections.render.text import requests_text
from ledger.projections.report import iso_utc


@click.command("requests")
@click.option("--as-at", "as_at", type=DATE, help="The date to ask about (default: today).")
@click.option("--as-known-on", "known", type=DATETIME,
              help="Count only what was recorded by then (default: now).")
@format_option("text", "json")
@pass_session
def command(session: Session, as_at: date | None, known: datetime | None, fmt: str) -> None:
    """Reports the committee asked for and has not yet received: what, when asked, when due.

    \b
    Examples:
      ledger requests
      ledger requests --as-at 2016-10-24 --format json
    """
    app = session.ledger(write=False)
    now = known or datetime.now(UTC)
    day = as_at or datetime.now(UTC).date()
    check_as_at(day, None, datetime.now(UTC).date())
    position = report_source(app).position(day, now)
    requests = position.requests
    if fmt == "json":
        click.echo(json.dumps({"as_at": day.isoformat(), "as_known_on": iso_utc(now),
                               "fingerprint": position.fingerprint.as_dict(),
                               "requests": requests_json(requests)}, indent=2))
        return
    text = requests_text(requests, day)
    click.echo(text, nl=False)
