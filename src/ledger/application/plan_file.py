"""Reading an action plan spreadsheet (.xlsx or .csv): headers, rows and cell values.

Pure parsing, no ledger: headers are matched case-, space- and punctuation-insensitively against
the known columns (with the names real plans use for them), and each data row becomes a `PlanRow`
of cells that know their sheet, row and column letter, so every error can name its cell.
"""

from __future__ import annotations

import csv
import io
import os
import re
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
           "urgent, high, medium (med), low, or not applicable (see --priority)"),
    Column("action_ref", "action ref", ("actionref", "actionno", "actionnumber", "ref"),
           "the action's ref (split from its words, or generated, when the plan gives none)"),
    Column("action", "action", ("action", "actiontext", "agreedaction"),
           "what will be done (needed when the action is new)"),
    Column("owner", "owner", ("owner", "actionowner", "responsibleofficer", "leadofficer",
                              "responsibility"),
           "who owns the action"),
    Column("target_date", "target date", ("targetdate", "duedate", "due", "target",
                                          "targetcompletiondate"),
           "the action's target date"),
    Column("start_date", "start date", ("startdate",),
           "when work on the action began (a started or completed action starts then)"),
    Column("status", "status", ("status", "currentstatus"),
           "a status word: not started, in progress, completed, and the plans' own words"),
    Column("status_date", "status date", ("statusdate", "statusasat", "dateofstatus",
                                          "updated", "lastupdated"),
           "when the status (and any other change on the row) took effect"),
    Column("depends_on", "depends on", ("dependson", "dependencies", "dependency"),
           "refs of actions or milestones it waits on, separated by ; or ,"),
    Column("notes", "notes", ("notes", "observations", "notesobservations", "comments",
                              "progressnotes", "progress", "update"),
           "a note, added once (an identical note already on the action is not added again)"),
    Column("version", "ledger version", ("ledgerversion",),
           "in a sheet from `ledger update-sheets`: the action's version when it was written"),
    Column("delivered", "delivered", ("delivered", "deliveredyesno", "deliveredyn"),
           "yes means completed; no, beside a status, not completed (alone: --status-map)"),
)
BY_KEY = {c.key: c for c in COLUMNS}

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
        """`Plan!C7`; `Plan!7:7` (the whole row) for a column the file does not have."""
        if not self.letter:
            return f"{self.sheet}!{self.row}:{self.row}"
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
    kept: tuple[Cell, ...] = ()
    """Cells of columns kept as notes (their column's name is the heading)."""
    filled: tuple[tuple[str, str], ...] = ()
    """(letter, text) of every non-empty cell of the row, whatever its column."""
    rec_only: bool = False
    """A recommendation's own row (a banner, or one without an action): it adds no action."""

    def cell(self, key: str) -> Cell:
        """The row's cell in column `key` (an empty one when the file has no such column)."""
        found = self.cells.get(key)
        if found is not None:
            return found
        return Cell(self.sheet, self.number, self.letters.get(key, ""), BY_KEY[key], None)

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
    mapping: list[str] = field(default_factory=list)
    """One line per column of the header: which field it went to, or that it is kept/ignored."""
    interpretations: list[str] = field(default_factory=list)
    """Every reading the importer made that the file does not spell out (refs, banners)."""
    title: str | None = None
    """The first title row above the header, if any."""


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


def _decode(name: str, data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252 (Excel's CSV on Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise PlanFileError([f"{name}: UTF-16 text; save it as CSV UTF-8 (or CSV) instead"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as e:
        raise PlanFileError([f"{name}: neither UTF-8 nor Windows-1252 text (byte "
                             f"{data[e.start]:#04x} at offset {e.start}); save it as CSV UTF-8"]
                            ) from None


def csv_rows(name: str, data: bytes) -> list[tuple[int, list[Any]]]:
    """A CSV file's rows, numbered from 1, whatever its encoding, BOM and line ends."""
    text = _decode(name, data)
    first = text.split("\n", 1)[0]
    # Excel writes ';' where ',' is the decimal separator; pick what the first line uses most.
    delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [(number, list(values)) for number, values in enumerate(reader, start=1)]
    except csv.Error as e:
        raise PlanFileError([f"{name}: cannot be read as CSV ({e})"]) from None


MERGED_LIMIT = 8 * 1024 * 1024
"""Workbooks up to this size are read whole, so merged cells give their value to every cell
they cover; larger ones are streamed (read-only), where merged ranges are not known."""


def _xlsx_rows(path: str, sheet: str | None) -> tuple[str, list[tuple[int, list[Any]]]]:
    import openpyxl  # type: ignore[import-untyped,unused-ignore]
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped,unused-ignore]

    name = os.path.basename(path)
    try:
        # data_only=False: a formula cell gives its formula (kept as `Formula`), not the value
        # some program cached for it.
        whole = os.path.getsize(path) <= MERGED_LIMIT
        book = openpyxl.load_workbook(path, read_only=not whole, data_only=False)
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
        if whole:
            _fill_merged(worksheet, rows)
        return chosen, rows
    finally:
        book.close()


def _value(cell: Any) -> Any:
    """A read-only cell's value; a formula (text, or openpyxl's array formula) as `Formula`."""
    if getattr(cell, "data_type", None) == "f":
        value = cell.value
        return Formula(getattr(value, "text", None) or str(value))
    return cell.value


def _fill_merged(worksheet: Any, rows: list[tuple[int, list[Any]]]) -> None:
    """Give every cell of a merged range the value of its top-left cell (as Excel shows it)."""
    for merged in worksheet.merged_cells.ranges:
        top = rows[merged.min_row - 1][1] if merged.min_row <= len(rows) else []
        value = top[merged.min_col - 1] if merged.min_col <= len(top) else None
        for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
            values = rows[r - 1][1]
            for c in range(merged.min_col, min(merged.max_col, len(values)) + 1):
                values[c - 1] = value


def file_rows(path: str, sheet: str | None = None) -> tuple[str, str, list[tuple[int, list[Any]]]]:
    """(file name, sheet name, rows) of a .xlsx (the first sheet, or `sheet`) or .csv file."""
    name = os.path.basename(path)
    extension = os.path.splitext(path)[1].lower()
    if not os.path.isfile(path):
        raise PlanFileError([f"{path}: no such file"])
    if extension == ".csv":
        if sheet is not None:
            raise PlanFileError([f"{name}: --sheet is for .xlsx workbooks; a .csv has one sheet"])
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as e:
            raise PlanFileError([f"{name}: cannot be read ({e})"]) from None
        return name, name, csv_rows(name, data)
    if extension in (".xlsx", ".xlsm"):
        chosen, rows = _xlsx_rows(path, sheet)
        return name, chosen, rows
    raise PlanFileError([f"{name}: not a .xlsx or .csv file"])
