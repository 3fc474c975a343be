"""`ledger meeting`: committee meetings, and the report for each."""

from __future__ import annotations

from datetime import date, datetime

import click

from ledger.application.presenting import present_file
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
from ledger.cli.output import OUTPUT, deliver
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
@click.option("--paper", type=click.Path(dir_okay=False),
              help="With --present: record this HTML paper, made earlier with --format html and "
                   "circulated as it is, instead of rendering one now; it must reproduce "
                   "byte-identical from the trail up to the fingerprint it carries.")
@pass_session
def report(session: Session, meeting: str, known: datetime | None, fmt: str,
           output: str | None, present: bool, fulfils: str | None, paper: str | None) -> None:
    """The report for MEETING: the position as at its date, and the change since the previous
    meeting of the same committee.

    \b
    Examples:
      ledger meeting report 2016-10-24 --format markdown
      ledger meeting report 2016-07-25 --as-known-on now --format json
      ledger --actor Clerk meeting report 2017-02-20 --format markdown --present
      ledger meeting report 2016-10-24 --format html -o october.html
      ledger --actor Clerk meeting report 2016-10-24 --format html -o october.html --present
      ledger --actor Clerk meeting report 2016-10-24 --present --paper october.html \\
        --fulfils 2016-07-25/1

    With a previous meeting of the same committee, the committee tracker's tables read since
    it (live actions, completed since, extensions approved and requested, overdue with age,
    withdrawn or superseded); `tracker` in the JSON.
    """
    if fulfils and not present:
        raise BadValueError("--fulfils needs --present")
    if paper is not None:
        if not present or known is not None or output is not None:
            raise BadValueError("--paper needs --present, and takes its clocks and format from "
                                "the paper (no --as-known-on, no -o)")
        _present_paper(session, meeting, paper, fulfils)
        return
    actor = session.who() if present else None
    app = session.ledger(write=present)
    built = build_meeting_report(report_source(app), meeting, as_known_on=known)
    deliver(app, built, fmt, output, present_to=meeting if present else None, actor=actor,
            fulfils=fulfils)


def _present_paper(session: Session, meeting: str, path: str, fulfils: str | None) -> None:
    """Record the HTML paper at `path` as presented to `meeting` (refused unless it reproduces)."""
    actor = session.who()
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise BadValueError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    app = session.ledger(write=True)
    presented = present_file(app, meeting, text, path, actor=actor, fulfils=fulfils)
    echo_recorded(presented.recorded, app)
