"""`ledger meeting`: committee meetings, and the report for each."""

from __future__ import annotations

from datetime import date, datetime

import click

from ledger.cli.common import (
    DATE,
    DATETIME,
    REF,
    BadValueError,
    Session,
    echo_recorded,
    format_option,
    pass_session,
    report_source,
)
from ledger.cli.output import OUTPUT, deliver, write_html
from ledger.projections.render import FORMATS
from ledger.projections.report import build_meeting_report


@click.group("meeting")
def command() -> None:
    """Committee meetings and their reports.

    \b
    Example:
      ledger meeting report 2016-10-24 --format markdown
    """


@command.command("add")
@click.argument("ref")
@click.option("--committee", required=True, help="The committee's name.")
@click.option("--on", "on", type=DATE, required=True,
              help="The day it is (or was) held; a future day schedules it, effective today.")
@pass_session
def add(session: Session, ref: str, committee: str, on: date) -> None:
    """Record meeting REF of a committee, held (or to be held) --on a date.

    A meeting held in the past takes effect on its day. A future meeting is scheduled: it
    takes effect today (nothing may take effect in the future) and is held on its date, and
    the command says so.

    \b
    Examples:
      ledger --actor "Clerk" meeting add 2016-10-24 --committee "Audit and Procurement Committee" \\
        --on 2016-10-24
      ledger --actor "Clerk" meeting add 2027-02-15 --committee "Audit and Procurement Committee" \\
        --on 2027-02-15
    """
    actor = session.who()
    app = session.ledger(write=True)
    logged = app.add_meeting(ref, committee=committee, on=on, actor=actor)
    scheduled = logged[-1].event
    if scheduled.effective < on:
        click.echo(f"note: meeting {ref} is scheduled: it will be held on {on}, and is recorded "
                   f"as effective today ({scheduled.effective}), the day it was scheduled")
    echo_recorded(logged, app)


@command.command("report")
@click.argument("meeting", type=REF)
@click.option("--as-known-on", "known", type=DATETIME,
              help="Recorded-time horizon (default: the end of the meeting's day, i.e. what the "
                   "committee could have been told, or now, said so, if the ledger did not know "
                   "the meeting by then; 'now' for everything known since).")
@format_option(*FORMATS, "html")
@click.option("-o", "--output", type=OUTPUT, help="Write to FILE instead of stdout.")
@click.option("--present", is_flag=True,
              help="Record that this report was presented to MEETING (needs --actor).")
@click.option("--fulfils", metavar="MEETING/NUMBER",
              help="With --present: the committee request this report answers.")
@pass_session
def report(session: Session, meeting: str, known: datetime | None, fmt: str,
           output: str | None, present: bool, fulfils: str | None) -> None:
    """The report for MEETING: the position as at its date, and the change since the previous
    meeting of the same committee.

    \b
    Examples:
      ledger meeting report 2016-10-24 --format markdown
      ledger meeting report 2016-07-25 --as-known-on now --format json
      ledger --actor Clerk meeting report 2017-02-20 --format markdown --present
      ledger meeting report 2016-10-24 --format html -o october.html
    """
    if fulfils and not present:
        raise BadValueError("--fulfils needs --present")
    actor = session.who() if present else None
    app = session.ledger(write=present)
    built = build_meeting_report(report_source(app), meeting, as_known_on=known)
    if fmt == "html":
        if present:
            raise BadValueError("--present records text, markdown, json or csv papers")
        write_html(app, built, output)
        return
    deliver(app, built, fmt, output, present_to=meeting if present else None, actor=actor,
            fulfils=fulfils)
