"""Issue 5 from the command line: history, log, presented reports, export and restore."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main

JULY, OCTOBER = "2016-07-25", "2016-10-24"


def run(db: Path | str, *args: str, actor: str | None = None) -> Result:
    env = {"LEDGER_ACTOR": actor} if actor else {}
    return CliRunner().invoke(main, ["--db", str(db), *args], env=env)


def ok(db: Path | str, *args: str, actor: str | None = None) -> Result:
    result = run(db, *args, actor=actor)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


def fingerprint(db: Path | str) -> str:
    doc = json.loads(ok(db, "verify", "--format", "json").stdout)
    return f"{doc['fingerprint']['position']}:{doc['fingerprint']['hash']}"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    ok(db, "demo")
    return db


def test_history_lists_every_event_of_a_ref_in_each_format(demo: Path) -> None:
    text = ok(demo, "history", "ICO-B3.3").stdout.splitlines()
    assert len(text) == 3 and "completed" in text[-1] and "2016-07-20" in text[-1]
    rows = list(csv.DictReader(io.StringIO(ok(demo, "history", "ICO-B3.3", "--format", "csv").stdout)))
    assert [r["event"] for r in rows] == ["ActionAdded", "ActionStarted", "ActionCompleted"]
    assert rows[-1]["recorded"].startswith("2016-11-03") and rows[-1]["effective"] == "2016-07-20"
    doc = json.loads(ok(demo, "history", "ICO-B3.3", "--format", "json").stdout)
    assert [d["position"] for d in doc] == [int(r["position"]) for r in rows]
    assert doc[-1]["why"].startswith("evidence:")
    missing = run(demo, "history", "NOPE")
    assert missing.exit_code == 1 and missing.stderr.strip().splitlines() == ["Error: no record NOPE"]


def test_log_filters_by_recorded_date_actor_and_ref(demo: Path) -> None:
    everything = json.loads(ok(demo, "log", "--format", "json").stdout)
    assert [d["position"] for d in everything] == list(range(1, len(everything) + 1))
    # The seed's story ends with the correction of 3 November; the demo's next chapter (the
    # follow-up audit) records from 7 November on.
    november = json.loads(ok(demo, "log", "--from", "2016-11-01", "--to", "2016-11-06",
                             "--format", "json").stdout)
    assert [d["ref"] for d in november] == ["ICO-B3.3"]
    clerk = json.loads(ok(demo, "log", "--actor", "Committee Clerk (demo)", "--format", "json").stdout)
    assert clerk and all(d["actor"] == "Committee Clerk (demo)" for d in clerk)
    assert {d["event"] for d in clerk} >= {"MeetingScheduled", "ResolutionPassed", "ReportPresented"}
    july = json.loads(ok(demo, "log", "--from", JULY, "--to", JULY, "--ref", JULY,
                         "--format", "json").stdout)
    assert july and all(d["ref"] == JULY and d["recorded"].startswith(JULY) for d in july)
    header = ok(demo, "log", "--to", "2016-03-14", "--format", "csv").stdout.splitlines()[0]
    assert header.split(",")[:5] == ["position", "recorded", "effective", "actor", "ref"]
    empty = ok(demo, "log", "--from", "2030-01-01", "--format", "json").stdout
    assert json.loads(empty) == []


def test_the_demo_papers_are_reproduced_byte_identical_after_the_correction(demo: Path) -> None:
    for meeting in (JULY, OCTOBER):
        result = ok(demo, "report", "as-presented", meeting)
        assert "reproduced byte-identical" in result.stderr
        # The July paper was computed before the back-dated completion: it still says 8.
    july = ok(demo, "report", "as-presented", JULY).stdout
    assert "8 had been completed, 49 were in progress and 20 were yet to begin" in july
    now = ok(demo, "meeting", "report", JULY, "--as-known-on", "now", "--format", "markdown").stdout
    assert "9 had been completed, 48 were in progress" in now


def test_a_report_presented_from_the_cli_survives_a_later_correction(demo: Path, tmp_path: Path) -> None:
    paper = tmp_path / "paper.md"
    args = ["report", "as-at", OCTOBER, "--since", JULY, "--audit", "ICO-2015", "--format",
            "markdown", "-o", str(paper), "--present-at", "2017-02-20",
            "--fulfils", f"{OCTOBER}/3"]
    refused = run(demo, *args)
    assert refused.exit_code == 2 and "actor" in refused.stderr
    ok(demo, *args, actor="Clerk")
    original = paper.read_bytes()
    requests = json.loads(ok(demo, "requests", "--as-at", "2017-03-01", "--format", "json").stdout)
    # Resolution 2 (the follow-up audit's outcome) was answered by the demo's February paper.
    assert [(r["meeting"], r["number"]) for r in requests["requests"]] == []
    # A back-dated correction changes "as known now" for 24 October ...
    ok(demo, "action", "reopen", "ICO-B3.3", "--on", "2016-10-01", "--reason", "evidence withdrawn",
       actor="IG Manager")
    again = ok(demo, "report", "as-presented", "2017-02-20", "--format", "markdown")
    assert again.stdout.encode() == original
    # ... but not the paper the committee received.
    fresh = ok(demo, "report", "as-at", OCTOBER, "--since", JULY, "--audit", "ICO-2015",
               "--format", "markdown").stdout
    assert fresh.encode() != original


def test_as_presented_refuses_a_rewritten_trail(demo: Path) -> None:
    with sqlite3.connect(demo) as con:
        con.execute("DROP TRIGGER ledger_events_no_update")
        con.execute("UPDATE ledger_events SET state = CAST(REPLACE(CAST(state AS TEXT), "
                    "'Records Manager', 'Records Mangler') AS BLOB) WHERE position = 3")
    result = run(demo, "report", "as-presented", JULY)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "position 3" in result.stderr


def test_export_restore_round_trip_gives_the_same_fingerprint_and_reports(demo: Path,
                                                                          tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    ok(demo, "export", str(backup))
    lines = backup.read_text().splitlines()
    assert len(lines) == int(fingerprint(demo).split(":")[0]) + 1  # the events, then the trailer
    assert json.loads(lines[-1]) == {"trailer": {"events": len(lines) - 1, "head": fingerprint(demo)}}
    restored = tmp_path / "restored.db"
    ok(demo, "restore", str(backup), "--db", str(restored))
    assert fingerprint(restored) == fingerprint(demo)
    for db in (demo, restored):
        ok(db, "verify", "--expect", fingerprint(demo))
    report = ["report", "as-at", OCTOBER, "--as-known-on", "2016-12-01", "--since", JULY,
              "--format", "markdown"]
    assert ok(restored, *report).stdout == ok(demo, *report).stdout
    assert ok(restored, "report", "as-presented", JULY).stdout == ok(demo, "report", "as-presented",
                                                                      JULY).stdout


def test_restore_refuses_a_non_empty_target_and_a_broken_file_writing_nothing(
        demo: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    ok(demo, "export", str(backup))
    before = fingerprint(demo)
    occupied = run(demo, "restore", str(backup))
    assert occupied.exit_code == 1 and "not empty" in occupied.stderr
    assert fingerprint(demo) == before
    lines = backup.read_text().splitlines()
    lines[9] = lines[9].replace("ICO", "IKO", 1)
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines) + "\n")
    target = tmp_path / "target.db"
    result = run(demo, "restore", str(broken), "--db", str(target))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "line 10" in result.stderr and "nothing was restored" in result.stderr
    assert not target.exists()
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text(lines[0] + "\n{not json\n")
    result = run(demo, "restore", str(garbage), "--db", str(target))
    assert result.exit_code == 2 and "line 2" in result.stderr and not target.exists()


def test_a_truncated_tail_is_caught_by_the_remembered_head_and_by_expect(demo: Path) -> None:
    published = fingerprint(demo)
    with sqlite3.connect(demo) as con:
        con.execute("DROP TRIGGER ledger_events_no_delete")
        con.execute("DELETE FROM ledger_events_personal WHERE position = "
                    "(SELECT max(position) FROM ledger_events)")
        con.execute("DELETE FROM ledger_events WHERE position = (SELECT max(position) FROM ledger_events)")
    caught = run(demo, "verify")
    assert caught.exit_code == 1 and "truncated" in caught.stderr
    with sqlite3.connect(demo) as con:  # the attacker also rewinds the remembered head
        position, digest = con.execute(
            "SELECT position, hash FROM ledger_events ORDER BY position DESC LIMIT 1").fetchone()
        con.execute("UPDATE ledger_events_head SET position = ?, hash = ?", (position, digest))
    ok(demo, "verify")  # a chain cut at its end is still a valid chain ...
    result = run(demo, "verify", "--expect", published)
    assert result.exit_code == 1 and "truncated" in result.stderr  # ... but not the one published
    assert len(result.stderr.strip().splitlines()) == 1
