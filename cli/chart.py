"""`ledger chart`: the burn-up chart alone, as an SVG or PNG file."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Literal

import click

from ledger.application.reporting import burnup_chart
from ledger.cli.common import DATE, DATETIME, BadValueError, Session, pass_session
from ledger.cli.output import OUTPUT, write_bytes


@click.command("chart")
@click.option("--from", "start", type=DATE, help="First day (default: the first action's date).")
@click.option("--to", "end", type=DATE, help="Last day (default: today).")
@click.option("--audit", metavar="REF", help="Only this audit's actions.")
@click.option("--as-known-on", "known", type=DATETIME,
              help="Count only what was recorded by then (default: now).")
@click.option("-o", "--output", type=OUTPUT, metavar="FILE.svg|FILE.png", required=True,
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
        raise BadValueError(f"-o {output}: the chart is written as .svg or .png")
    fmt: Literal["svg", "png"] = "svg" if extension == "svg" else "png"
    app = session.ledger(write=False)
    chart = burnup_chart(app, start=start, end=end, audit=audit, known=known or datetime.now(UTC))
    from ledger.projections.render.chart import draw  # matplotlib, only when drawing

    write_bytes(draw(chart.points, chart.meetings, fmt), output, app.url)
