"""The owners' update round, end to end on both backends: sheets written per owner, filled in,
imported back (only the changes recorded), and refused when the ledger moved on meanwhile."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import openpyxl
from click.testing import CliRunner, Result

from ledger.cli import main

PLANS = Path(__file__).resolve().parents[1] / "fixtures" / "plans"


def ledger(url: str, *args: str, actor: str = "IG Officer") -> Result:
    result = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None}).invoke(
        main, ["--db", url, "--actor", actor, *args])
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def plan(url: str) -> None:
    """The National Archives' plan (1.1 delivered; 1.2 and 2.1 SL's, 1.3 All's, all open)."""
    assert ledger(url, "audit", "add", "IMA-TNA", "--title", "IMA of TNA", "--kind", "other",
                  "--on", "2011-08-01").exit_code == 0
    result = ledger(url, "import", str(PLANS / "tna-ima-2011.xlsx"), "--audit", "IMA-TNA",
                    "--ref-prefix", "TNA-", "--on", "2012-01-31")
    assert result.exit_code == 0, result.stderr


def position(url: str) -> int:
    return int(json.loads(ledger(url, "verify", "--format", "json").stdout)["fingerprint"][
        "position"])


def fill(path: Path, ref: str, **cells: object) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("Action ref")].value == ref:
            for name, value in cells.items():
                row[header.index(name.replace("_", " ").capitalize())].value = value
    book.save(path)


def test_sheets_per_owner_and_only_changes_come_back(ledger_url: str, tmp_path: Path) -> None:
    plan(ledger_url)
    out = tmp_path / "sheets"
    result = ledger(ledger_url, "update-sheets", str(out))
    assert result.exit_code == 0, result.stderr
    assert "sl.xlsx: 2 open actions of SL" in result.stdout
    assert "all.xlsx: 1 open action of All" in result.stdout
    rows = list(openpyxl.load_workbook(out / "sl.xlsx").active.iter_rows(values_only=True))
    assert rows[0][:7] == ("Audit", "Recommendation ref", "Action ref", "Action", "Owner",
                           "Target date", "Status")
    assert [(r[2], r[4], r[5], r[6]) for r in rows[1:]] == [
        ("TNA-1.2", "SL", datetime(2012, 1, 31), "not started"),
        ("TNA-2.1", "SL", datetime(2012, 1, 31), "not started")]
    fill(out / "sl.xlsx", "TNA-1.2", status="Completed", status_date="15/02/2012",
         note="Scorecard agreed by the Executive Team")
    before = position(ledger_url)
    back = ledger(ledger_url, "import", str(out / "sl.xlsx"), actor="SL")
    assert back.exit_code == 0, back.stderr
    recorded = [ln for ln in back.stdout.splitlines() if ln.startswith("recorded #")]
    assert [ln.split(": ", 1)[1] for ln in recorded] == [
        "not_started → in_progress (imported from sl.xlsx) (effective 2012-02-15, by SL)",
        "in_progress → completed (evidence: imported from sl.xlsx) (effective 2012-02-15, by SL)",
        "note: Scorecard agreed by the Executive Team (effective 2012-02-15, by SL)"]
    assert all(" TNA-1.2: " in ln for ln in recorded)
    assert position(ledger_url) == before + 3
    # The ledger has moved on from that sheet: the same sheet again is refused, naming the row.
    again = ledger(ledger_url, "import", str(out / "sl.xlsx"), actor="SL")
    assert again.exit_code == 1
    assert again.stderr.startswith(
        "Error: Update!J2 (ledger version) 2: TNA-1.2 changed in the ledger since this sheet "
        "was written (version 2, now 5): write a new one with ledger update-sheets")
    assert position(ledger_url) == before + 3


def test_a_sheet_is_refused_when_its_actions_changed_meanwhile(ledger_url: str,
                                                              tmp_path: Path) -> None:
    plan(ledger_url)
    out = tmp_path / "sheets"
    assert ledger(ledger_url, "update-sheets", str(out), "--owner", "SL").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["sl.xlsx"]
    assert ledger(ledger_url, "action", "assign", "TNA-2.1", "--owner", "KIM team",
                  "--on", "2012-02-01", "--reason", "moved").exit_code == 0
    fill(out / "sl.xlsx", "TNA-1.2", status="In progress")
    before = position(ledger_url)
    result = ledger(ledger_url, "import", str(out / "sl.xlsx"), "--on", "2012-02-20")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Update!J3 (ledger version) 1: TNA-2.1 changed in "
                                    "the ledger since this sheet was written (version 1, now 2)")
    assert position(ledger_url) == before
    none = ledger(ledger_url, "update-sheets", str(out), "--owner", "Nobody")
    assert none.exit_code == 1 and "no open actions owned by 'Nobody'" in none.stderr
