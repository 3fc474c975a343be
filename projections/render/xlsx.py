"""The as-at action list as an .xlsx workbook (openpyxl is loaded only with this module)."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.styles import Font  # type: ignore[import-untyped,unused-ignore]

from ledger.projections.render.data import CSV_COLUMNS, action_json
from ledger.projections.render.safe import FORMULA_START
from ledger.projections.report import Report

COLUMN_WIDTHS = (12, 12, 30, 11, 12, 8, 20, 9, 12, 16, 11, 50)
"""Widths of columns A to L, in characters."""


TOTALS = ("actions", "completed", "in_progress", "not_started", "withdrawn", "superseded")
"""The totals sheet's figures: the live actions, then those closed undone."""


def _totals_sheet(book: Workbook, report: Report) -> None:
    """A second sheet: the totals of the report and of each audit in scope (withdrawn and
    superseded counted apart from the live actions)."""
    sheet = book.create_sheet("Totals")
    sheet.append(["scope", *TOTALS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    rows = [("all in scope", report.totals), *report.by_audit().items()]
    for scope, totals in rows:
        figures = totals.as_dict()
        sheet.append([scope, *(figures[key] for key in TOTALS)])
    for row in sheet.iter_rows(min_row=2, max_col=1):
        for cell in row:
            cell.data_type = "s"
            if isinstance(cell.value, str) and cell.value[:1] in FORMULA_START:
                cell.quotePrefix = True
    sheet.column_dimensions["A"].width = 16


def xlsx_bytes(report: Report) -> bytes:
    """The as-at action list as an .xlsx workbook (the CSV's columns, dates as date cells) and a
    Totals sheet; no cell is ever a formula: text is stored as text, quote-prefixed when it starts like one."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"As at {report.position.as_at.isoformat()}"
    sheet.append(CSV_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for a in report.actions:
        j = action_json(a)
        sheet.append([
            a.ref, j["status"], a.owner or None, a.due, a.original_due,
            "yes" if a.overdue else "no", ";".join(a.blocked_by) or None, j["priority"],
            ";".join(a.audits), ";".join(a.recommendations), a.status_on, a.text,
        ])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "YYYY-MM-DD"
            elif isinstance(cell.value, str):
                # openpyxl makes any string starting with "=" a formula: force text, and have
                # Excel keep it text even when the cell is edited (its quote prefix).
                cell.data_type = "s"
                if cell.value[:1] in FORMULA_START:
                    cell.quotePrefix = True
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKL", COLUMN_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    _totals_sheet(book, report)
    known = report.position.as_known_on.replace(tzinfo=None, microsecond=0)
    book.properties.created = book.properties.modified = min(known, datetime(9999, 1, 1))
    book.properties.creator = "ledger"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
