"""Corrections, retractions, withdrawals and supersessions on every backend: what is stored, how
the log reads before and after (the pure replay), what the trail links, what is refused with
nothing recorded, and presented papers reproduced after a later correction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from ledger.application import Ledger
from ledger.application.auditing import verify_deep
from ledger.application.presenting import present, reproduce_presented
from ledger.domain import events as ev
from ledger.domain.errors import LedgerError, RuleViolation
from ledger.domain.personal import ERASED
from ledger.domain.records import Action
from ledger.projections.legality import problems
from ledger.projections.readmodel import ReadModel
from ledger.projections.replay import replay
from ledger.projections.report import build_report
from tests.conftest import Clock


@pytest.fixture
def officer(ledger_url: str, clock: Clock) -> Iterator[Ledger]:
    """R06.1 started on 1 June 2024 and completed --on 2024-06-20 (meant the 10th); R06.2
    waits on it; recorded on 1 July 2024."""
    clock.set("2024-07-01")
    with Ledger(ledger_url, clock=clock) as app:
        app.add_audit("AUD", title="ICO audit", kind="ico-audit", on="2024-01-01", actor="a")
        for rec in ("R06", "R07"):
            app.add_recommendation(rec, audit="AUD", text=f"Do {rec}", priority="high",
                                   on="2024-01-01", actor="a")
        app.add_action("R06.1", recommendations=["R06"], text="Write", due="2024-06-30",
                       on="2024-01-02", actor="a")
        app.add_action("R06.2", recommendations=["R06"], text="Train", depends_on=["R06.1"],
                       on="2024-01-02", actor="a")
        app.start_action("R06.1", on="2024-06-01", actor="o")
        app.complete_action("R06.1", on="2024-06-20", actor="o")
        yield app


def position_of(app: Ledger, ref: str, kind: type[ev.LedgerEvent]) -> int:
    return next(i.position for i in app.history(ref) if type(i.event) is kind)


def status(app: Ledger, ref: str, as_at: str, known: object = None) -> ev.Status:
    report = build_report(app.stream, date.fromisoformat(as_at), as_known_on=known)  # type: ignore[arg-type]
    return next(a.status for a in report.actions if a.ref == ref)


def test_a_correction_is_stored_and_read_on_both_clocks(officer: Ledger, clock: Clock) -> None:
    done = position_of(officer, "R06.1", ev.ActionCompleted)
    known_then = clock.now
    clock.set("2024-07-02")
    (fix,) = officer.correct(done, reason="Meant 10 June", actor="o",
                             values={"effective": date(2024, 6, 10)})
    stored = officer.history("R06.1")[-1]
    assert stored.position == fix.position and isinstance(stored.event, ev.EventCorrected)
    assert (stored.event.corrects, stored.event.values) == (done, {"effective": "2024-06-10"})
    assert stored.event.effective == date(2024, 7, 2)  # the day the correction was made
    assert status(officer, "R06.1", "2024-06-15", known_then) is ev.Status.IN_PROGRESS
    assert status(officer, "R06.1", "2024-06-15") is ev.Status.COMPLETED
    assert officer.get("R06.1", Action).completed_on == date(2024, 6, 10)
    links = officer.trail_links()
    assert links[done].corrected_by == (fix.position,)
    assert links[fix.position].corrects == done
    assert links[fix.position].was == {"effective": "2024-06-20"}
    assert problems(officer.stream()) == []
    officer.verify()


def test_the_whole_log_is_linked_page_by_page(officer: Ledger) -> None:
    done = position_of(officer, "R06.1", ev.ActionCompleted)
    officer.correct(done, reason="a", actor="o", values={"evidence": "Signed"})
    (note,) = officer.note_action("R06.2", "Wrong action", on="2024-06-02", actor="o")
    (gone,) = officer.retract(note.position, reason="b", actor="o")
    (rec,) = [i.position for i in officer.history("R07")]
    officer.correct(rec, reason="c", actor="o", values={"priority": "urgent"})
    everything = officer.trail_links()
    assert officer.trail_links(page=1) == everything
    assert everything[note.position].retracted_by == (gone.position,)
    assert {links.corrects for links in everything.values() if links.corrects} == {done, rec}
    fixes = {p for p, links in everything.items() if links.corrects == rec}
    assert len(fixes) == 1
    assert officer.trail_links("R07").keys() == {rec} | fixes


def test_refused_corrections_record_nothing(officer: Ledger) -> None:
    done = position_of(officer, "R06.1", ev.ActionCompleted)
    (start_b,) = officer.start_action("R06.2", on="2024-06-25", actor="o")
    head = officer.fingerprint()
    cases: list[tuple[int, dict[str, object], type[LedgerError], str]] = [
        (done, {"effective": date(2024, 5, 10)}, RuleViolation, "before its last status"),
        (start_b.position, {"effective": date(2024, 6, 15)}, RuleViolation, "R06.1"),
        (done, {"effective": date(2024, 6, 28)}, RuleViolation, "R06.2"),
        (position_of(officer, "R06.1", ev.ActionStarted), {"effective": date(2024, 6, 22)},
         RuleViolation, "R06.1"),
    ]
    for position, values, error, words in cases:
        with pytest.raises(error, match=words) as info:
            officer.correct(position, reason="x", actor="o", values=values)
        assert "\n" not in str(info.value)
        assert officer.fingerprint() == head
    with pytest.raises(RuleViolation, match="R06.2 started on 2024-06-25 while it waited on "
                       r"R06\.1 \(in_progress\)"):
        officer.retract(done, reason="not done", actor="o")  # R06.2 started on it
    assert officer.fingerprint() == head


def test_withdraw_and_supersede_are_stored_and_counted_apart(officer: Ledger) -> None:
    officer.add_action("R06.3", recommendations=["R06"], text="Scan", due="2024-03-01",
                       on="2024-01-02", actor="a")
    officer.withdraw_action("R06.2", on="2024-06-21", reason="Risk accepted", actor="o")
    officer.add_action("R06.4", recommendations=["R06"], text="Scan more", on="2024-01-02",
                       actor="a")
    officer.supersede_action("R06.3", by="R06.4", on="2024-06-21", actor="o")
    kinds = [type(i.event) for i in officer.history("R06.3")]
    assert kinds == [ev.ActionAdded, ev.ActionSuperseded]
    report = build_report(officer.stream, date(2024, 6, 30))
    assert report.totals.as_dict() == {"actions": 2, "not_started": 1, "in_progress": 0,
                                       "completed": 1, "withdrawn": 1, "superseded": 1}
    assert [a.ref for a in report.overdue()] == []
    assert problems(officer.stream()) == []


def test_a_presented_paper_reproduces_after_a_later_correction(officer: Ledger,
                                                               clock: Clock) -> None:
    officer.add_meeting("M1", committee="Audit Committee", on=date(2024, 7, 1), actor="clerk")
    paper = present(officer, "M1", build_report(officer.stream, date(2024, 6, 15),
                                                as_known_on=clock.now), "markdown", actor="clerk")
    clock.now += timedelta(days=1)
    done = position_of(officer, "R06.1", ev.ActionCompleted)
    officer.correct(done, reason="Meant 10 June", actor="o",
                    values={"effective": date(2024, 6, 10)})
    again = reproduce_presented(officer, "M1")
    assert again.identical and again.text == paper.text
    now = build_report(officer.stream, date(2024, 6, 15))
    assert "1 had been completed" not in paper.text
    assert any(a.status is ev.Status.COMPLETED for a in now.actions)


def risks(app: Ledger, as_at: str,
          known: datetime | None = None) -> tuple[dict[str, str | None], ...]:
    """Who accepted each recommendation's risk, by the replay and by the SQL read model."""
    day, horizon = date.fromisoformat(as_at), known or datetime.now(UTC) + timedelta(days=1)
    replayed = replay(app.stream(), day, horizon)
    model = ReadModel(app)
    model.catch_up()
    got = model.position(day, horizon)
    return tuple({r: m.risk_accepted_by for r, m in p.recommendations.items()}
                 for p in (replayed, got))


