"""The as-at and meeting reports through the command line: each action's RAG status in JSON and
in the papers' full list of actions, and `recommendation add --risk-accepted-by`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_commands import invoke, ok


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "governed.db"
    ok(path, "audit", "add", "X", "--title", "Records audit", "--kind", "internal-audit",
       "--on", "2016-01-01")
    ok(path, "recommendation", "add", "R1", "--audit", "X", "--text", "Keep records",
       "--priority", "high", "--on", "2016-01-01")
    ok(path, "action", "add", "A1", "--recommendation", "R1", "--text", "Write the schedule",
       "--due", "2016-03-31", "--on", "2016-01-01")
    ok(path, "action", "add", "A2", "--recommendation", "R1", "--text", "Train staff",
       "--due", "2016-08-10", "--on", "2016-01-01")
    return path


def test_report_json_gives_every_action_its_rag(db: Path) -> None:
    doc = json.loads(ok(db, "report", "as-at", "2016-07-25", "--format", "json").stdout)
    rags = {a["ref"]: (a["rag"], a["days_overdue"], a["ageing"], a["overdue_against_original"])
            for a in doc["actions"]}
    assert rags == {"A1": ("red", 116, "over 90", True), "A2": ("amber", None, None, False)}
    assert doc["rag"]["red"] == 1 and doc["ageing"]["over 90"] == 1
    assert set(doc) >= {"policy", "pending", "recommendations", "by_recommendation"}


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_meeting_paper_lists_every_action(db: Path, fmt: str) -> None:
    ok(db, "meeting", "add", "M1", "--committee", "Audit Committee", "--on", "2016-07-25")
    out = ok(db, "meeting", "report", "M1", "--format", fmt).stdout
    assert "RAG status of the actions" in out and "All actions: Records audit (X)" in out
    if fmt == "markdown":
        assert "| R1 | A2 |  | not started | 2016-08-10 | amber | Train staff |" in out


def test_csv_report_ends_with_the_rag_columns(db: Path) -> None:
    out = ok(db, "report", "as-at", "2016-07-25", "--format", "csv").stdout
    header = out.splitlines()[0].split(",")
    assert header[-6:] == ["revisions", "overdue_against_original", "rag", "days_overdue",
                           "ageing", "pending_due"]


def test_risk_accepted_by_is_recorded_and_shown(db: Path) -> None:
    out = ok(db, "recommendation", "add", "R2", "--audit", "X", "--text", "Encrypt laptops",
             "--priority", "low", "--response", "not-accepted", "--risk-accepted-by",
             "Director of Resources", "--on", "2016-01-01").stdout
    assert "risk accepted by Director of Resources" in out
    shown = json.loads(ok(db, "show", "R2", "--format", "json").stdout)
    assert shown["state"]["risk_accepted_by"] == "Director of Resources"
    ok(db, "erase", "Director of Resources", "--reason", "request", actor="DPO")
    shown = json.loads(ok(db, "show", "R2", "--format", "json").stdout)
    assert shown["state"]["risk_accepted_by"] == "[erased]"
    refused = invoke(db, "recommendation", "add", "R3", "--audit", "X", "--text", "t",
                     "--priority", "low", "--risk-accepted-by", "Someone", "--on", "2016-01-01")
    assert refused.exit_code == 1 and "an accepted recommendation has no risk accepted" in (
        refused.stderr)
