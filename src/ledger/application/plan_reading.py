"""Reading a plan file into a `Plan`: the header found by its headings, every column placed.

The header is the first of the top 20 rows with at least two headings the importer knows (or
the officer mapped), one of them a recommendation's or an action's words or ref. Rows above it
are titles and paragraphs (the first is kept as the plan's title) or recommendation banners.
Each column goes to a field, is kept as a note, or is ignored because the officer said so; a
later row that repeats the header's headings is skipped; the mapping says all of it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ledger.application.plan_file import (
    BY_KEY,
    HEADER_SCAN,
    Cell,
    Column,
    Formula,
    Plan,
    PlanFileError,
    PlanRow,
    cell_text,
    column_letter,
    file_rows,
)
from ledger.application.plan_headings import KNOWN, NOTE, REF, HeadingRules, heading_key
from ledger.application.plan_shape import banner_ref, shape

ROW_FIELDS = frozenset({"action", "recommendation", "action_ref", "recommendation_ref", REF})
Rows = list[tuple[int, list[Any]]]


def _fields(values: list[Any], rules: HeadingRules) -> list[str | None]:
    return [rules.field_for(cell_text(v)) if cell_text(v) else None for v in values]


def _is_header(fields: list[str | None]) -> bool:
    named = {f for f in fields if f not in (None, "ignore", NOTE)}
    return len(named) >= 2 and bool(named & ROW_FIELDS)


def _repeats_header(values: list[Any], rules: HeadingRules) -> bool:
    """A later row whose every filled cell is a heading (a table's header repeated)."""
    fields = _fields(values, rules)
    filled = [f for v, f in zip(values, fields, strict=False) if cell_text(v)]
    return None not in filled and _is_header(fields)


def find_header(rows: Rows, sheet: str, rules: HeadingRules) -> int:
    """The index in `rows` of the header row; PlanFileError when none of the top rows is one."""
    for index, (_, values) in enumerate(rows[:HEADER_SCAN]):
        if _is_header(_fields(values, rules)):
            return index
    examples = ", ".join(KNOWN["action"][:2] + KNOWN["recommendation"][:1] +
                         KNOWN["owner"][:2] + KNOWN["target_date"][:3])
    raise PlanFileError([f"{sheet}: no header row in the first {HEADER_SCAN} rows: none has two "
                         f"headings the importer knows, one of them for the actions or "
                         f"recommendations (such as {examples}); name yours with "
                         f"--map \"HEADING=FIELD\""])


def _resolve(fields: list[str | None]) -> list[str | None]:
    """A bare `#`/`No.`/`Ref` column: the recommendation's ref or the action's (see REF)."""
    present = set(fields)
    if "recommendation" in present and "recommendation_ref" not in present:
        ref = "recommendation_ref"
    elif "action_ref" not in present:
        ref = "action_ref"
    else:
        ref = NOTE
    return [ref if f == REF else f for f in fields]


def _place(header: list[Any], fields: list[str | None], sheet: str, number: int
           ) -> tuple[dict[int, Column], dict[int, Column], list[str], list[str], list[str]]:
    """Columns by index: (fields, kept as notes, mapping lines, ignored, errors)."""
    by_index: dict[int, Column] = {}
    kept: dict[int, Column] = {}
    mapping: list[str] = []
    ignored: list[str] = []
    errors: list[str] = []
    first: dict[str, str] = {}
    for i, raw in enumerate(header):
        text, letter = cell_text(raw), column_letter(i)
        where = f"{sheet}!{letter}{number}"
        field = fields[i] if i < len(fields) else None
        if field == "ignore":
            ignored.append(f"{where} {text!r}")
            mapping.append(f"{where} {text!r} → ignored (--ignore)")
            continue
        if field is not None and field != NOTE and field in first:
            if field != "notes":
                errors.append(f"{where} (header) {text!r}: a second {BY_KEY[field].name} "
                              f"column (the first is column {first[field]}); --map or "
                              f"--ignore one of them")
                continue
            field = NOTE
        if field is None or field == NOTE:
            heading = text or f"column {letter}"
            kept[i] = Column(f"kept:{letter}", heading, (), "kept as a note")
            why = "" if field == NOTE else " (a heading the importer does not know: " \
                  "--map or --ignore it to decide otherwise)"
            mapping.append(f"{where} {text!r} → kept as a note on the action{why}" if text
                           else f"{where} (no heading) → any value kept as a note, headed "
                                f"{heading!r}")
            continue
        column = BY_KEY[field]
        if heading_key(text) != column.name:
            column = replace(column, name=f"{column.name}, heading {text!r}")
        by_index[i] = column
        first[field] = letter
        mapping.append(f"{where} {text!r} → {BY_KEY[field].name}")
    return by_index, kept, mapping, ignored, errors


def build_plan(name: str, sheet: str, rows: Rows, rules: HeadingRules | None = None) -> Plan:
    """Find the header, place its columns, and turn every later non-empty row into cells."""
    rules = rules or HeadingRules()
    at = find_header(rows, sheet, rules)
    header_number, header = rows[at]
    fields = _resolve(_fields(header, rules))
    by_index, kept, mapping, ignored, errors = _place(header, fields, sheet, header_number)
    if errors:
        raise PlanFileError(errors)
    letters = {c.key: column_letter(i) for i, c in by_index.items()}
    plan_rows: list[PlanRow] = []
    notes: list[str] = []
    for number, values in rows[:at]:
        filled = tuple((column_letter(i), cell_text(v)) for i, v in enumerate(values)
                       if cell_text(v))
        if filled:
            plan_rows.append(PlanRow(sheet, number, {}, letters, (), filled))
    above = len(plan_rows)
    for number, values in rows[at + 1:]:
        cells = {c.key: Cell(sheet, number, column_letter(i), c, _at(values, i))
                 for i, c in by_index.items()}
        kept_cells = tuple(Cell(sheet, number, column_letter(i), c, _at(values, i))
                           for i, c in kept.items() if cell_text(_at(values, i)))
        filled = tuple((column_letter(i), cell_text(v)) for i, v in enumerate(values)
                       if cell_text(v))
        if not filled:
            continue
        if _repeats_header(values, rules):
            notes.append(f"{sheet}!{number}:{number}: the header repeated; skipped")
            continue
        errors += [c.problem("a formula: the importer reads values only, never formulas "
                             "(paste the column back as values)")
                   for c in (*cells.values(), *kept_cells) if isinstance(c.value, Formula)]
        plan_rows.append(PlanRow(sheet, number, cells, letters, kept_cells, filled))
    if errors:
        raise PlanFileError(errors)
    columns = {c.key: cell_text(header[i]) for i, c in by_index.items()}
    plan = Plan(name, sheet, header_number, columns, ignored, plan_rows, mapping, notes)
    return _with_above(plan, above)


def _with_above(plan: Plan, above: int) -> Plan:
    """Rows above the header: banners stay (as rows before the data), titles are set aside."""
    title: str | None = None
    kept: list[PlanRow] = []
    for row in plan.rows[:above]:
        if banner_ref(row) is not None:
            kept.append(row)
        else:
            text = " ".join(t for _, t in row.filled)
            title = title or text
            shown = text if len(text) <= 60 else text[:57] + "..."
            plan.interpretations.append(f"{plan.sheet}!{row.number}:{row.number}: above the "
                                        f"header, a title or paragraph: {shown!r}")
    plan.rows[:above] = kept
    return replace(plan, title=title)


def _at(values: list[Any], i: int) -> Any:
    return values[i] if i < len(values) else None


def read_plan(path: str, sheet: str | None = None, rules: HeadingRules | None = None) -> Plan:
    """Read a .xlsx (the first sheet, or `sheet`) or .csv plan; PlanFileError says what is wrong."""
    name, chosen, rows = file_rows(path, sheet)
    return build_plan(name, chosen, rows, rules)


def load_plan(path: str, sheet: str | None = None, rules: HeadingRules | None = None,
              prefix: str = "") -> Plan:
    """Read a plan and make every row's recommendation and action explicit (`plan_shape`)."""
    return shape(read_plan(path, sheet, rules), prefix)
