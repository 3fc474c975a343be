"""`ledger action`: the actions of the plans and their life cycle."""

from __future__ import annotations

from datetime import date

import click

from ledger.cli.common import DATE, REF, Session, echo_recorded, on_option, pass_session


@click.group("action")
def command() -> None:
    """Actions: add them, move them not_started → in_progress → completed, withdraw or
    supersede them, and more.

    \b
    Example:
      ledger --actor "J Smith" action start ICO-A1.1 --on 2016-07-01
    """


@command.command("add")
@click.argument("ref")
@click.option("--recommendation", "recommendations", multiple=True, required=True, metavar="REF",
              help="A recommendation the action serves; repeat for several.")
@click.option("--text", required=True, help="What will be done.")
@click.option("--owner", metavar="NAME", help="Who owns it.")
@click.option("--due", type=DATE, help="Target date, YYYY-MM-DD.")
@click.option("--depends-on", "depends_on", multiple=True, metavar="REF",
              help="An action or milestone it waits on; repeat for several.")
@on_option
@pass_session
def add(session: Session, ref: str, recommendations: tuple[str, ...], text: str,
        owner: str | None, due: date | None, depends_on: tuple[str, ...], on: date) -> None:
    """Add action REF for one or more recommendations.

    \b
    Example:
      ledger --actor "J Smith" action add ICO-A1.1 --recommendation ICO-A1 \\
        --text "Recruit a Records Manager" --owner "Head of IG" --due 2016-12-31 \\
        --depends-on RM-FUNDED --on 2016-03-01
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.add_action(ref, recommendations=list(recommendations), text=text,
                                 owner=owner, due=due, depends_on=list(depends_on), on=on,
                                 actor=actor), app)


@command.command("start")
@click.argument("ref")
@on_option
@click.option("--note", help="A note on the start.")
@pass_session
def start(session: Session, ref: str, on: date, note: str | None) -> None:
    """Start action REF (refused while what it depends on is unfinished).

    \b
    Example:
      ledger --actor "J Smith" action start ICO-A1.1 --on 2016-07-01 --note "Job advertised"
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.start_action(ref, on=on, note=note, actor=actor), app)


@command.command("complete")
@click.argument("ref")
@on_option
@click.option("--evidence", help="What shows it is done.")
@pass_session
def complete(session: Session, ref: str, on: date, evidence: str | None) -> None:
    """Complete action REF.

    \b
    Example:
      ledger --actor "J Smith" action complete ICO-A1.1 --on 2016-10-19 \\
        --evidence "Handbook launched at Data Day"
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.complete_action(ref, on=on, evidence=evidence, actor=actor), app)


@command.command("reopen")
@click.argument("ref")
@on_option
@click.option("--reason", required=True, help="Why it is reopened.")
@pass_session
def reopen(session: Session, ref: str, on: date, reason: str) -> None:
    """Reopen completed action REF, with a reason.

    \b
    Example:
      ledger --actor "J Smith" action reopen ICO-A1.1 --on 2016-11-01 --reason "Evidence rejected"
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.reopen_action(ref, on=on, reason=reason, actor=actor), app)


@command.command("assign")
@click.argument("ref")
@click.option("--owner", required=True, metavar="NAME", help="The new owner.")
@on_option
@click.option("--reason", help="Why the owner changed.")
@pass_session
def assign(session: Session, ref: str, owner: str, on: date, reason: str | None) -> None:
    """Give action REF a new owner.

    \b
    Example:
      ledger --actor "J Smith" action assign ICO-A1.1 --owner "Records Manager" --on 2016-12-01
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.assign_action(ref, owner=owner, on=on, reason=reason, actor=actor), app)


@command.command("reschedule")
@click.argument("ref")
@click.option("--due", type=DATE, required=True, help="The new target date.")
@on_option
@click.option("--reason", required=True, help="Why the target moved.")
@click.option("--approved-by", "approved_by", metavar="NAME",
              help="Who approved the new date (without it, under a policy requiring approval, "
                   "the new date waits for `action approve-reschedule`).")
@pass_session
def reschedule(session: Session, ref: str, due: date, on: date, reason: str,
               approved_by: str | None) -> None:
    """Move action REF's target date, with a reason (the original is kept).

    \b
    Example:
      ledger --actor "J Smith" action reschedule ICO-A1.1 --due 2017-03-01 --on 2016-10-01 \\
        --reason "Waiting on recruitment" --approved-by "Head of Audit"
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.reschedule_action(ref, due=due, on=on, reason=reason, actor=actor,
                                        approved_by=approved_by), app)


@command.command("note")
@click.argument("ref")
@click.argument("text")
@on_option
@click.option("--personal", is_flag=True,
              help="The note is about the people it names: its text is personal data, kept "
                   "apart from the chain and erased with any of them (ledger erase).")
@pass_session
def note(session: Session, ref: str, text: str, on: date, personal: bool) -> None:
    """Add a note TEXT to action REF.

    \b
    Example:
      ledger --actor "J Smith" action note ICO-A1.1 "Interviews on 3 November" --on 2016-10-20
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.note_action(ref, text, on=on, actor=actor, personal=personal), app)


@command.command("withdraw")
@click.argument("ref")
@click.option("--reason", required=True,
              help="Why: the recommendation was not accepted, the risk was accepted, ...")
@on_option
@pass_session
def withdraw(session: Session, ref: str, reason: str, on: date) -> None:
    """Withdraw action REF (not started or in progress): from --on it is counted apart, as
    withdrawn, never as outstanding or overdue, and no longer blocks what waits on it.

    \b
    Example:
      ledger --actor "J Smith" action withdraw ICO-A8.4 --on 2016-11-21 \\
        --reason "Risk accepted by the SIRO"
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.withdraw_action(ref, on=on, reason=reason, actor=actor), app)


@command.command("supersede")
@click.argument("ref")
@click.option("--by", required=True, type=REF, metavar="REF",
              help="The action that carries the work on.")
@on_option
@click.option("--reason", help="Why it was superseded.")
@pass_session
def supersede(session: Session, ref: str, by: str, on: date, reason: str | None) -> None:
    """Mark action REF (not started or in progress) superseded by action --by: from --on it
    is counted apart, as superseded, never as outstanding or overdue.

    \b
    Example:
      ledger --actor "J Smith" action supersede ICO-A4.2 --by ICO-A4.5 --on 2016-11-21 \\
        --reason "Folded into the asset register project"
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.supersede_action(ref, by=by, on=on, reason=reason, actor=actor), app)
