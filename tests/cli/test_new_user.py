"""Issue 13, defects found by trying the ledger as a new user would: each test failed before
its fix. Driven through the CLI in process (CliRunner), on both backends where the store is
involved (`ledger_url`: a SQLite file, or a fresh PostgreSQL schema)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.store.engine import normalize_url

ACTOR = "J Smith"


def run(db: str, *args: str, actor: str | None = ACTOR) -> Result:
    """`ledger --db DB [--actor A] ARGS` in process; never a traceback, never an exception."""
    argv = ["--db", db] + (["--actor", actor] if actor is not None else []) + list(args)
    result = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None}).invoke(main, argv)
    assert "Traceback" not in result.stdout + result.stderr, (argv, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        argv, repr(result.exception))
    return result


def ok(db: str, *args: str, actor: str | None = ACTOR) -> str:
    """A command that must succeed; its stdout."""
    result = run(db, *args, actor=actor)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


def head(db: str) -> Any:
    """The ledger's fingerprint, as `verify --format json` gives it."""
    return json.loads(ok(db, "verify", "--format", "json", actor=None))["fingerprint"]


def refused(db: str, *args: str, code: int, names: tuple[str, ...] = (),
            actor: str | None = ACTOR) -> str:
    """A refusal: exit `code`, one line on stderr naming `names`, nothing recorded."""
    before = head(db)
    result = run(db, *args, actor=actor)
    assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert head(db) == before
    return lines[0]


# -- 9. PostgreSQL URLs as people write them -------------------------------------------------

@pytest.mark.parametrize("given", ["postgresql://u@h/db", "postgres://u@h/db",
                                   "postgres+psycopg://u@h/db"])
def test_a_postgresql_url_without_a_driver_means_psycopg(given: str) -> None:
    assert normalize_url(given).drivername == "postgresql+psycopg"


def test_other_urls_are_left_as_they_are() -> None:
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"
    assert normalize_url("postgresql+psycopg://u@h/db").render_as_string() == (
        "postgresql+psycopg://u@h/db")


@pytest.mark.parametrize("scheme", ["postgresql://", "postgres://"])
def test_plain_postgresql_urls_record_and_verify(pg_url: str, scheme: str) -> None:
    url = pg_url.replace("postgresql+psycopg://", scheme, 1)
    assert url.startswith(scheme)
    ok(url, "audit", "add", "A-1", "--title", "t", "--kind", "ico-audit", "--on", "2016-01-01")
    assert head(url)["position"] == 1
    assert head(pg_url)["position"] == 1  # the same ledger, whichever spelling


def test_a_missing_schema_is_explained_in_one_line(pg_admin_url: str) -> None:
    url = sa.make_url(pg_admin_url).update_query_dict(
        {"options": "-csearch_path=ledger_no_such_schema"}).render_as_string(hide_password=False)
    for args in (("verify",), ("audit", "add", "A-1", "--title", "t", "--kind", "ico-audit",
                                "--on", "2016-01-01")):
        result = run(url, *args)
        assert result.exit_code == 1, result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert "ledger_no_such_schema" in lines[0] and "CREATE SCHEMA" in lines[0], lines[0]


def test_a_missing_database_is_explained_in_one_line(pg_admin_url: str) -> None:
    url = sa.make_url(pg_admin_url).set(database="ledger_no_such_database").render_as_string(
        hide_password=False).replace("postgresql+psycopg://", "postgres://", 1)
    result = run(url, "verify")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "ledger_no_such_database" in lines[0] and "does not exist" in (
        lines[0]), result.stderr


# -- 6. a future meeting is scheduled, and the CLI says so -----------------------------------

def test_a_future_meeting_is_scheduled_effective_today_and_said_so(ledger_url: str) -> None:
    out = ok(ledger_url, "meeting", "add", "2030-02-15", "--committee", "Audit",
             "--on", "2030-02-15")
    today = date.today().isoformat()
    assert "scheduled" in out and "2030-02-15" in out and f"effective today ({today})" in out
    shown = json.loads(ok(ledger_url, "show", "2030-02-15", "--format", "json", actor=None))
    assert shown["history"][0]["effective"] == today
    assert "2030-02-15" in json.dumps(shown)
    past = ok(ledger_url, "meeting", "add", "2016-07-25", "--committee", "Audit",
              "--on", "2016-07-25")
    assert "scheduled" not in past and "(effective 2016-07-25" in past


