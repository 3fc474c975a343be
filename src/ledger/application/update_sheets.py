"""The owners' update round: one workbook per owner with their open actions, to fill in and
import back.

Each sheet lists an owner's actions not yet completed, with their audit, recommendation, words,
target date and status as the ledger has them, empty Status date and Note columns to fill in,
and the action's ledger version (hidden). `ledger import` reads a returned sheet like any plan:
only what the owner changed is recorded, and a row whose action changed in the ledger since the
sheet was written (its version moved on) is refused, naming the row.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ledger.application.ledger import Ledger
from ledger.domain import events as ev
from ledger.domain.records import Action, Recommendation
from ledger.projections.render.safe import FORMULA_START
from ledger.projections.replay import ActionState

HEADER = ("Audit", "Recommendation ref", "Action ref", "Action", "Owner", "Target date",
          "Status", "Status date", "Note", "Ledger version")
SHEET = "Update"
UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class UpdateSheet:
    """One owner's workbook: its file name, the owner and its bytes."""

    name: str
    owner: str | None
    actions: int
    data: bytes


def file_name(owner: str | None) -> str:
    """`Head of ICT` → `head-of-ict.xlsx`; no owner → `unassigned.xlsx`."""
    slug = re.sub(r"[^a-z0-9]+", "-", (owner or UNASSIGNED).lower()).strip("-")
    return f"{slug or 'owner'}.xlsx"


def _row(app: Ledger, state: ActionState) -> list[object]:
    action = app.get(state.ref, Action)
    rec = app.get(action.recommendations[0], Recommendation)
    return [rec.audit, rec.ref, action.ref, action.text, action.owner, action.due,
            action.status.value.replace("_", " "), None, None, action.version]


def _workbook(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
    from openpyxl.styles import Font  # type: ignore[import-untyped,unused-ignore]

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADER))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                if cell.value[:1] in FORMULA_START:
                    cell.quotePrefix = True
            elif isinstance(cell.value, date):
                cell.number_format = "dd/mm/yyyy"
    sheet.column_dimensions["J"].hidden = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def update_sheets(app: Ledger, actions: Iterable[ActionState], owner: str | None = None
                  ) -> list[UpdateSheet]:
    """A workbook per owner (or only `owner`'s) of the actions not completed, by ref."""
    by_owner: dict[str | None, list[ActionState]] = {}
    for state in actions:
        if state.status is not ev.Status.COMPLETED and (owner is None or state.owner == owner):
            by_owner.setdefault(state.owner, []).append(state)
    sheets: list[UpdateSheet] = []
    used: set[str] = set()
    for who, states in sorted(by_owner.items(), key=lambda item: item[0] or ""):
        rows = [_row(app, s) for s in sorted(states, key=lambda s: s.ref)]
        name, n = file_name(who), 1
        while name in used:  # two owners spelt alike ("Head of ICT", "head of ICT")
            n += 1
            name = file_name(who).removesuffix(".xlsx") + f"-{n}.xlsx"
        used.add(name)
        sheets.append(UpdateSheet(name, who, len(rows), _workbook(rows)))
    return sheets
