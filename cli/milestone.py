"""`ledger milestone`: things actions wait on that are not themselves actions."""

from __future__ import annotations

from datetime import date

import click

from ledger.cli.common import Session, echo_recorded, on_option, pass_session


@click.group("milestone")
def command() -> None:
    """Milestones that actions can depend on.

    \b
    Example:
      ledger --actor "J Smith" milestone achieve RM-RECRUITED --on 2016-12-01
    """


@command.command("add")
@click.argument("ref")
@click.option("--text", required=True, help="What has to happen.")
@on_option
@pass_session
def add(session: Session, ref: str, text: str, on: date) -> None:
    """Record a pending milestone REF.

    \b
    Example:
      ledger --actor "J Smith" milestone add RM-RECRUITED --text "Records Manager recruited" \\
        --on 2016-09-01
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.add_milestone(ref, text=text, on=on, actor=actor), app)


@command.command("achieve")
@click.argument("ref")
@on_option
@click.option("--note", help="How it was achieved.")
@pass_session
def achieve(session: Session, ref: str, on: date, note: str | None) -> None:
    """Mark milestone REF achieved.

    \b
    Example:
      ledger --actor "J Smith" milestone achieve RM-RECRUITED --on 2016-12-01
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.achieve_milestone(ref, on=on, note=note, actor=actor), app)
