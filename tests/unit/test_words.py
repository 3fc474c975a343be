"""The paragraph a clerk pastes into the minutes: exact wording, singular, plural and zero cases.

Expected sentences are written out by hand in the seed's voice, never assembled the way the code
assembles them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.projections.replay import Totals
from ledger.projections.report import build_meeting_report, build_report
from ledger.projections.words import (
    join_words,
    long_date,
    position_sentence,
    since_sentence,
    source_label,
    to_begin_sentence,
)

X = "the ICO data protection audit (ICO-2015)"
JULY = date(2016, 7, 25)
OCTOBER = date(2016, 10, 24)


def totals(*, completed: int = 0, in_progress: int = 0, not_started: int = 0) -> Totals:
    return Totals(completed + in_progress + not_started, not_started, in_progress, completed)


# -- small helpers ------------------------------------------------------------------------------

@pytest.mark.parametrize(("d", "words"), [
    (date(2016, 7, 25), "25 July 2016"),
    (date(2016, 7, 5), "5 July 2016"),
    (date(2017, 2, 1), "1 February 2017"),
])
def test_long_date(d: date, words: str) -> None:
    assert long_date(d) == words


@pytest.mark.parametrize(("title", "label"), [
    ("ICO data protection audit", "the ICO data protection audit"),
    ("The annual audit", "The annual audit"),
    ("the annual audit", "the annual audit"),
    ("Theory review", "the Theory review"),
])
def test_source_label(title: str, label: str) -> None:
    assert source_label(title) == label


@pytest.mark.parametrize(("parts", "words"), [
    ([], ""),
    (["a"], "a"),
    (["a", "b"], "a and b"),
    (["a", "b", "c"], "a, b and c"),
])
def test_join_words(parts: list[str], words: str) -> None:
    assert join_words(parts) == words


# -- the position sentence ----------------------------------------------------------------------

def test_seed_position_sentence() -> None:
    assert position_sentence(X, Totals(77, 20, 49, 8)) == (
        "Out of 77 actions from the ICO data protection audit (ICO-2015), 8 had been completed, "
        "49 were in progress and 20 were yet to begin."
    )


@pytest.mark.parametrize(("t", "sentence"), [
    (totals(completed=2, in_progress=1, not_started=2),
     f"Out of 5 actions from {X}, 2 had been completed, 1 was in progress and 2 were yet to begin."),
    (totals(completed=1, in_progress=3, not_started=1),
     f"Out of 5 actions from {X}, 1 had been completed, 3 were in progress and 1 was yet to begin."),
    (totals(completed=1, in_progress=1),
     f"Out of 2 actions from {X}, 1 had been completed and 1 was in progress."),
    # zero parts are left out
    (totals(completed=3, not_started=2),
     f"Out of 5 actions from {X}, 3 had been completed and 2 were yet to begin."),
    (totals(in_progress=4, not_started=1),
     f"Out of 5 actions from {X}, 4 were in progress and 1 was yet to begin."),
    (totals(completed=4, in_progress=1),
     f"Out of 5 actions from {X}, 4 had been completed and 1 was in progress."),
])
def test_position_sentence_singular_plural_and_zero_parts(t: Totals, sentence: str) -> None:
    assert position_sentence(X, t) == sentence


@pytest.mark.parametrize(("t", "sentence"), [
    (totals(completed=5), f"All 5 actions from {X} had been completed."),
    (totals(in_progress=5), f"All 5 actions from {X} were in progress."),
    (totals(not_started=5), f"All 5 actions from {X} were yet to begin."),
    (totals(completed=1), f"The one action from {X} had been completed."),
    (totals(in_progress=1), f"The one action from {X} was in progress."),
    (totals(not_started=1), f"The one action from {X} was yet to begin."),
    (Totals(0, 0, 0, 0), f"There were no actions from {X}."),
])
def test_position_sentence_all_one_and_none(t: Totals, sentence: str) -> None:
    assert position_sentence(X, t) == sentence


# -- the since sentence -------------------------------------------------------------------------

def test_seed_since_sentence() -> None:
    assert since_sentence(JULY, Totals(77, 20, 49, 8), Totals(77, 4, 27, 46)) == (
        "Since 25 July 2016 a further 38 actions had been completed and work was underway with "
        "27 of the remaining 31 actions."
    )


@pytest.mark.parametrize(("then", "now", "sentence"), [
    # one more completed
    (totals(completed=1, in_progress=4), totals(completed=2, in_progress=2, not_started=1),
     "Since 25 July 2016 a further action had been completed and work was underway with 2 of the "
     "remaining 3 actions."),
    # none completed
    (totals(completed=1, in_progress=2, not_started=2), totals(completed=1, in_progress=3, not_started=1),
     "Since 25 July 2016 no further actions had been completed and work was underway with 3 of "
     "the remaining 4 actions."),
    # work underway with all of them
    (totals(in_progress=3, not_started=3), totals(completed=1, in_progress=5),
     "Since 25 July 2016 a further action had been completed and work was underway with all 5 "
     "remaining actions."),
    (totals(in_progress=3), totals(completed=2, in_progress=1),
     "Since 25 July 2016 a further 2 actions had been completed and work was underway with the "
     "one remaining action."),
    # work underway with none of them
    (totals(in_progress=3, not_started=3), totals(completed=3, not_started=3),
     "Since 25 July 2016 a further 3 actions had been completed and work had yet to begin on any "
     "of the remaining 3 actions."),
    (totals(in_progress=2, not_started=1), totals(completed=2, not_started=1),
     "Since 25 July 2016 a further 2 actions had been completed and work had yet to begin on the "
     "one remaining action."),
    # nothing remains
    (totals(completed=1, in_progress=3), totals(completed=4),
     "Since 25 July 2016 a further 3 actions had been completed and no actions remained."),
    # a completed action was reopened
    (totals(completed=3, in_progress=1), totals(completed=1, in_progress=3),
     "Since 25 July 2016 the number of completed actions had fallen by 2 and work was underway "
     "with all 3 remaining actions."),
])
def test_since_sentence_variants(then: Totals, now: Totals, sentence: str) -> None:
    assert since_sentence(JULY, then, now) == sentence


# -- the still-to-begin sentence ----------------------------------------------------------------

RM = "Records Manager recruited (RM-RECRUITED)"


@pytest.mark.parametrize(("args", "sentence"), [
    ((4, 4, [RM]), f"There were still 4 actions to begin, dependent on {RM}."),
    ((1, 1, [RM]), f"There was still 1 action to begin, dependent on {RM}."),
    ((4, 1, [RM]), f"There were still 4 actions to begin; 1 of them was dependent on {RM}."),
    ((4, 3, [RM, "ICO-A1.2"]),
     f"There were still 4 actions to begin; 3 of them were dependent on {RM} and ICO-A1.2."),
    ((2, 2, [RM, "ICO-A1.2", "ICO-A3.1"]),
     f"There were still 2 actions to begin, dependent on {RM}, ICO-A1.2 and ICO-A3.1."),
    ((4, 0, []), "There were still 4 actions to begin."),
    ((1, 0, []), "There was still 1 action to begin."),
    ((0, 0, []), ""),
])
def test_to_begin_sentence(args: tuple[int, int, list[str]], sentence: str) -> None:
    assert to_begin_sentence(*args) == sentence


# -- Report.paragraphs, from a ledger -----------------------------------------------------------

def _ico_ledger(app: Ledger, clock: Any, *, blocked: tuple[str, ...] = ("W5", "W6")) -> None:
    """Seven ICO actions, recorded on 1 November 2016 and back-dated:

    W1 done in May; W2, W3 started in April and done in August/September; W4 started in April;
    W7 started in August; W5, W6 never started (those in `blocked` wait on RM-RECRUITED).
    As at 25 July: 1 completed, 3 in progress, 3 not started. As at 24 October: 3 completed,
    2 in progress, 2 not started."""
    clock.set("2016-11-01")
    actor = "Officer"
    app.add_audit("ICO-2015", title="ICO data protection audit", kind=ev.AuditKind.ICO_AUDIT,
                  on=date(2015, 10, 30), actor=actor)
    app.add_recommendation("ICO-A1", audit="ICO-2015", text="Do it", priority=ev.Priority.HIGH,
                           on=date(2015, 12, 14), actor=actor)
    app.add_milestone("RM-RECRUITED", text="Records Manager recruited", on=date(2016, 3, 14),
                      actor=actor)
    for ref in ("W1", "W2", "W3", "W4", "W5", "W6", "W7"):
        app.add_action(ref, recommendations=["ICO-A1"], text=f"Step {ref}", on=date(2016, 3, 15),
                       actor=actor, depends_on=["RM-RECRUITED"] if ref in blocked else [])
    for ref, started, completed in (("W1", date(2016, 4, 1), date(2016, 5, 1)),
                                    ("W2", date(2016, 4, 1), date(2016, 8, 1)),
                                    ("W3", date(2016, 4, 1), date(2016, 9, 1)),
                                    ("W4", date(2016, 4, 1), None),
                                    ("W7", date(2016, 8, 15), None)):
        app.start_action(ref, on=started, actor=actor)
        if completed:
            app.complete_action(ref, on=completed, actor=actor)


def test_paragraph_without_since(app: Ledger, clock: Any) -> None:
    _ico_ledger(app, clock)
    report = build_report(app.stream, JULY)
    assert report.paragraphs() == [
        "Out of 7 actions from the ICO data protection audit (ICO-2015), 1 had been completed, "
        "3 were in progress and 3 were yet to begin."
    ]


def test_paragraph_since_a_date(app: Ledger, clock: Any) -> None:
    _ico_ledger(app, clock)
    report = build_report(app.stream, OCTOBER, since=JULY)
    assert report.paragraphs() == [
        "As at 25 July 2016, out of 7 actions from the ICO data protection audit (ICO-2015), "
        "1 had been completed, 3 were in progress and 3 were yet to begin. "
        "Since 25 July 2016 a further 2 actions had been completed and work was underway with "
        "2 of the remaining 4 actions. "
        "There were still 2 actions to begin, dependent on Records Manager recruited "
        "(RM-RECRUITED)."
    ]


def test_paragraph_partly_blocked(app: Ledger, clock: Any) -> None:
    _ico_ledger(app, clock, blocked=("W5",))
    report = build_report(app.stream, OCTOBER, since=JULY)
    (paragraph,) = report.paragraphs()
    assert paragraph.endswith(
        "There were still 2 actions to begin; 1 of them was dependent on Records Manager "
        "recruited (RM-RECRUITED).")


def test_paragraph_not_blocked(app: Ledger, clock: Any) -> None:
    _ico_ledger(app, clock, blocked=())
    report = build_report(app.stream, OCTOBER, since=JULY)
    (paragraph,) = report.paragraphs()
    assert paragraph.endswith("remaining 4 actions. There were still 2 actions to begin.")


def test_paragraph_milestone_achieved_unblocks(app: Ledger, clock: Any) -> None:
    _ico_ledger(app, clock)
    app.achieve_milestone("RM-RECRUITED", on=date(2016, 10, 1), actor="Officer")
    (paragraph,) = build_report(app.stream, OCTOBER, since=JULY).paragraphs()
    assert paragraph.endswith("remaining 4 actions. There were still 2 actions to begin.")
    # As at a date before it was achieved, they still wait on it.
    (earlier,) = build_report(app.stream, date(2016, 9, 30), since=JULY).paragraphs()
    assert earlier.endswith("dependent on Records Manager recruited (RM-RECRUITED).")


def test_paragraph_of_a_meeting_is_led_by_the_previous_meeting(app: Ledger, clock: Any) -> None:
    _ico_ledger(app, clock)
    committee = "Audit and Procurement Committee"
    app.add_meeting("2016-07-25", committee=committee, on=JULY, actor="Clerk")
    app.add_meeting("2016-10-24", committee=committee, on=OCTOBER, actor="Clerk")
    report = build_meeting_report(app.stream, "2016-10-24",
                                  as_known_on=datetime(2016, 12, 1, tzinfo=UTC))
    assert report.paragraphs() == [
        "As at the Committee's meeting on 25 July 2016, out of 7 actions from the ICO data "
        "protection audit (ICO-2015), 1 had been completed, 3 were in progress and 3 were yet to "
        "begin. Since 25 July 2016 a further 2 actions had been completed and work was underway "
        "with 2 of the remaining 4 actions. There were still 2 actions to begin, dependent on "
        "Records Manager recruited (RM-RECRUITED)."
    ]


def test_one_paragraph_per_audit_and_none_for_an_audit_without_actions(app: Ledger,
                                                                        clock: Any) -> None:
    _ico_ledger(app, clock)
    app.add_audit("IA-2016", title="Internal audit of records", kind=ev.AuditKind.INTERNAL_AUDIT,
                  on=date(2016, 2, 1), actor="Officer")
    app.add_recommendation("IA-R1", audit="IA-2016", text="Do it", priority=ev.Priority.LOW,
                           on=date(2016, 2, 2), actor="Officer")
    app.add_action("IA-1", recommendations=["IA-R1"], text="Step", on=date(2016, 3, 1),
                   actor="Officer")
    app.add_audit("EMPTY-1", title="The empty review", kind=ev.AuditKind.OTHER,
                  on=date(2016, 2, 1), actor="Officer")
    # In ref order (IA-2016 before ICO-2015); EMPTY-1, with no actions, has no paragraph.
    assert build_report(app.stream, JULY).paragraphs() == [
        "The one action from the Internal audit of records (IA-2016) was yet to begin.",
        "Out of 7 actions from the ICO data protection audit (ICO-2015), 1 had been completed, "
        "3 were in progress and 3 were yet to begin.",
    ]
    assert build_report(app.stream, JULY, audit="IA-2016").paragraphs() == [
        "The one action from the Internal audit of records (IA-2016) was yet to begin.",
    ]
