"""`ledger report`: the position as at any date, on either clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click

from ledger.application.presenting import reproduce_presented
from ledger.application.reporting import check_as_at
from ledger.cli.common import (
    DATE,
    DATETIME,
    REF,
    BadValueError,
    Number,
    Session,
    format_option,
    pass_session,
    report_source,
)
from ledger.cli.output import OUTPUT, deliver, write_output, write_xlsx
from ledger.projections.papers import PAPER_FORMATS
from ledger.projections.render import FORMATS
from ledger.projections.report import build_report


@click.group("report")
def command() -> None:
    """Reports for committees and auditors.

    \b
    Example:
      ledger report as-at 2016-07-25 --as-known-on 2016-07-25 --format markdown
    """


@command.command("as-at")
@click.argument("as_at", metavar="DATE", type=DATE)
@click.option("--as-known-on", "known", type=DATETIME,
              help="Count only what was recorded by then (default: now). A bare date means the "
                   "end of that day, UTC.")
@click.option("--since", type=DATE, help="Also give the change since this date.")
@click.option("--audit", type=REF, help="Only this audit's actions.")
@format_option(*FORMATS, "html", "xlsx")
@click.option("-o", "--output", type=OUTPUT, help="Write to FILE instead of stdout.")
@click.option("--present-at", "present_at", metavar="MEETING",
              help="Record that this report was presented to MEETING (needs --actor).")
@click.option("--fulfils", metavar="MEETING/NUMBER",
              help="With --present-at: the committee request this report answers.")
@pass_session
def as_at(session: Session, as_at: date, known: datetime | None, since: date | None,
          audit: str | None, fmt: str, output: str | None, present_at: str | None,
          fulfils: str | None) -> None:
    """The position as at DATE: what had happened by then, as known on --as-known-on.

    \b
    Examples:
      ledger report as-at 2016-07-25 --as-known-on 2016-07-25      # what the committee was told
      ledger report as-at 2016-07-25                               # as known now
      ledger report as-at 2016-10-24 --since 2016-07-25 --audit ICO-2015 --format markdown
      ledger --actor Clerk report as-at 2016-10-24 --format markdown --present-at 2016-10-24
      ledger --actor Clerk report as-at 2016-10-24 --format html -o p.html --present-at 2016-10-24
      ledger report as-at 2016-10-24 --since 2016-07-25 --format html -o position.html
      ledger report as-at 2016-10-24 --format xlsx -o actions.xlsx
    """
    if fulfils and not present_at:
        raise BadValueError("--fulfils needs --present-at")
    actor = session.who() if present_at else None
    app = session.ledger(write=bool(present_at))
    horizon = known or datetime.now(UTC)
    check_as_at(as_at, since, datetime.now(UTC).date())
    report = build_report(report_source(app), as_at, as_known_on=horizon, since=since, audit=audit)
    if fmt == "xlsx":
        if present_at:
            raise BadValueError("--present-at records text, markdown, json, csv or html papers")
        write_xlsx(app, report, output)
        return
    deliver(app, report, fmt, output, present_to=present_at, actor=actor, fulfils=fulfils)


@command.command("as-presented")
@click.argument("meeting")
@click.option("--number", type=Number(1), help="Which report presented to MEETING "
              "(default: the last).")
@click.option("--format", "fmt", type=click.Choice(PAPER_FORMATS),
              help="Render in another format (the digest is checked in the original one).")
@click.option("-o", "--output", type=OUTPUT, help="Write to FILE instead of stdout.")
@pass_session
def as_presented(session: Session, meeting: str, number: int | None, fmt: str | None,
                 output: str | None) -> None:
    """Re-render a report presented to MEETING from the trail up to the fingerprint it was
    computed from, and check it is byte-identical to what the committee received.

    \b
    Examples:
      ledger report as-presented 2016-10-24
      ledger report as-presented 2016-07-25 --number 1 -o july-papers.md
    """
    app = session.ledger(write=False)
    again = reproduce_presented(app, meeting, number, fmt)
    chosen = again.paper
    write_output(again.text, output, app.url)
    click.echo(f"report {chosen.number} presented to {meeting} (recorded {chosen.timestamp:%Y-%m-%d}"
               f" by {chosen.actor}) reproduced byte-identical from the trail up to "
               f"{chosen.position}:{chosen.chain_hash[:12]}…; sha256 {chosen.sha256}", err=True)
