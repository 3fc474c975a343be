"""`ledger correct` and `ledger retract`: amend an earlier event by its position in the trail.

The earlier event stays in the chain; a new event says how it reads from now on. The options of
`correct` are those of the command that recorded the event (`--on`, `--owner`, `--due`, ...),
each mapped to the field of the event it changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from ledger.application import Ledger
from ledger.cli.common import DATE, REF, BadValueError, Number, Session, pass_session
from ledger.domain import events as ev
from ledger.domain.amend import correctable_fields
from ledger.domain.values import Logged
from ledger.projections.describe import summary
from ledger.projections.trail import links_of

FIELDS: dict[str, tuple[str, ...]] = {
    "on": ("held_on", "effective"), "owner": ("owner",), "due": ("due",), "text": ("text",),
    "evidence": ("evidence",), "note": ("note",), "priority": ("priority",),
    "depends_on": ("depends_on",), "add_dependency": ("depends_on",),
    "drop_dependency": ("depends_on",), "recommendations": ("recommendations",),
    "title": ("title",), "committee": ("committee",), "kind": ("kind",), "area": ("area", "areas"),
    "response": ("response",), "risk_accepted_by": ("risk_accepted_by",), "audit": ("audit",),
    "by": ("by",), "new_reason": ("reason",), "minute": ("minute",), "further_to": ("further_to",),
    "report_due_at": ("report_due_at",), "report_due_by": ("report_due_by",),
    "report_after": ("report_after",),
}
"""Each option of `correct` -> the event fields it may set (the first the event has)."""


def _flag(name: str) -> str:
    return "--" + {"recommendations": "recommendation"}.get(name, name).replace("_", "-")


def applicable(cls: type[ev.LedgerEvent]) -> list[str]:
    """The options of `correct` that change an event of this class."""
    fields = correctable_fields(cls)
    return [_flag(name) for name, wanted in FIELDS.items() if set(wanted) & fields]


def _areas(values: Sequence[str], cls: type[ev.LedgerEvent]) -> Any:
    """--area: NAME=RATING pairs for an audit, one NAME for a recommendation."""
    if cls is ev.RecommendationMade:
        if len(values) != 1:
            raise BadValueError("--area: a recommendation falls under one scope area")
        return values[0]
    areas = {}
    for value in values:
        name, sep, rating = value.rpartition("=")
        if not sep or not name.strip():
            raise BadValueError(f"--area {value!r} is not NAME=RATING")
        areas[name.strip()] = rating
    return areas


def new_values(view: ev.LedgerEvent, given: dict[str, Any], position: int) -> dict[str, Any]:
    """The event fields the given options set, for an event as it reads now; an option that
    does not apply to the event is a one-line error listing those that do."""
    cls = type(view)
    fields = correctable_fields(cls)
    values: dict[str, Any] = {}
    for name, value in given.items():
        field = next((f for f in FIELDS[name] if f in fields), None)
        if field is None:
            raise BadValueError(f"{_flag(name)} does not apply to the {cls.__name__} at "
                                f"position {position}: correct it with "
                                f"{', '.join(applicable(cls))}")
        if name == "area":
            value = _areas(value, cls)
        elif name in ("add_dependency", "drop_dependency"):
            current = list(values.get("depends_on", getattr(view, "depends_on", ())))
            for ref in value:
                if name == "add_dependency" and ref not in current:
                    current.append(ref)
                elif name == "drop_dependency":
                    if ref not in current:
                        raise BadValueError(f"--drop-dependency {ref}: {view.ref} does not "
                                            f"depend on it (it depends on "
                                            f"{', '.join(current) or 'nothing'})")
                    current.remove(ref)
            value = current
        elif isinstance(value, tuple):
            value = list(value)
        values[field] = value
        if (name == "response" and value == ev.Response.ACCEPTED.value
                and "risk_accepted_by" not in given and getattr(view, "risk_accepted_by", None)):
            values["risk_accepted_by"] = None  # an accepted recommendation has no risk accepted
        if name == "on" and field == "held_on":  # a meeting is effective when recorded or held
            values["effective"] = min(value, view.timestamp.date())
    return values


def _given(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v not in (None, ())}


def _echo(app: Ledger, logged: Sequence[Logged]) -> None:
    """Print what was recorded, a correction with the values it replaced, and the fingerprint."""
    for item in logged:
        e = item.event
        link = links_of(app.history(e.ref)).get(item.position)
        was = dict(link.was) if link and link.was is not None else None
        click.echo(f"recorded #{item.position} {e.ref}: {summary(e, was)} (by {e.actor})")
    click.echo(f"fingerprint {app.fingerprint()}")


@click.command("correct")
@click.argument("position", type=Number(1))
@click.option("--reason", required=True, help="Why the correction is made.")
@click.option("--on", "on", type=DATE, help="The effective date (a meeting: the day it is held).")
@click.option("--owner", metavar="NAME", help="Owner (action added, assigned).")
@click.option("--due", type=DATE, help="Target date (action added, rescheduled).")
@click.option("--text", help="Words of a recommendation, action, note, milestone, resolution.")
@click.option("--evidence", help="Evidence of a completion.")
@click.option("--note", help="Note of a start or an achieved milestone.")
@click.option("--priority", type=click.Choice([p.value for p in ev.Priority]))
@click.option("--depends-on", "depends_on", multiple=True, type=REF, metavar="REF",
              help="What an action waits on; repeat; replaces the whole list.")
@click.option("--add-dependency", "add_dependency", multiple=True, type=REF, metavar="REF",
              help="Add one thing the action waits on; repeatable.")
@click.option("--drop-dependency", "drop_dependency", multiple=True, type=REF, metavar="REF",
              help="Drop one thing the action waits on; repeatable.")
@click.option("--recommendation", "recommendations", multiple=True, type=REF, metavar="REF",
              help="The recommendations an action serves (moves it); repeat for several.")
@click.option("--title", help="An audit's title.")
@click.option("--committee", metavar="NAME", help="A meeting's committee.")
@click.option("--kind", help="An audit's kind, or a resolution's.")
@click.option("--area", multiple=True, metavar="NAME[=RATING]",
              help="An audit's scope areas (NAME=RATING, repeat; replaces them all), or a "
                   "recommendation's area (NAME).")
@click.option("--response", type=click.Choice([r.value for r in ev.Response]),
              help="Management's response to a recommendation (accepted: who accepted the "
                   "risk is cleared).")
@click.option("--risk-accepted-by", "risk_accepted_by", metavar="NAME",
              help="Who accepted the risk of a recommendation not or partially accepted.")
@click.option("--audit", type=REF, metavar="REF", help="The audit a recommendation belongs to.")
@click.option("--by", type=REF, metavar="REF", help="The action that supersedes it.")
@click.option("--new-reason", "new_reason",
              help="The corrected event's own reason (of a reopen, reschedule, assignment, "
                   "withdrawal, supersession).")
@click.option("--minute", metavar="NN/YY", help="A resolution's minute.")
@click.option("--further-to", "further_to", metavar="NN/YY", help="The minute it follows.")
@click.option("--report-due-at", "report_due_at", type=REF, metavar="MEETING")
@click.option("--report-due-by", "report_due_by", type=DATE)
@click.option("--report-after", "report_after", metavar="TEXT")
@pass_session
def correct(session: Session, /, position: int, reason: str, **options: Any) -> None:
    """Correct the event at POSITION of the trail (see ledger history / log): from now on it
    reads as if it had been recorded with the new values. The original stays in the chain;
    reports as known before the correction show it, as known after show the corrected fact,
    and the rules (effective-date order, dependencies) apply to the corrected sequence: a
    correction they refuse records nothing. Correcting a correction corrects the same event.

    The options are those of the command that recorded the event: --on for its effective
    date (for a meeting, the day it is held), --owner, --due, --text, --evidence, ...; an
    option the event does not have is refused, naming those it has.

    \b
    Examples:
      ledger --actor "J Smith" correct 57 --on 2024-06-10 --reason "Typed 20 June, meant 10"
      ledger --actor "J Smith" correct 12 --text "Train every asset owner" --priority urgent \\
        --reason "Wording agreed with the ICO"
      ledger --actor "J Smith" correct 15 --drop-dependency RM-RECRUITED --reason "Not needed"
      ledger --actor "J Smith" correct 15 --recommendation ICO-A3 --reason "Filed under A2"
      ledger --actor "J Smith" correct 9 --risk-accepted-by "Director of Resources" \\
        --reason "Named the wrong director"
    """
    given = _given(options)
    if not given:
        raise BadValueError("nothing to correct: give the new values (ledger correct --help)")
    actor = session.who()
    app = session.ledger(write=True)
    values = new_values(app.corrected_view(position), given, position)
    _echo(app, app.correct(position, reason=reason, actor=actor, values=values))


@click.command("retract")
@click.argument("position", type=Number(1))
@click.option("--reason", required=True, help="Why it is retracted.")
@pass_session
def retract(session: Session, position: int, reason: str) -> None:
    """Retract the event at POSITION: from now on it reads as never recorded (it stays in the
    chain). Retracting a correction undoes it; retracting a retraction restores what it
    retracted; retracting a creation makes the record read as never made. Refused, recording
    nothing, if the log read without it would break a rule.

    \b
    Example:
      ledger --actor "J Smith" retract 60 --reason "Noted on the wrong action"
    """
    actor = session.who()
    app = session.ledger(write=True)
    _echo(app, app.retract(position, reason=reason, actor=actor))


commands = [correct, retract]
