"""Reading a plan's rows into `Line`s: each value parsed, each ref checked, each problem kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.application.ledger import Ledger
from ledger.application.plan_file import (
    Cell,
    Plan,
    PlanRow,
    parse_date,
    parse_priority,
    parse_refs,
    parse_status,
    parse_yes_no,
)
from ledger.domain import events as ev
from ledger.domain.errors import LedgerError
from ledger.domain.records import Audit


@dataclass
class Problems:
    """What an import found wrong (errors, each at its cell) and worth saying (warnings)."""

    errors: list[tuple[int, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def error(self, cell: Cell | None, why: str, value: Any = None) -> None:
        """An error at `cell` (None: about the whole file), with the value it is about."""
        if cell is None:
            self.errors.append((0, "", why))
        else:
            self.errors.append((cell.row, f"{len(cell.letter):03}{cell.letter}",
                                cell.problem(why, value)))

    def warn(self, cell: Cell, why: str) -> None:
        """A warning about `cell`: something kept as the ledger has it."""
        self.warnings.append(cell.problem(why))

    def listed(self) -> list[str]:
        """The errors in file order: by row, then column (the file's own first)."""
        return [text for *_, text in sorted(self.errors, key=lambda e: e[:2])]


@dataclass
class Line:
    """One row of the plan, its values parsed."""

    row: PlanRow
    audit: str
    recommendation: str
    action: str
    rec_text: str | None = None
    rec_text_cell: Cell | None = None
    priority: ev.Priority | None = None
    priority_cell: Cell | None = None
    text: str | None = None
    owner: str | None = None
    due: date | None = None
    status: ev.Status | None = None
    not_completed: bool = False
    status_date: date | None = None
    depends_on: tuple[str, ...] = ()
    note: str | None = None

    def cell(self, key: str) -> Cell:
        """The row's cell in column `key`."""
        return self.row.cell(key)


@dataclass
class LineReader:
    """Reads a plan's rows into `Line`s, the audits they name looked up in the ledger."""

    app: Ledger
    plan: Plan
    audit: str | None
    problems: Problems
    tick: Callable[[], None]
    checked_audits: dict[str, bool] = field(default_factory=dict)

    def read(self) -> list[Line]:
        """The rows without errors, as `Line`s (a row's errors go to `problems`)."""
        if self.audit is None and "audit" not in self.plan.columns:
            self.problems.error(None, f"{self.plan.name}: which audit? give --audit REF, or an Audit column")
        elif self.audit is not None:
            self._audit_ok(self.audit, None)  # an unknown --audit is refused even with no rows
        if not self.plan.rows and not self.problems.errors:
            self.problems.error(None, f"{self.plan.name}: no rows below the header (row "
                                f"{self.plan.header_row}): nothing to import")
        lines: list[Line] = []
        seen: dict[str, int] = {}
        previous: Line | None = None
        for row in self.plan.rows:
            self.tick()
            before = len(self.problems.errors)
            line = self._refs(row, previous, seen)
            self._values(line)
            # A row whose recommendation or audit comes from a faulty row above is skipped quietly.
            if len(self.problems.errors) == before and line.audit and line.recommendation and line.action:
                lines.append(line)
            previous = line
        return lines

    def _ref(self, cell: Cell, text: str | None = None) -> str | None:
        text = cell.text if text is None else text
        if not text:
            self.problems.error(cell, "missing")
            return None
        try:
            return ev.check_ref(text)
        except ValueError as e:
            why = str(e).removeprefix(f"{text!r} ").replace("is not", "not", 1)
            self.problems.error(cell, why, text)
            return None

    def _audit_ok(self, ref: str, cell: Cell | None) -> bool:
        checked = self.checked_audits
        if ref not in checked:
            try:
                self.app.get(ref, Audit)
                checked[ref] = True
            except LedgerError as e:
                checked[ref] = False
                if cell is None:
                    self.problems.error(None, f"--audit {ref!r}: {e}")
                else:
                    self.problems.error(cell, str(e))
        return checked[ref]

    def _audit(self, row: PlanRow, previous: Line | None) -> str | None:
        """The row's audit: its own, the row above's (merged cells), or --audit."""
        audit_cell = row.cell("audit")
        if not audit_cell.empty:
            audit = self._ref(audit_cell)
            return audit if audit is not None and self._audit_ok(audit, audit_cell) else None
        if previous is not None and "audit" in self.plan.columns:
            return previous.audit
        if self.audit is not None:
            return self.audit if self._audit_ok(self.audit, None) else None
        if "audit" in self.plan.columns:
            self.problems.error(audit_cell, "no audit for this row: give one, or --audit REF")
        return None

    def _refs(self, row: PlanRow, previous: Line | None, seen: dict[str, int]) -> Line:
        """The row's audit, recommendation and action refs, as a new `Line`."""
        audit = self._audit(row, previous)
        # The recommendation: an empty ref means the row above's (merged cells).
        rec_cell = row.cell("recommendation_ref")
        rec: str | None
        inherited = rec_cell.empty and previous is not None
        if inherited:
            assert previous is not None
            rec = previous.recommendation
        else:
            rec = self._ref(rec_cell)
        action = self._ref(row.cell("action_ref"))
        if action is not None:
            if action in seen:
                self.problems.error(row.cell("action_ref"), f"the same action as row {seen[action]}")
                action = None
            else:
                seen[action] = row.number
        line = Line(row, audit or "", rec or "", action or "")
        if inherited and previous is not None:
            line.rec_text, line.rec_text_cell = previous.rec_text, previous.rec_text_cell
            line.priority, line.priority_cell = previous.priority, previous.priority_cell
        return line

    def _values(self, line: Line) -> None:
        """The row's other values, parsed into `line`."""
        row = line.row
        if not row.cell("recommendation").empty:
            line.rec_text, line.rec_text_cell = row.text("recommendation"), row.cell("recommendation")
        priority = row.cell("priority")
        if not priority.empty:
            line.priority_cell = priority
            line.priority = self._value(priority, parse_priority)
        line.text = row.text("action") or None
        line.owner = " ".join(row.text("owner").split()) or None
        line.due = self._value(row.cell("target_date"), parse_date)
        line.status_date = self._value(row.cell("status_date"), parse_date)
        line.status = self._value(row.cell("status"), parse_status)
        self._delivered(line)
        deps = [self._ref(row.cell("depends_on"), dep)
                for dep in parse_refs(row.cell("depends_on").value)]
        line.depends_on = tuple(dict.fromkeys(d for d in deps if d is not None))
        line.note = row.text("notes") or None

    def _delivered(self, line: Line) -> None:
        """A Delivered column's yes or no, checked against the status and folded into it."""
        row = line.row
        delivered = self._value(row.cell("delivered"), parse_yes_no)
        if delivered is None:
            return
        said = line.status
        if delivered and said not in (None, ev.Status.COMPLETED):
            assert said is not None
            self.problems.error(row.cell("delivered"), f"says delivered, but the status "
                                f"({row.cell('status').where}) is {said.value.replace('_', ' ')}")
        elif not delivered and said is ev.Status.COMPLETED:
            self.problems.error(row.cell("delivered"), f"says not delivered, but the status "
                                f"({row.cell('status').where}) is completed")
        elif delivered:
            line.status = ev.Status.COMPLETED
        elif said is None:
            line.not_completed = True

    def _value(self, cell: Cell, parse: Callable[[Any], Any]) -> Any:
        if cell.empty:
            return None
        try:
            return parse(cell.value)
        except ValueError as e:
            self.problems.error(cell, str(e))
            return None
