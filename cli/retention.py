"""`ledger retention`: the schedule, what falls due under it, and applying it."""

from __future__ import annotations

from datetime import date

import click

from ledger.application import retention
from ledger.cli.common import IsoDate, Number, Session, pass_session


@click.group("retention")
def command() -> None:
    """Keep free-text personal data only so long after an action closes.

    \b
    Example:
      ledger --actor "DPO" retention set --years 6 --basis "TNA retention scheduling 11"
      ledger retention plan
    """


@command.command("set")
@click.option("--years", type=Number(1, 100), required=True,
              help="How many years after an action closes its free text is kept.")
@click.option("--basis", required=True, help="Whose guidance the schedule follows.")
@pass_session
def set_(session: Session, years: int, basis: str) -> None:
    """Record the retention schedule (it replaces any earlier one).

    \b
    Example:
      ledger --actor "DPO" retention set --years 6 --basis "TNA retention scheduling 11: internal audit records"
    """
    actor = session.who()
    app = session.ledger(write=True)
    logged = retention.set_schedule(app, years=years, basis=basis, actor=actor)
    click.echo(f"recorded #{logged.position}: retention {years} years after closure ({basis}); "
               f"fingerprint {logged.position}:{logged.hash}")


@command.command("plan")
@click.option("--on", "on", type=IsoDate(), metavar="DATE",
              help="The day to plan for (default: today).")
@pass_session
def plan(session: Session, on: date | None) -> None:
    """List the actions whose free-text personal data falls due for erasure.

    \b
    Example:
      ledger retention plan --on 2023-01-01
    """
    app = session.ledger(write=False)
    todo = retention.plan(app, on)
    click.echo(f"retention {todo.schedule.years} years after closure ({todo.schedule.basis}); "
               f"as at {todo.on}: actions closed on or before {todo.cutoff}")
    for due in todo.due:
        click.echo(f"  {due.ref} {due.status.value} on {due.closed_on}")
    by_field = ", ".join(f"{field} {n}" for field, n in sorted(todo.values.items()))
    click.echo(f"{len(todo.due)} actions; {todo.count} free texts to erase"
               + (f" ({by_field})" if by_field else ""))


@command.command("apply")
@pass_session
def apply(session: Session) -> None:
    """Erase the free-text personal data of every action due under the schedule today, with the
    same guarantees as `ledger erase`.

    \b
    Example:
      ledger --actor "DPO" retention apply
    """
    actor = session.who()
    app = session.ledger(write=True)
    done = retention.apply(app, actor=actor)
    by_field = ", ".join(f"{field} {n}" for field, n in sorted(done.fields.items()))
    click.echo(f"erased {done.count} values ({by_field}); recorded at #{done.recorded.position}; "
               f"fingerprint {done.recorded.position}:{done.recorded.hash}")
