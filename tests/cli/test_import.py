"""`ledger import`: action plan spreadsheets (.csv and .xlsx) brought into the ledger.

The example plan under examples/ is imported into a fresh ledger and the report's totals are
compared with the statuses counted straight from the file; then re-imports, changed cells,
faulty files, date and header spellings, and dry runs.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
import openpyxl
import pytest
from click.testing import CliRunner, Result

from ledger.application import Ledger
from ledger.application.plan_file import normalise_header, parse_date
from ledger.application.plan_reading import read_plan
from ledger.cli import main
from ledger.cli.common import Session
from ledger.cli.group import LedgerGroup
from ledger.cli.importer import command as import_command
from ledger.domain import events as ev
from ledger.domain.records import Action

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ACTOR = "J Smith"
AUDIT = "IA-2016"
HEADER = ["Rec Ref", "Recommendation", "Priority", "Action Ref", "Agreed Action",
          "Responsible Officer", "Target Date", "Status", "Status Date", "Depends On",
          "Notes / Observations", "Delivered (Yes/No)"]
SOURCE_FIELD: dict[type[ev.LedgerEvent], str] = {
    ev.ActionAssigned: "reason", ev.ActionRescheduled: "reason", ev.ActionReopened: "reason",
    ev.ActionCompleted: "evidence"}
STATUS_OF = {"completed": "completed", "in progress": "in_progress", "not started": "not_started"}


# -- helpers --------------------------------------------------------------------------------

def group() -> click.Group:
    """A root group holding the import command, as `ledger` will once it is registered."""
    root = LedgerGroup(name="ledger", context_settings={"help_option_names": ["-h", "--help"]})
    root.add_command(import_command)
    return root


def run_import(db: Path, *args: str, actor: str = ACTOR) -> Result:
    """Run `ledger --db DB --actor ACTOR import ARGS...` in process."""
    session = Session(url=f"sqlite:///{db}", actor=actor)
    try:
        result = CliRunner().invoke(group(), ["import", *args], obj=session)
    finally:
        session.close()
    assert "Traceback" not in result.stdout + result.stderr, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    return result


def ledger(db: Path, *args: str) -> Result:
    """Run another `ledger` command against DB; it must succeed."""
    result = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None}).invoke(
        main, ["--db", str(db), "--actor", ACTOR, *args])
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


def fingerprint(db: Path) -> dict[str, Any]:
    doc = json.loads(ledger(db, "verify", "--format", "json").stdout)
    assert doc["ok"] is True
    fp: dict[str, Any] = doc["fingerprint"]
    return fp


def totals(db: Path, as_at: str = "2016-12-31") -> dict[str, int]:
    doc = json.loads(ledger(db, "report", "as-at", as_at, "--audit", AUDIT,
                            "--format", "json").stdout)
    result: dict[str, int] = doc["totals"]
    return result


def recorded_lines(result: Result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("recorded #")]


def example_rows() -> list[dict[str, str]]:
    with open(EXAMPLES / "plan.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def edit_example(tmp_path: Path, ref: str, column: str, value: str) -> Path:
    """A copy of the example CSV (same file name) with one cell changed."""
    rows = example_rows()
    hits = [r for r in rows if r["Action Ref"] == ref]
    assert len(hits) == 1
    hits[0][column] = value
    folder = tmp_path / "edited"
    folder.mkdir(exist_ok=True)
    path = folder / "plan.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A ledger holding only the audit the example plan belongs to."""
    path = tmp_path / "ledger.db"
    ledger(path, "audit", "add", AUDIT, "--title", "Internal audit of records management",
           "--kind", "internal-audit", "--on", "2016-02-01")
    return path


@pytest.fixture
def imported(db: Path) -> Path:
    result = run_import(db, str(EXAMPLES / "plan.csv"), "--audit", AUDIT, "--on", "2016-03-01")
    assert result.exit_code == 0, result.stderr
    return db


