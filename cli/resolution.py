"""`ledger resolution`: what a committee resolved at a meeting."""

from __future__ import annotations

from datetime import date

import click

from ledger.cli.common import (
    DATE,
    BadValueError,
    Number,
    Session,
    echo_recorded,
    pass_session,
)
from ledger.domain.events import ResolutionKind


@click.group("resolution")
def command() -> None:
    """Committee resolutions, including requests for reports.

    \b
    Example:
      ledger --actor Clerk resolution add 2016-10-24 1 --minute 36/16 --text "Progress noted"
    """


@command.command("add")
@click.argument("meeting")
@click.argument("number", type=Number(1, 999))
@click.option("--text", required=True, help="The resolution's words.")
@click.option("--kind", type=click.Choice([k.value for k in ResolutionKind]),
              help="noted, report-requested or decision (report-requested when a due is given).")
@click.option("--minute", metavar="NN/YY", help="The minute it sits under, e.g. 36/16.")
@click.option("--further-to", "further_to", metavar="NN/YY",
              help="An earlier minute it follows, e.g. 12/16.")
@click.option("--report-due-at", "due_at", metavar="MEETING",
              help="The later meeting the requested report is due at.")
@click.option("--report-due-by", "due_by", type=DATE, help="The date the report is due by.")
@click.option("--report-after", "after", metavar="TEXT",
              help="The event the report is due after.")
@click.option("--fulfils", metavar="MEETING/NUMBER",
              help="An earlier request whose report this resolution received.")
@pass_session
def add(session: Session, meeting: str, number: int, text: str, kind: str | None,
        minute: str | None, further_to: str | None, due_at: str | None, due_by: date | None,
        after: str | None, fulfils: str | None) -> None:
    """Record resolution NUMBER of MEETING (dated by the meeting).

    \b
    Example:
      ledger --actor "Clerk" resolution add 2016-10-24 3 --minute 36/16 --further-to 12/16 \\
        --text "Progress report to the February meeting" --report-due-at 2017-02-20
    """
    actor = session.who()
    if sum(x is not None for x in (due_at, due_by, after)) > 1:
        raise BadValueError(
            "give only one of --report-due-at, --report-due-by and --report-after")
    app = session.ledger(write=True)
    echo_recorded(app.add_resolution(
        meeting, number, text=text, kind=ResolutionKind(kind) if kind else None, minute=minute, further_to=further_to,
        report_due_at=due_at, report_due_by=due_by, report_after=after, fulfils=fulfils,
        actor=actor), app)