# -- 4. questions with no sensible answer are refused ----------------------------------------

@pytest.fixture
def small(ledger_url: str) -> str:
    """A ledger with one audit, one recommendation and one action (2016)."""
    ok(ledger_url, "audit", "add", "AUD", "--title", "Audit", "--kind", "ico-audit",
       "--on", "2016-01-01")
    ok(ledger_url, "recommendation", "add", "R1", "--audit", "AUD", "--text", "Do it",
       "--priority", "high", "--on", "2016-01-02")
    ok(ledger_url, "action", "add", "R1.1", "--recommendation", "R1", "--text", "First",
       "--owner", "Ann", "--due", "2016-06-30", "--on", "2016-01-03")
    return ledger_url


def test_since_after_the_as_at_date_is_refused(small: str) -> None:
    refused(small, "report", "as-at", "2016-03-01", "--since", "2016-07-25", code=2,
            names=("--since 2016-07-25", "2016-03-01"), actor=None)
    assert "R1.1" in ok(small, "report", "as-at", "2016-07-25", "--since", "2016-03-01",
                        "--format", "json", actor=None)


def test_an_as_at_date_in_the_future_is_refused(small: str) -> None:
    line = refused(small, "report", "as-at", "2099-01-01", code=2, names=("2099-01-01", "future"),
                   actor=None)
    assert date.today().isoformat() in line
    ok(small, "report", "as-at", date.today().isoformat(), actor=None)
    for args in (("requests", "--as-at", "2099-01-01"), ("list", "actions", "--as-at",
                                                         "2099-01-01")):
        refused(small, *args, code=2, names=("2099-01-01", "future"), actor=None)


# -- 7. the same date forms on the command line as in an imported plan -----------------------

def test_the_command_line_takes_the_dates_an_imported_plan_may_hold(small: str) -> None:
    out = ok(small, "action", "start", "R1.1", "--on", "25/07/2016")
    assert "(effective 2016-07-25, by J Smith)" in out
    ok(small, "action", "complete", "R1.1", "--on", "1 August 2016")
    doc = json.loads(ok(small, "report", "as-at", "31/07/2016", "--as-known-on", "25 Dec 2099",
                        "--since", "1/3/2016", "--format", "json", actor=None))
    assert doc["as_at"] == "2016-07-31" and doc["since"]["date"] == "2016-03-01"
    assert doc["actions"][0]["status"] == "in_progress"
    assert doc["as_known_on"] == "2099-12-25T23:59:59.999999Z"
    refused(small, "action", "reopen", "R1.1", "--on", "08/31/2016", "--reason", "r", code=2,
            names=("--on", "08/31/2016", "month must be in 1..12"))


# -- 5. a mistyped --expect is not reported as tampering -------------------------------------

def _hash_at(db: str, position: int) -> str:
    history = json.loads(ok(db, "show", "R1", "--format", "json", actor=None))["history"]
    history += json.loads(ok(db, "show", "R1.1", "--format", "json", actor=None))["history"]
    history += json.loads(ok(db, "show", "AUD", "--format", "json", actor=None))["history"]
    return str(next(h["hash"] for h in history if h["position"] == position))


def test_expect_beyond_the_head_is_no_such_fingerprint(small: str) -> None:
    fp = head(small)
    line = refused(small, "verify", "--expect", f"67:{fp['hash']}", code=1, actor=None,
                   names=("no position 67", "ends at 3", "mistyped", "truncated"))
    assert "rewritten" not in line


def test_expect_with_a_hash_of_another_position_names_it(small: str) -> None:
    second = _hash_at(small, 2)
    line = refused(small, "verify", "--expect", f"3:{second}", code=1, actor=None,
                   names=("position 2", "mistyped position", f"--expect 2:{second}"))
    assert "rewritten" not in line
    assert "OK" in ok(small, "verify", "--expect", f"2:{second}", actor=None)


def test_expect_with_a_different_hash_at_an_existing_position_is_the_rewrite_signal(
        small: str) -> None:
    actual = _hash_at(small, 2)
    wrong = ("0" if actual[0] != "0" else "1") + actual[1:]
    line = refused(small, "verify", "--expect", f"2:{wrong}", code=1, actor=None,
                   names=("rewritten", "mistyped hash", actual[:12]))
    result = run(small, "verify", "--expect", f"2:{wrong}", "--format", "json", actor=None)
    doc = json.loads(result.stdout)
    assert result.exit_code == 1 and doc["ok"] is False and doc["expect"] == "hash-differs"
    assert line.startswith("Error: chain does not contain")


