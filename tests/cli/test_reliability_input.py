"""Issue 12, hostile input: control characters, CSV/xlsx formula injection, tracebacks left.

Driven through the CLI in process (CliRunner): exit code, stderr and stdout are checked, and a
refused command must leave the ledger's fingerprint unchanged. Events "stored before the rule"
are appended through the application's own store path with values decoded as stored JSON is
(the input rules apply to new input, not to decoding), so the chain stays valid.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped,unused-ignore]

from ledger.application import Ledger
from ledger.cli import main
from ledger.domain import events as ev
from ledger.domain.records import Action
from ledger.projections.render.safe import csv_cell, printable

ACTOR = "J Smith"
UNPRINTABLE = ("\r", "\x1b", "\x00", "\x07", "\x08", "\u202e", "\u2028")


# -- helpers --------------------------------------------------------------------------------

def run(db: str, *args: str, actor: str | None = ACTOR) -> Result:
    """`ledger --db DB [--actor A] ARGS` in process; never a traceback, never an exception."""
    argv = ["--db", db] + (["--actor", actor] if actor is not None else []) + list(args)
    result = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None}).invoke(main, argv)
    assert "Traceback" not in result.stdout + result.stderr, (argv, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        argv, repr(result.exception))
    return result


def ok(db: str, *args: str, actor: str | None = ACTOR) -> str:
    result = run(db, *args, actor=actor)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


def head(db: str) -> Any:
    return json.loads(ok(db, "verify", "--format", "json", actor=None))["fingerprint"]


def refused(db: str, *args: str, code: int, names: tuple[str, ...] = (),
            actor: str | None = ACTOR) -> str:
    """A refusal: exit `code`, one line on stderr naming `names`, nothing on stdout, nothing
    recorded."""
    before = head(db)
    result = run(db, *args, actor=actor)
    assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), (args, result.stderr)
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert result.stdout == ""
    assert head(db) == before, f"{args} changed the ledger although refused"
    return lines[0]


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A small SQLite ledger: an audit, a recommendation, an action, a meeting."""
    return story(url_of(tmp_path / "ledger.db"))


def story(url: str) -> str:
    ok(url, "audit", "add", "A1", "--title", "Audit", "--kind", "other", "--on", "2016-01-04")
    ok(url, "recommendation", "add", "R1", "--audit", "A1", "--text", "Do it",
       "--priority", "high", "--on", "2016-01-05")
    ok(url, "action", "add", "R1.1", "--recommendation", "R1", "--text", "Act",
       "--owner", "IG Manager", "--due", "2016-06-30", "--on", "2016-01-06")
    ok(url, "meeting", "add", "2016-07-25", "--committee", "Audit Committee",
       "--on", "2016-07-25")
    return url


def store_as_before_the_rule(url: str, cls: type[ev.LedgerEvent], ref: str,
                             **fields: Any) -> None:
    """Append an event whose values the input rules now refuse, as one stored before them:
    decoded from JSON (the path stored events take), saved through the ledger's own store."""
    with Ledger(url) as app:
        found = app.find(ref)
        doc = {"originator_id": str(ev.record_id(ref)),
               "originator_version": (found.version if found else 0) + 1,
               "timestamp": datetime.now(UTC).isoformat(), "ref": ref, "actor": ACTOR,
               "effective": "2016-02-01", **fields}
        event = cls.model_validate_json(json.dumps(doc))
        app.save(event)


# -- 1. control characters ------------------------------------------------------------------

@pytest.mark.parametrize("char", UNPRINTABLE)
@pytest.mark.parametrize("where", ["note", "actor", "owner", "text", "title", "committee"])
def test_control_characters_are_refused_at_input(db: str, where: str, char: str) -> None:
    bad = f"ok{char}#99 forged"
    args = {
        "note": ("action", "start", "R1.1", "--on", "2016-02-01", "--note", bad),
        "actor": ("action", "start", "R1.1", "--on", "2016-02-01"),
        "owner": ("action", "assign", "R1.1", "--owner", bad, "--on", "2016-02-01"),
        "text": ("milestone", "add", "M1", "--text", bad, "--on", "2016-02-01"),
        "title": ("audit", "add", "A2", "--title", bad, "--kind", "other", "--on", "2016-02-01"),
        "committee": ("meeting", "add", "2016-08-01", "--committee", bad, "--on", "2016-08-01"),
    }[where]
    line = refused(db, *args, code=2, actor=bad if where == "actor" else ACTOR,
                   names=(f"U+{ord(char):04X}",))
    assert char not in line


def test_newline_and_tab_are_allowed_in_text(db: str) -> None:
    ok(db, "action", "note", "R1.1", "line one\n\tline two", "--on", "2016-02-01")
    with Ledger(db, create=False) as app:
        assert "line one\n\tline two" in app.get("R1.1", Action).notes