# -- the example plan ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["plan.csv", "plan.xlsx"])
def test_example_plan_imports_and_the_report_counts_the_file(db: Path, name: str) -> None:
    before = fingerprint(db)["position"]
    result = run_import(db, str(EXAMPLES / name), "--audit", AUDIT, "--on", "2016-03-01")
    assert result.exit_code == 0, result.stderr
    rows = example_rows()
    recs = {r["Rec Ref"] for r in rows}
    lines = recorded_lines(result)
    # Every recommendation and action is added, once.
    assert sum(": action added for" in line for line in lines) == len(rows)
    assert sum(" recommendation of IA-2016" in line for line in lines) == len(recs)
    assert all(line.endswith(f"by {ACTOR})") for line in lines)
    assert fingerprint(db)["position"] == before + len(lines)
    expected = Counter(STATUS_OF[r["Status"].lower()] for r in rows)
    assert totals(db) == {"actions": len(rows), "not_started": expected["not_started"],
                          "in_progress": expected["in_progress"],
                          "completed": expected["completed"], "withdrawn": 0, "superseded": 0}
    # Owners, target dates and dependencies come from the file.
    app = Ledger(f"sqlite:///{db}", create=False)
    try:
        for r in rows:
            action = app.get(r["Action Ref"], Action)
            assert action.owner == r["Responsible Officer"]
            assert action.due == datetime.strptime(r["Target Date"], "%d/%m/%Y").date()
            assert action.depends_on == ((r["Depends On"],) if r["Depends On"] else ())
            assert action.recommendations == (r["Rec Ref"],)
    finally:
        app.close()


@pytest.mark.parametrize("again", ["plan.csv", "plan.xlsx"])
def test_importing_again_records_nothing(imported: Path, again: str) -> None:
    before = fingerprint(imported)
    result = run_import(imported, str(EXAMPLES / again), "--audit", AUDIT)
    assert result.exit_code == 0, result.stderr
    assert recorded_lines(result) == []
    assert "nothing to record" in result.stdout
    assert fingerprint(imported) == before


@pytest.mark.parametrize(("ref", "column", "value", "event", "check"), [
    ("IA-R2.1", "Responsible Officer", "Head of Legal Services", ev.ActionAssigned,
     lambda e: e.owner == "Head of Legal Services" and e.previous == "Records Manager"),
    ("IA-R2.1", "Target Date", "30/11/2016", ev.ActionRescheduled,
     lambda e: e.due == date(2016, 11, 30) and e.previous == date(2016, 7, 31)),
    ("IA-R1.3", "Status", "Completed", ev.ActionCompleted,
     lambda e: e.effective == date(2016, 7, 1)),
    ("IA-R1.1", "Status", "In progress", ev.ActionReopened,
     lambda e: e.effective == date(2016, 5, 20)),
    ("IA-R4.1", "Notes / Observations", "KPIs drafted", ev.ActionNoted,
     lambda e: e.text == "KPIs drafted"),
])
def test_a_changed_cell_records_exactly_the_matching_event(
        imported: Path, tmp_path: Path, ref: str, column: str, value: str,
        event: type[ev.LedgerEvent], check: Any) -> None:
    before = fingerprint(imported)["position"]
    path = edit_example(tmp_path, ref, column, value)
    if column == "Status":
        # The delivered column must agree with the status (each contradiction is an error).
        path = edit_example_cells(path, ref, {"Delivered (Yes/No)":
                                              "Yes" if value == "Completed" else "No"})
    result = run_import(imported, str(path), "--audit", AUDIT, actor="A N Other")
    assert result.exit_code == 0, result.stderr
    assert len(recorded_lines(result)) == 1, result.stdout
    assert fingerprint(imported)["position"] == before + 1
    app = Ledger(f"sqlite:///{imported}", create=False)
    try:
        last = app.history(ref)[-1].event
    finally:
        app.close()
    assert type(last) is event
    assert last.actor == "A N Other"
    assert check(last), last
    if event in SOURCE_FIELD:
        assert getattr(last, SOURCE_FIELD[event]) == "imported from plan.csv"
    # And once more: the ledger now matches the changed file.
    assert recorded_lines(run_import(imported, str(path), "--audit", AUDIT)) == []


