"""Issue 13 from the command line: `ledger correct` and `ledger retract`, `action withdraw` and
`action supersede`; history, log and show linking an event to its amendments; refusals that
record nothing; presented papers reproduced after a later correction."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main

ACTOR = "J Smith"


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), *args], env={"LEDGER_ACTOR": ACTOR})


def ok(db: Path, *args: str) -> Result:
    result = run(db, *args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


def recorded(result: Result) -> int:
    """The position a write printed (`recorded #N ...`)."""
    found = re.findall(r"^recorded #(\d+) ", result.stdout, flags=re.M)
    assert len(found) == 1, result.stdout
    return int(found[0])


def head(db: Path) -> str:
    fp = json.loads(ok(db, "verify", "--format", "json").stdout)["fingerprint"]
    return f"{fp['position']}:{fp['hash']}"


def refused(db: Path, args: list[str], *words: str, code: int = 1) -> str:
    """Run a write that must be refused in one line, recording nothing; return the line."""
    before = head(db)
    result = run(db, *args)
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert "Traceback" not in result.stderr
    assert head(db) == before
    return lines[0]


def report(db: Path, as_at: str, *extra: str) -> dict[str, Any]:
    return dict(json.loads(ok(db, "report", "as-at", as_at, "--format", "json", *extra).stdout))


def action(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    return next(a for a in doc["actions"] if a["ref"] == ref)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The issue's example: R06.1 started on 1 June 2024, completed --on 2024-06-20 (meant 10
    June); R06.2 waits on it; a second recommendation to move actions to."""
    path = tmp_path / "ledger.db"
    ok(path, "audit", "add", "AUD", "--title", "ICO audit", "--kind", "ico-audit",
       "--on", "2024-01-01")
    for rec, priority in (("R06", "high"), ("R07", "low")):
        ok(path, "recommendation", "add", rec, "--audit", "AUD", "--text", f"Do {rec}",
           "--priority", priority, "--on", "2024-01-01")
    ok(path, "action", "add", "R06.1", "--recommendation", "R06", "--text", "Write the schedule",
       "--due", "2024-06-30", "--on", "2024-01-02")
    ok(path, "action", "add", "R06.2", "--recommendation", "R06", "--text", "Train owners",
       "--depends-on", "R06.1", "--on", "2024-01-02")
    ok(path, "action", "start", "R06.1", "--on", "2024-06-01")
    return path


def complete_wrongly(db: Path) -> tuple[int, str]:
    """Complete R06.1 --on 2024-06-20; its position and recorded time."""
    done = recorded(ok(db, "action", "complete", "R06.1", "--on", "2024-06-20"))
    (row,) = [r for r in json.loads(ok(db, "history", "R06.1", "--format", "json").stdout)
              if r["position"] == done]
    return done, str(row["recorded"])


def test_a_wrong_completion_date_is_fixed_in_one_command(db: Path) -> None:
    done, _ = complete_wrongly(db)
    # Without a correction the right date cannot be recorded: completing again is refused.
    refused(db, ["action", "complete", "R06.1", "--on", "2024-06-10"], "R06.1", "2024-06-20")
    result = ok(db, "correct", str(done), "--on", "2024-06-10", "--reason", "Meant 10 June")
    fix = recorded(result)
    assert (f"R06.1: corrects #{done}: effective 2024-06-20 → 2024-06-10, reason: Meant 10 June"
            in result.stdout)
    assert result.stdout.splitlines()[-1] == f"fingerprint {head(db)}"
    history = ok(db, "history", "R06.1").stdout.splitlines()
    (original,) = [line for line in history if line.startswith(f"#{done} ")]
    (correction,) = [line for line in history if line.startswith(f"#{fix} ")]
    assert "(effective 2024-06-20)" in original and original.endswith(f"[corrected by #{fix}]")
    assert f"corrects #{done}: effective 2024-06-20 → 2024-06-10" in correction
    rows = {r["position"]: r for r in json.loads(
        ok(db, "history", "R06.1", "--format", "json").stdout)}
    assert rows[done]["corrected_by"] == [fix] and rows[done]["corrects"] is None
    assert rows[fix]["corrects"] == done and rows[fix]["event"] == "EventCorrected"
    logged = {r["position"]: r for r in json.loads(ok(db, "log", "--format", "json").stdout)}
    assert logged[done]["corrected_by"] == [fix] and logged[fix]["corrects"] == done
    csv_header = ok(db, "log", "--format", "csv").stdout.splitlines()[0]
    assert csv_header.endswith(",links")
    shown = json.loads(ok(db, "show", "R06.1", "--format", "json").stdout)
    assert shown["state"]["completed_on"] == "2024-06-10"
    assert "events" not in shown["state"] and "retracted" not in shown["state"]
    assert [h["corrected_by"] for h in shown["history"] if h["position"] == done] == [[fix]]


