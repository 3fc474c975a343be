"""`ledger list`: actions, recommendations, audits or meetings, filtered, as a table, JSON or
CSV. The answers come from `ledger.application.reporting` (the read model, caught up)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import click

from ledger.application import reporting
from ledger.application.reporting import ActionFilter, Listing
from ledger.cli.common import DATE, DATETIME, REF, Session, format_option, pass_session, report_source
from ledger.domain import events as ev
from ledger.projections.render.listing import listing_csv, listing_json, listing_text

F = TypeVar("F", bound=Callable[..., Any])
STATUSES = [s.value for s in ev.Status] + ["outstanding"]


def clocks(f: F) -> F:
    """--as-at and --as-known-on, and --format text|json|csv."""
    f = format_option("text", "json", "csv")(f)
    f = click.option("--as-known-on", "known", type=DATETIME,
                     help="Count only what was recorded by then (default: now).")(f)
    return click.option("--as-at", "as_at", type=DATE,
                        help="The date to ask about (default: today).")(f)


def _when(as_at: date | None, known: datetime | None) -> tuple[date, datetime]:
    now = datetime.now(UTC)
    day = as_at or now.date()
    reporting.check_as_at(day, None, now.date())
    return day, known or now


def _print(listing: Listing, fmt: str) -> None:
    renderers = {"json": listing_json, "csv": listing_csv, "text": listing_text}
    click.echo(renderers[fmt](listing), nl=False)


@click.group("list")
def command() -> None:
    """List actions, recommendations, audits or meetings, as at any date, filtered.

    \b
    Examples:
      ledger list actions --owner "IG Manager" --status outstanding
      ledger list actions --overdue --audit ICO-2015 --format csv
      ledger list recommendations --audit ICO-2015 --format json
      ledger list meetings
    """


@command.command("actions")
@click.option("--owner", metavar="NAME", help="Only this owner's actions (ignoring case).")
@click.option("--status", "statuses", type=click.Choice(STATUSES), multiple=True,
              help="Only actions in this status (repeatable; outstanding: not started or in "
                   "progress).")
@click.option("--overdue", is_flag=True, help="Only unfinished actions past their target date.")
@click.option("--audit", type=REF, help="Only this audit's actions.")
@click.option("--recommendation", type=REF, help="Only this recommendation's actions.")
@clocks
@pass_session
def actions(session: Session, owner: str | None, statuses: tuple[str, ...], overdue: bool,
            audit: str | None, recommendation: str | None, as_at: date | None,
            known: datetime | None, fmt: str) -> None:
    """List actions: ref, status, owner, target date, whether overdue, what they wait on.

    \b
    Examples:
      ledger list actions
      ledger list actions --owner "IG Manager" --status in_progress --status not_started
      ledger list actions --overdue --as-at 2016-10-24 --format json
      ledger list actions --audit ICO-2015 --format csv > actions.csv
    """
    app = session.ledger(write=False)
    day, horizon = _when(as_at, known)
    keep = ActionFilter(owner, statuses, overdue, audit, recommendation)
    _print(reporting.list_actions(report_source(app), day, horizon, keep), fmt)


@command.command("recommendations")
@click.option("--audit", type=REF, help="Only this audit's recommendations.")
@click.option("--priority", type=click.Choice([p.value for p in ev.Priority]),
              help="Only recommendations of this priority.")
@clocks
@pass_session
def recommendations(session: Session, audit: str | None, priority: str | None,
                    as_at: date | None, known: datetime | None, fmt: str) -> None:
    """List recommendations with their audit, priority, wording and actions by status.

    \b
    Examples:
      ledger list recommendations
      ledger list recommendations --audit ICO-2015 --priority high --format json
    """
    app = session.ledger(write=False)
    day, horizon = _when(as_at, known)
    _print(reporting.list_recommendations(app, day, horizon, audit=audit, priority=priority),
           fmt)


@command.command("audits")
@clocks
@pass_session
def audits(session: Session, as_at: date | None, known: datetime | None, fmt: str) -> None:
    """List audits with their kind, date, title and actions by status.

    \b
    Examples:
      ledger list audits
      ledger list audits --as-at 2016-07-25 --format json
    """
    app = session.ledger(write=False)
    day, horizon = _when(as_at, known)
    _print(reporting.list_audits(report_source(app), day, horizon), fmt)


@command.command("meetings")
@click.option("--committee", metavar="NAME", help="Only this committee's meetings (ignoring "
              "case).")
@clocks
@pass_session
def meetings(session: Session, committee: str | None, as_at: date | None,
             known: datetime | None, fmt: str) -> None:
    """List meetings in date order: committee, date, held or scheduled, resolutions passed.

    \b
    Examples:
      ledger list meetings
      ledger list meetings --committee "Audit and Procurement Committee" --format csv
    """
    app = session.ledger(write=False)
    day, horizon = _when(as_at, known)
    _print(reporting.list_meetings(report_source(app), day, horizon, committee=committee), fmt)