def edit_example_cells(path: Path, ref: str, changes: dict[str, str]) -> Path:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["Action Ref"] == ref:
            r.update(changes)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


# -- errors ---------------------------------------------------------------------------------

def test_every_error_in_the_file_is_reported_and_nothing_recorded(imported: Path,
                                                                 tmp_path: Path) -> None:
    path = write_csv(tmp_path / "faulty.csv", [
        ["IA-R9", "Keep minutes", "huge", "IA-R9.1", "Write minutes", "Clerk", "31/02/2016",
         "In progress", "01/07/2016", "", "", ""],
        ["IA-R8", "Train staff", "High", "IA-R8.1", "Train", "HR", "2016-09-30", "finished",
         "01/07/2016", "", "", ""],
        ["IA-R8", "Train staff", "High", "IA-R8.2", "", "HR", "2016-09-30", "Not started",
         "01/07/2016", "", "", ""],
        ["IA-R8", "Train staff", "High", "IA-R8.3", "Test staff", "HR", "2016-09-30",
         "Not started", "01/07/2016", "NOPE-1", "", ""],
        ["IA-R1", "", "", "IA-R1.1", "", "", "", "Not started", "", "", "", ""],
        ["IA-R8", "Train staff", "High", "IA-R8.4", "Retest", "HR", "", "In progress",
         "01/07/2016", "", "", "Yes"],
    ])
    before = fingerprint(imported)
    result = run_import(imported, str(path), "--audit", AUDIT)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    expected = [
        ("faulty.csv!C2 (priority) 'huge'", "not one of urgent, high, medium, low"),
        ("faulty.csv!G2 (target date) '31/02/2016'", "not a date"),
        ("faulty.csv!E4 (action, heading 'Agreed Action') ''", "IA-R8.2 is new: give its words"),
        ("faulty.csv!D5 (action ref) 'IA-R8.3'", "depends on NOPE-1, which does not exist"),
        ("faulty.csv!H6 (status) 'Not started'", "cannot go back to not started"),
        ("faulty.csv!L7 (delivered, heading 'Delivered (Yes/No)') 'Yes'",
         "says delivered, but the status"),
        ("words the importer does not know as a status", "'finished' (faulty.csv!H3); say "
         "what each means with --status-map \"WORD=STATUS\""),
    ]
    assert len(lines) == len(expected) + 1, result.stderr
    for line, (where, why) in zip(lines, expected, strict=False):
        assert line.startswith(where + ": "), (line, where)
        assert why in line, (line, why)
    assert lines[-1] == "Error: faulty.csv: 7 errors (listed above); nothing recorded"
    assert fingerprint(imported) == before


