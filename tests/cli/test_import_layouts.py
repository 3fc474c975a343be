"""SYNTHETIC plans in the layouts real plans use (title rows, banners, refs inside the words,
quarters, status words), for the forms the published corpus (test_import_corpus.py) lacks.

Every value here is invented; only the layout and the spellings follow the issue's list.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from ledger.cli import main

ACTOR = "A Officer"
HEADER = ["Ref", "Recommendation", "Actions to address recommendations and reduce risk",
          "Priority high/medium/low", "Responsible", "Due for completion", "Status",
          "Additional commentary"]
TOP = [["SYNTHETIC Borough Council - Data Protection Action Plan"],
       ["Progress against the ICO's recommendations, for the Audit Committee."], []]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER,
          encoding: str = "cp1252") -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([*TOP, header, *rows])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def ledger(db: Path, *args: str) -> Result:
    result = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None}).invoke(
        main, ["--db", str(db), "--actor", ACTOR, *args])
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def fresh(tmp_path: Path) -> Path:
    db = tmp_path / "l.db"
    assert ledger(db, "audit", "add", "ICO-2016", "--title", "ICO audit", "--kind", "ico-audit",
                  "--on", "2015-01-01").exit_code == 0
    return db


def position(db: Path) -> int:
    fingerprint: dict[str, Any] = json.loads(ledger(db, "verify", "--format", "json").stdout)[
        "fingerprint"]
    return int(fingerprint["position"])


GOOD = [
    ["1", "Appoint a Data Protection Officer", "1A Review the DPO role", "High", "Head of Legal",
     "Q3 2016/17", "UNDERWAY", "Job description drafted"],
    ["", "", "1B Recruit to the role", "Med", "HR Manager", "31/08/2015 onwards", "On track",
     ""],
    ["2", "Information sharing"],
    ["", "", "2A Record sharing agreements", "Not applicable", "IG Officer", "TBC", "Amber", ""],
    ["", "", "2B Publish the register", "", "IG Officer", "January 2017", "Completed", ""],
]


def test_a_council_layout_imports_as_written(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    path = write(tmp_path / "council.csv", GOOD)
    result = ledger(db, "import", str(path), "--audit", "ICO-2016", "--on", "2016-09-01",
                    "--status-as-at", "2016-10-24", "--priority", "medium", "--show-mapping")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(ledger(db, "report", "as-at", "2016-10-24", "--format", "json").stdout)
    acts = {a["ref"]: a for a in doc["actions"]}
    assert sorted(acts) == ["1A", "1B", "2A", "2B"]
    assert [acts[r]["recommendations"] for r in ("1A", "2A", "2B")] == [["1"], ["2"], ["2"]]
    assert (acts["1A"]["due"], acts["1B"]["due"], acts["2A"]["due"], acts["2B"]["due"]) == (
        "2016-12-31", "2015-08-31", None, "2017-01-31")
    assert doc["totals"] == {"actions": 4, "not_started": 0, "in_progress": 3, "completed": 1,
                             "withdrawn": 0, "superseded": 0}
    # Each recommendation has its own row's priority; 1B's "Med" is kept on 1B, not lost.
    assert acts["1A"]["priority"] == "high" and acts["2A"]["priority"] == "medium"
    assert "Priority high/medium/low: Med" in result.stdout
    assert "(effective 2016-10-24, by A Officer)" in result.stdout  # --status-as-at
    assert "a banner: recommendation 2" in result.stdout
    assert "'Q3 2016/17': a financial year's quarter (Q1 April-June) means its last day: " \
           "2016-12-31" in result.stdout
    assert "'TBC' names no day" in result.stderr
    # Generated nothing, so a second import with a prefix is a second plan beside it.
    again = ledger(db, "import", str(path), "--audit", "ICO-2016", "--on", "2016-09-01",
                   "--status-as-at", "2016-10-24", "--priority", "medium", "--ref-prefix", "B-")
    assert again.exit_code == 0, again.stderr
    assert "recorded #" in again.stdout and "B-1A" in again.stdout


def test_every_problem_in_one_pass_naming_cell_heading_value_and_what_is_accepted(
        tmp_path: Path) -> None:
    db = fresh(tmp_path)
    path = write(tmp_path / "faulty.csv", [
        ["1", "Appoint a DPO", "1A Review the role", "Huge", "Head of Legal", "2009-2011",
         "Red", ""],
        ["", "", "1B Recruit", "High", "HR", "Q5 2016/17", "Pending", ""],
        ["", "", "1C Induct", "High", "HR", "31/12/2016", "Red", ""],
    ])
    result = ledger(db, "import", str(path), "--audit", "ICO-2016", "--on", "2016-09-01")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("faulty.csv!D5 (priority, heading 'Priority high/medium/low') "
                               "'Huge': not one of urgent, high, medium, low")
    assert lines[1].startswith("faulty.csv!F5 (target date, heading 'Due for completion') "
                               "'2009-2011': years 2009 to 2011 are a range")
    assert lines[2].startswith("faulty.csv!F6 (target date, heading 'Due for completion') "
                               "'Q5 2016/17': not a date (a date (31/03/2017")
    assert lines[3].startswith("words the importer does not know as a status: 'Red' "
                               "(faulty.csv!G5, faulty.csv!G7); 'Pending' (faulty.csv!G6); "
                               "say what each means with --status-map \"WORD=STATUS\"")
    assert lines[-1] == "Error: faulty.csv: 4 errors (listed above); nothing recorded"
    assert position(db) == 1


def test_headings_the_importer_does_not_know_are_mapped_by_the_officer(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    header = ["Ref", "Task", "Who", "By when", "Where we are"]
    path = write(tmp_path / "own.csv", [["T1", "Shred the old files", "Facilities", "Nov-16",
                                         "done"]], header=header, encoding="utf-8-sig")
    refused = ledger(db, "import", str(path), "--audit", "ICO-2016", "--on", "2016-09-01")
    assert refused.exit_code == 1
    assert "no header row in the first 20 rows" in refused.stderr
    assert '--map "HEADING=FIELD"' in refused.stderr
    result = ledger(db, "import", str(path), "--audit", "ICO-2016", "--on", "2016-09-01",
                    "--map", "Task=action", "--map", "who=owner", "--map", "By when=target_date",
                    "--map", "Where we are=status", "--priority", "low", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "column own.csv!D4 'By when' → target date" in result.stdout
    assert "would record T1: action added for R1, owner Facilities, due 2016-11-30" in \
        result.stdout
    assert "would record T1: in_progress → completed" in result.stdout
    bad = ledger(db, "import", str(path), "--audit", "ICO-2016", "--map", "Task=job")
    assert bad.exit_code == 2 and "'job' is not a field" in bad.stderr


def test_a_saved_profile_makes_the_monthly_reimport_one_short_command(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    header = ["Ref", "Task", "Who", "By when", "Where we are", "Internal"]
    path = write(tmp_path / "own.csv", [["T1", "Shred the old files", "Facilities", "Nov-16",
                                         "Not done", "x"]], header=header)
    profile = tmp_path / "council.toml"
    profile.write_text('audit = "ICO-2016"\nref_prefix = "OWN-"\npriority = "low"\n'
                       'ignore = ["Internal"]\n[map]\nTask = "action"\nWho = "owner"\n'
                       '"By when" = "target_date"\n"Where we are" = "status"\n'
                       '[status_map]\n"Not done" = "not_started"\n')
    result = ledger(db, "import", str(path), "--profile", str(profile), "--on", "2016-09-01")
    assert result.exit_code == 0, result.stderr
    assert "recorded #3 OWN-T1: action added for OWN-R1, owner Facilities, due 2016-11-30" in \
        result.stdout
    # The command line adds to the profile and wins: "Not done" now means in progress.
    again = ledger(db, "import", str(path), "--profile", str(profile), "--status-map",
                   "Not done=in_progress", "--on", "2016-09-02")
    assert again.exit_code == 0, again.stderr
    assert "OWN-T1: not_started → in_progress" in again.stdout
    profile.write_text('audit = "ICO-2016"\ncolour = "blue"\n')
    bad = ledger(db, "import", str(path), "--profile", str(profile))
    assert bad.exit_code == 2 and "unknown key 'colour'" in bad.stderr


def test_merged_cells_give_their_value_to_every_row_they_cover(tmp_path: Path) -> None:
    import openpyxl

    db = fresh(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["No.", "Recommendation", "Actions", "Priority", "Lead officer", "Timescale",
                  "Depends on"])
    sheet.append(["R1", "Keep a register", "1.1 Draft it", "High", "IG Lead", "Q3 2016/17", ""])
    sheet.append([None, None, "1.2 Publish it", None, None, None, "1.1"])
    sheet.append([None, None, "1.3 Review it", None, None, None, ""])
    for cells in ("A2:A4", "B2:B4", "D2:D4", "E2:E4", "F2:F4"):
        sheet.merge_cells(cells)
    path = tmp_path / "merged.xlsx"
    book.save(path)
    result = ledger(db, "import", str(path), "--audit", "ICO-2016", "--on", "2016-09-01",
                    "--ref-prefix", "M-")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(ledger(db, "report", "as-at", "2016-09-01", "--format", "json").stdout)
    acts = {a["ref"]: a for a in doc["actions"]}
    assert sorted(acts) == ["M-1.1", "M-1.2", "M-1.3"]
    assert {(a["owner"], a["due"], a["priority"]) for a in acts.values()} == {
        ("IG Lead", "2016-12-31", "high")}
    # The file's own ref 1.1 is prefixed where another row depends on it, too.
    assert "M-1.2: action added for M-R1, owner IG Lead, due 2016-12-31, depends on M-1.1" in \
        result.stdout


def test_a_number_and_words_between_actions_is_a_recommendation_only_above_its_actions(
        tmp_path: Path) -> None:
    db = fresh(tmp_path)
    header = ["No.", "Action", "Owner", "Due"]
    path = write(tmp_path / "list.csv", [
        ["1", "Governance"],
        ["1.1", "Name a SIRO", "Chief Executive", "31/03/2017"],
        ["1.2", "Train the SIRO", "HR", "30/06/2017"],
        ["2", "Write the retention schedule"],  # no owner yet: an action, not a banner
        ["3", "Information sharing"],
        ["3.1", "Record sharing agreements", "IG Officer", "Q4 2016/17"],
    ], header=header)
    result = ledger(db, "import", str(path), "--audit", "ICO-2016", "--on", "2016-09-01",
                    "--priority", "medium", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "list.csv!5:5: a banner: recommendation 1" in result.stdout
    assert "list.csv!9:9: a banner: recommendation 3" in result.stdout
    added = [line for line in result.stdout.splitlines() if ": action added for " in line]
    assert [line.split(": action added for ")[0].removeprefix("would record ") + " → " +
            line.split(": action added for ")[1].split(",")[0].split(" ")[0]
            for line in added] == ["1.1 → 1", "1.2 → 1", "2 → 1", "3.1 → 3"]
