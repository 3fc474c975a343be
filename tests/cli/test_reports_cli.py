"""The as-at reports on the demo ledger, through the command line (click's CliRunner).

The demo records the seed's 2016 story with a simulated clock; every figure checked here is read
from the commands' own `--format json` output and compared with the seed minutes' numbers
(8 / 49 / 20 of 77 ICO actions on 25 July 2016; 46 / 27 / 4 on 24 October, a further 38
completed, 16 started, 27 of the remaining 31 in progress), never taken from the code.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main

ICO = "ICO-2015"
JULY, OCTOBER = "2016-07-25", "2016-10-24"
ACTION_KEYS = {"ref", "status", "owner", "due", "overdue", "blocked_by"}
TOTAL_KEYS = {"actions", "not_started", "in_progress", "completed", "withdrawn", "superseded"}
STATUSES = {"not_started", "in_progress", "completed", "withdrawn", "superseded"}


# -- helpers --------------------------------------------------------------------------------

def invoke(*argv: str) -> Result:
    """Run `ledger ARGV...` in process, with no LEDGER_* environment."""
    runner = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None})
    result = runner.invoke(main, list(argv))
    assert "Traceback" not in result.stdout + result.stderr, (argv, result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{argv} raised {result.exception!r}")
    return result


def ok(db: Path, *args: str) -> str:
    """`ledger --db DB ARGS...` must succeed with nothing on stderr; its stdout."""
    result = invoke("--db", str(db), *args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    assert result.stderr == "", (args, result.stderr)
    return result.stdout


def doc(db: Path, *args: str) -> dict[str, Any]:
    """The one JSON document a command prints with --format json."""
    out = ok(db, *args, "--format", "json")
    parsed: dict[str, Any] = json.loads(out)
    return parsed


def counts(t: dict[str, int]) -> tuple[int, int, int, int]:
    """(completed, in progress, not started, actions)."""
    return t["completed"], t["in_progress"], t["not_started"], t["actions"]


def fingerprint_of(db: Path) -> tuple[int, str]:
    v = doc(db, "verify")
    assert v["ok"] is True
    return v["fingerprint"]["position"], v["fingerprint"]["hash"]


def demo_args(db: Path, form: str) -> list[str]:
    """`ledger --db DB demo` (the global option), or `ledger demo --db DB` (the demo's own)."""
    return ["--db", str(db), "demo"] if form == "global" else ["demo", "--db", str(db)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo ledger for the read-only tests (the db given both ways, so it lands there)."""
    db = tmp_path_factory.mktemp("demo") / "demo-ledger.db"
    result = invoke("--db", str(db), "demo", "--db", str(db))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert db.exists()
    return db


# -- building the demo ----------------------------------------------------------------------

def test_demo_builds_in_the_db_given_to_ledger(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`ledger --db X demo` builds the demo in X (not in ./demo.db)."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "chosen.db"
    result = invoke(*demo_args(db, "global"))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert db.exists(), f"nothing built in {db}; files: {sorted(p.name for p in tmp_path.iterdir())}"
    assert not (tmp_path / "demo.db").exists()


@pytest.mark.parametrize("form", ["global", "demo-option"])
def test_demo_twice_rebuilds_the_same_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             form: str) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "twice.db"
    first = invoke(*demo_args(db, form))
    assert first.exit_code == 0, (first.stdout, first.stderr)
    before = fingerprint_of(db)
    second = invoke(*demo_args(db, form))
    assert second.exit_code == 0, (second.stdout, second.stderr)
    assert fingerprint_of(db) == before
    assert before[0] > 0
    # Each run says where the chain ends; both say the same.
    ends = [re.findall(r"Fingerprint (\d+):([0-9a-f]{64})", r.stdout) for r in (first, second)]
    assert ends[0] == ends[1] == [(str(before[0]), before[1])]


@pytest.mark.parametrize("form", ["global", "demo-option"])
def test_demo_refuses_a_ledger_that_is_not_a_demo(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  form: str) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "council.db"
    made = invoke("--db", str(db), "--actor", "a", "milestone", "add", "M", "--text", "t",
                  "--on", "2016-01-01")
    assert made.exit_code == 0, (made.stdout, made.stderr)
    before = fingerprint_of(db)
    files_before = sorted(p.name for p in tmp_path.iterdir())
    main_bytes = hashlib.sha256(db.read_bytes()).hexdigest()

    result = invoke(*demo_args(db, form))
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert str(db) in result.stderr or db.name in result.stderr
    assert fingerprint_of(db) == before == (1, before[1])
    assert hashlib.sha256(db.read_bytes()).hexdigest() == main_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before


# -- the meeting reports ----------------------------------------------------------------------

def test_july_meeting_report_gives_the_seed_figures(demo: Path) -> None:
    july = doc(demo, "meeting", "report", JULY)
    assert counts(july["by_audit"][ICO]) == (8, 49, 20, 77)
    assert july["as_at"] == JULY
    assert july["as_known_on"].startswith(JULY) and july["as_known_on"].endswith("Z")


def test_october_meeting_report_gives_the_seed_figures(demo: Path) -> None:
    october = doc(demo, "meeting", "report", OCTOBER)
    assert counts(october["by_audit"][ICO]) == (46, 27, 4, 77)


def test_october_meeting_report_since_figures(demo: Path) -> None:
    """since.completed == 38, since.started == 16, since.remaining == 31: the ICO's change since
    July, as the minutes speak of it (`since` itself covers every audit in the report)."""
    since = doc(demo, "meeting", "report", OCTOBER)["since_by_audit"][ICO]
    assert since["date"] == JULY
    assert (since["completed"], since["started"], since["remaining"]) == (38, 16, 31)


def test_meeting_report_since_is_consistent_with_its_own_totals(demo: Path) -> None:
    """Whatever scope `since` covers, it must be the difference of the two positions it names."""
    then = doc(demo, "report", "as-at", JULY, "--as-known-on", OCTOBER)
    october = doc(demo, "meeting", "report", OCTOBER)
    since, now = october["since"], october["totals"]
    assert since["then"] == then["totals"]
    assert since["completed"] == now["completed"] - then["totals"]["completed"]
    assert since["started"] == then["totals"]["not_started"] - now["not_started"]
    assert since["remaining"] == now["actions"] - now["completed"]


def test_as_at_with_audit_and_since_agrees_with_the_meeting_report(demo: Path) -> None:
    report = doc(demo, "report", "as-at", OCTOBER, "--as-known-on", OCTOBER, "--since", JULY,
                 "--audit", ICO)
    assert counts(report["totals"]) == (46, 27, 4, 77)
    assert list(report["by_audit"]) == [ICO]
    assert counts(report["by_audit"][ICO]) == (46, 27, 4, 77)
    assert report["since"]["date"] == JULY
    assert report["since"]["completed"] == 38
    assert report["since"]["started"] == 16
    assert report["since"]["remaining"] == 31
    assert report["since"]["in_progress"] == 27
    assert report["since"]["not_started"] == 4

    meeting = doc(demo, "meeting", "report", OCTOBER)
    assert report["fingerprint"] == meeting["fingerprint"]
    assert report["as_known_on"] == meeting["as_known_on"]
    ico_actions = [a for a in meeting["actions"] if ICO in a["audits"]]
    assert report["actions"] == ico_actions
    assert len(ico_actions) == 77


def test_july_as_at_with_audit_agrees_with_the_meeting_report(demo: Path) -> None:
    report = doc(demo, "report", "as-at", JULY, "--as-known-on", JULY, "--audit", ICO)
    assert counts(report["totals"]) == (8, 49, 20, 77)
    assert "since" not in report


def test_as_known_then_differs_from_as_known_now(demo: Path) -> None:
    """The correction recorded on 3 November (effective 20 July) changes July's figures."""
    then = doc(demo, "report", "as-at", JULY, "--as-known-on", JULY)
    now = doc(demo, "report", "as-at", JULY)
    assert counts(then["by_audit"][ICO]) == (8, 49, 20, 77)
    assert then["totals"] != now["totals"]
    assert then["by_audit"][ICO] != now["by_audit"][ICO]
    assert then["fingerprint"]["position"] < now["fingerprint"]["position"]
    assert now["fingerprint"]["position"] == fingerprint_of(demo)[0]
    # The late completion is counted as known now and not as known then.
    status_then = {a["ref"]: a["status"] for a in then["actions"]}
    status_now = {a["ref"]: a["status"] for a in now["actions"]}
    changed = {ref for ref in status_now if status_now[ref] != status_then.get(ref)}
    assert len(changed) >= 1
    assert all(status_now[ref] == "completed" for ref in changed)


# -- the words in the markdown --------------------------------------------------------------

def test_july_markdown_has_the_seed_paragraph(demo: Path) -> None:
    md = ok(demo, "meeting", "report", JULY, "--format", "markdown")
    assert ("Out of 77 actions from the ICO data protection audit (ICO-2015), 8 had been "
            "completed, 49 were in progress and 20 were yet to begin.") in md


def test_october_markdown_has_the_since_and_to_begin_sentences(demo: Path) -> None:
    for md in (ok(demo, "meeting", "report", OCTOBER, "--format", "markdown"),
               ok(demo, "report", "as-at", OCTOBER, "--as-known-on", OCTOBER, "--since", JULY,
                  "--audit", ICO, "--format", "markdown")):
        assert ("Since 25 July 2016 a further 38 actions had been completed and work was underway "
                "with 27 of the remaining 31 actions.") in md
        assert ("There were still 4 actions to begin, dependent on Records Manager recruited "
                "(RM-RECRUITED).") in md
        assert ("out of 77 actions from the ICO data protection audit (ICO-2015), 8 had been "
                "completed, 49 were in progress and 20 were yet to begin.") in md


def test_october_markdown_is_led_by_the_july_meeting(demo: Path) -> None:
    md = ok(demo, "meeting", "report", OCTOBER, "--format", "markdown")
    assert ("As at the Committee's meeting on 25 July 2016, out of 77 actions from the ICO data "
            "protection audit (ICO-2015)") in md


# -- CSV and text -----------------------------------------------------------------------------

def test_csv_has_a_header_and_one_row_per_action(demo: Path) -> None:
    text = ok(demo, "report", "as-at", OCTOBER, "--as-known-on", OCTOBER, "--format", "csv")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames is not None
    assert set(reader.fieldnames) >= ACTION_KEYS
    rows = list(reader)
    report = doc(demo, "report", "as-at", OCTOBER, "--as-known-on", OCTOBER)
    assert len(rows) == report["totals"]["actions"] == len(report["actions"])
    assert [r["ref"] for r in rows] == [a["ref"] for a in report["actions"]]
    for row, action in zip(rows, report["actions"], strict=True):
        assert row["status"] == action["status"]
        assert row["owner"] == (action["owner"] or "")
        assert row["due"] == (action["due"] or "")
        assert row["blocked_by"] == ";".join(action["blocked_by"])
    # The four waiting on the Records Manager say so.
    assert sum("RM-RECRUITED" in r["blocked_by"].split(";") for r in rows) == 4


def test_csv_of_one_audit(demo: Path) -> None:
    text = ok(demo, "report", "as-at", JULY, "--as-known-on", JULY, "--audit", ICO,
              "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 77
    statuses = [r["status"] for r in rows]
    assert (statuses.count("completed"), statuses.count("in_progress"),
            statuses.count("not_started")) == (8, 49, 20)


def test_text_format_names_the_fingerprint(demo: Path) -> None:
    args = ("report", "as-at", OCTOBER, "--as-known-on", OCTOBER)
    fp = doc(demo, *args)["fingerprint"]
    text = ok(demo, *args, "--format", "text")
    assert f"{fp['position']}:{fp['hash']}" in text


# -- committee requests -----------------------------------------------------------------------

def test_requests_outstanding_after_october(demo: Path) -> None:
    requests = doc(demo, "requests", "--as-at", "2016-10-25")["requests"]
    assert [(r["meeting"], r["number"]) for r in requests] == [(OCTOBER, 2), (OCTOBER, 3)]


def test_july_request_outstanding_until_october(demo: Path) -> None:
    """The July request (report to October) is outstanding before it is fulfilled."""
    requests = doc(demo, "requests", "--as-at", "2016-10-23")["requests"]
    assert [(r["meeting"], r["number"]) for r in requests] == [(JULY, 2)]


# -- --as-known-on ----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "utc"), [
    ("2016-07-25", "2016-07-25T23:59:59.999999Z"),
    ("2016-07-25T17:00", "2016-07-25T17:00:00Z"),
    ("2016-07-25T17:00:00Z", "2016-07-25T17:00:00Z"),
    ("2016-07-25T18:00:00+01:00", "2016-07-25T17:00:00Z"),
])
def test_as_known_on_accepts_iso_forms(demo: Path, value: str, utc: str) -> None:
    report = doc(demo, "report", "as-at", JULY, "--as-known-on", value)
    assert report["as_known_on"] == utc


def test_as_known_on_forms_for_the_same_instant_give_the_same_report(demo: Path) -> None:
    reports = [doc(demo, "report", "as-at", JULY, "--as-known-on", v)
               for v in ("2016-07-25T17:00", "2016-07-25T17:00:00Z", "2016-07-25T18:00:00+01:00")]
    assert reports[0] == reports[1] == reports[2]


def test_as_known_on_rejects_a_date_in_no_accepted_form(demo: Path) -> None:
    result = invoke("--db", str(demo), "report", "as-at", JULY, "--as-known-on", "07/25/2016",
                    "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "07/25/2016" in lines[0] and "month must be in 1..12" in lines[0]


def test_as_known_on_takes_a_day_first_date_as_the_importer_does(demo: Path) -> None:
    uk = invoke("--db", str(demo), "report", "as-at", JULY, "--as-known-on", "25/07/2016",
                "--format", "json")
    iso = invoke("--db", str(demo), "report", "as-at", JULY, "--as-known-on", "2016-07-25",
                 "--format", "json")
    assert uk.exit_code == 0 and uk.stdout == iso.stdout


def test_unknown_audit_is_refused(demo: Path) -> None:
    result = invoke("--db", str(demo), "report", "as-at", OCTOBER, "--audit", "NO-SUCH-AUDIT",
                    "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "NO-SUCH-AUDIT" in lines[0]


# -- the JSON shape ---------------------------------------------------------------------------

def check_totals(t: dict[str, Any]) -> None:
    assert set(t) == TOTAL_KEYS
    assert all(isinstance(v, int) for v in t.values())
    assert t["actions"] == t["not_started"] + t["in_progress"] + t["completed"]


@pytest.mark.parametrize("known", [[], ["--as-known-on", OCTOBER]])
def test_json_has_the_fixed_keys(demo: Path, known: list[str]) -> None:
    report = doc(demo, "report", "as-at", OCTOBER, *known)
    assert {"as_at", "as_known_on", "fingerprint", "totals", "by_audit", "actions",
            "requests"} <= set(report)
    assert "since" not in report
    assert report["as_at"] == OCTOBER
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z", report["as_known_on"])
    assert set(report["fingerprint"]) == {"position", "hash"}
    assert isinstance(report["fingerprint"]["position"], int)
    assert re.fullmatch(r"[0-9a-f]{64}", report["fingerprint"]["hash"])
    check_totals(report["totals"])
    assert set(report["by_audit"]) == {ICO, "IFC-2016"}
    for t in report["by_audit"].values():
        check_totals(t)
    assert isinstance(report["actions"], list)
    totals = report["totals"]
    assert len(report["actions"]) == totals["actions"] + totals["withdrawn"] + totals["superseded"]
    for a in report["actions"]:
        assert set(a) >= ACTION_KEYS
        assert a["status"] in STATUSES
        assert isinstance(a["overdue"], bool)
        assert isinstance(a["blocked_by"], list)
        assert a["owner"] is None or isinstance(a["owner"], str)
        assert a["due"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["due"])
    by_status = {s: sum(a["status"] == s for a in report["actions"]) for s in STATUSES}
    assert by_status == {s: report["totals"][s] for s in STATUSES}
    assert isinstance(report["requests"], list)


def test_json_has_since_only_with_since(demo: Path) -> None:
    without = doc(demo, "report", "as-at", OCTOBER, "--as-known-on", OCTOBER)
    with_since = doc(demo, "report", "as-at", OCTOBER, "--as-known-on", OCTOBER, "--since", JULY)
    assert "since" not in without
    assert {"date", "completed", "started"} <= set(with_since["since"])
    assert with_since["since"]["date"] == JULY
    assert "since_by_audit" not in without
    assert {k: v for k, v in with_since.items() if k not in ("since", "since_by_audit", "minutes")} == {
        k: v for k, v in without.items() if k != "minutes"}
