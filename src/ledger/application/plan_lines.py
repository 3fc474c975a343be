"""Reading a plan's rows into `Line`s: each value parsed, each ref checked, each problem kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.application.ledger import Ledger
from ledger.application.plan_dates import read_target
from ledger.application.plan_file import Cell, Plan, PlanRow, parse_date, parse_refs
from ledger.application.plan_headings import heading_words
from ledger.application.plan_words import (
    NOT_DELIVERED,
    UnmappedWord,
    delivered_word,
    priority_word,
    status_word,
    word_key,
)
from ledger.domain import events as ev
from ledger.domain.errors import LedgerError
from ledger.domain.records import Audit


@dataclass
class Problems:
    """What an import found wrong (errors, each at its cell) and worth saying (warnings)."""

    errors: list[tuple[int, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)
    """Every interpretation made (dates, words, refs), for --show-mapping and the dry run."""
    unmapped: dict[str, list[Cell]] = field(default_factory=dict)
    """Status words nobody mapped, with the cells that hold them."""

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

    def read(self, cell: Cell, what: str) -> None:
        """An interpretation of `cell`."""
        self.readings.append(f"{cell.where} ({cell.column.name}) {cell.text!r}: {what}")

    def listed(self) -> list[str]:
        """The errors in file order: by row, then column (the file's own first); then one line
        naming every status word nobody mapped."""
        listed = [text for *_, text in sorted(self.errors, key=lambda e: e[:2])]
        if self.unmapped:
            words = "; ".join(f"{w!r} ({', '.join(c.where for c in cells[:5])}"
                              f"{' …' if len(cells) > 5 else ''})"
                              for w, cells in self.unmapped.items())
            first = next(iter(self.unmapped))
            listed.append(f"words the importer does not know as a status: {words}; say what "
                          f"each means with --status-map \"WORD=STATUS\" (STATUS: not_started, "
                          f"in_progress or completed), e.g. --status-map \"{first}=in_progress\"")
        return listed


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
    start_date: date | None = None
    depends_on: tuple[str, ...] = ()
    note: str | None = None
    rec_priority: ev.Priority | None = None
    version: int | None = None

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
    status_map: dict[str, ev.Status] = field(default_factory=dict)
    default_priority: ev.Priority | None = None
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
        faulty: list[Line] = []
        seen: dict[str, int] = {}
        previous: Line | None = None
        for row in self.plan.rows:
            self.tick()
            before = len(self.problems.errors)
            line = self._refs(row, previous, seen)
            self._values(line)
            # A row whose recommendation or audit comes from a faulty row above is skipped quietly.
            if len(self.problems.errors) == before and line.audit and line.recommendation and (
                    line.action or row.rec_only):
                lines.append(line)
            elif line.recommendation:
                faulty.append(line)  # still gives its recommendation's words and priority
            previous = line
        self._priorities(sorted(faulty + lines, key=lambda ln: ln.row.number))
        return lines

    def _priorities(self, lines: list[Line]) -> None:
        """Each recommendation's priority: its own row's, else the highest of its rows', else
        --priority; an action row giving another priority keeps it as a note."""
        groups: dict[str, list[Line]] = {}
        for line in lines:
            groups.setdefault(line.recommendation, []).append(line)
        for ref, group in groups.items():
            text = next((ln for ln in group if ln.rec_text), None)
            given = [ln for ln in group if ln.priority is not None]
            chosen = group[0].priority
            if chosen is None and given:
                chosen = min((ln.priority for ln in given if ln.priority),
                             key=lambda p: p.rank)
                cell = given[0].priority_cell
                if cell is not None:
                    self.problems.read(cell, f"{ref} is {chosen.value}: the highest priority "
                                       "of its rows (its own row gives none)")
            if chosen is None and self.default_priority is not None:
                chosen = self.default_priority
                self.problems.readings.append(f"{ref}: priority {chosen.value} (--priority)")
            for ln in group:
                ln.rec_priority = chosen
                if text is not None and ln.rec_text is None:
                    ln.rec_text, ln.rec_text_cell = text.rec_text, text.rec_text_cell
                if ln.priority not in (None, chosen) and ln.priority_cell is not None and \
                        ln.action:
                    cell = ln.priority_cell
                    kept = f"{self.plan.columns.get('priority', 'Priority')}: {cell.text}"
                    ln.note = f"{ln.note}\n{kept}" if ln.note else kept
                    self.problems.read(cell, f"{ln.action}'s own priority, kept as a note "
                                       f"(the ledger keeps one per recommendation: {ref} is "
                                       f"{chosen.value if chosen else 'not given'})")

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
        action = None if row.rec_only else self._ref(row.cell("action_ref"))
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
            line.priority = self._value(priority, priority_word)
            self._said(priority, line.priority, "priority")
        line.text = row.text("action") or None
        line.owner = " ".join(row.text("owner").split()) or None
        line.due = self._target(row.cell("target_date"))
        line.start_date = self._target(row.cell("start_date"))
        line.status_date = self._value(row.cell("status_date"), parse_date)
        line.version = self._value(row.cell("version"), _version)
        status = row.cell("status")
        rag = "rag" in heading_words(self.plan.columns.get("status", ""))
        line.status = self._value(status, lambda v: status_word(str(v), self.status_map,
                                                                rag=rag))
        self._said(status, line.status, "status")
        self._delivered(line)
        deps = [self._ref(row.cell("depends_on"), dep)
                for dep in parse_refs(row.cell("depends_on").value)]
        line.depends_on = tuple(dict.fromkeys(d for d in deps if d is not None))
        notes = [row.text("notes")] if row.text("notes") else []
        notes += [f"{c.column.name}: {c.text}" for c in row.kept]
        line.note = "\n".join(notes) or None

    def _said(self, cell: Cell, value: ev.Priority | ev.Status | None, what: str) -> None:
        """Say how a word that is not the value's own name was read."""
        if cell.empty or (value is not None and word_key(cell.text) == word_key(value.value)):
            return
        shown = value.value.replace("_", " ") if value is not None else "none given"
        self.problems.read(cell, f"{what} {shown}")

    def _target(self, cell: Cell) -> date | None:
        if cell.empty:
            return None
        try:
            target = read_target(cell.value)
        except ValueError as e:
            self.problems.error(cell, str(e))
            return None
        if target.rule is not None:
            self.problems.read(cell, target.rule)
        if target.warning is not None:
            self.problems.warn(cell, target.warning)
        return target.day

    def _delivered(self, line: Line) -> None:
        """A Delivered column's word, checked against the status and folded into it."""
        row = line.row
        cell = row.cell("delivered")
        delivered = self._value(cell, lambda v: delivered_word(str(v), self.status_map))
        if delivered is None:
            return
        said = line.status
        if delivered == NOT_DELIVERED:
            if said is None:
                self.problems.unmapped.setdefault(cell.text, []).append(cell)
            elif said is ev.Status.COMPLETED:
                self.problems.error(cell, f"says not delivered, but the status "
                                    f"({row.cell('status').where}) is completed")
            return
        assert isinstance(delivered, ev.Status)
        if delivered is ev.Status.COMPLETED and said not in (None, ev.Status.COMPLETED):
            assert said is not None
            self.problems.error(cell, f"says delivered, but the status "
                                f"({row.cell('status').where}) is {said.value.replace('_', ' ')}")
        elif delivered is not ev.Status.COMPLETED and said is ev.Status.COMPLETED:
            self.problems.error(cell, f"says not delivered, but the status "
                                f"({row.cell('status').where}) is completed")
        elif said is None:
            line.status = delivered
            if word_key(cell.text) not in ("yes", "y", "true", "1"):
                self.problems.read(cell, f"status {delivered.value.replace('_', ' ')}")
        line.not_completed = delivered is not ev.Status.COMPLETED
        if delivered is ev.Status.COMPLETED and word_key(cell.text) not in ("yes", "y", "true",
                                                                            "1", "delivered"):
            kept = f"{self.plan.columns.get('delivered', 'Delivered')}: {cell.text}"
            line.note = f"{line.note}\n{kept}" if line.note else kept

    def _value(self, cell: Cell, parse: Callable[[Any], Any]) -> Any:
        if cell.empty:
            return None
        try:
            return parse(cell.value)
        except UnmappedWord as e:
            if cell.column.key == "priority":
                self.problems.error(cell, "not one of urgent, high, medium, low (or not "
                                    "applicable: none given)")
            else:
                self.problems.unmapped.setdefault(e.word, []).append(cell)
            return None
        except ValueError as e:
            self.problems.error(cell, str(e))
            return None


def _version(value: Any) -> int:
    text = str(value).strip().removesuffix(".0")
    if not text.isascii() or not text.isdigit():
        raise ValueError("not a ledger version (a whole number written by update-sheets)")
    return int(text)