def test_reports_as_known_before_show_the_original_and_after_the_correction(db: Path) -> None:
    done, known_then = complete_wrongly(db)
    ok(db, "correct", str(done), "--on", "2024-06-10", "--reason", "Meant 10 June")
    before = report(db, "2024-06-15", "--as-known-on", known_then)
    assert action(before, "R06.1")["status"] == "in_progress"
    after = report(db, "2024-06-15")
    assert action(after, "R06.1")["status"] == "completed"
    assert action(after, "R06.1")["status_on"] == "2024-06-10"


def test_a_correction_of_a_correction(db: Path) -> None:
    done, _ = complete_wrongly(db)
    first = recorded(ok(db, "correct", str(done), "--on", "2024-06-10", "--reason", "typo"))
    result = ok(db, "correct", str(first), "--on", "2024-06-12", "--reason", "checked")
    second = recorded(result)
    assert f"corrects #{first}: effective 2024-06-10 → 2024-06-12" in result.stdout
    rows = {r["position"]: r for r in json.loads(
        ok(db, "history", "R06.1", "--format", "json").stdout)}
    assert rows[done]["corrected_by"] == [first, second]
    assert rows[first]["corrected_by"] == [second]
    shown = json.loads(ok(db, "show", "R06.1", "--format", "json").stdout)
    assert shown["state"]["completed_on"] == "2024-06-12"


def test_refused_corrections_record_nothing(db: Path) -> None:
    done, _ = complete_wrongly(db)
    refused(db, ["correct", str(done), "--on", "2024-05-10", "--reason", "x"],
            f"correcting position {done}", "R06.1", "before its last status change")
    start_b = recorded(ok(db, "action", "start", "R06.2", "--on", "2024-06-25"))
    refused(db, ["correct", str(start_b), "--on", "2024-06-15", "--reason", "x"],
            f"correcting position {start_b}", "R06.2", "R06.1")
    # A correction of the completion that would leave R06.2 started before R06.1 completed.
    refused(db, ["correct", str(done), "--on", "2024-06-28", "--reason", "x"], "R06.2")
    line = refused(db, ["correct", str(done), "--due", "2024-07-01", "--reason", "x"],
                   "--due", "ActionCompleted", "--on, --evidence", code=2)
    assert line.endswith("correct it with --on, --evidence")
    refused(db, ["correct", str(done), "--on", "2024-06-20", "--reason", "x"],
            "already reads so")
    refused(db, ["correct", str(done), "--reason", "x"], "nothing to correct", code=2)
    refused(db, ["correct", "999", "--on", "2024-06-10", "--reason", "x"], "no event at "
            "position 999", "1 to")
    refused(db, ["correct", "0", "--on", "2024-06-10", "--reason", "x"], "POSITION", code=2)
    refused(db, ["correct", str(done), "--on", "2024-06-10"], "--reason", code=2)
    refused(db, ["retract", "1", "--reason", "x"], "AUD")  # the audit's recommendations need it