def test_imported_plan_text_with_a_control_character_is_refused(db: str, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text("Recommendation ref,Action ref,Action,Owner\nR1,R1.2,Act\x1b[2J,Bob\n")
    result = run(db, "import", str(plan), "--audit", "A1", "--on", "2016-02-01")
    assert result.exit_code == 1 and "U+001B" in result.stderr, result.stderr
    assert "plan.csv!" in result.stderr  # names the row and column
    assert "\x1b" not in result.stderr


@pytest.fixture
def forged(ledger_url: str) -> str:
    """A ledger (either backend) holding control characters stored before input refused them."""
    story(ledger_url)
    store_as_before_the_rule(ledger_url, ev.AuditRecorded, "A9", kind="other", areas={},
                             title="Audit\r#99 2016-02-01 forged line")
    store_as_before_the_rule(ledger_url, ev.ActionNoted, "R1.1",
                             text="fine\r#98 FORGED\nnext line\x1b[2J\u202egnp.exe")
    store_as_before_the_rule(ledger_url, ev.ActionAssigned, "R1.1", owner="Eve\x1b[31m\r",
                             previous="IG Manager", reason="take\x08over")
    assert json.loads(ok(ledger_url, "verify", "--format", "json", actor=None))["ok"]
    return ledger_url


def assert_escaped(text: str, *, lines: bool = True) -> None:
    for char in UNPRINTABLE:
        assert char not in text, (char, text)
    assert "\\r" in text or "\\x1b" in text, text
    if lines:
        assert all(line.startswith("#") for line in text.splitlines()), text


def test_log_and_history_escape_stored_control_characters(forged: str) -> None:
    log = ok(forged, "log")
    assert_escaped(log)
    assert len(log.splitlines()) == 7  # one line per event: no forged line
    assert "fine\\r#98 FORGED\\nnext line\\x1b[2J\\u202egnp.exe" in log
    history = ok(forged, "history", "R1.1")
    assert_escaped(history)
    assert len(history.splitlines()) == 3


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_reports_escape_stored_control_characters(forged: str, fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    ok(forged, "report", "as-at", "2016-07-25", "--format", fmt, "-o", str(out))
    text = out.read_text()
    assert_escaped(text, lines=False)
    assert "Eve\\x1b[31m" in text  # the owner, shown with its escapes


def test_rich_markup_in_user_text_is_words_not_a_traceback(db: str) -> None:
    ok(db, "audit", "add", "A2", "--title", "[/bold] [red]x", "--kind", "other",
       "--on", "2016-02-01")
    assert "[/bold] [red]x" in ok(db, "report", "as-at", "2016-07-25")


# -- 2. CSV and xlsx formula injection ------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)",
            "\uff1d1+1"]


@pytest.fixture
def injected(ledger_url: str) -> str:
    """Owners, texts and actors that a spreadsheet would run as formulas."""
    story(ledger_url)
    for i, value in enumerate(FORMULAS):
        ok(ledger_url, "action", "add", f"R1.{i + 2}", "--recommendation", "R1",
           "--text", value, "--owner", value, "--on", "2016-02-01", actor=value)
    return ledger_url


def test_report_csv_defuses_formulas_and_keeps_dates(injected: str) -> None:
    rows = list(csv.DictReader(io.StringIO(ok(injected, "report", "as-at", "2016-07-25",
                                              "--format", "csv"))))
    texts = {r["ref"]: r for r in rows}
    for i, value in enumerate(FORMULAS):
        row = texts[f"R1.{i + 2}"]
        assert row["text"] == "'" + value
        assert row["owner"] == "'" + value
    assert texts["R1.1"]["text"] == "Act" and texts["R1.1"]["due"] == "2016-06-30"
    assert not [r[c] for r in rows for c in r if r[c][:1] and r[c][0] in "=+-@\t\r"]


def test_log_csv_defuses_formulas_and_keeps_numbers(injected: str) -> None:
    rows = list(csv.DictReader(io.StringIO(ok(injected, "log", "--format", "csv"))))
    actors = [r["actor"] for r in rows]
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in actors and "'-2+3" in actors
    assert [r["position"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]
    assert not [r[c] for r in rows for c in r if r[c][:1] and r[c][0] in "=+-@\t\r"]


def test_xlsx_cells_are_text_never_formulas(injected: str, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    ok(injected, "report", "as-at", "2016-07-25", "--format", "xlsx", "-o", str(out))
    with zipfile.ZipFile(out) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    sheet = load_workbook(out).active
    by_ref = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    for i, value in enumerate(FORMULAS):
        text_cell = by_ref[f"R1.{i + 2}"][11]
        assert text_cell.value == value and text_cell.data_type == "s"
        assert text_cell.quotePrefix
    first = by_ref["R1.1"]
    assert first[3].value.date() == date(2016, 6, 30)  # dates stay date cells
    assert not first[11].quotePrefix


def test_imported_workbook_formula_is_refused_naming_its_cell(db: str, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Plan"
    sheet.append(["Recommendation ref", "Action ref", "Action", "Owner"])
    sheet.append(["R1", "R1.2", "Act", '=HYPERLINK("http://evil","Bob")'])
    sheet["D2"].value = '=HYPERLINK("http://evil","Bob")'
    path = tmp_path / "plan.xlsx"
    book.save(path)
    line = refused(db, "import", str(path), "--audit", "A1", "--on", "2016-02-01", code=1,
                   names=("Plan!D2", "owner", "formula"))
    assert "=HYPERLINK" in line


def test_a_csv_plan_cell_starting_with_equals_is_imported_as_text(db: str,
                                                                  tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text("Recommendation ref,Action ref,Action\nR1,R1.2,=1+1\n")
    ok(db, "import", str(plan), "--audit", "A1", "--on", "2016-02-01")
    doc = json.loads(ok(db, "show", "R1.2", "--format", "json"))
    assert "=1+1" in json.dumps(doc)


# -- 3. tracebacks left -----------------------------------------------------------------------

@pytest.mark.parametrize("args, name", [
    (("chart", "--from", "0001-01-01", "--to", "9999-12-31", "-o", "c.svg"), "--from"),
    (("chart", "--to", "9999-12-31", "-o", "c.svg"), "--to"),
    (("action", "start", "R1.1", "--on", "1899-12-31"), "--on"),
    (("action", "reschedule", "R1.1", "--due", "2201-01-01", "--on", "2016-02-01",
      "--reason", "r"), "--due"),
    (("report", "as-at", "2016-07-25", "--as-known-on", "2201-01-01T00:00Z"), "--as-known-on"),
    (("report", "as-at", "0001-01-01"), "0001-01-01 is not a plausible date"),
    (("resolution", "add", "2016-07-25", "\u0663", "--text", "t"), "NUMBER"),
    (("resolution", "add", "2016-07-25", "\u00b2", "--text", "t"), "NUMBER"),
    (("report", "as-presented", "2016-07-25", "--number", "\u0663"), "--number"),
    (("resolution", "add", "2016-07-25", "1", "--text", "t", "--minute", "\u0663\u0666/16"),
     "minute"),
    (("action", "start", "R1.1", "--on", "\u0662\u0660\u0661\u0666-02-01"), "--on"),
])
def test_implausible_dates_and_non_ascii_digits_are_one_line_usage_errors(
        db: str, args: tuple[str, ...], name: str) -> None:
    refused(db, *args, code=2, names=(name,))


def test_a_plausible_wide_chart_draws(db: str, tmp_path: Path) -> None:
    ok(db, "chart", "--from", "1900-01-01", "--to", "2200-12-31", "-o", str(tmp_path / "c.svg"))


def test_plan_dates_outside_the_plausible_range_are_refused_at_their_cell(
        db: str, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text("Recommendation ref,Action ref,Action,Target date\nR1,R1.2,Act,31/12/9999\n"
                    "R1,R1.3,Act,\u0663\u0660/06/2016\n")
    result = run(db, "import", str(plan), "--audit", "A1", "--on", "2016-02-01")
    assert result.exit_code == 1
    assert "plan.csv!D2" in result.stderr and "plausible" in result.stderr
    assert "plan.csv!D3" in result.stderr


@pytest.mark.parametrize("audit, why", [("NOPE", "no audit NOPE"), ("A1", "nothing to import")])
def test_a_header_only_plan_is_refused(db: str, tmp_path: Path, audit: str, why: str) -> None:
    plan = tmp_path / "header_only.csv"
    plan.write_text("Recommendation ref,Action ref,Action\n")
    refused(db, "import", str(plan), "--audit", audit, code=1, names=(why,))


# -- unit: the rules themselves ---------------------------------------------------------------

def test_input_rules_apply_to_new_events_not_to_stored_ones() -> None:
    doc = {"originator_id": str(ev.record_id("R1")), "originator_version": 2,
           "timestamp": "2016-02-01T00:00:00+00:00", "ref": "R1", "actor": "A\x1b",
           "effective": "0001-01-01", "text": "x\ry"}
    stored = ev.ActionNoted.model_validate_json(json.dumps(doc))
    assert stored.text == "x\ry" and stored.effective == date(1, 1, 1)
    with pytest.raises(ValueError, match="U\\+000D"):
        ev.ActionNoted(**{**stored.model_dump(), "actor": "A"})
    with pytest.raises(ValueError, match="plausible"):
        ev.ActionNoted(**{**stored.model_dump(), "actor": "A", "text": "ok"})


def test_printable_and_csv_cell() -> None:
    assert printable("a\rb\x1bc\u202ed\n\te\u00a0f\u00adg") == "a\\rb\\x1bc\\u202ed\n\te\u00a0f\u00adg"
    assert printable("plain words") == "plain words"
    assert csv_cell("=1") == "'=1" and csv_cell("-1") == "'-1" and csv_cell("a=1") == "a=1"
    assert csv_cell("") == "" and csv_cell("\t=1") == "'\t=1" and csv_cell("\r=1") == "'\r=1"
