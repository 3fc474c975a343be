"""The minutes' words for actions closed undone (withdrawn, superseded): counted apart, said
apart, never as outstanding."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.projections.burnup import burnup
from ledger.projections.replay import Timeline, Totals
from ledger.projections.report import build_report
from ledger.projections.words import position_sentence, since_sentence

X = "the ICO data protection audit"
JULY = date(2016, 7, 25)


def totals(completed: int = 0, in_progress: int = 0, not_started: int = 0, withdrawn: int = 0,
           superseded: int = 0) -> Totals:
    return Totals(completed + in_progress + not_started, not_started, in_progress, completed,
                  withdrawn, superseded)


@pytest.mark.parametrize(("t", "sentence"), [
    (totals(8, 47, 20, withdrawn=2),
     f"Out of 75 actions from {X}, 8 had been completed, 47 were in progress and 20 were yet to "
     "begin; 2 further actions were withdrawn."),
    (totals(1, 1, withdrawn=1),
     f"Out of 2 actions from {X}, 1 had been completed and 1 was in progress; 1 further action "
     "was withdrawn."),
    (totals(3, superseded=1),
     f"All 3 actions from {X} had been completed; 1 further action was superseded."),
    (totals(2, 1, withdrawn=2, superseded=1),
     f"Out of 3 actions from {X}, 2 had been completed and 1 was in progress; 2 further actions "
     "were withdrawn and 1 was superseded."),
    (totals(withdrawn=2), f"Both actions from {X} were withdrawn."),
    (totals(superseded=1), f"The one action from {X} was superseded."),
    (totals(withdrawn=4), f"All 4 actions from {X} were withdrawn."),
    (totals(withdrawn=1, superseded=2),
     f"Of the 3 actions from {X}, 1 was withdrawn and 2 were superseded; none remained."),
])
def test_position_sentence_says_what_was_closed_undone(t: Totals, sentence: str) -> None:
    assert position_sentence(X, t) == sentence


@pytest.mark.parametrize(("then", "now", "sentence"), [
    (totals(1, 4), totals(2, 1, withdrawn=2),
     "Since 25 July 2016 a further action had been completed, 2 had been withdrawn and work was "
     "underway with the one remaining action."),
    (totals(1, 4, withdrawn=1), totals(2, 1, withdrawn=2, superseded=1),
     "Since 25 July 2016 a further action had been completed, 1 had been withdrawn, 1 had been "
     "superseded and work was underway with the one remaining action."),
    # closed before the earlier date: nothing new to say
    (totals(1, 4, withdrawn=1), totals(2, 3, withdrawn=1),
     "Since 25 July 2016 a further action had been completed and work was underway with all 3 "
     "remaining actions."),
])
def test_since_sentence_says_what_was_closed_since(then: Totals, now: Totals,
                                                   sentence: str) -> None:
    assert since_sentence(JULY, then, now) == sentence


def test_the_paragraph_and_figures_of_a_ledger_with_closed_actions(app: Ledger,
                                                                   clock: Any) -> None:
    clock.set("2016-11-01")
    app.add_audit("ICO-2015", title="ICO data protection audit", kind="ico-audit",
                  on="2015-10-30", actor="o")
    app.add_recommendation("ICO-A1", audit="ICO-2015", text="Do it", priority="high",
                           on="2015-12-14", actor="o")
    for ref in ("W1", "W2", "W3", "W4"):
        app.add_action(ref, recommendations=["ICO-A1"], text=ref, due="2016-06-30",
                       on="2016-03-15", actor="o")
    app.add_action("W5", recommendations=["ICO-A1"], text="W5", depends_on=["W2"], due="2016-06-30",
                   on="2016-03-15", actor="o")
    app.start_action("W1", on="2016-04-01", actor="o")
    app.withdraw_action("W2", on="2016-08-01", reason="Risk accepted", actor="o")
    app.supersede_action("W3", by="W4", on="2016-08-01", actor="o")
    report = build_report(app.stream, date(2016, 10, 24), since=JULY)
    assert report.paragraphs() == [
        "As at 25 July 2016, out of 5 actions from the ICO data protection audit (ICO-2015), "
        "1 was in progress and 4 were yet to begin. Since 25 July 2016 no further actions had "
        "been completed, 1 had been withdrawn, 1 had been superseded and work was underway "
        "with 1 of the remaining 3 actions. There were still 2 actions to begin."
    ]
    assert report.totals.as_dict() == {"actions": 3, "not_started": 2, "in_progress": 1,
                                       "completed": 0, "withdrawn": 1, "superseded": 1}
    # Closed actions are never overdue, and a withdrawn dependency no longer blocks.
    assert [a.ref for a in report.overdue()] == ["W1", "W4", "W5"]
    assert report.blocked() == []
    since = report.since_figures()
    assert since is not None
    assert (since["added"], since["withdrawn"], since["superseded"]) == (0, 1, 1)


def test_the_burnup_counts_closed_actions_apart(app: Ledger, clock: Any) -> None:
    clock.set("2016-11-01")
    app.add_audit("A", title="Audit", kind="ico-audit", on="2015-10-30", actor="o")
    app.add_recommendation("R", audit="A", text="r", priority="low", on="2015-12-14", actor="o")
    for ref in ("W1", "W2"):
        app.add_action(ref, recommendations=["R"], text=ref, on="2016-03-15", actor="o")
    app.withdraw_action("W2", on="2016-04-02", reason="Risk accepted", actor="o")
    points = burnup(Timeline.build(app.stream()), date(2016, 4, 1), date(2016, 4, 3))
    stacked = [(t.not_started, t.in_progress, t.completed, t.actions, t.withdrawn)
               for _, t in points]
    assert stacked == [(2, 0, 0, 2, 0), (1, 0, 0, 1, 1), (1, 0, 0, 1, 1)]
