"""The command line, driven in process with click's CliRunner.

A small story (an audit, its recommendations, a milestone, actions with dependencies, two
committee meetings and their resolutions) is recorded by hand through the CLI; then every
command's output, refusals, usage errors and JSON are checked against it.

Effective dates are in 2016: the CLI uses the real clock and refuses dates after today.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main

ACTOR = "J Smith"
FINGERPRINT_LINE = re.compile(r"fingerprint (\d+):([0-9a-f]{64})")
RECORDED_LINE = re.compile(r"recorded #(\d+) (\S+): .+ \(effective (\d{4}-\d{2}-\d{2}), by (.+)\)")


# -- helpers --------------------------------------------------------------------------------

def invoke(db: Path, *args: str, actor: str | None = ACTOR) -> Result:
    """Run `ledger --db DB [--actor ACTOR] ARGS...` in process, with no LEDGER_* environment."""
    runner = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None})
    argv = ["--db", str(db)] + (["--actor", actor] if actor is not None else []) + list(args)
    result = runner.invoke(main, argv)
    assert "Traceback" not in result.stdout + result.stderr, (argv, result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{argv} raised {result.exception!r}"
    )
    return result


def ok(db: Path, *args: str, actor: str | None = ACTOR) -> Result:
    """Run a command that must succeed, with nothing on stderr."""
    result = invoke(db, *args, actor=actor)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    assert result.stderr == "", (args, result.stderr)
    return result


def write(db: Path, *args: str) -> list[tuple[int, str]]:
    """Run a write that must succeed; check its output and return the (position, ref) recorded."""
    result = ok(db, *args)
    lines = [line for line in result.stdout.splitlines() if not line.startswith("note: ")]
    assert len(lines) >= 2, result.stdout
    recorded = [RECORDED_LINE.fullmatch(line) for line in lines[:-1]]
    assert all(recorded), lines
    fp = FINGERPRINT_LINE.fullmatch(lines[-1])
    assert fp, lines[-1]
    positions = [int(m.group(1)) for m in recorded if m]
    # Positions are consecutive and the fingerprint is at the last of them.
    assert positions == list(range(positions[0], positions[0] + len(positions)))
    assert int(fp.group(1)) == positions[-1]
    assert all(m.group(4) == ACTOR for m in recorded if m)
    assert fingerprint(db) == {"position": positions[-1], "hash": fp.group(2)}
    return [(int(m.group(1)), m.group(2)) for m in recorded if m]


def fingerprint(db: Path) -> dict[str, object]:
    """The fingerprint as `verify --format json` reports it."""
    result = ok(db, "verify", "--format", "json", actor=None)
    doc = json.loads(result.stdout)
    assert doc["ok"] is True
    return doc["fingerprint"]


def refused(db: Path, args: Sequence[str], *names: str, code: int = 1,
            actor: str | None = ACTOR) -> str:
    """Run a command that must be refused with `code`: one stderr line starting "Error:" that
    names every one of `names`, nothing on stdout, and the ledger's fingerprint unchanged."""
    before = fingerprint(db) if db.exists() else None
    result = invoke(db, *args, actor=actor)
    assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, (args, result.stderr)
    assert lines[0].startswith("Error:"), lines
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert result.stdout == "", (args, result.stdout)
    if before is not None:
        assert fingerprint(db) == before, f"{args} changed the ledger although refused"
    return lines[0]


# -- the story ------------------------------------------------------------------------------

