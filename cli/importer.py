"""`ledger import`: bring the ledger to an action plan spreadsheet, all or nothing.

Each row is one action. Recommendations and actions the ledger lacks are added; for those it has,
a changed status, owner or target date records exactly the matching event, and a new note is
added once. Every problem in the file is reported in one go, and then nothing is recorded.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ledger.application import Ledger
from ledger.application.plan_file import (
    Cell,
    Plan,
    PlanFileError,
    PlanRow,
    parse_date,
    parse_priority,
    parse_refs,
    parse_status,
    parse_yes_no,
    read_plan,
)
from ledger.cli.common import DATE, LedgerClickError, Session, echo_recorded, pass_session
from ledger.domain import events as ev
from ledger.domain.errors import DependenciesNotMet, LedgerError
from ledger.domain.records import Action, Audit, Recommendation
from ledger.domain.values import LOCAL_TZ, Logged
from ledger.projections.describe import summary

PROGRESS_ROWS = 300
"""Files with more data rows than this get a progress bar (on a terminal)."""


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
class Outcome:
    """What an import recorded (or would record), and what stopped it."""

    recorded: list[Logged] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Refused(Exception):
    """Raised inside the transaction so that nothing is saved."""


@dataclass
class _Importer:
    app: Ledger
    plan: Plan
    actor: str
    audit: str | None
    on: date | None
    today: date
    tick: Callable[[], None]
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)

    @property
    def reason(self) -> str:
        return f"imported from {self.plan.name}"

    def error(self, cell: Cell | None, why: str, value: Any = None) -> None:
        if cell is None:
            self.errors.append((0, "", why))
        else:
            self.errors.append((cell.row, f"{len(cell.letter):03}{cell.letter}",
                                cell.problem(why, value)))

    def warn(self, cell: Cell, why: str) -> None:
        self.warnings.append(cell.problem(why))

    # -- reading the rows ----------------------------------------------------------------------
    def parse(self) -> list[Line]:
        if self.audit is None and "audit" not in self.plan.columns:
            self.error(None, f"{self.plan.name}: which audit? give --audit REF, or an Audit column")
        lines: list[Line] = []
        seen: dict[str, int] = {}
        previous: Line | None = None
        checked_audits: dict[str, bool] = {}
        for row in self.plan.rows:
            self.tick()
            line, ok = self._parse_row(row, previous, seen, checked_audits)
            if ok:
                lines.append(line)
            previous = line
        return lines

    def _ref(self, cell: Cell, text: str | None = None) -> str | None:
        text = cell.text if text is None else text
        if not text:
            self.error(cell, "missing")
            return None
        try:
            return ev.check_ref(text)
        except ValueError as e:
            why = str(e).removeprefix(f"{text!r} ").replace("is not", "not", 1)
            self.error(cell, why, text)
            return None

    def _audit_ok(self, ref: str, cell: Cell | None, checked: dict[str, bool]) -> bool:
        if ref not in checked:
            try:
                self.app.get(ref, Audit)
                checked[ref] = True
            except LedgerError as e:
                checked[ref] = False
                if cell is None:
                    self.error(None, f"--audit {ref!r}: {e}")
                else:
                    self.error(cell, str(e))
        return checked[ref]

    def _parse_row(self, row: PlanRow, previous: Line | None, seen: dict[str, int],
                   checked_audits: dict[str, bool]) -> tuple[Line, bool]:
        before = len(self.errors)
        # The audit: the row's own, the row above's (merged cells), or --audit.
        audit_cell = row.cell("audit")
        audit: str | None = None
        if not audit_cell.empty:
            audit = self._ref(audit_cell)
            if audit is not None and not self._audit_ok(audit, audit_cell, checked_audits):
                audit = None
        elif previous is not None and "audit" in self.plan.columns:
            audit = previous.audit
        elif self.audit is not None:
            audit = self.audit if self._audit_ok(self.audit, None, checked_audits) else None
        elif "audit" in self.plan.columns:
            self.error(audit_cell, "no audit for this row: give one, or --audit REF")
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
                self.error(row.cell("action_ref"), f"the same action as row {seen[action]}")
                action = None
            else:
                seen[action] = row.number
        line = Line(row, audit or "", rec or "", action or "")
        if inherited and previous is not None:
            line.rec_text, line.rec_text_cell = previous.rec_text, previous.rec_text_cell
            line.priority, line.priority_cell = previous.priority, previous.priority_cell
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
        delivered = self._value(row.cell("delivered"), parse_yes_no)
        if delivered is not None:
            said = line.status
            if delivered and said not in (None, ev.Status.COMPLETED):
                assert said is not None
                self.error(row.cell("delivered"), f"says delivered, but the status "
                           f"({row.cell('status').where}) is {said.value.replace('_', ' ')}")
            elif not delivered and said is ev.Status.COMPLETED:
                self.error(row.cell("delivered"), f"says not delivered, but the status "
                           f"({row.cell('status').where}) is completed")
            elif delivered:
                line.status = ev.Status.COMPLETED
            elif said is None:
                line.not_completed = True
        deps = [self._ref(row.cell("depends_on"), dep)
                for dep in parse_refs(row.cell("depends_on").value)]
        line.depends_on = tuple(dict.fromkeys(d for d in deps if d is not None))
        line.note = row.text("notes") or None
        # A row whose recommendation or audit comes from a faulty row above is skipped quietly.
        return line, len(self.errors) == before and bool(line.audit and line.recommendation
                                                         and line.action)

    def _value(self, cell: Cell, parse: Callable[[Any], Any]) -> Any:
        if cell.empty:
            return None
        try:
            return parse(cell.value)
        except ValueError as e:
            self.error(cell, str(e))
            return None

    # -- applying them -------------------------------------------------------------------------
    def when(self, line: Line) -> date:
        """The effective date of the row's changes: its status date, else --on, else today."""
        return line.status_date or self.on or self.today

    def run(self, lines: list[Line]) -> None:
        recs = self._recommendations(lines)
        created = self._create_actions([ln for ln in lines if ln.recommendation in recs])
        ordered = sorted((ln for ln in lines if ln.recommendation in recs
                          and ln.action not in self.failed),
                         key=lambda ln: (self.when(ln), ln.row.number))
        waiting: list[Line] = []
        for line in ordered:
            self.tick()
            if not self._update(line, line.action in created):
                waiting.append(line)
        # A status change waiting on something a later row of the same day finishes: retry.
        while waiting:
            still = [ln for ln in waiting if not self._status(ln, final=False)]
            if len(still) == len(waiting):
                for ln in still:
                    self._status(ln, final=True)
                break
            waiting = still

    def _recommendations(self, lines: list[Line]) -> set[str]:
        """Check or create each recommendation; return the refs that rows may use."""
        usable: set[str] = set()
        groups: dict[str, list[Line]] = {}
        for line in lines:
            groups.setdefault(line.recommendation, []).append(line)
        for ref, group in groups.items():
            first = group[0]
            ref_cell = first.cell("recommendation_ref")
            found = self.app.find(ref)
            if found is not None and not isinstance(found, Recommendation):
                self.error(ref_cell, f"{ref} is a{'n' if found.kind[0] in 'aeiou' else ''} "
                           f"{found.kind} in the ledger, not a recommendation", ref)
                continue
            if isinstance(found, Recommendation):
                bad = [ln for ln in group if ln.audit != found.audit]
                for ln in bad:
                    self.error(ln.cell("audit") if not ln.cell("audit").empty else ref_cell,
                               f"recommendation {ref} belongs to audit {found.audit}, not "
                               f"{ln.audit}", ln.audit if not ln.cell("audit").empty else ref)
                if bad:
                    continue
                if first.rec_text and _same(first.rec_text) != _same(found.text) \
                        and first.rec_text_cell is not None:
                    self.warn(first.rec_text_cell, f"differs from {ref}'s words in the ledger, "
                              "which are kept (no event changes them)")
                if first.priority and first.priority is not found.priority \
                        and first.priority_cell is not None:
                    self.warn(first.priority_cell, f"{ref} is {found.priority.value} in the "
                              "ledger, which is kept (no event changes a priority)")
                usable.add(ref)
                continue
            audits = {ln.audit for ln in group}
            if len(audits) > 1:
                for ln in group[1:]:
                    if ln.audit != first.audit:
                        self.error(ln.cell("audit"), f"recommendation {ref} is given audit "
                                   f"{first.audit} on row {first.row.number}", ln.audit)
                continue
            missing = False
            if not first.rec_text:
                self.error(first.cell("recommendation"),
                           f"recommendation {ref} is new: give its words")
                missing = True
            if first.priority is None:
                self.error(first.cell("priority"), f"recommendation {ref} is new: give its "
                           "priority (" + ", ".join(p.value for p in ev.Priority) + ")")
                missing = True
            if missing:
                continue
            assert first.rec_text is not None and first.priority is not None
            on = self.on or min(self.when(ln) for ln in group)
            try:
                self.app.add_recommendation(ref, audit=first.audit, text=first.rec_text,
                                            priority=first.priority, on=on, actor=self.actor)
                usable.add(ref)
            except LedgerError as e:
                self.error(ref_cell, str(e), ref)
        return usable

    def _create_actions(self, lines: list[Line]) -> set[str]:
        """Add the actions the ledger lacks, each after the new actions it depends on."""
        new: dict[str, Line] = {}
        for line in lines:
            found = self.app.find(line.action)
            if found is None:
                new[line.action] = line
            elif not isinstance(found, Action):
                self.error(line.cell("action_ref"), f"{line.action} is a"
                           f"{'n' if found.kind[0] in 'aeiou' else ''} {found.kind} in the "
                           "ledger, not an action")
                self.failed.add(line.action)
        created: set[str] = set()
        pending = list(new.values())
        while pending:
            later = []
            for line in pending:
                if any(d in self.failed for d in line.depends_on if d in new):
                    self.failed.add(line.action)  # its dependency's row has the error
                elif any(d in new and d not in created for d in line.depends_on):
                    later.append(line)
                elif self._add(line):
                    created.add(line.action)
            if len(later) == len(pending):
                for line in later:
                    cycle = [d for d in line.depends_on if d in new and d not in created]
                    self.error(line.cell("depends_on"), f"{line.action} and {', '.join(cycle)} "
                               "depend on each other (a cycle)")
                    self.failed.add(line.action)
                break
            pending = later
        return created

    def _add(self, line: Line) -> bool:
        if not line.text:
            self.error(line.cell("action"), f"action {line.action} is new: give its words")
            self.failed.add(line.action)
            return False
        try:
            self.app.add_action(line.action, recommendations=[line.recommendation],
                                text=line.text, owner=line.owner, due=line.due,
                                depends_on=list(line.depends_on), on=self.on or self.when(line),
                                actor=self.actor)
            return True
        except LedgerError as e:
            self.error(line.cell("action_ref"), str(e))
            self.failed.add(line.action)
            return False

    def _update(self, line: Line, created: bool) -> bool:
        """Bring an action to its row; False when its status change must wait for another row."""
        action = self.app.get(line.action, Action)
        on = self.when(line)
        if not created:
            self._compare(line, action)
            try:
                if line.owner and line.owner != action.owner:
                    self.app.assign_action(line.action, owner=line.owner, on=on,
                                           reason=self.reason, actor=self.actor)
            except LedgerError as e:
                self.error(line.cell("owner"), str(e))
            try:
                if line.due and line.due != action.due:
                    self.app.reschedule_action(line.action, due=line.due, on=on,
                                               reason=self.reason, actor=self.actor)
            except LedgerError as e:
                self.error(line.cell("target_date"), str(e))
        done = self._status(line, final=False)
        try:
            if line.note and _same(line.note) not in {_same(n) for n in action.notes}:
                self.app.note_action(line.action, line.note, on=on, actor=self.actor)
        except LedgerError as e:
            self.error(line.cell("notes"), str(e))
        return done

    def _compare(self, line: Line, action: Action) -> None:
        """Differences the ledger records no event for: a wrong recommendation is an error,
        other words are kept with a warning."""
        if line.recommendation not in action.recommendations:
            self.error(line.cell("recommendation_ref"), f"action {line.action} is for "
                       f"{', '.join(action.recommendations)} in the ledger",
                       line.recommendation)
        if line.text and _same(line.text) != _same(action.text):
            self.warn(line.cell("action"), f"differs from {line.action}'s words in the "
                      "ledger, which are kept (no event changes them)")
        if line.depends_on and set(line.depends_on) != set(action.depends_on):
            had = ", ".join(action.depends_on) or "nothing"
            self.warn(line.cell("depends_on"), f"{line.action} depends on {had} in the ledger, "
                      "which is kept (no event changes dependencies)")

    def _status(self, line: Line, *, final: bool) -> bool:
        """Record the start / complete / reopen the row's status needs; False to retry later."""
        action = self.app.get(line.action, Action)
        cell = line.cell("status") if not line.cell("status").empty else line.cell("delivered")
        target = line.status
        current = action.status
        if line.not_completed and current is ev.Status.COMPLETED:
            target = ev.Status.IN_PROGRESS
        if target is None or target is current:
            return True
        on = self.when(line)
        if target is ev.Status.NOT_STARTED:
            self.error(cell, f"{line.action} is {current.value.replace('_', ' ')} in the ledger "
                       f"(since {action.status_on}); an action cannot go back to not started")
            return True
        try:
            if current is ev.Status.NOT_STARTED:
                self.app.start_action(line.action, on=on, note=self.reason, actor=self.actor)
            elif current is ev.Status.COMPLETED:
                self.app.reopen_action(line.action, on=on, reason=self.reason, actor=self.actor)
            if target is ev.Status.COMPLETED:
                self.app.complete_action(line.action, on=on, evidence=self.reason,
                                         actor=self.actor)
        except DependenciesNotMet as e:
            if not final:
                return False
            self.error(cell, str(e))
        except LedgerError as e:
            self.error(cell, str(e))
        return True


