"""Erasure finds a name exactly as stored, on both backends, whatever characters it holds: given
by an event or by a correction (whose new personal values are one JSON text), written raw or
escaped (`\\u00eb`), and never a longer name that merely contains it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from ledger.application import Ledger
from ledger.application.auditing import verify_deep
from ledger.application.erasing import erase
from ledger.domain import events as ev
from ledger.domain.personal import ERASED
from ledger.projections.readmodel import ReadModel
from ledger.projections.replay import replay
from tests.conftest import Clock

AWKWARD = ['Ann "Nan" Lee', "Ann \\ Lee", "Zoë Lee", "Dirk Strauß", "\u212aim Bo",
           "Ann_% Lee", "Ann 😀 Lee", "Cy O'Neil-Ng"]
"""Quotes and backslashes (JSON escapes them), non-ASCII (some encoders write `\\u00eb`), a
character whose case folds to two (ß) or to ASCII (the Kelvin sign), LIKE's wildcards."""
AS_AT = date(2016, 2, 1)


def story(app: Ledger, name: str, *, by_correction: bool) -> datetime:
    """X1 owned by `name` and R2's risk accepted by `name`, X2 owned by a longer name that
    contains it: given when recorded, or by corrections. Returns a time before the erasure."""
    app.add_audit("A1", title="Audit", kind=ev.AuditKind.ICO_AUDIT, on=date(2016, 1, 4),
                  actor="J Smith")
    app.add_recommendation("R1", audit="A1", text="Do", priority=ev.Priority.HIGH,
                           on=date(2016, 1, 5), actor="J Smith")
    first = {"X1": name, "X2": f"{name} Jr", "R2": name}
    if by_correction:
        first = {"X1": "Placeholder", "X2": "Placeholder", "R2": None}  # type: ignore[dict-item]
    (made,) = app.add_recommendation("R2", audit="A1", text="Accept", priority=ev.Priority.LOW,
                                     response=ev.Response.NOT_ACCEPTED, on=date(2016, 1, 5),
                                     actor="J Smith", risk_accepted_by=first["R2"])
    added = {ref: app.add_action(ref, recommendations=["R1"], text="Write", owner=first[ref],
                                 on=date(2016, 1, 6), actor="J Smith")[0] for ref in ("X1", "X2")}
    if by_correction:
        app.correct(added["X1"].position, reason="typo", actor="J Smith", values={"owner": name})
        app.correct(added["X2"].position, reason="typo", actor="J Smith",
                    values={"owner": f"{name} Jr"})
        app.correct(made.position, reason="named late", actor="J Smith",
                    values={"risk_accepted_by": name})
    return app.clock()


def read(app: Ledger, model: ReadModel, known: datetime) -> list[tuple[str | None, ...]]:
    """X1's owner, X2's owner and R2's risk acceptor, from SQL and from the replay."""
    model.catch_up()
    out: list[tuple[str | None, ...]] = []
    for position in (model.position(AS_AT, known), replay(app.stream(), AS_AT, known)):
        owners = {a.ref: a.owner for a in position.actions}
        out.append((owners["X1"], owners["X2"], position.recommendations["R2"].risk_accepted_by))
    return out


@pytest.mark.parametrize("by_correction", [False, True], ids=["event", "correction"])
@pytest.mark.parametrize("name", AWKWARD)
def test_an_awkward_name_is_erased_exactly_on_both_clocks(app: Ledger, name: str,
                                                          by_correction: bool) -> None:
    before = story(app, name, by_correction=by_correction)
    model = ReadModel(app)
    assert read(app, model, before) == [(name, f"{name} Jr", name)] * 2
    published = app.verify()
    done = erase(app, name.upper() if name.isascii() else name, reason="ER-1", actor="DPO")
    assert done.count == 2  # X1's owner and R2's acceptor (or the corrections giving them)
    after = [(ERASED, f"{name} Jr", ERASED)] * 2
    assert read(app, model, before) == after
    assert read(app, model, datetime.now(UTC)) == after
    assert app.verify(expect=published).position == published.position + 1
    verify_deep(app)


@pytest.mark.parametrize("by_correction", [False, True], ids=["event", "correction"])
def test_a_longer_name_containing_the_subject_is_not_erased(app: Ledger,
                                                            by_correction: bool) -> None:
    story(app, "Ann Lee Jr", by_correction=by_correction)  # X2 is owned by "Ann Lee Jr Jr"
    app.assign_action("X1", owner="Ann Lee", on=date(2016, 1, 7), actor="J Smith")
    done = erase(app, "Ann Lee", reason="ER-1", actor="DPO")
    assert done.count == 1
    model = ReadModel(app)
    assert read(app, model, datetime.now(UTC)) == [(ERASED, "Ann Lee Jr Jr", "Ann Lee Jr")] * 2


def test_a_correction_written_with_escaped_characters_is_erased(app: Ledger,
                                                                clock: Clock) -> None:
    """Values a correction stored by another encoder (`"Zo\\u00eb"`, as `json.dumps` writes
    by default) are found: erasure reads the stored text, it does not search it."""
    name = "Zoë Lee"
    story(app, "Placeholder", by_correction=False)
    x1 = next(i for i in app.history("X1") if isinstance(i.event, ev.ActionAdded))
    (first,) = app.correct(x1.position, reason="typo", actor="J Smith",
                           values={"owner": "Someone Else"})
    assert isinstance(first.event, ev.EventCorrected)
    again = first.event.model_copy(update={
        "originator_version": first.event.originator_version + 1, "timestamp": clock(),
        "corrects": first.position, "corrects_version": first.event.originator_version,
        "personal": json.dumps({"owner": name})})
    assert "\\u00eb" in again.personal  # type: ignore[operator]
    with app.store.transaction() as conn:
        app.store.insert_batch(app.mapper.encode_batch([again]), conn=conn)
    model = ReadModel(app)
    assert read(app, model, datetime.now(UTC))[0][0] == name
    assert erase(app, name, reason="ER-1", actor="DPO").fields == {"personal": 1}
    assert read(app, model, datetime.now(UTC)) == [(ERASED, "Placeholder Jr", "Placeholder")] * 2
    verify_deep(app)
