"""The as-at action list as an .xlsx workbook (openpyxl is loaded only with this module)."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.styles import Font  # type: ignore[import-untyped,unused-ignore]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped,unused-ignore]

from ledger.projections.governance import ageing_counts, rag_counts
from ledger.projections.recommendations import state_counts
from ledger.projections.render.data import CSV_COLUMNS, GOVERNED_COLUMNS, action_json
from ledger.projections.render.governed import recommendation_json, recommendation_lines
from ledger.projections.render.safe import FORMULA_START
from ledger.projections.report import Report

COLUMN_WIDTHS = (12, 12, 30, 11, 12, 8, 20, 9, 12, 16, 11, 50, 9, 10, 9, 9, 9, 12)
"""Widths of columns A to R, in characters (the CSV's columns, then `GOVERNED_COLUMNS`)."""


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


def _as_text(sheet: Worksheet) -> None:
    """Dates as dates; every string stored as text, never a formula."""
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


def _governance_sheets(book: Workbook, report: Report) -> None:
    """A Recommendations sheet (response, who accepted the risk, state, actions) and a RAG
    sheet (actions by RAG status and by age, recommendations by state)."""
    recs = book.create_sheet("Recommendations")
    recs.append(["ref", "audit", "priority", "response", "risk_accepted_by", "state", "actions",
                 "text"])
    for line in recommendation_lines(report):
        j = recommendation_json(line)
        recs.append([j["ref"], j["audit"], j["priority"], j["response"], j["risk_accepted_by"],
                     j["state"], ";".join(j["actions"]), j["text"]])
    counts = book.create_sheet("RAG")
    counts.append(["count", "number"])
    governed = report.governed()
    doc = {**rag_counts(governed), **ageing_counts(governed),
           **state_counts(line.state for line in recommendation_lines(report))}
    for key, value in doc.items():
        counts.append([key, value])
    for sheet in (recs, counts):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        _as_text(sheet)
    for letter, width in zip("ABCDEFGH", (12, 12, 9, 18, 24, 12, 16, 50), strict=True):
        recs.column_dimensions[letter].width = width


def xlsx_bytes(report: Report) -> bytes:
    """The as-at action list as an .xlsx workbook (the CSV's columns, dates as date cells) and a
    Totals sheet; no cell is ever a formula: text is stored as text, quote-prefixed when it starts like one."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"As at {report.position.as_at.isoformat()}"
    sheet.append(CSV_COLUMNS + GOVERNED_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for g in report.governed():
        a = g.action
        j = action_json(a)
        sheet.append([
            a.ref, j["status"], a.owner or None, a.due, a.original_due,
            "yes" if a.overdue else "no", ";".join(a.blocked_by) or None, j["priority"],
            ";".join(a.audits), ";".join(a.recommendations), a.status_on, a.text,
            g.revisions, "yes" if g.overdue_against_original else "no", g.rag, g.days_overdue,
            g.ageing, g.pending.due if g.pending else None,
        ])
    _as_text(sheet)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKLMNOPQR", COLUMN_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    _totals_sheet(book, report)
    _governance_sheets(book, report)
    known = report.position.as_known_on.replace(tzinfo=None, microsecond=0)
    book.properties.created = book.properties.modified = min(known, datetime(9999, 1, 1))
    book.properties.creator = "ledger"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