@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A ledger holding the story, recorded through the CLI."""
    path = tmp_path / "ledger.db"
    write(path, "audit", "add", "ICO-2015", "--title", "ICO data protection audit",
          "--kind", "ico-audit", "--on", "2015-10-30",
          "--area", "governance=limited", "--area", "data sharing=reasonable")
    write(path, "recommendation", "add", "ICO-A1", "--audit", "ICO-2015",
          "--text", "Appoint a Records Manager", "--priority", "high", "--area", "governance",
          "--on", "2015-12-01")
    write(path, "recommendation", "add", "ICO-C1", "--audit", "ICO-2015",
          "--text", "Keep a register of data sharing agreements", "--priority", "medium",
          "--area", "data sharing", "--response", "partially-accepted", "--on", "2015-12-01")
    write(path, "milestone", "add", "RM-FUNDED", "--text", "Records Manager post funded",
          "--on", "2016-01-10")
    write(path, "action", "add", "ICO-A1.1", "--recommendation", "ICO-A1",
          "--text", "Recruit a Records Manager", "--owner", "Head of IG", "--due", "2016-12-31",
          "--on", "2016-03-01")
    write(path, "action", "add", "ICO-A1.2", "--recommendation", "ICO-A1",
          "--recommendation", "ICO-C1", "--text", "Induct the Records Manager",
          "--depends-on", "ICO-A1.1", "--depends-on", "RM-FUNDED", "--due", "2017-03-31",
          "--on", "2016-03-01")
    write(path, "action", "start", "ICO-A1.1", "--on", "2016-04-01", "--note", "Job advertised")
    write(path, "action", "complete", "ICO-A1.1", "--on", "2016-05-01",
          "--evidence", "Contract signed")
    write(path, "milestone", "achieve", "RM-FUNDED", "--on", "2016-05-02", "--note", "Budget agreed")
    write(path, "action", "start", "ICO-A1.2", "--on", "2016-05-03")
    write(path, "action", "reopen", "ICO-A1.1", "--on", "2016-05-10",
          "--reason", "Evidence rejected")
    write(path, "action", "assign", "ICO-A1.1", "--owner", "Records Manager", "--on", "2016-05-11",
          "--reason", "Post filled")
    write(path, "action", "reschedule", "ICO-A1.1", "--due", "2017-01-31", "--on", "2016-05-12",
          "--reason", "Waiting on recruitment")
    write(path, "action", "note", "ICO-A1.1", "Interviews on 3 November", "--on", "2016-05-13")
    write(path, "meeting", "add", "2016-07-25", "--committee", "Audit and Procurement Committee",
          "--on", "2016-07-25")
    write(path, "meeting", "add", "2016-10-24", "--committee", "Audit and Procurement Committee",
          "--on", "2016-10-24")
    write(path, "resolution", "add", "2016-07-25", "1", "--minute", "12/16",
          "--text", "Progress report to the October meeting", "--report-due-at", "2016-10-24")
    assert fingerprint(path)["position"] == 17
    return path


# -- writes ---------------------------------------------------------------------------------

def test_each_write_prints_what_it_recorded_and_the_new_fingerprint(db: Path) -> None:
    recorded = write(db, "action", "note", "ICO-A1.2", "Induction booked", "--on", "2016-06-01")
    assert recorded == [(18, "ICO-A1.2")]
    recorded = write(db, "action", "add", "ICO-C1.1", "--recommendation", "ICO-C1",
                     "--text", "Build the register", "--on", "2016-06-01")
    assert recorded == [(19, "ICO-C1.1")]


def test_resolution_with_minute_further_to_and_fulfils_records_two_events(db: Path) -> None:
    recorded = write(db, "resolution", "add", "2016-10-24", "3", "--minute", "36/16",
                     "--further-to", "12/16", "--text", "Progress report received",
                     "--fulfils", "2016-07-25/1")
    # The resolution on the October meeting, and the report received on the July one.
    assert recorded == [(18, "2016-10-24"), (19, "2016-07-25")]
    shown = json.loads(ok(db, "show", "2016-07-25", "--format", "json").stdout)
    assert shown["kind"] == "meeting"
    assert shown["state"]["received"] == {"1": "2016-10-24/3"}
    october = json.loads(ok(db, "show", "2016-10-24", "--format", "json").stdout)
    resolution = october["state"]["resolutions"]["3"]
    assert resolution["minute"] == "36/16"
    assert resolution["further_to"] == "12/16"
    assert resolution["fulfils"] == "2016-07-25/1"


def test_write_output_names_the_actor_and_effective_date(db: Path) -> None:
    result = ok(db, "action", "note", "ICO-A1.1", "Offer made", "--on", "2016-06-02")
    assert "recorded #18 ICO-A1.1: note: Offer made (effective 2016-06-02, by J Smith)" in (
        result.stdout.splitlines())


# -- show -----------------------------------------------------------------------------------

def test_show_text_gives_state_and_history(db: Path) -> None:
    out = ok(db, "show", "ICO-A1.1").stdout
    assert out.splitlines()[0] == "action ICO-A1.1"
    assert "status: in progress" in out
    assert "owner: Records Manager" in out
    assert "target date: 2017-01-31 (originally 2016-12-31)" in out
    assert "notes:\n    - Interviews on 3 November" in out
    assert "None" not in out and "[]" not in out and "_" not in out.split("History")[0]
    assert "History" in out
    # The history table wraps long cells, so look for the start of each summary.
    for words in ("not_started → in_progress", "in_progress → completed",
                  "completed → in_progress", "owner Head of IG →", "note: Interviews on 3 November"):
        assert words in out, words
    assert out.count(ACTOR) == 7  # one history row per event


def test_show_json_has_kind_state_and_history(db: Path) -> None:
    result = ok(db, "show", "ICO-A1.1", "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["ref"] == "ICO-A1.1"
    assert doc["kind"] == "action"
    assert doc["version"] == 7
    state = doc["state"]
    assert state["status"] == "in_progress"
    assert state["owner"] == "Records Manager"
    assert state["due"] == "2017-01-31" and state["original_due"] == "2016-12-31"
    assert state["recommendations"] == ["ICO-A1"]
    assert state["notes"] == ["Interviews on 3 November"]
    history = doc["history"]
    assert [h["event"] for h in history] == [
        "ActionAdded", "ActionStarted", "ActionCompleted", "ActionReopened", "ActionAssigned",
        "ActionRescheduled", "ActionNoted"]
    assert [h["effective"] for h in history] == [
        "2016-03-01", "2016-04-01", "2016-05-01", "2016-05-10", "2016-05-11", "2016-05-12",
        "2016-05-13"]
    assert all(h["actor"] == ACTOR for h in history)
    assert all(re.fullmatch(r"[0-9a-f]{64}", h["hash"]) for h in history)
    positions = [h["position"] for h in history]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


@pytest.mark.parametrize(("ref", "kind", "key", "value"), [
    ("ICO-2015", "audit", "areas", {"governance": "limited", "data sharing": "reasonable"}),
    ("ICO-C1", "recommendation", "response", "partially-accepted"),
    ("RM-FUNDED", "milestone", "status", "achieved"),
    ("ICO-A1.2", "action", "depends_on", ["ICO-A1.1", "RM-FUNDED"]),
    ("2016-10-24", "meeting", "held_on", "2016-10-24"),
])
def test_show_json_for_every_kind(db: Path, ref: str, kind: str, key: str, value: object) -> None:
    doc = json.loads(ok(db, "show", ref, "--format", "json").stdout)
    assert doc["kind"] == kind
    assert doc["state"][key] == value
    assert doc["history"], ref


# -- verify ---------------------------------------------------------------------------------

def test_verify_text_says_ok_with_the_fingerprint(db: Path) -> None:
    fp = fingerprint(db)
    out = ok(db, "verify").stdout
    assert out.startswith("OK")
    assert f"{fp['position']}:{fp['hash']}" in out
    assert "17 events" in out


def test_verify_json(db: Path) -> None:
    doc = json.loads(ok(db, "verify", "--format", "json").stdout)
    assert doc["ok"] is True
    assert doc["fingerprint"]["position"] == 17
    assert re.fullmatch(r"[0-9a-f]{64}", doc["fingerprint"]["hash"])
    assert doc["events"] == 17


def test_verify_expect_an_earlier_fingerprint_still_in_the_chain(db: Path) -> None:
    earlier = fingerprint(db)
    write(db, "action", "note", "ICO-A1.1", "Later note", "--on", "2016-06-01")
    expect = f"{earlier['position']}:{earlier['hash']}"
    out = ok(db, "verify", "--expect", expect).stdout
    assert out.startswith("OK") and "18 events" in out
    doc = json.loads(ok(db, "verify", "--expect", expect, "--format", "json").stdout)
    assert doc["ok"] is True and doc["fingerprint"]["position"] == 18


def test_verify_expect_a_wrong_fingerprint_is_refused(db: Path) -> None:
    line = refused(db, ["verify", "--expect", "5:" + "ab" * 32], "5:" + "ab" * 32)
    assert "rewritten" in line


def test_verify_expect_a_fingerprint_past_the_end_is_refused(db: Path) -> None:
    fp = fingerprint(db)
    refused(db, ["verify", "--expect", f"40:{fp['hash']}"], "40:")


def test_verify_expect_wrong_fingerprint_json_says_not_ok(db: Path) -> None:
    result = invoke(db, "verify", "--expect", "5:" + "ab" * 32, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["position"] == 5


def test_verify_expect_malformed_is_a_usage_error(db: Path) -> None:
    refused(db, ["verify", "--expect", "17:abc"], "--expect", code=2)


# -- refusals: exit 1, one line, naming the refs, nothing recorded --------------------------

@pytest.mark.parametrize(("args", "names"), [
    (["action", "start", "ICO-A1.1", "--on", "2016-06-01"], ["ICO-A1.1", "in progress"]),
    (["action", "complete", "NOPE", "--on", "2016-06-01"], ["NOPE"]),
    (["action", "start", "ICO-A1", "--on", "2016-06-01"], ["ICO-A1", "recommendation"]),
    (["action", "reopen", "ICO-A1.2", "--on", "2016-06-01", "--reason", "why"], ["ICO-A1.2"]),
    (["action", "note", "ICO-A1.1", "Too early", "--on", "2016-01-01"], ["ICO-A1.1", "2016-01-01"]),
    (["action", "note", "ICO-A1.1", "In the future", "--on", "2030-01-01"], ["ICO-A1.1", "2030-01-01"]),
    (["action", "assign", "ICO-A1.1", "--owner", "Records Manager", "--on", "2016-06-01"],
     ["ICO-A1.1", "Records Manager"]),
    (["action", "reschedule", "ICO-A1.1", "--due", "2017-01-31", "--on", "2016-06-01",
      "--reason", "same"], ["ICO-A1.1", "2017-01-31"]),
    (["action", "add", "ICO-A1.3", "--recommendation", "ICO-A1", "--text", "t",
      "--depends-on", "GHOST", "--on", "2016-06-01"], ["ICO-A1.3", "GHOST"]),
    (["action", "add", "ICO-A1.3", "--recommendation", "ICO-A1", "--text", "t",
      "--depends-on", "ICO-C1", "--on", "2016-06-01"], ["ICO-A1.3", "ICO-C1", "recommendation"]),
    (["action", "add", "ICO-A1.3", "--recommendation", "ICO-A1", "--text", "t",
      "--depends-on", "ICO-A1.3", "--on", "2016-06-01"], ["ICO-A1.3"]),
    (["action", "add", "ICO-A1.3", "--recommendation", "GHOST-REC", "--text", "t",
      "--on", "2016-06-01"], ["GHOST-REC"]),
    (["action", "add", "ICO-A1.3", "--recommendation", "ICO-A1", "--text", "t",
      "--on", "2015-11-01"], ["ICO-A1.3", "ICO-A1"]),
    (["action", "add", "RM-FUNDED", "--recommendation", "ICO-A1", "--text", "t",
      "--on", "2016-06-01"], ["RM-FUNDED", "milestone"]),
    (["audit", "add", "ICO-A1", "--title", "t", "--kind", "other", "--on", "2016-01-01"],
     ["ICO-A1", "recommendation"]),
    (["audit", "add", "LATER", "--title", "t", "--kind", "other", "--on", "2030-01-01"],
     ["LATER", "2030-01-01"]),
    (["recommendation", "add", "ICO-Z9", "--audit", "ICO-2015", "--text", "t",
      "--priority", "low", "--area", "finance", "--on", "2016-01-01"],
     ["ICO-Z9", "finance", "ICO-2015"]),
    (["recommendation", "add", "ICO-Z9", "--audit", "RM-FUNDED", "--text", "t",
      "--priority", "low", "--on", "2016-01-01"], ["RM-FUNDED", "milestone"]),
    (["milestone", "achieve", "RM-FUNDED", "--on", "2016-06-01"], ["RM-FUNDED", "achieved"]),
    (["milestone", "achieve", "ICO-A1.1", "--on", "2016-06-01"], ["ICO-A1.1", "action"]),
    (["meeting", "add", "ICO-2015", "--committee", "C", "--on", "2016-01-01"], ["ICO-2015"]),
    (["resolution", "add", "2016-07-25", "1", "--text", "again"], ["2016-07-25/1"]),
    (["resolution", "add", "2016-10-24", "2", "--text", "t", "--report-due-at", "2016-07-25"],
     ["2016-10-24", "2016-07-25"]),
    (["resolution", "add", "2016-10-24", "2", "--text", "t", "--report-due-by", "2016-10-01"],
     ["2016-10-24", "2016-10-01"]),
    (["resolution", "add", "2016-10-24", "2", "--text", "t", "--fulfils", "2016-07-25/7"],
     ["2016-10-24", "2016-07-25/7"]),
    (["resolution", "add", "2016-07-25", "2", "--text", "t", "--fulfils", "2016-07-25/1"],
     ["2016-07-25", "2016-07-25/1"]),
    (["resolution", "add", "ICO-A1.1", "1", "--text", "t"], ["ICO-A1.1", "action"]),
])
def test_refused_commands(db: Path, args: list[str], names: list[str]) -> None:
    refused(db, args, *names)


def test_start_waiting_on_unfinished_dependencies_names_them(db: Path) -> None:
    write(db, "milestone", "add", "RM-HIRED", "--text", "Hired", "--on", "2016-02-01")
    write(db, "action", "add", "ICO-A1.3", "--recommendation", "ICO-A1", "--text", "t",
          "--depends-on", "RM-HIRED", "--depends-on", "ICO-A1.1", "--on", "2016-06-01")
    line = refused(db, ["action", "start", "ICO-A1.3", "--on", "2016-06-02"],
                   "ICO-A1.3", "RM-HIRED", "ICO-A1.1")
    assert "pending" in line and "in_progress" in line


def test_complete_before_start_is_refused(db: Path) -> None:
    write(db, "action", "add", "ICO-C1.1", "--recommendation", "ICO-C1", "--text", "t",
          "--on", "2016-06-01")
    refused(db, ["action", "complete", "ICO-C1.1", "--on", "2016-06-02"], "ICO-C1.1", "start")


def test_status_change_before_the_last_one_is_refused(db: Path) -> None:
    refused(db, ["action", "complete", "ICO-A1.1", "--on", "2016-05-09"],
            "ICO-A1.1", "2016-05-09", "2016-05-10")


def test_fulfilling_an_already_fulfilled_request_is_refused(db: Path) -> None:
    write(db, "resolution", "add", "2016-10-24", "3", "--text", "Received",
          "--fulfils", "2016-07-25/1")
    refused(db, ["resolution", "add", "2016-10-24", "4", "--text", "Again",
                 "--fulfils", "2016-07-25/1"], "2016-07-25/1", "2016-10-24/3")


def test_resolution_of_a_meeting_in_the_future_is_refused(db: Path) -> None:
    write(db, "meeting", "add", "2030-02-20", "--committee", "Audit", "--on", "2030-02-20")
    refused(db, ["resolution", "add", "2030-02-20", "1", "--text", "t"], "2030-02-20", "future")


# -- bad values and usage: exit 2, one line naming the option or field ----------------------

@pytest.mark.parametrize(("args", "names"), [
    (["action", "start", "ICO-A1.2", "--on", "2016-13-01"], ["--on", "2016-13-01"]),
    (["action", "start", "ICO-A1.2", "--on", "2016-02-30"], ["--on"]),
    (["action", "start", "ICO-A1.2", "--on", "June 1 2016"], ["--on"]),
    (["action", "start", "ICO-A1.2"], ["--on"]),
    (["action", "add", "X1", "--recommendation", "ICO-A1", "--text", "t", "--due", "2016-13-01",
      "--on", "2016-06-01"], ["--due"]),
    (["action", "add", "X1", "--recommendation", "ICO-A1", "--on", "2016-06-01"], ["--text"]),
    (["audit", "add", "AUD-2", "--title", "t", "--kind", "bogus", "--on", "2016-01-01"], ["--kind"]),
    (["audit", "add", "AUD-2", "--title", "t", "--kind", "other", "--on", "2016-01-01",
      "--area", "governance"], ["--area", "governance"]),
    (["audit", "add", "AUD-2", "--title", "t", "--kind", "other", "--on", "2016-01-01",
      "--area", "governance=excellent"], ["--area", "excellent"]),
    (["audit", "add", "AUD-2", "--title", "t", "--kind", "other", "--on", "2016-01-01",
      "--area", "=limited"], ["--area"]),
    (["recommendation", "add", "R9", "--audit", "ICO-2015", "--text", "t", "--priority", "huge",
      "--on", "2016-01-01"], ["--priority"]),
    (["action", "start", "bad ref!", "--on", "2016-06-01"], ["ref", "bad ref!"]),
    (["action", "add", "ICO-A1.3", "--recommendation", "ICO-A1", "--text", "t",
      "--depends-on", "bad ref!", "--on", "2016-06-01"], ["depends_on", "bad ref!"]),
    (["action", "add", "X" * 65, "--recommendation", "ICO-A1", "--text", "t",
      "--on", "2016-06-01"], ["ref"]),
    (["show", "bad ref!"], ["bad ref!"]),
    (["action", "note", "ICO-A1.1", "   ", "--on", "2016-06-01"], ["text"]),
    (["action", "reopen", "ICO-A1.1", "--on", "2016-06-01"], ["--reason"]),
    (["action", "reschedule", "ICO-A1.1", "--due", "2017-06-01", "--on", "2016-06-01",
      "--reason", " "], ["reason"]),
    (["action", "assign", "ICO-A1.1", "--owner", "  ", "--on", "2016-06-01"], ["owner"]),
    (["resolution", "add", "2016-10-24", "0", "--text", "t"], ["NUMBER"]),
    (["resolution", "add", "2016-10-24", "2", "--text", "t", "--kind", "shouted"], ["--kind"]),
    (["resolution", "add", "2016-10-24", "2", "--text", "t", "--minute", "36-16"], ["minute"]),
    (["resolution", "add", "2016-10-24", "2", "--text", "t", "--fulfils", "2016-07-25"],
     ["fulfils"]),
    (["resolution", "add", "2016-10-24", "2", "--text", "t", "--report-due-by", "2017-01-01",
      "--report-after", "the budget"], ["--report-due-by", "--report-after"]),
    (["resolution", "add", "2016-10-24", "2", "--text", "t", "--kind", "report-requested"],
     ["report"]),
    (["resolution", "add", "2016-10-24", "2", "--text", "t", "--kind", "noted",
      "--report-due-by", "2017-01-01"], ["report"]),
    (["action", "frobnicate", "ICO-A1.1"], ["frobnicate"]),
    (["show"], ["REF"]),
    (["report", "as-at", "2016-13-01"], ["DATE"]),
    (["report", "as-at", "2016-07-25", "--as-known-on", "yesterday"], ["--as-known-on"]),
    (["show", "ICO-A1.1", "--format", "yaml"], ["--format"]),
])
def test_bad_values_are_usage_errors(db: Path, args: list[str], names: list[str]) -> None:
    refused(db, args, *names, code=2)


def test_fulfils_with_a_non_ascii_digit_is_a_usage_error(db: Path) -> None:
    """'²'.isdigit() is true but int('²') raises: must still be one line, exit 2, no traceback."""
    refused(db, ["resolution", "add", "2016-10-24", "2", "--text", "t",
                 "--fulfils", "2016-07-25/²"], "fulfils", code=2)


def test_as_known_on_out_of_range_is_a_usage_error(db: Path) -> None:
    """A time whose UTC conversion overflows is a bad value, not a crash."""
    refused(db, ["report", "as-at", "2016-07-25", "--as-known-on", "0001-01-01T00:00+05:00"],
            "--as-known-on", code=2)


# -- the actor ------------------------------------------------------------------------------

def test_write_without_actor_is_a_usage_error(db: Path) -> None:
    refused(db, ["action", "note", "ICO-A1.1", "hi", "--on", "2016-06-01"], "--actor",
            code=2, actor=None)


def test_write_with_blank_actor_is_a_usage_error(db: Path) -> None:
    refused(db, ["action", "note", "ICO-A1.1", "hi", "--on", "2016-06-01"], "--actor",
            code=2, actor="   ")


def test_actor_from_the_environment(db: Path) -> None:
    runner = CliRunner(env={"LEDGER_DB": str(db), "LEDGER_ACTOR": "Env Clerk"})
    result = runner.invoke(main, ["action", "note", "ICO-A1.1", "from env", "--on", "2016-06-01"])
    assert result.exit_code == 0, result.stderr
    assert "by Env Clerk)" in result.stdout
    assert fingerprint(db)["position"] == 18


def test_write_without_actor_does_not_create_the_database(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    refused(path, ["milestone", "add", "M1", "--text", "t", "--on", "2016-01-01"], "--actor",
            code=2, actor=None)
    assert not path.exists()


# -- read commands --------------------------------------------------------------------------

READS_JSON = [
    ["show", "ICO-A1.1", "--format", "json"],
    ["show", "2016-07-25", "--format", "json"],
    ["verify", "--format", "json"],
    ["requests", "--as-at", "2016-08-01", "--format", "json"],
    ["report", "as-at", "2016-07-25", "--format", "json"],
    ["report", "as-at", "2016-07-25", "--as-known-on", "now", "--audit", "ICO-2015",
     "--format", "json"],
    ["meeting", "report", "2016-10-24", "--format", "json"],
    ["history", "ICO-A1.1", "--format", "json"],
    ["log", "--format", "json"],
]


@pytest.mark.parametrize("args", READS_JSON, ids=lambda a: " ".join(a[:2]))
def test_json_output_is_exactly_one_document(db: Path, args: list[str]) -> None:
    result = ok(db, *args, actor=None)
    doc = json.loads(result.stdout)  # raises on a second document or trailing text
    assert isinstance(doc, dict | list) and doc


def test_requests_json_lists_the_outstanding_request(db: Path) -> None:
    doc = json.loads(ok(db, "requests", "--as-at", "2016-08-01", "--format", "json").stdout)
    assert doc["as_at"] == "2016-08-01"
    assert len(doc["requests"]) == 1
    assert doc["fingerprint"] == fingerprint(db)


def test_requests_text_names_the_request(db: Path) -> None:
    out = ok(db, "requests", "--as-at", "2016-08-01").stdout
    assert "2016-07-25/1" in out and "12/16" in out and "2016-10-24" in out


def test_reads_do_not_change_the_ledger(db: Path) -> None:
    before = fingerprint(db)
    for args in READS_JSON:
        ok(db, *args, actor=None)
    ok(db, "show", "ICO-A1.1", actor=None)
    ok(db, "report", "as-at", "2016-07-25", "--format", "markdown", actor=None)
    assert fingerprint(db) == before


@pytest.mark.parametrize("args", [
    ["show", "X"],
    ["verify"],
    ["verify", "--format", "json"],
    ["requests"],
    ["report", "as-at", "2016-07-25"],
    ["meeting", "report", "2016-07-25"],
    ["history", "X"],
    ["log"],
    ["export", "-"],
], ids=lambda a: " ".join(a))
def test_read_of_a_missing_database_is_refused_and_creates_nothing(tmp_path: Path,
                                                                   args: list[str]) -> None:
    missing = tmp_path / "missing.db"
    refused(missing, args, "missing.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_show_unknown_ref_is_refused(db: Path) -> None:
    refused(db, ["show", "NOPE"], "NOPE")


# -- global ---------------------------------------------------------------------------------

def test_version(tmp_path: Path) -> None:
    from ledger import __version__

    result = invoke(tmp_path / "x.db", "--version", actor=None)
    assert result.exit_code == 0
    assert result.stdout.strip() == f"ledger, version {__version__}"
    assert not (tmp_path / "x.db").exists()
