"""`ledger report targets`, `ledger policy set`, `ledger action approve-reschedule`: target
dates under governance."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click

from ledger.cli.common import (
    DATE,
    DATETIME,
    REF,
    Number,
    Session,
    echo_recorded,
    format_option,
    on_option,
    pass_session,
    report_source,
)
from ledger.cli.output import OUTPUT, write_output
from ledger.projections.rag import targets_report
from ledger.projections.rag_render import TARGETS_FORMATS, render_targets


@click.command("targets")
@click.option("--as-at", "as_at", type=DATE, help="The date of the position (default: today).")
@click.option("--as-known-on", "known", type=DATETIME,
              help="Count only what was recorded by then (default: now).")
@click.option("--audit", type=REF, help="Only this audit's actions.")
@format_option(*TARGETS_FORMATS)
@click.option("-o", "--output", type=OUTPUT, help="Write to FILE instead of stdout.")
@pass_session
def report_targets(session: Session, as_at: date | None, known: datetime | None,
                   audit: str | None, fmt: str, output: str | None) -> None:
    """Target dates as at a date: each action's original and current date, how often it moved,
    its RAG status and the age of what is overdue, requests awaiting approval, and
    recommendations counted by their actions. Read from the SQL read model, caught up first
    (from the log, the pure replay, where this role may not bring it up to date).

    \b
    Example:
      ledger report targets --as-at 2016-10-24 --format json
    """
    app = session.ledger(write=False)
    horizon = known or datetime.now(UTC)
    report = targets_report(report_source(app), as_at or horizon.date(), horizon, audit)
    write_output(render_targets(report, fmt), output, app.url)


@click.group("policy")
def policy() -> None:
    """The ledger's policy on target dates.

    \b
    Example:
      ledger --actor "Head of Audit" policy set --max-revisions 2 --approval-required --on 2016-04-01
    """


@policy.command("set")
@click.option("--revised-counts-overdue/--revised-date-counts", "revised", default=True,
              show_default=True,
              help="Whether a missed original date still counts overdue after a revision.")
@click.option("--max-revisions", type=Number(0), help="Flag an action moved more often.")
@click.option("--approval-required", is_flag=True,
              help="A new target date without --approved-by waits for approval.")
@on_option
@pass_session
def policy_set(session: Session, revised: bool, max_revisions: int | None,
               approval_required: bool, on: date) -> None:
    """Set the target-date policy, in force from --on (reports as at an earlier date use the
    policy in force then).

    \b
    Example:
      ledger --actor "Head of Audit" policy set --max-revisions 2 --approval-required --on 2016-04-01
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.set_target_policy(on=on, revised_counts_overdue=revised,
                                        max_revisions=max_revisions,
                                        approval_required=approval_required, actor=actor), app)


@click.command("approve-reschedule")
@click.argument("ref")
@click.option("--by", "by", required=True, metavar="NAME", help="Who approved the new date.")
@on_option
@pass_session
def approve_reschedule(session: Session, ref: str, by: str, on: date) -> None:
    """Approve action REF's request for a new target date.

    \b
    Example:
      ledger --actor "J Smith" action approve-reschedule ICO-A2.2 --by "Audit Committee" --on 2016-10-24
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.approve_reschedule(ref, by=by, on=on, actor=actor), app)