def _same(text: str) -> str:
    return " ".join(text.split())


def import_plan(app: Ledger, plan: Plan, *, actor: str, audit: str | None = None,
                on: date | None = None, dry_run: bool = False,
                tick: Callable[[], None] = lambda: None) -> Outcome:
    """Bring `app` to `plan` in one transaction; with errors (or `dry_run`) nothing is saved."""
    now = app.clock()
    today = now.astimezone(LOCAL_TZ).date()
    importer = _Importer(app, plan, actor, audit, on, today, tick)
    outcome = Outcome()
    # One import is recorded at one instant: the transaction saves its events record by
    # record, so times that rose from command to command would not rise with position.
    clock, app.clock = app.clock, lambda: now
    try:
        with app.transaction(dry_run=dry_run) as recorded:
            lines = importer.parse()
            importer.run(lines)
            if importer.errors:
                raise _Refused
    except _Refused:
        pass
    else:
        outcome.recorded = list(recorded)
    finally:
        app.clock = clock
    outcome.errors = [text for *_, text in sorted(importer.errors, key=lambda e: e[:2])]
    outcome.warnings = importer.warnings
    return outcome


@click.command("import")
@click.argument("path", metavar="PLAN.xlsx|PLAN.csv")
@click.option("--audit", metavar="REF", help="The audit every row belongs to (it must exist), "
              "unless the file has an Audit column.")
