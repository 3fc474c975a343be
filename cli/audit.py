"""`ledger audit`: audits and assessments, the sources of recommendations."""

from __future__ import annotations

from datetime import date

import click

from ledger.cli.common import REF, BadValueError, Session, echo_recorded, on_option, pass_session
from ledger.domain.events import Assurance, AuditKind


@click.group("audit")
def command() -> None:
    """Audits and assessments that make recommendations.

    \b
    Example:
      ledger --actor "J Smith" audit add ICO-2015 --title "ICO data protection audit" --kind ico-audit --on 2015-10-30
    """


def _areas(values: tuple[str, ...]) -> dict[str, Assurance]:
    areas: dict[str, Assurance] = {}
    for value in values:
        name, sep, rating = value.rpartition("=")
        if not sep or not name.strip():
            raise BadValueError(f"--area {value!r} is not NAME=RATING")
        if rating not in {a.value for a in Assurance}:
            raise BadValueError(
                f"--area {value!r}: rating {rating!r} is not one of "
                f"{', '.join(a.value for a in Assurance)}")
        areas[name.strip()] = Assurance(rating)
    return areas


@command.command("add")
@click.argument("ref")
@click.option("--title", required=True, help="The audit's title.")
@click.option("--kind", required=True, type=click.Choice([k.value for k in AuditKind]),
              help="What kind of audit.")
@on_option
@click.option("--area", "areas", multiple=True, metavar="NAME=RATING",
              help="A scope area and its assurance rating; repeat for each area.")
@click.option("--follows", metavar="AUDIT", type=REF,
              help="With --kind follow-up: the audit this one follows up.")
@pass_session
def add(session: Session, ref: str, title: str, kind: str, on: date,
        areas: tuple[str, ...], follows: str | None) -> None:
    """Record an audit REF dated --on, with its scope areas.

    \b
    Examples:
      ledger --actor "J Smith" audit add ICO-2015 --title "ICO data protection audit" \\
        --kind ico-audit --on 2015-10-30 --area governance=limited --area "data sharing=reasonable"
      ledger --actor "ICO auditor" audit add ICO-FU-2017 --title "ICO follow-up audit" \\
        --kind follow-up --follows ICO-2015 --on 2017-01-30
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.add_audit(ref, title=title, kind=AuditKind(kind), on=on, areas=_areas(areas),
                                follows=follows, actor=actor), app)


@command.command("assurance")
@click.argument("ref")
@click.option("--area", required=True, metavar="NAME",
              help="A scope area of the audit that REF follows up.")
@click.option("--rating", required=True, type=click.Choice([a.value for a in Assurance]),
              help="The follow-up's assurance rating for that area.")
@on_option
@pass_session
def assurance(session: Session, ref: str, area: str, rating: str, on: date) -> None:
    """Record follow-up audit REF's revised assurance rating for one scope area (the rating
    before is the followed audit's own).

    \b
    Example:
      ledger --actor "ICO auditor" audit assurance ICO-FU-2017 --area governance \\
        --rating reasonable --on 2017-01-30
    """
    actor = session.who()
    app = session.ledger(write=True)
    echo_recorded(app.revise_assurance(ref, area=area, rating=Assurance(rating), on=on,
                                       actor=actor), app)
