"""`ledger report`: the position as at any date, on either clock."""

from __future__ import annotations

from datetime import date, datetime

import click
from ledger.cli.common import DATE, DATETIME, Session, format_option, pass_session, write_output
from ledger.projections.report import FORMATS, build_report, render


@click.group("report")
def command() -> None:
    """Reports for committees and auditors."""


@command.command("as-at")
@click.argument("as_at", metavar="DATE", type=DATE)
@click.option("--as-known-on", "known", type=DATETIME,
              help="Count only what was recorded by then (default: now). A bare date means the "
                   "end of that day, UTC.")
@click.option("--since", type=DATE, help="Also give the change since this date.")
@click.option("--audit", metavar="REF", help="Only this audit's actions.")
@format_option(*FORMATS)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@pass_session
def as_at(session: Session, as_at: date, known: datetime | None, since: date | None,
          audit: str | None, fmt: str, output: str | None) -> None:
    """The position as at DATE: what had happened by then, as known on --as-known-on.

    \b
    Examples:
      ledger report as-at 2016-07-25 --as-known-on 2016-07-25      # what the committee was told
      ledger report as-at 2016-07-25                               # as known now
      ledger report as-at 2016-10-24 --since 2016-07-25 --audit ICO-2015 --format markdown
    """
    app = session.ledger(write=False)
    report = build_report(app.stream, as_at, as_known_on=known, since=since, audit=audit)
    write_output(render(report, fmt), output)