def test_expect_position_zero_is_the_empty_chain(small: str) -> None:
    assert "OK" in ok(small, "verify", "--expect", "0:" + "0" * 64, actor=None)
    line = refused(small, "verify", "--expect", "0:" + "ab" * 32, code=1, actor=None,
                   names=("no ledger has this fingerprint", "empty chain"))
    assert "rewritten" not in line


@pytest.mark.parametrize("bad", ["67:abc", "67", "x:" + "ab" * 32, "2:" + "zz" * 32])
def test_a_malformed_expect_is_not_a_fingerprint_and_checks_nothing(small: str, bad: str) -> None:
    line = refused(small, "verify", "--expect", bad, code=2, actor=None,
                   names=("--expect", "not a fingerprint of any ledger", "nothing was checked"))
    assert "rewritten" not in line


# -- 3. Ctrl-C says truthfully whether anything was recorded ---------------------------------

class _CtrlC(io.StringIO):
    """Standard output where Ctrl-C is pressed as the first line containing `at` is written."""

    def __init__(self, at: str) -> None:
        super().__init__()
        self.at = at

    def write(self, text: str) -> int:
        if self.at in text:
            raise KeyboardInterrupt
        return super().write(text)


def interrupted(db: str, at: str, *args: str) -> tuple[int, str]:
    """Run `ledger` as the shell does (standalone), pressing Ctrl-C as `at` is printed: the
    exit code and what it said on stderr."""
    err = io.StringIO()
    with (contextlib.redirect_stdout(_CtrlC(at)), contextlib.redirect_stderr(err),
          pytest.raises(SystemExit) as stopped):
        main.main(["--db", db, "--actor", ACTOR, *args], prog_name="ledger")
    return int(str(stopped.value.code)), err.getvalue()


PLAN = ("Recommendation ref,Recommendation,Priority,Action ref,Action,Status,Status date\n"
        "R2,Keep records,high,R2.1,Write a schedule,in progress,2016-03-01\n"
        "R2,Keep records,high,R2.2,Train staff,not started,2016-03-01\n")


def test_ctrl_c_after_an_import_was_committed_says_what_was_recorded(
        small: str, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN)
    before = head(small)["position"]
    code, said = interrupted(small, "recorded #", "import", str(plan), "--audit", "AUD")
    assert code == 130, said
    assert "Aborted" not in said and "nothing was recorded" not in said
    after = head(small)["position"]
    assert after == before + 4  # the import was committed: 1 recommendation, 2 actions, 1 start
    assert f"interrupted after 4 events were recorded and committed (positions {before + 1} " \
           f"to {after}" in said, said


@pytest.mark.parametrize("args", [("import", "{plan}", "--audit", "AUD", "--dry-run"),
                                  ("report", "as-at", "2016-07-25")])
def test_ctrl_c_before_anything_was_recorded_says_so(small: str, tmp_path: Path,
                                                     args: tuple[str, ...]) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN)
    before = head(small)
    code, said = interrupted(small, "R", *(a.format(plan=plan) for a in args))
    assert code == 130
    assert said.strip().splitlines()[-1] == "Error: interrupted: nothing was recorded", said
    assert head(small) == before


def test_ctrl_c_in_a_command_that_writes_its_own_ledger_says_what_changed(
        tmp_path: Path) -> None:
    """The demo builds its ledger outside the session's count: the head is compared instead."""
    db = str(tmp_path / "demo.db")
    code, said = interrupted(db, "Fingerprint", "demo")
    assert code == 130
    last = said.strip().splitlines()[-1]
    assert last.startswith("Error: interrupted: the ledger's head moved from position 0 to "), last
    assert f"to {head(db)['position']:,} while this command ran" in last


# -- 1 and 2. meeting reports on both clocks; a council entering its past -------------------

@pytest.fixture
def past(small: str) -> str:
    """`small` plus a 2016 meeting and two resolutions, all recorded today (years late)."""
    ok(small, "action", "start", "R1.1", "--on", "2016-04-01")
    ok(small, "meeting", "add", "2016-07-25", "--committee", "Audit", "--on", "2016-07-25")
    ok(small, "resolution", "add", "2016-07-25", "1", "--minute", "12/16", "--text", "Noted")
    ok(small, "resolution", "add", "2016-07-25", "2", "--text", "Report back",
       "--report-due-by", "2016-10-31")
    return small


