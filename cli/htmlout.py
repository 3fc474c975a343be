"""Writers for the report formats that need a file: HTML (with the burn-up) and the .xlsx list.

matplotlib and openpyxl are imported only when a chart or a workbook is made, so the rest of
the command line starts without them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import click

from ledger.application import Ledger
from ledger.cli.common import LedgerClickError, write_output
from ledger.projections.replay import Timeline
from ledger.projections.report import CSV_COLUMNS, Report, _action_json

if TYPE_CHECKING:
    from ledger.projections.render.chart import Point


def meeting_label(held_on: date) -> str:
    """How a meeting is marked on the chart: `25 Jul 2016`."""
    return f"{held_on.day} {held_on:%b %Y}"


def chart_points(app: Ledger, report: Report) -> tuple[list[Point], list[tuple[date, str]]]:
    """The burn-up from the first action's date to the as-at date, on the report's horizon,
    and the meetings in that span."""
    from ledger.projections.render.chart import burnup

    timeline = Timeline.build(app.stream(), report.position.as_known_on)
    as_at = report.position.as_at
    added = [a.added_on for a in report.actions]
    if not added:
        return [], []
    start = min(added)
    points = burnup(timeline, start, as_at, report.audit)
    meetings = [(m.held_on, meeting_label(m.held_on)) for m in timeline.meeting_list()
                if start <= m.held_on <= as_at]
    return points, meetings


def write_html(app: Ledger, report: Report, output: str | None) -> None:
    """Render `report` as one self-contained HTML file with its burn-up; needs -o FILE."""
    if output is None:
        raise LedgerClickError("--format html writes a file: give -o FILE.html", 2)
    from ledger.projections.render.html import to_html

    points, meetings = chart_points(app, report)
    write_output(to_html(report, points, meetings), output)


def write_bytes(data: bytes, output: str) -> None:
    """Write a binary file, saying so on stderr; a failure is one line, exit 1."""
    try:
        with open(output, "wb") as fh:
            fh.write(data)
    except OSError as e:
        raise LedgerClickError(f"cannot write {output}: {e.strerror}", 1) from None
    click.echo(f"wrote {output}", err=True)


def xlsx_bytes(report: Report) -> bytes:
    """The as-at action list as an .xlsx workbook (the CSV's columns, dates as date cells)."""
    import io

    from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
    from openpyxl.styles import Font  # type: ignore[import-untyped,unused-ignore]

    book = Workbook()
    sheet = book.active
    sheet.title = f"As at {report.position.as_at.isoformat()}"
    sheet.append(CSV_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for a in report.actions:
        j = _action_json(a)
        sheet.append([
            a.ref, j["status"], a.owner or None, a.due, a.original_due,
            "yes" if a.overdue else "no", ";".join(a.blocked_by) or None, j["priority"],
            ";".join(a.audits), ";".join(a.recommendations), a.status_on, a.text,
        ])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "YYYY-MM-DD"
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKL", (12, 12, 30, 11, 12, 8, 20, 9, 12, 16, 11, 50),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    known = report.position.as_known_on.replace(tzinfo=None, microsecond=0)
    book.properties.created = book.properties.modified = min(known, datetime(9999, 1, 1))
    book.properties.creator = "ledger"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xlsx(report: Report, output: str | None) -> None:
    """Write the as-at action list as .xlsx; needs -o FILE."""
    if output is None:
        raise LedgerClickError("--format xlsx writes a file: give -o FILE.xlsx", 2)
    write_bytes(xlsx_bytes(report), output)
