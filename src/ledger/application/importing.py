"""The import use case: bring the ledger to an action plan, all or nothing.

Each row is one action. Recommendations and actions the ledger lacks are added; for those it has,
a changed status, owner or target date records exactly the matching event, and a new note is
added once. Every problem in the file is reported in one go, and then nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ledger.application.ledger import Ledger
from ledger.application.plan_file import Cell, Plan
from ledger.application.plan_lines import Line, LineReader, Problems
from ledger.domain import events as ev
from ledger.domain.errors import DependenciesNotMet, LedgerError, PlanRefused
from ledger.domain.records import Action, Recommendation
from ledger.domain.values import LOCAL_TZ, Logged


@dataclass
class Outcome:
    """What an import recorded (or would record), and what stopped it."""

    recorded: list[Logged] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportOptions:
    """How to read a plan's words: `--status-map` and `--priority`."""

    status_map: dict[str, ev.Status] = field(default_factory=dict)
    priority: ev.Priority | None = None
    status_as_at: date | None = None
    """The day the file's statuses describe (for rows without a status date)."""


def import_plan(app: Ledger, plan: Plan, *, actor: str, audit: str | None = None,
                on: date | None = None, dry_run: bool = False,
                tick: Callable[[], None] = lambda: None,
                options: ImportOptions | None = None) -> Outcome:
    """Bring `app` to `plan` in one transaction; with errors (or `dry_run`) nothing is saved.

    `tick` is called once per row read and once per row applied (a progress bar's step).
    """
    options = options or ImportOptions()
    now = app.clock()
    today = now.astimezone(LOCAL_TZ).date()
    problems = Problems()
    outcome = Outcome(warnings=problems.warnings, readings=problems.readings)
    # One import is recorded at one instant, the time it started: its events are saved in the
    # order of its commands, and recorded times must rise with position.
    try:
        with app.transaction(dry_run=dry_run, at=now) as recorded:
            lines = LineReader(app, plan, audit, problems, tick, options.status_map,
                               options.priority).read()
            _Reconciler(app, plan, actor, on, today, problems, tick,
                        options.status_as_at).run(lines)
            if problems.errors or problems.unmapped:
                raise PlanRefused(problems.listed())  # leaves the transaction: nothing is saved
    except PlanRefused as refused:
        outcome.errors = refused.problems
    else:
        outcome.recorded = list(recorded)
    return outcome