def test_who_accepted_a_risk_is_corrected_though_stored_without_it(officer: Ledger,
                                                                  clock: Clock) -> None:
    """`risk_accepted_by` is left out of a stored recommendation that names nobody: a correction
    naming someone, then naming nobody again, is read alike by the replay and the read model,
    on both clocks; the name is kept apart from the chain like the one a command records."""
    (made,) = officer.add_recommendation("R08", audit="AUD", text="Encrypt laptops",
                                         priority="low", response="not-accepted",
                                         on="2024-01-01", actor="a")
    assert b"risk_accepted_by" not in bytes(officer.store.row_at(made.position).state)
    unnamed = clock.now
    clock.set("2024-07-02")
    (named,) = officer.correct(made.position, reason="signed off", actor="o",
                               values={"risk_accepted_by": "Director of Resources"})
    stored = named.event
    assert isinstance(stored, ev.EventCorrected)
    assert stored.values == {"risk_accepted_by": ERASED}  # the chain holds a placeholder
    assert stored.new_values == {"risk_accepted_by": "Director of Resources"}
    assert b"Director" not in bytes(officer.store.row_at(named.position).state)
    assert officer.trail_links()[named.position].was == {"risk_accepted_by": None}
    assert risks(officer, "2024-06-30") == ({"R06": None, "R07": None,
                                             "R08": "Director of Resources"},) * 2
    assert risks(officer, "2024-06-30", unnamed) == ({"R06": None, "R07": None, "R08": None},) * 2
    named_on = clock.now
    clock.set("2024-07-03")
    (back,) = officer.correct(made.position, reason="nobody signed", actor="o",
                              values={"risk_accepted_by": None})
    assert isinstance(back.event, ev.EventCorrected)
    assert back.event.values == {"risk_accepted_by": None}
    assert risks(officer, "2024-06-30")[0]["R08"] is None
    assert risks(officer, "2024-06-30")[1]["R08"] is None
    assert risks(officer, "2024-06-30", named_on)[1]["R08"] == "Director of Resources"
    with pytest.raises(RuleViolation, match="already reads so"):
        officer.correct(made.position, reason="x", actor="o", values={"risk_accepted_by": None})
    assert problems(officer.stream()) == []
    verify_deep(officer)


