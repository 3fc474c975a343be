"""`ledger history` and `ledger log`: the audit trail, streamed."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from datetime import date

import click

from ledger.cli.common import DATE, Session, format_option, pass_session
from ledger.domain.errors import UnknownRef
from ledger.domain.values import Logged
from ledger.projections.trail import COLUMNS, select, trail_csv, trail_line, trail_row


def emit(items: Iterable[Logged], fmt: str) -> int:
    """Write rows as they come (never the whole trail in memory); return how many."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for item in items:
            writer.writerow(trail_csv(trail_row(item)))
            count += 1
        return count
    if fmt == "json":
        sys.stdout.write("[")
        for item in items:
            sys.stdout.write(("," if count else "") + "\n  " + json.dumps(trail_row(item)))
            count += 1
        sys.stdout.write("\n]\n" if count else "]\n")
        return count
    for item in items:
        # The change already carries its reason, evidence or note.
        click.echo(trail_line(trail_row(item)))
        count += 1
    return count


@click.command("history")
@click.argument("ref")
@format_option("text", "json", "csv")
@pass_session
def history(session: Session, ref: str, fmt: str) -> None:
    """Every event about REF: position, recorded time, effective date, actor, what changed
    from → to, and the reason or evidence.

    \b
    Examples:
      ledger history ICO-A2.1
      ledger history 2016-10-24 --format csv > minutes-trail.csv
    """
    app = session.ledger(write=False)
    if app.find(ref) is None:
        raise UnknownRef(f"no record {ref}")
    emit(app.history(ref), fmt)


@click.command("log")
@click.option("--from", "recorded_from", type=DATE, help="Recorded on or after this date (UTC).")
@click.option("--to", "recorded_to", type=DATE, help="Recorded on or before this date (UTC).")
@click.option("--actor", "actor", metavar="NAME", help="Only what this actor recorded.")
@click.option("--ref", metavar="REF", help="Only events about this ref.")
@format_option("text", "json", "csv")
@pass_session
def log(session: Session, recorded_from: date | None, recorded_to: date | None,
        actor: str | None, ref: str | None, fmt: str) -> None:
    """The trail across the whole ledger in recorded order, streamed (a million events print
    without being loaded into memory).

    \b
    Examples:
      ledger log --from 2016-10-01 --to 2016-10-31
      ledger log --actor "J Smith" --format json
    """
    app = session.ledger(write=False)
    emit(select(app.stream(), recorded_from=recorded_from, recorded_to=recorded_to, actor=actor,
                ref=ref), fmt)


commands = [history, log]