@dataclass
class _Reconciler:
    """Brings each recommendation and action of the ledger to the plan's lines."""

    app: Ledger
    plan: Plan
    actor: str
    on: date | None
    today: date
    problems: Problems
    tick: Callable[[], None]
    status_as_at: date | None = None
    failed: set[str] = field(default_factory=set)

    @property
    def reason(self) -> str:
        """The reason given for each change the import records."""
        return f"imported from {self.plan.name}"

    def error(self, cell: Cell | None, why: str, value: object = None) -> None:
        """An error at `cell`, with the value it is about."""
        self.problems.error(cell, why, value)

    def warn(self, cell: Cell, why: str) -> None:
        """A warning about `cell`."""
        self.problems.warn(cell, why)

    def when(self, line: Line) -> date:
        """The effective date of the row's changes: its status date, else --status-as-at, else
        --on, else today."""
        return line.status_date or self.status_as_at or self.on or self.today

    def added_on(self, line: Line) -> date:
        """When the row's records are added: --on (else its status date), or its start date
        when that is earlier (an action exists before it starts)."""
        on = self.on or self.when(line)
        return min(on, line.start_date) if line.start_date else on

    def run(self, lines: list[Line]) -> None:
        """Check or create the recommendations, add the missing actions, then update each."""
        recs = self._recommendations(lines)
        lines = [ln for ln in lines if ln.action]
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

    # -- recommendations -----------------------------------------------------------------------
    def _recommendations(self, lines: list[Line]) -> set[str]:
        """Check or create each recommendation; return the refs that rows may use."""
        groups: dict[str, list[Line]] = {}
        for line in lines:
            groups.setdefault(line.recommendation, []).append(line)
        usable: set[str] = set()
        for ref, group in groups.items():
            found = self.app.find(ref)
            if found is not None and not isinstance(found, Recommendation):
                self.error(group[0].cell("recommendation_ref"), f"{ref} is a"
                           f"{'n' if found.kind[0] in 'aeiou' else ''} {found.kind} in the "
                           "ledger, not a recommendation", ref)
            elif isinstance(found, Recommendation):
                if self._matches(found, group):
                    usable.add(ref)
            elif self._add_recommendation(ref, group):
                usable.add(ref)
        return usable

    def _matches(self, found: Recommendation, group: list[Line]) -> bool:
        """Whether the rows agree with the recommendation in the ledger on its audit; other
        differences are kept as the ledger has them, with a warning."""
        first, ref = group[0], found.ref
        ref_cell = first.cell("recommendation_ref")
        bad = [ln for ln in group if ln.audit != found.audit]
        for ln in bad:
            self.error(ln.cell("audit") if not ln.cell("audit").empty else ref_cell,
                       f"recommendation {ref} belongs to audit {found.audit}, not "
                       f"{ln.audit}", ln.audit if not ln.cell("audit").empty else ref)
        if bad:
            return False
        if first.rec_text and _same(first.rec_text) != _same(found.text) \
                and first.rec_text_cell is not None:
            self.warn(first.rec_text_cell, f"differs from {ref}'s words in the ledger, "
                      "which are kept (no event changes them)")
        if first.rec_priority and first.rec_priority is not found.priority \
                and first.priority_cell is not None:
            self.warn(first.priority_cell, f"{ref} is {found.priority.value} in the "
                      "ledger, which is kept (no event changes a priority)")
        return True

    def _add_recommendation(self, ref: str, group: list[Line]) -> bool:
        """Add a recommendation the ledger lacks, from the first of its rows."""
        first = group[0]
        audits = {ln.audit for ln in group}
        if len(audits) > 1:
            for ln in group[1:]:
                if ln.audit != first.audit:
                    self.error(ln.cell("audit"), f"recommendation {ref} is given audit "
                               f"{first.audit} on row {first.row.number}", ln.audit)
            return False
        missing = False
        if not first.rec_text:
            self.error(first.cell("recommendation"), f"recommendation {ref} is new: give its words")
            missing = True
        if first.rec_priority is None:
            self.error(first.cell("priority"), f"recommendation {ref} is new: give its "
                       "priority (" + ", ".join(p.value for p in ev.Priority) + "), or "
                       "--priority for those the plan gives none")
            missing = True
        if missing:
            return False
        assert first.rec_text is not None and first.rec_priority is not None
        on = min(self.added_on(ln) for ln in group)
        try:
            self.app.add_recommendation(ref, audit=first.audit, text=first.rec_text,
                                        priority=first.rec_priority, on=on, actor=self.actor)
            return True
        except LedgerError as e:
            self.error(first.cell("recommendation_ref"), str(e), ref)
            return False

    # -- actions -------------------------------------------------------------------------------
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
                                depends_on=list(line.depends_on), on=self.added_on(line),
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
        if not created and line.version is not None and line.version != action.version:
            self.error(line.cell("version"), f"{line.action} changed in the ledger since this "
                       f"sheet was written (version {line.version}, now {action.version}): "
                       "write a new one with ledger update-sheets")
            return True
        if not created:
            self._compare(line, action)
            try:
                if line.owner and line.owner != action.owner:
                    self.app.assign_action(line.action, owner=line.owner, on=on,
                                           reason=self.reason, actor=self.actor)
            except LedgerError as e:
                self.error(line.cell("owner"), str(e))
            try:
                waiting = action.pending is not None and action.pending.due == line.due
                if line.due and line.due != action.due and not waiting:
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
                started = min(on, line.start_date) if line.start_date else on
                self.app.start_action(line.action, on=started, note=self.reason,
                                      actor=self.actor)
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
