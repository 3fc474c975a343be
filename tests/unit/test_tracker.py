"""The committee tracker of a meeting report (issue 15): live actions, completed since the last
meeting, extensions approved and requested, overdue with age, withdrawn or superseded; read from
the replay (`build_meeting_report(app.stream, ...)`) on both backends."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.projections.render import render
from ledger.projections.render.tracker import tracker_json
from ledger.projections.report import build_meeting_report
from ledger.projections.tracker import tracker

NOW = datetime(2030, 1, 1, tzinfo=UTC)
COMMITTEE = "Audit Committee"


@pytest.fixture
def plan(app: Ledger, clock: Any) -> Ledger:
    """Six actions and two meetings of one committee (1 July and 1 October 2016), and one of
    another committee in between."""
    clock.set("2016-12-01")
    app.add_audit("X", title="Audit", kind="internal-audit", on="2016-01-01", actor="a")
    app.add_recommendation("R", audit="X", text="t", priority="high", on="2016-01-01", actor="a")
    for ref, due in (("A1", "2016-06-30"), ("A2", "2016-09-30"), ("A3", "2016-12-31"),
                     ("A4", "2016-03-31"), ("A5", "2016-12-31"), ("A6", "2016-12-31")):
        app.add_action(ref, recommendations=["R"], text="t", due=due, on="2016-01-01",
                       actor="a", owner="Owner " + ref)
    app.add_meeting("M1", committee=COMMITTEE, on="2016-07-01", actor="a")
    app.add_meeting("OTHER", committee="Cabinet", on="2016-08-01", actor="a")
    app.add_meeting("M2", committee=COMMITTEE, on="2016-10-01", actor="a")
    # A1: completed before M1 (not "since"); A2: completed between the meetings.
    for ref, start, done in (("A1", "2016-02-01", "2016-06-01"),
                             ("A2", "2016-02-01", "2016-09-01")):
        app.start_action(ref, on=start, actor="a")
        app.complete_action(ref, on=done, actor="a")
    # A3: moved once before M1, twice between the meetings.
    for on, due in (("2016-05-01", "2017-01-31"), ("2016-08-01", "2017-02-28"),
                    ("2016-09-01", "2017-03-31")):
        app.reschedule_action("A3", due=due, on=on, reason="late", actor="a")
    # A4: overdue since 31 March (184 days at M2); A5 withdrawn; A6 superseded by A7.
    app.start_action("A4", on="2016-02-01", actor="a")
    app.withdraw_action("A5", on="2016-08-15", reason="risk accepted", actor="a")
    app.add_action("A7", recommendations=["R"], text="t", due="2016-12-31", on="2016-08-20",
                   actor="a")
    app.supersede_action("A6", by="A7", on="2016-08-20", actor="a")
    return app


def meeting(app: Ledger, ref: str) -> Any:
    return build_meeting_report(app.stream, ref, as_known_on=NOW)


def test_the_tracker_since_the_previous_meeting_of_the_same_committee(plan: Ledger) -> None:
    t = tracker(meeting(plan, "M2"))
    assert (t.since, t.previous_meeting) == (date(2016, 7, 1), "M1")
    assert [g.action.ref for g in t.live] == ["A3", "A4", "A7"]
    assert [a.ref for a in t.completed_since] == ["A2"]
    (a3,) = t.approved
    assert (a3.action.ref, a3.action.original_due, a3.previous_due, a3.action.due, a3.moves,
            a3.action.revisions) == ("A3", date(2016, 12, 31), date(2017, 1, 31),
                                     date(2017, 3, 31), 2, 3)
    assert t.requested == ()
    assert [(g.action.ref, g.days_overdue, g.ageing) for g in t.overdue] == [
        ("A4", 184, "over 90")]
    assert [(a.ref, a.status.value, a.status_on) for a in t.closed] == [
        ("A5", "withdrawn", date(2016, 8, 15)), ("A6", "superseded", date(2016, 8, 20))]


def test_without_a_previous_meeting_since_means_all_time(plan: Ledger) -> None:
    t = tracker(meeting(plan, "M1"))
    assert (t.since, t.previous_meeting) == (None, None)
    assert "since the start" in t.since_words
    assert [a.ref for a in t.completed_since] == ["A1"]
    assert [(e.action.ref, e.previous_due, e.moves) for e in t.approved] == [("A3", None, 1)]
    assert [(g.action.ref, g.days_overdue, g.ageing) for g in t.overdue] == [
        ("A4", 92, "over 90")]
    assert t.closed == ()
    # The other committee's meeting is not "the last meeting" of this one.
    assert tracker(meeting(plan, "OTHER")).previous_meeting is None


def test_requests_awaiting_approval_and_their_approval(plan: Ledger) -> None:
    plan.set_target_policy(on="2016-07-02", approval_required=True, actor="a")
    plan.reschedule_action("A4", due="2016-12-31", on="2016-09-15", reason="staff", actor="a")
    t = tracker(meeting(plan, "M2"))
    ((a, p),) = t.requested
    assert (a.ref, a.due, p.due, p.reason, p.requested_on) == (
        "A4", date(2016, 3, 31), date(2016, 12, 31), "staff", date(2016, 9, 15))
    assert [e.action.ref for e in t.approved] == ["A3"]
    plan.approve_reschedule("A4", by="Committee", on="2016-09-20", actor="a")
    t = tracker(meeting(plan, "M2"))
    assert t.requested == ()
    assert [(e.action.ref, e.previous_due, e.action.due) for e in t.approved] == [
        ("A3", date(2017, 1, 31), date(2017, 3, 31)),
        ("A4", date(2016, 3, 31), date(2016, 12, 31))]
    # Against its original date A4 is still overdue (the default policy).
    assert [g.action.ref for g in t.overdue] == ["A4"]


def test_a_reopened_action_completed_again_is_not_completed_since(plan: Ledger) -> None:
    plan.reopen_action("A1", on="2016-08-01", reason="not done", actor="a")
    plan.complete_action("A1", on="2016-09-10", actor="a")
    assert [a.ref for a in tracker(meeting(plan, "M2")).completed_since] == ["A2"]


def test_every_format_of_the_meeting_report_has_the_tracker(plan: Ledger) -> None:
    report = meeting(plan, "M2")
    doc = json.loads(render(report, "json"))
    assert doc["tracker"] == tracker_json(report)
    assert set(doc["tracker"]) == {"since", "previous_meeting", "live", "completed_since",
                                   "extensions", "overdue", "closed"}
    assert doc["tracker"]["extensions"]["approved"] == [{
        "ref": "A3", "owner": "Owner A3", "original_due": "2016-12-31",
        "previous_due": "2017-01-31", "due": "2017-03-31", "moves": 2, "revisions": 3}]
    assert doc["tracker"]["overdue"][0] == {
        "ref": "A4", "owner": "Owner A4", "status": "in_progress", "due": "2016-03-31",
        "original_due": "2016-03-31", "days_overdue": 184, "ageing": "over 90"}
    md = render(report, "markdown")
    assert "## Tracker: completed since the last meeting (2016-07-01)" in md
    assert "| A3 | Owner A3 | 2016-12-31 | 2017-01-31 | 2017-03-31 | 2 | 3 |" in md
    assert "| A5 | withdrawn | 2016-08-15 | Owner A5 |" in md
    text = render(report, "text")
    assert "Tracker: overdue" in text and "over 90" in text
    assert "Tracker: extensions requested, awaiting approval: No extension was awaiting" in text


def test_an_as_at_report_has_no_tracker(plan: Ledger) -> None:
    from ledger.projections.report import build_report

    report = build_report(plan.stream, date(2016, 10, 1), as_known_on=NOW)
    assert "tracker" not in json.loads(render(report, "json"))
    assert "Tracker:" not in render(report, "markdown")


def test_a_meeting_paper_of_edition_one_has_no_tracker(plan: Ledger) -> None:
    """Papers presented before the tracker existed (edition 1) are reproduced without it."""
    from dataclasses import replace

    report = replace(meeting(plan, "M2"), edition=1)
    assert "tracker" not in json.loads(render(report, "json"))
    for fmt in ("markdown", "text"):
        assert "Tracker:" not in render(report, fmt)