@click.option("--sheet", metavar="NAME", help="The worksheet to read (default: the first).")
@click.option("--on", "on", type=DATE, help="Effective date of what the rows add, and of changes "
              "on rows without a status date (default: the status date, else today).")
@click.option("--dry-run", is_flag=True, help="Print the events it would record; record none.")
@pass_session
def command(session: Session, path: str, audit: str | None, sheet: str | None,
            on: date | None, dry_run: bool) -> None:
    """Bring the ledger to an action plan spreadsheet: one row per action, all or nothing.

    Adds the recommendations and actions the ledger lacks; records a changed status, owner or
    target date as its own event (reason "imported from FILE"); importing the same file again
    records nothing. Every error in the file is listed (sheet!cell, column, value, why), and
    then nothing is recorded.

    \b
    Examples:
      ledger --actor "J Smith" import plan.xlsx --audit IA-2016 --dry-run
      ledger --actor "J Smith" import plan.csv --audit IA-2016 --on 2016-07-01
    """
    actor = session.who()
    try:
        plan = read_plan(path, sheet)
    except PlanFileError as e:
        _refuse(e.problems, os.path.basename(path))
    app = session.ledger(write=not dry_run)
    console = Console(stderr=True)
    show = len(plan.rows) > PROGRESS_ROWS and console.is_terminal
    with Progress(TextColumn("importing {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=not show) as progress:
        task = progress.add_task(plan.name, total=2 * len(plan.rows))
        outcome = import_plan(app, plan, actor=actor, audit=audit, on=on, dry_run=dry_run,
                              tick=lambda: progress.advance(task))
    for ignored in plan.ignored:
        click.echo(f"warning: {ignored}: not a column the importer knows; ignored", err=True)
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    if outcome.errors:
        _refuse(outcome.errors, plan.name)
    if dry_run:
        for item in outcome.recorded:
            event = item.event
            click.echo(f"would record {event.ref}: {summary(event)} (effective "
                       f"{event.effective}, by {event.actor})")
        click.echo(f"dry run: {len(outcome.recorded)} events from {plan.name} "
                   f"({len(plan.rows)} rows); nothing recorded")
        return
    if not outcome.recorded:
        click.echo(f"nothing to record: the ledger already matches {plan.name} "
                   f"({len(plan.rows)} rows)")
    echo_recorded(outcome.recorded, app)


def _refuse(errors: list[str], name: str) -> NoReturn:
    if len(errors) == 1:
        raise LedgerClickError(f"{errors[0]}; nothing recorded", 1)
    for line in errors:
        click.echo(line, err=True)
    raise LedgerClickError(f"{name}: {len(errors)} errors (listed above); nothing recorded", 1)
