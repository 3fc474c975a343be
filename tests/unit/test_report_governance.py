"""The as-at and meeting papers (edition 2) show every action's target-date governance (RAG,
revisions, the original date, ageing, requests awaiting approval) and every recommendation's
management response and derived state, in every format; papers of edition 1 read as before."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped,unused-ignore]

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.errors import RuleViolation
from ledger.projections.papers import presentation, reproduce
from ledger.projections.render import render
from ledger.projections.render.data import CSV_COLUMNS, GOVERNED_COLUMNS
from ledger.projections.render.html import to_html
from ledger.projections.render.xlsx import xlsx_bytes
from ledger.projections.report import Report, build_meeting_report, build_report
from tests.fixtures.papers import edition1

NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def plan(app: Ledger, clock: Any) -> Ledger:
    """Two audits; R1 accepted with an overdue, twice-moved action under a one-revision policy
    and a request awaiting approval; R2 delivered; R3 not accepted, risk accepted by a named
    officer; R4 not accepted with nobody recorded; B1 (another audit) not started, due soon."""
    clock.set("2016-12-01")
    app.add_audit("X", title="Records audit", kind="internal-audit", on="2016-01-01", actor="a")
    app.add_audit("Y", title="Security audit", kind="internal-audit", on="2016-01-01",
                  actor="a")
    app.add_recommendation("R1", audit="X", text="Keep records", priority="high",
                           on="2016-01-01", actor="a")
    app.add_recommendation("R2", audit="X", text="Train staff", priority="medium",
                           on="2016-01-01", actor="a")
    app.add_recommendation("R3", audit="X", text="Encrypt laptops", priority="low",
                           response=ev.Response.NOT_ACCEPTED,
                           risk_accepted_by="Director of Resources", on="2016-01-01", actor="a")
    app.add_recommendation("R4", audit="X", text="Shred paper", priority="low",
                           response=ev.Response.NOT_ACCEPTED, on="2016-01-01", actor="a")
    app.add_recommendation("B", audit="Y", text="Patch servers", priority="high",
                           on="2016-01-01", actor="a")
    app.set_target_policy(on="2016-01-01", max_revisions=1, actor="a")
    app.add_action("A1", recommendations=["R1"], text="Write the schedule", owner="Ann",
                   due="2016-03-31", on="2016-01-01", actor="a")
    app.add_action("A2", recommendations=["R2"], text="Run training", due="2016-09-30",
                   on="2016-01-01", actor="a")
    app.add_action("B1", recommendations=["B"], text="Patch", due="2016-08-10",
                   on="2016-01-01", actor="a")
    app.start_action("A1", on="2016-02-01", actor="a")
    app.reschedule_action("A1", due="2016-05-31", on="2016-03-01", reason="late", actor="a")
    app.reschedule_action("A1", due="2016-06-30", on="2016-05-01", reason="later", actor="a")
    app.start_action("A2", on="2016-02-01", actor="a")
    app.complete_action("A2", on="2016-03-01", actor="a")
    app.set_target_policy(on="2016-07-01", max_revisions=1, approval_required=True, actor="a")
    app.reschedule_action("A1", due="2016-12-31", on="2016-07-10", reason="Staff away",
                          actor="a")
    return app


def paper(app: Ledger, audit: str | None = None) -> Report:
    return build_report(app.stream, date(2016, 7, 25), as_known_on=NOW, audit=audit)


def test_json_carries_every_actions_dates_rag_and_the_recommendations(plan: Ledger) -> None:
    doc = json.loads(render(paper(plan), "json"))
    a1 = next(a for a in doc["actions"] if a["ref"] == "A1")
    assert {k: a1[k] for k in ("original_due", "due", "revisions", "overdue_against_original",
                               "rag", "ageing", "days_overdue", "flagged", "text")} == {
        "original_due": "2016-03-31", "due": "2016-06-30", "revisions": 2,
        "overdue_against_original": True, "rag": "red", "ageing": "over 90",
        "days_overdue": 116, "flagged": True, "text": "Write the schedule"}
    assert a1["pending_reschedule"] == {"due": "2016-12-31", "reason": "Staff away",
                                        "requested_on": "2016-07-10"}
    assert doc["pending"] == [{"ref": "A1", "due": "2016-12-31", "reason": "Staff away",
                               "requested_on": "2016-07-10"}]
    assert doc["rag"] == {"complete": 1, "green": 0, "amber": 1, "red": 1, "closed": 0}
    assert doc["ageing"] == {"0-30": 0, "31-90": 0, "over 90": 1}
    assert doc["policy"] == {"revised_counts_overdue": True, "max_revisions": 1,
                             "approval_required": True, "since": "2016-07-01"}
    recs = {r["ref"]: r for r in doc["recommendations"]}
    assert [r["ref"] for r in doc["recommendations"]] == ["B", "R1", "R2", "R3", "R4"]
    assert recs["R2"] == {"ref": "R2", "audit": "X", "text": "Train staff",
                          "priority": "medium", "area": None, "response": "accepted",
                          "risk_accepted_by": None, "state": "delivered", "actions": ["A2"]}
    assert (recs["R3"]["response"], recs["R3"]["risk_accepted_by"], recs["R3"]["state"]) == (
        "not-accepted", "Director of Resources", "no_actions")
    assert recs["R4"]["risk_accepted_by"] == "not recorded"
    assert doc["by_recommendation"] == {"no_actions": 2, "not_started": 1, "in_progress": 1,
                                        "delivered": 1, "closed": 0}


def test_one_audits_json_counts_only_its_actions_and_recommendations(plan: Ledger) -> None:
    doc = json.loads(render(paper(plan, "Y"), "json"))
    assert [a["ref"] for a in doc["actions"]] == ["B1"]
    assert [r["ref"] for r in doc["recommendations"]] == ["B"]
    assert doc["rag"]["amber"] == 1 and doc["by_recommendation"]["not_started"] == 1


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_papers_list_every_action_with_rag_and_every_recommendation(plan: Ledger,
                                                                    fmt: str) -> None:
    text = render(paper(plan), fmt)
    for heading in ("RAG status of the actions", "Overdue actions by age", "Target-date policy",
                    "Reschedules awaiting approval", "Recommendations by state",
                    "All actions: Records audit (X)", "All actions: Security audit (Y)"):
        assert heading in text
    assert "Staff away" in text and "Resources" in text
    if fmt == "markdown":
        assert "not accepted; risk accepted by: Director of Resources" in text
        assert "risk accepted by: not recorded" in text
        assert ("| R1 | A1 | Ann | in progress | 2016-06-30 (moved 2 times, first 2016-03-31; "
                "too many) | red, 116 days overdue | Write the schedule |") in text
        assert "| R2 | A2 |  | completed | 2016-09-30 | complete | Run training |" in text
        assert "| over 90 | 1 |" in text
        # every action, not only the overdue and blocked ones
        assert text.index("All actions: Records audit") < text.index("| R2 | A2 |")


def test_html_paper_has_the_same_tables(plan: Ledger) -> None:
    html = to_html(paper(plan), None, [])
    assert '<section id="all-actions-records-audit-x">' in html
    assert '<section id="recommendations">' in html
    assert "<td>red, 116 days overdue</td>" in html
    assert "risk accepted by: Director of Resources" in html


def test_csv_and_xlsx_carry_rag_columns(plan: Ledger) -> None:
    rows = list(csv.DictReader(io.StringIO(render(paper(plan), "csv"))))
    a1 = next(r for r in rows if r["ref"] == "A1")
    assert (a1["revisions"], a1["overdue_against_original"], a1["rag"], a1["days_overdue"],
            a1["ageing"], a1["pending_due"]) == ("2", "yes", "red", "116", "over 90",
                                                 "2016-12-31")
    book = load_workbook(io.BytesIO(xlsx_bytes(paper(plan))))
    actions = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(actions[0]) == CSV_COLUMNS + GOVERNED_COLUMNS
    assert next(r for r in actions if r[0] == "A1")[len(CSV_COLUMNS) + 2] == "red"
    recs = list(book["Recommendations"].iter_rows(values_only=True))
    r3 = next(r for r in recs if r[0] == "R3")
    assert r3[:6] == ("R3", "X", "low", "not-accepted", "Director of Resources", "no_actions")
    rag = {r[0]: r[1] for r in book["RAG"].iter_rows(values_only=True)}
    assert (rag["red"], rag["over 90"], rag["delivered"]) == (1, 1, 1)


def test_meeting_paper_lists_every_action_with_rag(plan: Ledger, clock: Any) -> None:
    plan.add_meeting("M1", committee="Audit Committee", on="2016-07-25", actor="a")
    report = build_meeting_report(plan.stream, "M1", as_known_on=NOW)
    text = render(report, "markdown")
    assert "## All actions: Records audit (X)" in text and "| R1 | A1 |" in text
    doc = json.loads(render(report, "json"))
    assert doc["rag"]["red"] == 1 and len(doc["recommendations"]) == 5


@pytest.mark.parametrize("fmt", ["markdown", "text", "json", "csv"])
def test_edition_one_papers_read_as_before(plan: Ledger, fmt: str) -> None:
    old = render(replace(paper(plan), edition=1), fmt)
    new = render(paper(plan), fmt)
    assert len(new) > len(old)
    for absent in ("RAG status", "All actions", "risk accepted", '"rag"', "revisions"):
        assert absent not in old


def test_risk_accepted_by_is_stored_only_when_named(plan: Ledger) -> None:
    made = {i.event.ref: i.event for i in plan.stream()
            if isinstance(i.event, ev.RecommendationMade)}
    assert b"risk_accepted_by" not in made["R1"].__pydantic_serializer__.to_json(made["R1"])
    assert b"risk_accepted_by" in made["R3"].__pydantic_serializer__.to_json(made["R3"])


def test_an_accepted_recommendation_has_no_risk_accepted(plan: Ledger) -> None:
    with pytest.raises(RuleViolation, match="accepted recommendation"):
        plan.add_recommendation("R9", audit="X", text="t", priority="low",
                                risk_accepted_by="Someone", on="2016-01-01", actor="a")


@pytest.mark.parametrize("fmt", list(edition1.FORMATS))
def test_edition_one_is_byte_for_byte_the_earlier_paper(fmt: str) -> None:
    """A paper presented before editions existed is reproduced by `reproduce` (its parameters
    have no `edition`) exactly as the earlier code rendered it (the golden files)."""
    golden = (Path(edition1.__file__).parent / f"edition1.{edition1.FORMATS[fmt]}").read_text()
    with Ledger("sqlite://", clock=edition1.Clock()) as app:
        edition1.build(app)
        report = build_report(app.stream, edition1.AS_AT, as_known_on=edition1.NOW)
        parameters = presentation(report, fmt)
        assert parameters["edition"] == "2"
        del parameters["edition"]
        assert edition1.blank(reproduce(app.stream, parameters)) == golden
        assert edition1.blank(render(report, fmt)) != golden
