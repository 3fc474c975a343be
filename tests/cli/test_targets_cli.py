"""Target dates through the command line: `policy set`, `action reschedule --approved-by`,
`action approve-reschedule` and `report targets`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_commands import invoke, ok


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "targets.db"
    ok(path, "audit", "add", "X", "--title", "Audit", "--kind", "internal-audit", "--on",
       "2016-01-01")
    ok(path, "recommendation", "add", "R1", "--audit", "X", "--text", "t", "--priority", "high",
       "--on", "2016-01-01")
    ok(path, "action", "add", "A1", "--recommendation", "R1", "--text", "t", "--due",
       "2016-06-30", "--on", "2016-01-01")
    return path


def targets(db: Path, as_at: str) -> dict[str, object]:
    doc: dict[str, object] = json.loads(ok(db, "report", "targets", "--as-at", as_at,
                                           "--format", "json").stdout)
    return doc


def test_a_request_waits_for_approval_under_the_policy(db: Path) -> None:
    out = ok(db, "policy", "set", "--approval-required", "--max-revisions", "1", "--on",
             "2016-01-01").stdout
    assert "approval required: yes" in out
    out = ok(db, "action", "reschedule", "A1", "--due", "2016-12-31", "--reason", "late",
             "--on", "2016-06-01").stdout
    assert "awaiting approval" in out
    doc = targets(db, "2016-07-25")
    assert doc["pending"] == [{"ref": "A1", "due": "2016-12-31", "reason": "late",
                               "requested_on": "2016-06-01"}]
    out = ok(db, "action", "approve-reschedule", "A1", "--by", "Head of Audit", "--on",
             "2016-07-25").stdout
    assert "approved by Head of Audit" in out
    doc = targets(db, "2016-07-25")
    assert doc["pending"] == []
    (a1,) = doc["actions"]  # type: ignore[misc]
    assert (a1["due"], a1["original_due"], a1["revisions"], a1["rag"]) == (
        "2016-12-31", "2016-06-30", 1, "red")
    again = invoke(db, "action", "approve-reschedule", "A1", "--by", "x", "--on", "2016-07-26")
    assert again.exit_code == 1 and "A1 has no reschedule awaiting approval" in again.stderr
    assert "OK" in ok(db, "verify", "--deep").stdout


def test_reschedule_with_approval_and_the_markdown_paper(db: Path) -> None:
    out = ok(db, "action", "reschedule", "A1", "--due", "2016-12-31", "--reason", "late",
             "--on", "2016-06-01", "--approved-by", "Committee").stdout
    assert "approved by Committee" in out
    md = ok(db, "report", "targets", "--as-at", "2016-07-25", "--format", "markdown").stdout
    assert "| A1 | not started | 2016-06-30 | 2016-12-31 | 1 | red | 25 |" in md


def test_policy_set_refuses_a_bad_limit(db: Path) -> None:
    result = invoke(db, "policy", "set", "--max-revisions", "-1", "--on", "2016-01-01")
    assert result.exit_code == 2 and "--max-revisions" in result.stderr


def test_an_import_waits_for_approval_once_and_then_records_nothing(db: Path,
                                                                     tmp_path: Path) -> None:
    ok(db, "policy", "set", "--approval-required", "--on", "2016-01-01")
    plan = tmp_path / "plan.csv"
    plan.write_text("Rec Ref,Recommendation,Priority,Action Ref,Agreed Action,Target Date,Status,"
                    "Status Date\nR1,t,High,A1,t,31/12/2016,Not started,01/06/2016\n")
    first = ok(db, "import", str(plan), "--audit", "X").stdout
    assert "awaiting approval" in first
    before = ok(db, "verify").stdout
    ok(db, "import", str(plan), "--audit", "X")
    assert ok(db, "verify").stdout == before