def test_wording_priority_dependencies_and_recommendation_corrected_in_a_report(
        db: Path) -> None:
    add_b = next(r["position"] for r in json.loads(
        ok(db, "history", "R06.2", "--format", "json").stdout))
    rec_07 = next(r["position"] for r in json.loads(
        ok(db, "history", "R07", "--format", "json").stdout))
    ok(db, "correct", str(add_b), "--text", "Train every asset owner", "--reason", "wording")
    ok(db, "correct", str(rec_07), "--priority", "urgent", "--reason", "the ICO's rating")
    ok(db, "correct", str(add_b), "--recommendation", "R07", "--reason", "filed under R07")
    result = ok(db, "correct", str(add_b), "--drop-dependency", "R06.1", "--reason", "not needed")
    assert "depends_on R06.1 → none" in result.stdout
    shown = json.loads(ok(db, "show", "R06.2", "--format", "json").stdout)["state"]
    assert (shown["text"], shown["recommendations"], shown["depends_on"]) == (
        "Train every asset owner", ["R07"], [])
    refused(db, ["correct", str(add_b), "--drop-dependency", "R06.1", "--reason", "x"],
            "does not depend on it", code=2)
    refused(db, ["correct", str(add_b), "--add-dependency", "R07", "--reason", "x"],
            "R07", "recommendation")
    ok(db, "correct", str(add_b), "--add-dependency", "R06.1", "--reason", "needed after all")
    assert json.loads(ok(db, "show", "R06.2", "--format", "json").stdout)["state"][
        "depends_on"] == ["R06.1"]


def test_corrected_wording_priority_and_recommendation_in_the_report(db: Path) -> None:
    add_b = next(r["position"] for r in json.loads(
        ok(db, "history", "R06.2", "--format", "json").stdout))
    rec_07 = next(r["position"] for r in json.loads(
        ok(db, "history", "R07", "--format", "json").stdout))
    ok(db, "correct", str(add_b), "--text", "Train every asset owner",
       "--recommendation", "R07", "--drop-dependency", "R06.1", "--reason", "agreed")
    ok(db, "correct", str(rec_07), "--priority", "urgent", "--reason", "the ICO's rating")
    doc = report(db, "2024-06-15")
    b = action(doc, "R06.2")
    assert (b["text"], b["recommendations"], b["priority"], b["blocked_by"]) == (
        "Train every asset owner", ["R07"], "urgent", [])


def test_retract_and_retract_the_retraction(db: Path) -> None:
    note = recorded(ok(db, "action", "note", "R06.1", "Panel booked", "--on", "2024-06-02"))
    result = ok(db, "retract", str(note), "--reason", "Noted on the wrong action")
    gone = recorded(result)
    assert f"retracts #{note}, reason: Noted on the wrong action" in result.stdout
    history = ok(db, "history", "R06.1").stdout
    assert f"Panel booked [retracted by #{gone}]" in history
    assert json.loads(ok(db, "show", "R06.1", "--format", "json").stdout)["state"]["notes"] == []
    refused(db, ["retract", str(note), "--reason", "x"], "already retracted")
    back = recorded(ok(db, "retract", str(gone), "--reason", "it was the right action"))
    rows = {r["position"]: r for r in json.loads(
        ok(db, "history", "R06.1", "--format", "json").stdout)}
    assert rows[gone]["retracts"] == note and rows[gone]["retracted_by"] == [back]
    assert json.loads(ok(db, "show", "R06.1", "--format", "json").stdout)["state"][
        "notes"] == ["Panel booked"]


def test_withdraw_and_supersede_from_the_command_line(db: Path) -> None:
    ok(db, "action", "add", "R06.3", "--recommendation", "R06", "--text", "Scan", "--due",
       "2024-03-01", "--on", "2024-01-02")
    ok(db, "action", "add", "R06.4", "--recommendation", "R06", "--text", "Scan better",
       "--on", "2024-01-02")
    result = ok(db, "action", "withdraw", "R06.2", "--on", "2024-06-05", "--reason",
                "Risk accepted")
    assert "R06.2: → withdrawn (Risk accepted) (effective 2024-06-05" in result.stdout
    result = ok(db, "action", "supersede", "R06.3", "--by", "R06.4", "--on", "2024-06-05")
    assert "R06.3: → superseded by R06.4" in result.stdout
    refused(db, ["action", "start", "R06.2", "--on", "2024-06-06"], "R06.2", "withdrawn")
    refused(db, ["action", "supersede", "R06.1", "--by", "R06.2", "--on", "2024-06-06"],
            "R06.2", "withdrawn")
    refused(db, ["action", "withdraw", "R06.1", "--on", "2024-06-06"], "--reason", code=2)
    doc = report(db, "2024-06-10")
    assert doc["totals"] == {"actions": 2, "not_started": 1, "in_progress": 1, "completed": 0,
                             "withdrawn": 1, "superseded": 1}
    assert doc["by_audit"]["AUD"]["withdrawn"] == 1
    assert doc["by_audit"]["AUD"]["superseded"] == 1
    assert not action(doc, "R06.3")["overdue"]
    assert "1 further action was withdrawn and 1 was superseded" in doc["minutes"][0]
    markdown = ok(db, "report", "as-at", "2024-06-10", "--format", "markdown").stdout
    assert "| Withdrawn | Superseded |" in markdown
    assert "| AUD | ICO audit | 2 | 0 | 1 | 1 | 1 | 1 |" in markdown


