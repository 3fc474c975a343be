"""Reading an action plan spreadsheet (.xlsx or .csv): headers, rows and cell values.

Pure parsing, no ledger: headers are matched case-, space- and punctuation-insensitively against
the known columns (with the names real plans use for them), and each data row becomes a `PlanRow`
of cells that know their sheet, row and column letter, so every error can name its cell.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ledger.domain import dates
from ledger.domain import events as ev
from ledger.domain.errors import PlanRefused

HEADER_SCAN = 20
"""How many rows from the top to look in for the header row (plans often have a title above)."""


@dataclass(frozen=True)
class Column:
    """A column the importer knows: its key, its name in messages, the headers that mean it."""

    key: str
    name: str
    aliases: tuple[str, ...]
    meaning: str


COLUMNS: tuple[Column, ...] = (
    Column("audit", "audit", ("audit", "auditref"),
           "the audit's ref (instead of --audit; it must exist)"),
    Column("recommendation_ref", "recommendation ref",
           ("recommendationref", "recref", "recommendationno", "recommendationnumber", "recno"),
           "the recommendation's ref; empty means the same as the row above (merged cells)"),
    Column("recommendation", "recommendation", ("recommendation", "recommendationtext"),
           "the recommendation's words (needed when it is new)"),
    Column("priority", "priority", ("priority",),
           "urgent, high, medium or low (needed when the recommendation is new)"),
    Column("action_ref", "action ref", ("actionref", "actionno", "actionnumber", "ref"),
           "the action's ref (required: one row per action)"),
    Column("action", "action", ("action", "actiontext", "agreedaction"),
           "what will be done (needed when the action is new)"),
    Column("owner", "owner", ("owner", "actionowner", "responsibleofficer", "leadofficer",
                              "responsibility"),
           "who owns the action"),
    Column("target_date", "target date", ("targetdate", "duedate", "due", "target",
                                          "targetcompletiondate"),
           "the action's target date"),
    Column("status", "status", ("status", "currentstatus"),
           "not started, in progress or completed (also complete, done, delivered)"),
    Column("status_date", "status date", ("statusdate", "statusasat", "dateofstatus",
                                          "updated", "lastupdated"),
           "when the status (and any other change on the row) took effect"),
    Column("depends_on", "depends on", ("dependson", "dependencies", "dependency"),
           "refs of actions or milestones it waits on, separated by ; or ,"),
    Column("notes", "notes", ("notes", "observations", "notesobservations", "comments",
                              "progressnotes", "progress", "update"),
           "a note, added once (an identical note already on the action is not added again)"),
    Column("delivered", "delivered", ("delivered", "deliveredyesno", "deliveredyn"),
           "yes means completed; no means not completed"),
)
BY_KEY = {c.key: c for c in COLUMNS}
_BY_ALIAS = {alias: c for c in COLUMNS for alias in c.aliases}

STATUS_WORDS: dict[str, ev.Status] = {
    **dict.fromkeys(("notstarted", "notyetstarted", "yettostart", "yettobegin"),
                    ev.Status.NOT_STARTED),
    **dict.fromkeys(("inprogress", "started", "ongoing", "underway", "partiallycomplete"),
                    ev.Status.IN_PROGRESS),
    **dict.fromkeys(("completed", "complete", "done", "delivered", "implemented", "closed"),
                    ev.Status.COMPLETED),
}
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})
DATE_FORMS = dates.FORMS


class PlanFileError(PlanRefused):
    """The file cannot be read as a plan; `problems` holds one line per problem."""


class Formula(str):
    """A workbook cell's formula, read as its text (`=A1+1`), never evaluated: a cell the
    importer uses must not hold one (its value is whatever the last program to save it cached)."""


def normalise_header(text: str) -> str:
    """`Target  Date ` → `targetdate`: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class Cell:
    """One cell of a data row: where it is, which column it belongs to, its raw value."""

    sheet: str
    row: int
    letter: str
    column: Column
    value: Any

    @property
    def where(self) -> str:
        """`Plan!C7`."""
        return f"{self.sheet}!{self.letter}{self.row}"

    def problem(self, why: str, value: Any = None) -> str:
        """The one-line error for this cell: `Plan!C7 (priority) 'huge': why`."""
        shown = (self.value if value is None else value)
        if shown is None:
            shown = ""
        if isinstance(shown, datetime | date):
            shown = shown.isoformat()
        return f"{self.where} ({self.column.name}) {shown!r}: {why}"

    @property
    def text(self) -> str:
        """The value as text, spaces trimmed ('' for an empty cell)."""
        return cell_text(self.value)

    @property
    def empty(self) -> bool:
        """True when the cell holds nothing but spaces."""
        return self.text == ""


