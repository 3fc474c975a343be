"""`ledger report follow-up`: the outcome of a follow-up audit, for the committee."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click

from ledger.application.followup import follow_up, present_follow_up
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
from ledger.cli.output import OUTPUT, write_output
from ledger.projections.followup_render import FOLLOW_UP_FORMATS, render_follow_up


@click.command("follow-up")
@click.argument("audit", type=REF)
@click.option("--as-at", "as_at", type=DATE,
              help="The date of the position (default: today, or the meeting's date with "
                   "--present-at).")
@click.option("--as-known-on", "known", type=DATETIME,
              help="Count only what was recorded by then (default: now).")
@format_option(*FOLLOW_UP_FORMATS)
@click.option("-o", "--output", type=OUTPUT, help="Write to FILE instead of stdout.")
@click.option("--present-at", "present_at", metavar="MEETING",
              help="Record that this report was presented to MEETING (needs --actor).")
@click.option("--fulfils", metavar="MEETING/NUMBER",
              help="With --present-at: the committee request this report answers.")
@pass_session
def command(session: Session, audit: str, as_at: date | None, known: datetime | None,
            fmt: str, output: str | None, present_at: str | None, fulfils: str | None) -> None:
    """The outcome of follow-up audit AUDIT: recommendations counted by the auditor's finding,
    where the auditor disagrees with the officers, assurance before and after, and a paragraph
    for the minutes. Read from the SQL read model, caught up first (from the log, the pure
    replay, where this role may not bring it up to date).

    \b
    Examples:
      ledger report follow-up ICO-FU-2017 --format markdown
      ledger report follow-up ICO-FU-2017 --as-at 2017-02-20 --as-known-on 2017-02-20 --format json
      ledger --actor Clerk report follow-up ICO-FU-2017 --format markdown \\
        --present-at 2017-02-20 --fulfils 2016-10-24/2
    """
    if fulfils and not present_at:
        raise BadValueError("--fulfils needs --present-at")
    actor = session.who() if present_at else None
    app = session.ledger(write=bool(present_at))
    report = follow_up(app, audit, as_at=as_at, as_known_on=known or datetime.now(UTC),
                       source=report_source(app),
                       meeting=present_at)
    if present_at is not None and actor is not None:
        paper = present_follow_up(app, present_at, report, fmt, actor=actor, fulfils=fulfils)
        echo_recorded(paper.recorded, app, err=True)
        text = paper.text
    else:
        text = render_follow_up(report, fmt)
    write_output(text, output, app.url)