def test_errors_in_a_workbook_name_the_sheet(db: Path, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Plan"
    sheet.append(["Recommendation ref", "Recommendation", "Priority", "Action ref", "Action"])
    for _ in range(5):
        sheet.append(["IA-R1", "Adopt a policy", "high", None, None])
    sheet.append(["IA-R1", "Adopt a policy", "huge", "IA-R1.1", "Draft it"])
    sheet.append(["IA-R1", "Adopt a policy", "high", "IA-R1.2", "Publish it"])
    sheet["D2"] = "bad ref!"
    path = tmp_path / "plan.xlsx"
    book.save(path)
    before = fingerprint(db)
    result = run_import(db, str(path), "--audit", AUDIT)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Plan!D2 (action ref) 'bad ref!': not a valid ref"), lines
    # Rows 3-6 give no action: each is the recommendation's own row, not an error.
    assert not any(line.startswith(("Plan!D3", "Plan!D4")) for line in lines), lines
    assert "Plan!C7 (priority) 'huge': not one of urgent, high, medium, low (or not " \
           "applicable: none given)" in lines
    assert fingerprint(db) == before


def test_unknown_audit_and_missing_audit_are_refused(db: Path) -> None:
    result = run_import(db, str(EXAMPLES / "plan.csv"), "--audit", "NO-SUCH")
    assert result.exit_code == 1
    assert "--audit 'NO-SUCH': no audit NO-SUCH" in result.stderr
    result = run_import(db, str(EXAMPLES / "plan.csv"))
    assert result.exit_code == 1
    assert "give --audit REF, or an Audit column" in result.stderr
    assert fingerprint(db)["position"] == 1


@pytest.mark.parametrize(("name", "content", "message"), [
    ("plan.txt", "hello", "plan.txt: not a .xlsx or .csv file"),
    ("plan.xlsx", "not a zip", "plan.xlsx: not a readable .xlsx workbook"),
    ("plan.csv", "a,b\n1,2\n", "plan.csv: no header row in the first 20 rows"),
])
def test_unreadable_files_are_one_line_errors(db: Path, tmp_path: Path, name: str,
                                             content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    result = run_import(db, str(path), "--audit", AUDIT)
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"Error: {message}"), result.stderr


def test_an_unknown_sheet_is_named_with_the_ones_there(db: Path) -> None:
    result = run_import(db, str(EXAMPLES / "plan.xlsx"), "--audit", AUDIT, "--sheet", "Nope")
    assert result.exit_code == 1
    assert "no sheet 'Nope' (the sheets are: Action plan)" in result.stderr


# -- spellings ------------------------------------------------------------------------------

def test_uk_iso_long_and_excel_dates_are_all_accepted(db: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dates.csv", [
        ["IA-R1", "Adopt a policy", "high", "IA-R1.1", "Draft", "A", "25/07/2016", "", "", "",
         "", ""],
        ["IA-R1", "Adopt a policy", "high", "IA-R1.2", "Publish", "A", "2016-08-01", "", "", "",
         "", ""],
        ["IA-R1", "Adopt a policy", "high", "IA-R1.3", "Brief", "A", "3 September 2016", "", "",
         "", "", ""],
        ["IA-R1", "Adopt a policy", "high", "IA-R1.4", "Test", "A", "4/9/2016", "", "", "",
         "", ""],
    ])
    assert run_import(db, str(path), "--audit", AUDIT, "--on", "2016-03-01").exit_code == 0
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Rec ref", "Priority", "Recommendation", "Action ref", "Action", "Due date",
                  "Status", "Status date"])
    sheet.append(["IA-R2", "low", "Publish KPIs", "IA-R2.1", "Draft KPIs",
                  datetime(2016, 12, 25), "in progress", datetime(2016, 6, 1)])
    sheet.append(["IA-R2", "low", "Publish KPIs", "IA-R2.2", "Report KPIs",
                  date(2017, 1, 31), "not started", "01/06/2016"])
    xlsx = tmp_path / "dates.xlsx"
    book.save(xlsx)
    result = run_import(db, str(xlsx), "--audit", AUDIT)
    assert result.exit_code == 0, result.stderr
    dues = {a["ref"]: a["due"] for a in json.loads(ledger(
        db, "report", "as-at", "2016-12-31", "--format", "json").stdout)["actions"]}
    assert dues == {"IA-R1.1": "2016-07-25", "IA-R1.2": "2016-08-01", "IA-R1.3": "2016-09-03",
                    "IA-R1.4": "2016-09-04", "IA-R2.1": "2016-12-25", "IA-R2.2": "2017-01-31"}
    assert "IA-R2.1: not_started → in_progress" in result.stdout
    assert "(effective 2016-06-01, by J Smith)" in result.stdout


@pytest.mark.parametrize("text", ["2016-07-25", "25/07/2016", "25.07.2016", "25 July 2016",
                                  "25 Jul 2016", datetime(2016, 7, 25), date(2016, 7, 25)])