def test_a_meeting_report_lists_no_resolution_recorded_after_its_horizon(past: str) -> None:
    doc = json.loads(ok(past, "meeting", "report", "2016-07-25", "--as-known-on", "2016-07-25",
                        "--format", "json", actor=None))
    assert doc["fingerprint"]["position"] == 0
    assert doc["resolutions"] == []
    text = ok(past, "meeting", "report", "2016-07-25", "--as-known-on", "2016-07-25",
              actor=None)
    assert "Resolutions of this meeting" not in text and "Report back" not in text
    now = json.loads(ok(past, "meeting", "report", "2016-07-25", "--as-known-on", "now",
                        "--format", "json", actor=None))
    assert [(r["number"], r["minute"], r["kind"], r["text"]) for r in now["resolutions"]] == [
        (1, "12/16", "noted", "Noted"), (2, None, "report-requested", "Report back")]
    assert now["meeting"]["note"] is not None  # later than the day, and nothing then


def test_a_past_meeting_entered_today_is_shown_as_known_now_and_labelled(past: str) -> None:
    doc = json.loads(ok(past, "meeting", "report", "2016-07-25", "--format", "json",
                        actor=None))
    assert doc["totals"]["in_progress"] == 1 and doc["fingerprint"]["position"] == 7
    assert doc["as_known_on"][:10] == date.today().isoformat()
    assert "As nothing had been recorded in the ledger by the end of 25 July 2016" in (
        doc["meeting"]["note"])
    assert len(doc["resolutions"]) == 2
    text = ok(past, "meeting", "report", "2016-07-25", actor=None)
    assert "There were no actions" not in text
    assert "not what the committee could have been told that day" in " ".join(text.split())
    md = ok(past, "meeting", "report", "2016-07-25", "--format", "markdown", actor=None)
    assert "*As nothing had been recorded in the ledger" in md


def test_a_paper_shown_as_known_now_reproduces_byte_identical(past: str) -> None:
    paper = ok(past, "meeting", "report", "2016-07-25", "--format", "markdown", "--present")
    assert "As nothing had been recorded" in paper
    again = run(past, "report", "as-presented", "2016-07-25", actor=None)
    assert again.exit_code == 0, again.stderr
    assert again.stdout == paper and "byte-identical" in again.stderr


# -- 8. `ledger list`, and `show` in words ---------------------------------------------------

@pytest.fixture
def plans(small: str) -> str:
    """`small` plus a second audit, an unassigned overdue action, a completed one, a
    recommendation with no actions yet, and meetings of two committees."""
    ok(small, "audit", "add", "IA", "--title", "Internal audit", "--kind", "internal-audit",
       "--on", "2016-02-01")
    ok(small, "recommendation", "add", "R2", "--audit", "AUD", "--text", "Train staff",
       "--priority", "low", "--on", "2016-01-02")
    ok(small, "recommendation", "add", "IA1", "--audit", "IA", "--text", "Keep a register",
       "--priority", "medium", "--on", "2016-02-02")
    ok(small, "action", "add", "R1.2", "--recommendation", "R1", "--text", "Second",
       "--due", "2016-03-31", "--on", "2016-02-01")
    ok(small, "action", "add", "IA1.1", "--recommendation", "IA1", "--text", "Register",
       "--owner", "Bob", "--due", "2016-12-31", "--on", "2016-02-03")
    ok(small, "action", "start", "IA1.1", "--on", "2016-02-04")
    ok(small, "action", "complete", "IA1.1", "--on", "2016-05-01")
    ok(small, "meeting", "add", "M1", "--committee", "Audit", "--on", "2016-07-25")
    ok(small, "meeting", "add", "M2", "--committee", "Scrutiny", "--on", "2016-08-01")
    return small


def listed(db: str, *args: str) -> list[dict[str, Any]]:
    """The rows `ledger list ARGS --format json` gives, after checking its envelope."""
    doc = json.loads(ok(db, "list", *args, "--format", "json", actor=None))
    kind = args[0]
    assert doc["kind"] == kind and doc["count"] == len(doc[kind])
    assert set(doc) >= {"as_at", "as_known_on", "fingerprint"}
    rows: list[dict[str, Any]] = doc[kind]
    return rows