@dataclass(frozen=True)
class PlanRow:
    """One data row: its sheet, its row number in the file, its cells by column key."""

    sheet: str
    number: int
    cells: dict[str, Cell]
    letters: dict[str, str] = field(default_factory=dict)

    def cell(self, key: str) -> Cell:
        """The row's cell in column `key` (an empty one when the file has no such column)."""
        found = self.cells.get(key)
        if found is not None:
            return found
        return Cell(self.sheet, self.number, self.letters.get(key, "?"), BY_KEY[key], None)

    def text(self, key: str) -> str:
        """The text of the row's cell in column `key`."""
        return self.cell(key).text


@dataclass(frozen=True)
class Plan:
    """A plan file read: its name, the sheet used, the header found and the data rows."""

    name: str
    sheet: str
    header_row: int
    columns: dict[str, str]
    ignored: list[str]
    rows: list[PlanRow]


def cell_text(value: Any) -> str:
    """A cell's value as trimmed text; whole numbers lose their `.0`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value: Any) -> date:
    """An Excel date cell, or text in one of the forms every command accepts
    (`ledger.domain.dates`: 2016-07-25, 25/07/2016 or 25 July 2016), between 1900 and 2200."""
    if isinstance(value, datetime):
        return ev.check_day(value.date())
    if isinstance(value, date):
        return ev.check_day(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"a number, not a date (format the cell as a date, or write {DATE_FORMS})")
    return dates.parse_day(cell_text(value))


def parse_status(value: Any) -> ev.Status:
    """not started / in progress / completed, and the other words plans use for them."""
    word = normalise_header(cell_text(value))
    if word in STATUS_WORDS:
        return STATUS_WORDS[word]
    raise ValueError("not a status (not started, in progress or completed)")


def parse_priority(value: Any) -> ev.Priority:
    """urgent, high, medium or low, in any case."""
    word = cell_text(value).lower()
    try:
        return ev.Priority(word)
    except ValueError:
        raise ValueError("not one of " + ", ".join(p.value for p in ev.Priority)) from None


def parse_yes_no(value: Any) -> bool:
    """yes/no (also y/n, true/false, 1/0, or a ticked Excel checkbox)."""
    word = cell_text(value).lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise ValueError("not yes or no")


def parse_refs(value: Any) -> list[str]:
    """Refs separated by ';', ',' or spaces."""
    return [part for part in re.split(r"[;,\s]+", cell_text(value)) if part]


def _find_header(rows: list[tuple[int, list[Any]]], sheet: str) -> tuple[int, list[Any]]:
    for number, values in rows[:HEADER_SCAN]:
        keys = {_BY_ALIAS.get(normalise_header(cell_text(v))) for v in values}
        if BY_KEY["action_ref"] in keys:
            return number, values
    known = ", ".join(c.name for c in COLUMNS)
    raise PlanFileError([f"{sheet}: no header row with an 'Action ref' column in the first "
                         f"{HEADER_SCAN} rows (the columns are: {known})"])


def build_plan(name: str, sheet: str, rows: Iterable[tuple[int, list[Any]]]) -> Plan:
    """Find the header row, match its headers and turn every later non-empty row into cells."""
    all_rows = list(rows)
    header_number, header = _find_header(all_rows, sheet)
    errors: list[str] = []
    by_index: dict[int, Column] = {}
    letters: dict[str, str] = {}
    ignored: list[str] = []
    for i, raw in enumerate(header):
        text = cell_text(raw)
        if not text:
            continue
        column = _BY_ALIAS.get(normalise_header(text))
        where = f"{sheet}!{column_letter(i)}{header_number}"
        if column is None:
            ignored.append(f"{where} {text!r}")
            continue
        if column.key in letters:
            errors.append(f"{where} (header) {text!r}: a second {column.name} column "
                          f"(the first is column {letters[column.key]})")
            continue
        by_index[i] = column
        letters[column.key] = column_letter(i)
    if errors:
        raise PlanFileError(errors)
    plan_rows = []
    for number, values in all_rows:
        if number <= header_number:
            continue
        cells = {column.key: Cell(sheet, number, column_letter(i), column,
                                  values[i] if i < len(values) else None)
                 for i, column in by_index.items()}
        if all(c.empty for c in cells.values()):
            continue
        errors += [c.problem("a formula: the importer reads values only, never formulas "
                             "(paste the column back as values)")
                   for c in cells.values() if isinstance(c.value, Formula)]
        plan_rows.append(PlanRow(sheet, number, cells, letters))
    if errors:
        raise PlanFileError(errors)
    columns = {key: cell_text(header[next(i for i, c in by_index.items() if c.key == key)])
               for key in letters}
    return Plan(name, sheet, header_number, columns, ignored, plan_rows)


def _csv_rows(path: str) -> Iterator[tuple[int, list[Any]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
        fh.seek(0)
        # Excel writes ';' where ',' is the decimal separator; pick what the first line uses most.
        delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
        for number, values in enumerate(csv.reader(fh, delimiter=delimiter), start=1):
            yield number, list(values)


def _xlsx_rows(path: str, sheet: str | None) -> tuple[str, list[tuple[int, list[Any]]]]:
    import openpyxl  # type: ignore[import-untyped,unused-ignore]
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped,unused-ignore]

    name = os.path.basename(path)
    try:
        # data_only=False: a formula cell gives its formula (kept as `Formula`), not the value
        # some program cached for it.
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, KeyError, ValueError, OSError) as e:
        raise PlanFileError([f"{name}: not a readable .xlsx workbook ({e})"]) from None
    except Exception as e:  # a zip that is not a workbook raises many kinds of error
        raise PlanFileError([f"{name}: not a readable .xlsx workbook ({type(e).__name__})"]) from None
    try:
        names = list(book.sheetnames)
        if sheet is None:
            chosen = names[0]
        elif sheet in names:
            chosen = sheet
        else:
            raise PlanFileError([f"{name}: no sheet {sheet!r} (the sheets are: {', '.join(names)})"])
        worksheet = book[chosen]
        rows = [(number, [_value(cell) for cell in cells]) for number, cells in
                enumerate(worksheet.iter_rows(), start=1)]
        return chosen, rows
    finally:
        book.close()


def _value(cell: Any) -> Any:
    """A read-only cell's value; a formula (text, or openpyxl's array formula) as `Formula`."""
    if getattr(cell, "data_type", None) == "f":
        value = cell.value
        return Formula(getattr(value, "text", None) or str(value))
    return cell.value


def read_plan(path: str, sheet: str | None = None) -> Plan:
    """Read a .xlsx (the first sheet, or `sheet`) or .csv plan; PlanFileError says what is wrong."""
    name = os.path.basename(path)
    extension = os.path.splitext(path)[1].lower()
    if not os.path.isfile(path):
        raise PlanFileError([f"{path}: no such file"])
    if extension == ".csv":
        if sheet is not None:
            raise PlanFileError([f"{name}: --sheet is for .xlsx workbooks; a .csv has one sheet"])
        try:
            rows = list(_csv_rows(path))
        except UnicodeDecodeError:
            raise PlanFileError([f"{name}: not UTF-8 text (save it as CSV UTF-8)"]) from None
        except (OSError, csv.Error) as e:
            raise PlanFileError([f"{name}: cannot be read as CSV ({e})"]) from None
        return build_plan(name, name, rows)
    if extension in (".xlsx", ".xlsm"):
        chosen, rows = _xlsx_rows(path, sheet)
        return build_plan(name, chosen, rows)
    raise PlanFileError([f"{name}: not a .xlsx or .csv file"])