def test_parse_date_forms(text: Any) -> None:
    assert parse_date(text) == date(2016, 7, 25)


@pytest.mark.parametrize(("value", "why"), [("07/25/2016", "month must be in 1..12"),
                                            ("31/02/2016", "day is out of range"),
                                            ("soon", "not a date"), (42576, "a number")])
def test_parse_date_refuses_with_a_reason(value: Any, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_date(value)


def test_headers_match_whatever_their_case_and_spacing(db: Path, tmp_path: Path) -> None:
    header = ["  REC   ref", "recommendation", "PRIORITY ", "action_ref", "Action",
              "owner", "TARGET DATE", " status", "Status  Date", "depends on", "NOTES",
              "delivered"]
    path = write_csv(tmp_path / "shouty.csv", [
        ["IA-R1", "Adopt a policy", "HIGH", "IA-R1.1", "Draft", "Head of ICT", "31/07/2016",
         "DONE", "01/07/2016", "", "Signed off", "yes"],
    ], header=header)
    plan = read_plan(str(path))
    assert set(plan.columns) == {"recommendation_ref", "recommendation", "priority",
                                 "action_ref", "action", "owner", "target_date", "status",
                                 "status_date", "depends_on", "notes", "delivered"}
    result = run_import(db, str(path), "--audit", AUDIT)
    assert result.exit_code == 0, result.stderr
    assert totals(db)["completed"] == 1
    assert normalise_header(" Target  Date ") == normalise_header("target_date") == "targetdate"


def test_unknown_columns_are_kept_as_notes_or_ignored_by_name(db: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "extra.csv", [["IA-R1", "Adopt", "low", "IA-R1.1", "Draft",
                                               "Board", "x"]],
                     header=["Rec ref", "Recommendation", "Priority", "Action ref", "Action",
                             "Sponsor", "Internal"])
    result = run_import(db, str(path), "--audit", AUDIT, "--on", "2016-03-01", "--ignore",
                        "internal", "--show-mapping")
    assert result.exit_code == 0, result.stderr
    assert "column extra.csv!F1 'Sponsor' → kept as a note on the action (a heading the " \
           "importer does not know" in result.stdout
    assert "column extra.csv!G1 'Internal' → ignored (--ignore)" in result.stdout
    app = Ledger(f"sqlite:///{db}", create=False)
    try:
        assert list(app.get("IA-R1.1", Action).notes) == ["Sponsor: Board"]
    finally:
        app.close()


def test_an_audit_column_replaces_audit_option(db: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "audit.csv", [["IA-2016", "IA-R1", "Adopt", "low", "IA-R1.1",
                                               "Draft"]],
                     header=["Audit", "Rec ref", "Recommendation", "Priority", "Action ref",
                             "Action"])
    result = run_import(db, str(path), "--on", "2016-03-01")
    assert result.exit_code == 0, result.stderr
    assert totals(db)["actions"] == 1


def test_dependencies_later_in_the_file_and_same_day_completions(db: Path,
                                                                 tmp_path: Path) -> None:
    path = write_csv(tmp_path / "order.csv", [
        ["IA-R1", "Adopt", "low", "IA-R1.2", "Publish", "A", "", "Completed", "01/07/2016",
         "IA-R1.1", "", ""],
        ["IA-R1", "Adopt", "low", "IA-R1.1", "Draft", "A", "", "Completed", "01/07/2016", "",
         "", ""],
    ])
    result = run_import(db, str(path), "--audit", AUDIT, "--on", "2016-03-01")
    assert result.exit_code == 0, result.stderr
    assert totals(db)["completed"] == 2


def test_a_new_row_for_an_existing_recommendation_of_another_audit_is_refused(
        imported: Path, tmp_path: Path) -> None:
    ledger(imported, "audit", "add", "IA-2017", "--title", "Follow-up audit",
           "--kind", "internal-audit", "--on", "2016-02-01")
    path = write_csv(tmp_path / "other.csv", [["IA-R1", "", "", "IA-R1.9", "More", "", "", "",
                                               "", "", "", ""]])
    result = run_import(imported, str(path), "--audit", "IA-2017")
    assert result.exit_code == 1
    assert "recommendation IA-R1 belongs to audit IA-2016, not IA-2017" in result.stderr


# -- dry run --------------------------------------------------------------------------------

def test_dry_run_prints_the_events_and_records_none(db: Path, tmp_path: Path) -> None:
    before = fingerprint(db)
    copy = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLES / "plan.xlsx", copy)
    result = run_import(db, str(copy), "--audit", AUDIT, "--on", "2016-03-01", "--dry-run")
    assert result.exit_code == 0, result.stderr
    would = [line for line in result.stdout.splitlines() if line.startswith("would record ")]
    assert len(would) == 25
    assert "would record IA-R1.1: in_progress → completed (evidence: imported from plan.xlsx) " \
           "(effective 2016-05-20, by J Smith)" in would
    assert result.stdout.splitlines()[-1] == ("dry run: 25 events from plan.xlsx (8 rows); "
                                              "nothing recorded")
    assert fingerprint(db) == before
    # The real import records exactly what the dry run said it would.
    real = run_import(db, str(copy), "--audit", AUDIT, "--on", "2016-03-01")
    assert [line.split(": ", 1)[1] for line in recorded_lines(real)] == [
        line.split(": ", 1)[1] for line in would]


