"""`ledger assess`: a follow-up audit's finding on a recommendation or an action."""

from __future__ import annotations

from datetime import date

import click

from ledger.cli.common import REF, Session, echo_recorded, on_option, pass_session
from ledger.domain.events import Outcome


@click.command("assess")
@click.argument("ref")
@click.option("--by", "by", required=True, type=REF, metavar="FOLLOW_UP_AUDIT",
              help="The follow-up audit whose finding this is.")
@click.option("--outcome", required=True, type=click.Choice([o.value for o in Outcome]),
              help="How far the auditor found REF implemented.")
@on_option
@click.option("--note", help="The auditor's words (the reason, with --reopen).")
@click.option("--reopen", is_flag=True,
              help="Also reopen the completed actions of REF, with the note as the reason.")
@pass_session
def command(session: Session, ref: str, by: str, outcome: str, on: date, note: str | None,
            reopen: bool) -> None:
    """Record the follow-up audit's finding on recommendation or action REF, beside the
    officers' own statuses (it never changes them; --reopen reopens the completed actions).

    \b
    Examples:
      ledger --actor "ICO auditor" assess ICO-A1 --by ICO-FU-2017 --outcome implemented \\
        --on 2017-01-30
      ledger --actor "IG Manager" assess ICO-A5 --by ICO-FU-2017 \\
        --outcome partially-implemented --on 2017-01-30 \\
        --note "Risk register not yet reviewed by the board" --reopen
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.assess(ref, by=by, outcome=Outcome(outcome), on=on, note=note,
                             reopen=reopen, actor=actor), app)
