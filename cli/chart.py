"""`ledger chart`: the burn-up chart alone, as an SVG or PNG file."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Literal

import click

from ledger.cli.common import DATE, DATETIME, LedgerClickError, Session, pass_session
from ledger.cli.htmlout import meeting_label, write_bytes
from ledger.domain.errors import UnknownRef
from ledger.projections.replay import Timeline
from ledger.projections.report import iso_utc


@click.command("chart")
@click.option("--from", "start", type=DATE, help="First day (default: the first action's date).")
@click.option("--to", "end", type=DATE, help="Last day (default: today).")
@click.option("--audit", metavar="REF", help="Only this audit's actions.")
@click.option("--as-known-on", "known", type=DATETIME,
              help="Count only what was recorded by then (default: now).")
@click.option("-o", "--output", metavar="FILE.svg|FILE.png", required=True,
              help="Where to write the chart; the extension chooses the format.")
@pass_session
def command(session: Session, start: date | None, end: date | None, audit: str | None,
            known: datetime | None, output: str) -> None:
    """Draw the burn-up chart (actions completed, in progress and not started over time, with
    the committee's meetings marked) from --from to --to.

    \b
    Examples:
      ledger chart --from 2016-03-15 --to 2016-10-24 -o burnup.svg
      ledger chart --audit ICO-2015 --to 2016-10-24 --as-known-on 2016-10-24 -o ico.png
    """
    extension = os.path.splitext(output)[1].lower().lstrip(".")
    if extension not in ("svg", "png"):
        raise LedgerClickError(f"-o {output}: the chart is written as .svg or .png", 2)
    fmt: Literal["svg", "png"] = "svg" if extension == "svg" else "png"
    from ledger.projections.render.chart import burnup, draw

    horizon = known or datetime.now(UTC)
    app = session.ledger(write=False)
    timeline = Timeline.build(app.stream(), horizon)
    last = end or horizon.date()
    if audit is not None and audit not in timeline.audits:
        raise UnknownRef(f"no audit {audit} as known on {iso_utc(horizon)}")
    if start is None:
        added = [a.added_on for a in timeline.position(last).for_audit(audit)]
        if not added:
            raise UnknownRef(f"no actions as at {last}: nothing to chart")
        start = min(added)
    if last < start:
        raise LedgerClickError(f"--to {last} is before --from {start}", 2)
    points = burnup(timeline, start, last, audit)
    meetings = [(m.held_on, meeting_label(m.held_on)) for m in timeline.meeting_list()
                if start <= m.held_on <= last]
    write_bytes(draw(points, meetings, fmt), output)
