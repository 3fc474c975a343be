"""Real plans, as published, imported on both backends (tests/fixtures/plans/SOURCES.md).

Each plan is imported exactly as transcribed, with no more than `--ref-prefix`, `--status-map`,
`--status-as-at`, `--on` and `--priority`; the report is then checked against facts read from
the document (counts, refs, owners, due dates, priorities, statuses), and importing the same
file again must record nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main

PLANS = Path(__file__).resolve().parents[1] / "fixtures" / "plans"
ACTOR = "A Officer"


def ledger(url: str, *args: str) -> Result:
    """`ledger --db URL --actor ACTOR ARGS...`, in process."""
    result = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None}).invoke(
        main, ["--db", url, "--actor", ACTOR, *args])
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def imported(url: str, name: str, *options: str) -> Result:
    """A fresh audit A1 (dated before every plan), then the plan imported into it."""
    assert ledger(url, "audit", "add", "A1", "--title", name, "--kind", "other",
                  "--on", "2009-01-01").exit_code == 0
    result = ledger(url, "import", str(PLANS / name), "--audit", "A1", *options)
    assert result.exit_code == 0, result.stderr
    return result


def report(url: str, as_at: str) -> dict[str, Any]:
    result = ledger(url, "report", "as-at", as_at, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def actions(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["ref"]: a for a in doc["actions"]}


def again_records_nothing(url: str, name: str, *options: str) -> None:
    before = json.loads(ledger(url, "verify", "--format", "json").stdout)["fingerprint"]
    result = ledger(url, "import", str(PLANS / name), "--audit", "A1", *options)
    assert result.exit_code == 0, result.stderr
    assert "nothing to record" in result.stdout, result.stdout
    assert json.loads(ledger(url, "verify", "--format", "json").stdout)["fingerprint"] == before


DFT = ("dft-ima-2009.csv", "--ref-prefix", "DFT-", "--on", "2011-01-31",
       "--status-map", "No=not_started")


def test_dft_windows_csv_with_banner_free_rows_a_delivered_recommendation_and_fy_dates(
        ledger_url: str) -> None:
    result = imported(ledger_url, *DFT)
    doc = report(ledger_url, "2011-01-31")
    acts = actions(doc)
    # R1 has actions 1.1-1.3, R2 none of its own (delivered), R3 3.1, R4 4.1.
    assert sorted(acts) == ["DFT-1.1", "DFT-1.2", "DFT-1.3", "DFT-3.1", "DFT-4.1", "DFT-R2.0"]
    assert doc["totals"] == {"actions": 6, "not_started": 5, "in_progress": 0, "completed": 1,
                             "withdrawn": 0, "superseded": 0}
    assert acts["DFT-R2.0"]["status"] == "completed"  # "Yes – fully implemented in"
    assert acts["DFT-1.1"]["due"] == "2011-03-31"  # "2010-11"
    assert acts["DFT-3.1"]["due"] == "2011-03-31"  # "In 2010-11"
    assert acts["DFT-4.1"]["due"] is None  # "Immediate"
    assert acts["DFT-3.1"]["owner"] == "Information Management Directorate"
    assert acts["DFT-1.1"]["owner"] == "Knowledge & Information Management Division"
    assert acts["DFT-1.1"]["priority"] == "medium" and acts["DFT-4.1"]["priority"] == "high"
    # The merged cells below 1.1 are empty in Excel's CSV: 1.2 has no owner of its own.
    assert acts["DFT-1.2"]["owner"] is None and acts["DFT-1.2"]["priority"] == "medium"
    assert "dft-ima-2009.csv!E9 (target date, heading 'Timescale') 'Immediate': 'Immediate' " \
           "names no day" \
        in result.stderr
    again_records_nothing(ledger_url, *DFT)


def test_dft_delivered_no_is_never_guessed(ledger_url: str) -> None:
    assert ledger(ledger_url, "audit", "add", "A1", "--title", "t", "--kind", "other",
                  "--on", "2009-01-01").exit_code == 0
    result = ledger(ledger_url, "import", str(PLANS / "dft-ima-2009.csv"), "--audit", "A1",
                    "--on", "2011-01-31")
    assert result.exit_code == 1
    assert "'No' (dft-ima-2009.csv!H4)" in result.stderr
    assert '--status-map "WORD=STATUS"' in result.stderr
    assert json.loads(ledger(ledger_url, "verify", "--format", "json").stdout)[
        "fingerprint"]["position"] == 1


DCLG = ("dclg-ima-2013.csv", "--ref-prefix", "DCLG-", "--on", "2013-01-31")


def test_dclg_banner_above_the_header_and_priorities_per_action(ledger_url: str) -> None:
    result = imported(ledger_url, *DCLG)
    acts = actions(report(ledger_url, "2013-01-31"))
    assert sorted(acts) == ["DCLG-1.1", "DCLG-1.2", "DCLG-1.3"]
    assert {a["recommendations"][0] for a in acts.values()} == {"DCLG-R1"}
    assert (acts["DCLG-1.1"]["due"], acts["DCLG-1.2"]["due"], acts["DCLG-1.3"]["due"]) == (
        "2013-09-30", "2013-03-31", "2013-04-30")
    assert acts["DCLG-1.2"]["owner"] == "JK/RW" and acts["DCLG-1.1"]["owner"] == "DS"
    # R1 is High (the highest its actions give); 1.2's own Medium is kept, not overwritten.
    assert {a["priority"] for a in acts.values()} == {"high"}
    assert "note: Priority: High/Low/ Medium: Medium" in result.stdout
    assert "DCLG-R1: " in result.stdout
    again_records_nothing(ledger_url, *DCLG)


DEFRA = ("defra-ima-2012.csv", "--ref-prefix", "DEFRA-", "--on", "2012-11-07",
         "--status-map", "No In hand=in_progress")


def test_defra_refs_in_the_words_generated_action_refs_and_progress_notes(
        ledger_url: str) -> None:
    result = imported(ledger_url, *DEFRA)
    doc = report(ledger_url, "2012-11-07")
    acts = actions(doc)
    assert sorted(acts) == ["DEFRA-1.1", "DEFRA-2.1", "DEFRA-3.1"]
    assert doc["totals"] == {"actions": 3, "not_started": 0, "in_progress": 3, "completed": 0,
                             "withdrawn": 0, "superseded": 0}
    assert acts["DEFRA-2.1"]["due"] == "2013-01-31"  # "January 2013"
    assert acts["DEFRA-1.1"]["due"] is None  # "On-going"
    assert acts["DEFRA-1.1"]["owner"] == "Chief Operating Officer"
    assert acts["DEFRA-3.1"]["priority"] == "medium"
    assert "tested.\nProgress on implementation: Update 26/09/12 (KA)" in result.stdout
    again_records_nothing(ledger_url, *DEFRA)


DECC = ("decc-ima-2012.csv", "--ref-prefix", "DECC-", "--on", "2012-09-30",
        "--status-map", "No=in_progress")


def test_decc_recommendations_without_actions_keep_their_delivered_state(
        ledger_url: str) -> None:
    imported(ledger_url, *DECC)
    doc = report(ledger_url, "2012-09-30")
    acts = actions(doc)
    assert doc["totals"] == {"actions": 3, "not_started": 0, "in_progress": 1, "completed": 2,
                             "withdrawn": 0, "superseded": 0}
    assert acts["DECC-1.1"]["priority"] == "medium"  # "Med"
    assert acts["DECC-1.1"]["due"] == "2013-01-31" and acts["DECC-1.1"]["owner"] == "Head of KM"
    assert acts["DECC-R2.0"]["status"] == acts["DECC-R3.0"]["status"] == "completed"
    assert acts["DECC-R2.0"]["due"] is None  # Timescale "Complete"
    assert acts["DECC-R3.0"]["owner"] == "Head of KIM"
    again_records_nothing(ledger_url, *DECC)


TNA = ("tna-ima-2011.xlsx", "--ref-prefix", "TNA-", "--on", "2012-01-31")


def test_tna_workbook_with_merged_recommendation_cells(ledger_url: str) -> None:
    imported(ledger_url, *TNA)
    doc = report(ledger_url, "2012-01-31")
    acts = actions(doc)
    assert sorted(acts) == ["TNA-1.1", "TNA-1.2", "TNA-1.3", "TNA-2.1"]
    assert [acts[r]["recommendations"] for r in ("TNA-1.2", "TNA-1.3", "TNA-2.1")] == [
        ["TNA-1"], ["TNA-1"], ["TNA-2"]]
    assert doc["totals"] == {"actions": 4, "not_started": 3, "in_progress": 0, "completed": 1,
                             "withdrawn": 0, "superseded": 0}
    assert acts["TNA-1.1"]["status"] == "completed"
    assert acts["TNA-1.3"]["owner"] == "All" and acts["TNA-1.3"]["due"] == "2012-03-31"
    assert acts["TNA-1.1"]["due"] == "2012-01-31"  # "January 12"
    again_records_nothing(ledger_url, *TNA)


MAIDSTONE = ("maidstone-dp-2020.csv", "--ref-prefix", "MBC-", "--on", "2020-01-13",
             "--priority", "medium")


def test_maidstone_plan_without_refs_or_recommendations(ledger_url: str) -> None:
    result = imported(ledger_url, *MAIDSTONE)
    doc = report(ledger_url, "2020-01-13")
    acts = actions(doc)
    assert sorted(acts) == ["MBC-R1.1", "MBC-R1.2"]
    assert doc["totals"] == {"actions": 2, "not_started": 0, "in_progress": 0, "completed": 2,
                             "withdrawn": 0, "superseded": 0}
    assert {a["owner"] for a in acts.values()} == {"Anna Collier"}
    assert (acts["MBC-R1.1"]["due"], acts["MBC-R1.2"]["due"]) == ("2019-03-31", "2019-08-31")
    # The Start Date column starts each action then ("Nov-18": the month's last day).
    assert "MBC-R1.1: not_started → in_progress (imported from maidstone-dp-2020.csv) " \
           "(effective 2018-11-30" in result.stdout
    assert report(ledger_url, "2018-12-31")["totals"]["in_progress"] == 1
    again_records_nothing(ledger_url, *MAIDSTONE)


def test_several_plans_share_one_ledger_by_prefix(ledger_url: str) -> None:
    imported(ledger_url, *TNA)
    for plan in (DCLG, DEFRA):
        result = ledger(ledger_url, "import", str(PLANS / plan[0]), "--audit", "A1", *plan[1:])
        assert result.exit_code == 0, result.stderr
    assert report(ledger_url, "2013-01-31")["totals"]["actions"] == 4 + 3 + 3


@pytest.mark.parametrize("plan", [DFT, DCLG, DEFRA, DECC, TNA, MAIDSTONE],
                         ids=lambda p: p[0])
def test_the_dry_run_prints_the_mapping_and_every_reading(tmp_path: Path,
                                                          plan: tuple[str, ...]) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    assert ledger(url, "audit", "add", "A1", "--title", "t", "--kind", "other",
                  "--on", "2009-01-01").exit_code == 0
    result = ledger(url, "import", str(PLANS / plan[0]), "--audit", "A1", *plan[1:],
                    "--dry-run")
    assert result.exit_code == 0, result.stderr
    columns = [line for line in result.stdout.splitlines() if line.startswith("  column ")]
    assert len(columns) >= 6 and all(" → " in line for line in columns)
    assert any(line.startswith("  read ") for line in result.stdout.splitlines())
    assert "nothing recorded" in result.stdout


def test_the_files_are_the_transcriptions_in_sources(tmp_path: Path) -> None:
    """Each file is what make_plans.py writes from the transcriptions it holds: no hand edit."""
    import openpyxl

    from tests.fixtures.plans.make_plans import write_all

    write_all(tmp_path)
    for made in sorted(tmp_path.iterdir()):
        kept = PLANS / made.name
        if made.suffix == ".csv":
            assert kept.read_bytes() == made.read_bytes(), made.name
        else:  # a workbook's bytes carry the time it was saved: compare its cells and merges
            a, b = (openpyxl.load_workbook(p).active for p in (kept, made))
            assert list(a.iter_rows(values_only=True)) == list(b.iter_rows(values_only=True))
            assert sorted(map(str, a.merged_cells.ranges)) == sorted(
                map(str, b.merged_cells.ranges)) == ["A5:A7", "B5:B7"]
    assert len(list(tmp_path.iterdir())) == 6
