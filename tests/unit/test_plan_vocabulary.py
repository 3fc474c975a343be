"""The importer's readings of real plans: date forms, status and priority words, headings, refs.

Values here are synthetic (the forms the issue lists); the published plans are in
tests/fixtures/plans and tests/cli/test_import_corpus.py.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ledger.application.plan_dates import read_target
from ledger.application.plan_file import PlanFileError, csv_rows
from ledger.application.plan_headings import NOTE, HeadingRules, known_field
from ledger.application.plan_shape import split_ref
from ledger.application.plan_words import (
    NOT_DELIVERED,
    UnmappedWord,
    delivered_word,
    parse_status_map,
    priority_word,
    status_word,
)
from ledger.domain import events as ev

S = ev.Status


@pytest.mark.parametrize(("text", "day"), [
    ("31/03/2017", date(2017, 3, 31)),
    ("30/09/13", date(2013, 9, 30)),
    ("January 2017", date(2017, 1, 31)),
    ("Nov-18", date(2018, 11, 30)),
    ("Feb-20", date(2020, 2, 29)),
    ("March 12", date(2012, 3, 31)),
    ("2010-11", date(2011, 3, 31)),
    ("In 2010-11", date(2011, 3, 31)),
    ("2016/17", date(2017, 3, 31)),
    ("1999-2000", date(2000, 3, 31)),
    ("Q3 2016/17", date(2016, 12, 31)),
    ("Q4 2016/17", date(2017, 3, 31)),
    ("Q1 2016-17", date(2016, 6, 30)),
    ("Q2 2015-16", date(2015, 9, 30)),
    ("Q3 2016", date(2016, 9, 30)),
    ("31/08/2015 onwards", date(2015, 8, 31)),
    ("2015 07 31", date(2015, 7, 31)),
    (datetime(2016, 7, 25), date(2016, 7, 25)),
])
def test_each_date_form_has_its_day(text: object, day: date) -> None:
    assert read_target(text).day == day


@pytest.mark.parametrize("word", ["Immediate", "On-going", "Ongoing", "TBC", "Complete"])
def test_words_that_name_no_day_leave_the_target_empty_with_a_warning(word: str) -> None:
    target = read_target(word)
    assert target.day is None
    assert target.warning is not None and word in target.warning


def test_onwards_is_read_with_a_warning() -> None:
    assert "gives a start, not an end" in (read_target("31/08/2015 onwards").warning or "")


@pytest.mark.parametrize(("text", "why"), [
    ("2009-2011", "a range, not one financial year"),
    ("soon", "not a date (a date (31/03/2017"),
    ("31/02/17", "day is out of range"),
    ("31/12/9999", "plausible"),
    ("31/02/2016", "day is out of range"),
    ("Q5 2016/17", "not a date"),
    ("Smarch 2017", "not a date"),
])
def test_unreadable_or_ambiguous_dates_are_refused_saying_what_is_accepted(text: str,
                                                                          why: str) -> None:
    with pytest.raises(ValueError, match=why.replace("(", r"\(")):
        read_target(text)


@pytest.mark.parametrize(("word", "status"), [
    ("UNDERWAY", S.IN_PROGRESS), ("Completed", S.COMPLETED), ("In hand", S.IN_PROGRESS),
    ("In part", S.IN_PROGRESS), ("On track", S.IN_PROGRESS), ("Amber", S.IN_PROGRESS),
    ("On-going", S.IN_PROGRESS), ("not yet started", S.NOT_STARTED),
])
def test_the_status_vocabulary(word: str, status: ev.Status) -> None:
    assert status_word(word, {}) is status


def test_red_and_green_are_not_guessed_outside_a_rag_column() -> None:
    with pytest.raises(UnmappedWord):
        status_word("Red", {})
    with pytest.raises(UnmappedWord):
        status_word("Green", {})
    assert status_word("Green", {}, rag=True) is S.COMPLETED
    assert status_word("Red", parse_status_map(["red=not_started"]), rag=True) is S.NOT_STARTED


def test_delivered_words() -> None:
    assert delivered_word("Yes – fully implemented in 2010", {}) is S.COMPLETED
    assert delivered_word("Yes", {}) is S.COMPLETED
    assert delivered_word("No", {}) == NOT_DELIVERED
    assert delivered_word("No", parse_status_map(["No=in_progress"])) is S.IN_PROGRESS
    assert delivered_word("In part", {}) is S.IN_PROGRESS
    with pytest.raises(UnmappedWord):
        delivered_word("Nope", {})


def test_status_map_is_checked() -> None:
    with pytest.raises(ValueError, match="write WORD=STATUS"):
        parse_status_map(["No"])
    with pytest.raises(ValueError, match="'maybe' is not a status"):
        parse_status_map(["No=maybe"])
    assert parse_status_map(["Not done = not started"]) == {"notdone": S.NOT_STARTED}


@pytest.mark.parametrize(("word", "priority"), [
    ("High", ev.Priority.HIGH), ("Med", ev.Priority.MEDIUM), ("LOW", ev.Priority.LOW),
    ("Urgent", ev.Priority.URGENT), ("Not applicable", None), ("N/A", None),
])
def test_the_priority_vocabulary(word: str, priority: ev.Priority | None) -> None:
    assert priority_word(word) is priority


@pytest.mark.parametrize(("heading", "field"), [
    ("#", "ref"), ("No.", "ref"), ("Ref", "ref"), ("Recommendation", "recommendation"),
    ("Actions to address recommendations and reduce risk", "action"),
    ("Priority: High / Medium / Low", "priority"), ("Priority high/medium/low", "priority"),
    ("Timescale", "target_date"), ("Due for completion", "target_date"),
    ("End Date", "target_date"), ("Start Date", "start_date"), ("Owner", "owner"),
    ("Responsible", "owner"), ("Lead officer", "owner"), ("Status", "status"),
    ("RAG", "status"), ("Delivered? Yes/No", "delivered"), ("Observations", "notes"),
    ("Progress on implementation", NOTE), ("Update", NOTE), ("Additional commentary", NOTE),
    ("Management response", NOTE), ("Risk rating", "priority"), ("R1 Actions", "action"),
    ("Status date", "status_date"), ("Sponsor", None),
])
def test_headings_in_the_plans_own_words(heading: str, field: str | None) -> None:
    assert known_field(heading) == field


def test_map_and_ignore_decide_any_heading() -> None:
    rules = HeadingRules.parse(["Sponsor=owner", "Lead = note"], ["Internal use"])
    assert rules.field_for("SPONSOR") == "owner"
    assert rules.field_for("Lead") == NOTE
    assert rules.field_for("internal  use") == "ignore"
    with pytest.raises(ValueError, match="'boss' is not a field"):
        HeadingRules.parse(["Sponsor=boss"], [])


@pytest.mark.parametrize(("text", "split"), [
    ("1A Review the policy", ("1A", "Review the policy")),
    ("Action 1.1 Review the policy", ("1.1", "Review the policy")),
    ("Action 1.1:\nKIM team to review", ("1.1", "KIM team to review")),
    ("R1 DCLG must further define", ("R1", "DCLG must further define")),
    ("1. The Management Committee needs", ("1", "The Management Committee needs")),
    ("3.1 Review both strategies", ("3.1", "Review both strategies")),
    ("2 officers to attend training", None),
    ("A new Data Protection Impact Assessment", None),
    ("Q3 review of the register", None),
])
def test_a_leading_ref_is_split_from_the_words(text: str, split: tuple[str, str] | None) -> None:
    assert split_ref(text) == split


def test_csv_encodings_are_detected() -> None:
    rows = [(1, ["Action", "Owner"]), (2, ["Review – now", "Café"])]
    text = "Action,Owner\r\nReview – now,Café\r\n"
    assert csv_rows("p.csv", text.encode("utf-8")) == rows
    assert csv_rows("p.csv", text.encode("utf-8-sig")) == rows
    assert csv_rows("p.csv", text.encode("cp1252")) == rows
    with pytest.raises(PlanFileError, match="UTF-16"):
        csv_rows("p.csv", text.encode("utf-16"))
    with pytest.raises(PlanFileError, match="neither UTF-8 nor Windows-1252"):
        csv_rows("p.csv", b"Action\r\n\x81\x8d\r\n")
