"""Write examples/plan.xlsx from examples/plan.csv, the way a council's workbook looks.

A title row above the header, real Excel date cells, and the recommendation's ref, words and
priority in cells merged down over its actions. Run: .venv/bin/python examples/make_plan_xlsx.py
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
DATE_COLUMNS = {"Target Date", "Status Date"}
MERGED_COLUMNS = ("Rec Ref", "Recommendation", "Priority")
FIXED_TIME = datetime(2016, 7, 1, 9, 0)


def main() -> None:
    """Read plan.csv and write plan.xlsx beside it."""
    with open(HERE / "plan.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, data = rows[0], rows[1:]
    book = Workbook()
    sheet = book.active
    sheet.title = "Action plan"
    sheet["A1"] = "Internal audit of records management (IA-2016): action plan"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for values in data:
        row: list[object] = []
        for name, value in zip(header, values, strict=True):
            if name in DATE_COLUMNS and value:
                row.append(datetime.strptime(value, "%d/%m/%Y"))
            else:
                row.append(value or None)
        sheet.append(row)
    for row_cells in sheet.iter_rows(min_row=4):
        for cell in row_cells:
            if isinstance(cell.value, datetime):
                cell.number_format = "DD/MM/YYYY"
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    first_row = 4
    start = first_row
    refs = [values[0] for values in data]
    for i in range(1, len(refs) + 1):
        if i == len(refs) or refs[i] != refs[start - first_row]:
            end = first_row + i - 1
            if end > start:
                for name in MERGED_COLUMNS:
                    col = header.index(name) + 1
                    sheet.merge_cells(start_row=start, end_row=end, start_column=col,
                                      end_column=col)
            start = end + 1
    for letter, width in zip("ABCDEFGHIJKL", (9, 34, 9, 10, 40, 28, 12, 12, 12, 11, 30, 11),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "ledger examples"
    book.save(HERE / "plan.xlsx")
    print(f"wrote {HERE / 'plan.xlsx'} ({len(data)} actions)")


if __name__ == "__main__":
    main()
