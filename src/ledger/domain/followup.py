"""Follow-up audits, the domain side: a follow-up auditor's findings on a record, and the rules
for recording one. Which follow-up may assess what is checked by the application (it needs the
audits), here only what one record knows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from ledger.domain import events as ev
from ledger.domain.errors import RuleViolation


class _Record(Protocol):
    ref: str

    def check_effective(self, on: date, today: date, *, after: date | None = None,
                        after_what: str = "") -> None: ...

    def trigger(self, event_class: type[ev.LedgerEvent], **fields: Any) -> ev.LedgerEvent: ...


class Assessable:
    """Mixin of the records a follow-up audit may assess (recommendations, actions): the latest
    finding of each follow-up audit, kept beside the record's own state, never changing it."""

    findings: dict[str, ev.ImplementationAssessed]
    """The latest finding of each follow-up audit, by the audit's ref (set by the creation)."""

    def _on_ImplementationAssessed(self, e: ev.ImplementationAssessed) -> None:
        self.findings[e.by] = e

    def assess(self: _AssessableRecord, by: str, outcome: ev.Outcome, on: date, today: date, *,
               actor: str, timestamp: datetime, note: str | None = None) -> None:
        """Record a follow-up audit's finding; refused if it repeats that audit's latest one or
        is dated before it."""
        earlier = self.findings.get(by)
        if earlier is not None and earlier.outcome is outcome and earlier.note == note:
            raise RuleViolation(f"{by} already found {self.ref} {outcome.value} (on "
                                f"{earlier.effective})")
        self.check_effective(on, today, after=earlier.effective if earlier else None,
                             after_what=f"{by}'s earlier finding on it")
        self.trigger(ev.ImplementationAssessed, effective=on, actor=actor, timestamp=timestamp,
                     by=by, outcome=outcome, note=note)


class _AssessableRecord(_Record, Protocol):
    findings: dict[str, ev.ImplementationAssessed]
