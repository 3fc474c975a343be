"""`ledger history` and `ledger log`: the audit trail, streamed."""

from __future__ import annotations

import sys
from datetime import date

import click

from ledger.cli.common import DATE, Session, format_option, pass_session
from ledger.domain.errors import UnknownRef
from ledger.projections.trail import links_of, select, write_trail


@click.command("history")
@click.argument("ref")
@format_option("text", "json", "csv")
@pass_session
def history(session: Session, ref: str, fmt: str) -> None:
    """Every event about REF: position, recorded time, effective date, actor, what changed
    from → to, and the reason or evidence. A corrected or retracted event stays, marked
    "corrected by #N" / "retracted by #N"; the correction says what it changed ("corrects #12:
    effective 2024-06-20 → 2024-06-10, reason: ..."). JSON gives each event's position,
    corrects/retracts and corrected_by/retracted_by.

    \b
    Examples:
      ledger history ICO-A2.1
      ledger history 2016-10-24 --format csv > minutes-trail.csv
    """
    app = session.ledger(write=False)
    if app.find(ref) is None:
        raise UnknownRef(f"no record {ref}")
    history = app.history(ref)
    write_trail(history, fmt, sys.stdout, links_of(history))


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
    trail = select(app.stream(), recorded_from=recorded_from, recorded_to=recorded_to,
                   actor=actor, ref=ref)
    write_trail(trail, fmt, sys.stdout, app.trail_links(ref))


commands = [history, log]