def test_list_actions_filters_by_owner_status_overdue_and_audit(plans: str) -> None:
    assert [a["ref"] for a in listed(plans, "actions")] == ["IA1.1", "R1.1", "R1.2"]
    assert [a["ref"] for a in listed(plans, "actions", "--owner", "ANN")] == ["R1.1"]
    assert [a["ref"] for a in listed(plans, "actions", "--status", "completed")] == ["IA1.1"]
    assert [a["ref"] for a in listed(plans, "actions", "--status", "outstanding")] == [
        "R1.1", "R1.2"]
    assert [a["ref"] for a in listed(plans, "actions", "--overdue", "--as-at",
                                     "2016-04-15")] == ["R1.2"]
    assert [a["ref"] for a in listed(plans, "actions", "--audit", "IA")] == ["IA1.1"]
    assert [a["ref"] for a in listed(plans, "actions", "--recommendation", "R1",
                                     "--owner", "ann")] == ["R1.1"]
    assert listed(plans, "actions", "--as-at", "2016-01-02") == []  # both clocks: none yet
    assert listed(plans, "actions", "--as-known-on", "2016-01-01") == []
    refused(plans, "list", "actions", "--audit", "NOPE", code=1, names=("NOPE",), actor=None)
    refused(plans, "list", "actions", "--status", "lost", code=2, names=("--status",),
            actor=None)


def test_list_actions_as_text_and_csv(plans: str) -> None:
    text = ok(plans, "list", "actions", "--as-at", "2016-04-15", actor=None)
    assert "3 actions as at 2016-04-15" in text
    assert "R1.2" in text and "2016-03-31" in text
    assert "None" not in text and "in progress" in text
    rows = list(csv.reader(io.StringIO(ok(plans, "list", "actions", "--format", "csv",
                                          actor=None))))
    assert rows[0][:3] == ["ref", "status", "owner"]
    assert [r[0] for r in rows[1:]] == ["IA1.1", "R1.1", "R1.2"]
    assert "No actions as at" in ok(plans, "list", "actions", "--owner", "Zed", actor=None)


def test_list_recommendations_audits_and_meetings(plans: str) -> None:
    recs = listed(plans, "recommendations")
    assert [(r["ref"], r["audit"], r["priority"], r["actions"]) for r in recs] == [
        ("IA1", "IA", "medium", 1), ("R1", "AUD", "high", 2), ("R2", "AUD", "low", 0)]
    assert recs[2]["text"] == "Train staff"
    assert [r["ref"] for r in listed(plans, "recommendations", "--audit", "AUD",
                                     "--priority", "high")] == ["R1"]
    audits = {a["ref"]: a for a in listed(plans, "audits")}
    assert audits["AUD"]["actions"] == 2 and audits["IA"]["completed"] == 1
    assert audits["IA"]["title"] == "Internal audit"
    meetings = listed(plans, "meetings", "--committee", "scrutiny")
    assert [(m["ref"], m["held"], m["resolutions"]) for m in meetings] == [("M2", True, 0)]
    assert [m["ref"] for m in listed(plans, "meetings")] == ["M1", "M2"]
    text = ok(plans, "list", "recommendations", actor=None)
    assert "Train staff" in text and "3 recommendations" in text


def test_show_speaks_in_words_and_lists_the_actions_of_a_recommendation(plans: str) -> None:
    action = ok(plans, "show", "R1.2", actor=None)
    assert "owner: (unassigned)" in action and "target date: 2016-03-31" in action
    assert "status: not started" in action
    assert "None" not in action and "[]" not in action
    rec = ok(plans, "show", "R1", actor=None)
    assert "Actions (2, as at today)" in rec
    assert "R1.1" in rec.split("History")[0] and "R1.2" in rec.split("History")[0]
    audit = ok(plans, "show", "IA", actor=None)
    assert "IA1.1" in audit.split("History")[0] and "completed" in audit
    doc = json.loads(ok(plans, "show", "AUD", "--format", "json", actor=None))
    assert [a["ref"] for a in doc["actions"]] == ["R1.1", "R1.2"]
    assert "actions" not in json.loads(ok(plans, "show", "R1.1", "--format", "json",
                                          actor=None))