def test_an_actor_is_required(db: Path) -> None:
    result = run_import(db, str(EXAMPLES / "plan.csv"), "--audit", AUDIT, actor="")
    assert result.exit_code == 2
    assert "give --actor NAME" in result.stderr


def test_a_large_file_imports_in_one_go(db: Path, tmp_path: Path) -> None:
    rows = [[f"IA-R{n // 10}", f"Recommendation {n // 10}", "medium", f"IA-R{n // 10}.{n % 10}",
             f"Step {n}", f"Owner {n % 7}", "31/12/2016", ["Not started", "In progress",
                                                           "Completed"][n % 3],
             "01/07/2016", "", "", ""] for n in range(350)]
    path = write_csv(tmp_path / "large.csv", rows)
    result = run_import(db, str(path), "--audit", AUDIT, "--on", "2016-03-01")
    assert result.exit_code == 0, result.stderr
    assert totals(db) == {"actions": 350, "not_started": 117, "in_progress": 117,
                          "completed": 116, "withdrawn": 0, "superseded": 0}
    assert recorded_lines(run_import(db, str(path), "--audit", AUDIT)) == []


# -- the read model comes along ----------------------------------------------------------------

def test_the_import_brings_the_read_model_along(db: Path) -> None:
    """Right after `ledger import` the read model holds every event, so the next report has
    nothing to catch up (issue 17: that report costs what any other does)."""
    from ledger.projections.readmodel import ReadModel

    result = run_import(db, str(EXAMPLES / "plan.csv"), "--audit", AUDIT, "--on", "2016-03-01")
    assert result.exit_code == 0, result.stderr
    app = Ledger(f"sqlite:///{db}", create=False)
    try:
        status = ReadModel(app).status()
        assert status.head > 20
        assert status.lag == 0
    finally:
        app.close()
    assert totals(db)["actions"] == 8


def test_a_dry_run_leaves_the_read_model_as_it_was(db: Path) -> None:
    from ledger.projections.readmodel import ReadModel

    app = Ledger(f"sqlite:///{db}", create=False)
    try:
        ReadModel(app).catch_up()
        before = ReadModel(app).status()
        result = run_import(db, str(EXAMPLES / "plan.csv"), "--audit", AUDIT, "--dry-run")
        assert result.exit_code == 0, result.stderr
        assert ReadModel(app).status() == before
    finally:
        app.close()
