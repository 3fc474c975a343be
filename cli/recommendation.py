"""`ledger recommendation`: what an audit recommended."""

from __future__ import annotations

from datetime import date

import click

from ledger.cli.common import Session, echo_recorded, on_option, pass_session
from ledger.domain.events import Priority, Response


@click.group("recommendation")
def command() -> None:
    """Recommendations made by audits.

    \b
    Example:
      ledger --actor "J Smith" recommendation add ICO-A1 --audit ICO-2015 --text "Appoint a SIRO" \\
        --priority high --on 2015-12-14
    """


@command.command("add")
@click.argument("ref")
@click.option("--audit", required=True, metavar="REF", help="The audit that made it.")
@click.option("--text", required=True, help="What was recommended.")
@click.option("--priority", required=True, type=click.Choice([p.value for p in Priority]))
@click.option("--area", metavar="NAME", help="The audit's scope area it falls under.")
@click.option("--response", type=click.Choice([r.value for r in Response]), default="accepted",
              show_default=True, help="Management's response.")
@click.option("--risk-accepted-by", metavar="NAME",
              help="Who accepted the risk (a response not or partially accepted).")
@on_option
@pass_session
def add(session: Session, ref: str, audit: str, text: str, priority: str, area: str | None,
        response: str, risk_accepted_by: str | None, on: date) -> None:
    """Record recommendation REF of an audit.

    \b
    Example:
      ledger --actor "J Smith" recommendation add ICO-A1 --audit ICO-2015 \\
        --text "Appoint a Records Manager" --priority high --area governance --on 2015-12-01
      ledger --actor "J Smith" recommendation add ICO-A9 --audit ICO-2015 \\
        --text "Encrypt all laptops" --priority medium --response not-accepted \\
        --risk-accepted-by "Director of Resources" --on 2015-12-01
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.add_recommendation(ref, audit=audit, text=text, priority=Priority(priority),
                                         area=area, response=Response(response),
                                         risk_accepted_by=risk_accepted_by, on=on, actor=actor),
                  app)