def test_a_presented_paper_reproduces_after_a_later_correction(db: Path) -> None:
    done, _ = complete_wrongly(db)
    ok(db, "meeting", "add", "2024-06-25", "--committee", "Audit Committee", "--on",
       "2024-06-25")
    paper = ok(db, "report", "as-at", "2024-06-15", "--format", "markdown",
               "--present-at", "2024-06-25").stdout
    ok(db, "correct", str(done), "--on", "2024-06-10", "--reason", "Meant 10 June")
    again = ok(db, "report", "as-presented", "2024-06-25")
    assert "reproduced byte-identical" in again.stderr
    assert again.stdout == paper


def test_on_is_a_meetings_day_and_area_an_audits_ratings(db: Path) -> None:
    meeting = recorded(ok(db, "meeting", "add", "M1", "--committee", "Audit Committee", "--on",
                          "2024-06-25"))
    result = ok(db, "correct", str(meeting), "--on", "2024-06-26", "--reason", "moved")
    assert "held_on 2024-06-25 → 2024-06-26; effective 2024-06-25 → 2024-06-26" in result.stdout
    shown = json.loads(ok(db, "show", "M1", "--format", "json").stdout)["state"]
    assert shown["held_on"] == "2024-06-26"
    result = ok(db, "correct", "1", "--area", "governance=limited", "--title", "ICO audit 2023",
                "--reason", "the report's own words")
    assert "title ICO audit → ICO audit 2023" in result.stdout
    shown = json.loads(ok(db, "show", "AUD", "--format", "json").stdout)["state"]
    assert (shown["title"], shown["areas"]) == ("ICO audit 2023", {"governance": "limited"})
    refused(db, ["correct", "1", "--area", "governance", "--reason", "x"], "NAME=RATING",
            code=2)
    refused(db, ["correct", "1", "--owner", "Ann", "--reason", "x"], "--owner",
            "AuditRecorded", "--on, --title, --kind, --area", code=2)


def test_who_accepted_a_risk_is_corrected(db: Path) -> None:
    made = recorded(ok(db, "recommendation", "add", "R08", "--audit", "AUD", "--text",
                       "Encrypt laptops", "--priority", "low", "--response", "not-accepted",
                       "--on", "2024-01-01"))
    result = ok(db, "correct", str(made), "--risk-accepted-by", "Director of Resources",
                "--reason", "signed off")
    assert "risk_accepted_by none → Director of Resources, reason: signed off" in result.stdout

    def state() -> dict[str, Any]:
        return dict(json.loads(ok(db, "show", "R08", "--format", "json").stdout)["state"])

    assert (state()["response"], state()["risk_accepted_by"]) == (
        "not-accepted", "Director of Resources")
    result = ok(db, "correct", str(made), "--risk-accepted-by", "SIRO", "--reason", "wrong one")
    assert "risk_accepted_by Director of Resources → SIRO" in result.stdout
    # Accepted after all: who accepted the risk goes with it, and the echo says so.
    result = ok(db, "correct", str(made), "--response", "accepted", "--reason", "accepted")
    assert "response not-accepted → accepted; risk_accepted_by SIRO → none" in result.stdout
    assert (state()["response"], state()["risk_accepted_by"]) == ("accepted", None)
    refused(db, ["correct", str(made), "--risk-accepted-by", "SIRO", "--reason", "x"],
            f"correcting position {made}", "an accepted recommendation has no risk accepted")
    refused(db, ["correct", "1", "--risk-accepted-by", "SIRO", "--reason", "x"],
            "--risk-accepted-by", "AuditRecorded", code=2)
    ok(db, "verify", "--deep")
