"""Retention on both backends: a schedule set as an event, the plan of what falls due, and its
application as an erasure of the free texts of actions closed long enough ago."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.application import Ledger
from ledger.application.retention import apply, plan, set_schedule, years_before
from ledger.domain import events as ev
from ledger.domain.errors import InvalidInput, RuleViolation
from ledger.domain.personal import ERASED
from ledger.projections.readmodel import ReadModel
from tests.conftest import Clock
from tests.integration.test_erasure import story


def test_retention_erases_free_text_of_actions_closed_long_enough_ago(app: Ledger,
                                                                      clock: Clock) -> None:
    story(app)  # X2 completed on 2016-01-09 with evidence; X1 still in progress
    with pytest.raises(RuleViolation, match="no retention schedule"):
        plan(app)
    set_schedule(app, years=6, basis="TNA retention scheduling 11", actor="DPO")
    assert plan(app).due == []  # 2016: nothing closed six years ago
    published = app.verify()
    clock.set("2022-01-08")
    assert plan(app).due == []  # closed on the 9th: six years only on 2022-01-09
    clock.set("2022-01-09")
    todo = plan(app)
    assert [d.ref for d in todo.due] == ["X2"] and todo.values == {"evidence": 1}
    model = ReadModel(app)
    model.create()
    model.catch_up()
    before = model.position(date(2016, 2, 1), clock()).actions
    done = apply(app, actor="DPO")
    assert done.fields == {"evidence": 1}
    app.verify(expect=published)
    x2 = [i.event for i in app.history("X2")]
    assert [e.evidence for e in x2 if isinstance(e, ev.ActionCompleted)] == [ERASED]
    assert [e.text for e in x2 if isinstance(e, ev.ActionNoted)] == ["Annex B attached"]
    assert x2[0].owner == "Bob Jones"  # type: ignore[attr-defined]  # names are not free text
    x1 = [i.event for i in app.history("X1")]
    assert ERASED not in {getattr(e, "note", None) for e in x1}  # still open: kept
    assert ReadModel(app).position(date(2016, 2, 1), clock()).actions == before
    with pytest.raises(RuleViolation, match="nothing falls due"):
        apply(app, actor="DPO")
    (erasure,) = [i.event for i in app.stream() if isinstance(i.event, ev.PersonalDataErased)]
    assert "retention" in erasure.reason and erasure.count == 1


def test_a_schedule_needs_sensible_years_and_a_basis(app: Ledger) -> None:
    with pytest.raises(InvalidInput):
        set_schedule(app, years=0, basis="x", actor="DPO")
    with pytest.raises(InvalidInput):
        set_schedule(app, years=6, basis="  ", actor="DPO")
    assert app.fingerprint().position == 0


def test_years_before_a_leap_day() -> None:
    assert years_before(date(2024, 2, 29), 1) == date(2023, 2, 28)
    assert years_before(date(2024, 3, 1), 6) == date(2018, 3, 1)