def test_a_reschedules_approval_is_corrected_though_stored_without_it(officer: Ledger) -> None:
    """The same for a reschedule recorded without `approved_by`."""
    (moved,) = officer.reschedule_action("R06.2", due="2024-09-30", on="2024-06-01",
                                         reason="later", actor="o")
    officer.correct(moved.position, reason="approved", actor="o",
                    values={"approved_by": "Committee"})
    assert officer.corrected_view(moved.position).approved_by == "Committee"  # type: ignore[attr-defined]
    (back,) = officer.correct(moved.position, reason="not approved", actor="o",
                              values={"approved_by": None})
    assert back.event.values == {"approved_by": None}  # type: ignore[attr-defined]
    assert problems(officer.stream()) == []


def test_a_risk_is_never_accepted_on_an_accepted_recommendation(officer: Ledger) -> None:
    """A correction may not give an accepted recommendation someone who accepted its risk, nor
    make a recommendation whose risk was accepted accepted while it still names them."""
    (made,) = officer.add_recommendation("R08", audit="AUD", text="Encrypt laptops",
                                         priority="low", response="not-accepted",
                                         risk_accepted_by="Director", on="2024-01-01",
                                         actor="a")
    r07 = position_of(officer, "R07", ev.RecommendationMade)
    head = officer.fingerprint()
    for position, values in ((r07, {"risk_accepted_by": "Director"}),
                             (made.position, {"response": "accepted"})):
        with pytest.raises(RuleViolation, match="an accepted recommendation has no risk"):
            officer.correct(position, reason="x", actor="o", values=values)
        assert officer.fingerprint() == head
    officer.correct(made.position, reason="accepted after all", actor="o",
                    values={"response": "accepted", "risk_accepted_by": None})
    assert risks(officer, "2024-06-30")[1]["R08"] is None
    assert problems(officer.stream()) == []
