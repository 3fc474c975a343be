"""Target dates under governance, the domain side: a new date asked for and awaiting approval,
and its approval. Whether approval is required is the ledger's policy (`TargetPolicySet`),
checked by the application, which reads the policy record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from ledger.domain import events as ev
from ledger.domain.errors import InvalidInput, RuleViolation


class _Action(Protocol):
    ref: str
    due: date | None
    pending: ev.RescheduleRequested | None

    def check_effective(self, on: date, today: date, *, after: date | None = None,
                        after_what: str = "") -> None: ...

    def trigger(self, event_class: type[ev.LedgerEvent], **fields: Any) -> ev.LedgerEvent: ...

    def reschedule(self, due: date, on: date, today: date, *, actor: str, timestamp: datetime,
                   reason: str, approved_by: str | None = None) -> None: ...


class Rescheduling:
    """Mixin of actions: a pending request for a new target date, and its approval."""

    pending: ev.RescheduleRequested | None
    """The request awaiting approval, if any (set by the creation, cleared by a reschedule)."""

    def _on_RescheduleRequested(self, e: ev.RescheduleRequested) -> None:
        self.pending = e

    def request_reschedule(self: _Action, due: date, on: date, today: date, *, actor: str,
                           timestamp: datetime, reason: str) -> None:
        """Ask for a new target date; it takes effect only when approved."""
        if not reason or not reason.strip():
            raise InvalidInput(f"rescheduling {self.ref} needs a reason")
        if due == self.due:
            raise RuleViolation(f"{self.ref} is already due on {due}")
        if self.pending is not None and self.pending.due == due:
            raise RuleViolation(f"{self.ref}: {due} was already requested on "
                                f"{self.pending.effective}, awaiting approval")
        self.check_effective(on, today)
        self.trigger(ev.RescheduleRequested, effective=on, actor=actor, timestamp=timestamp,
                     due=due, reason=reason)

    def approve_reschedule(self: _Action, by: str, on: date, today: date, *, actor: str,
                           timestamp: datetime) -> None:
        """Approve the pending request: the target date moves to the requested one."""
        request = self.pending
        if request is None:
            raise RuleViolation(f"{self.ref} has no reschedule awaiting approval")
        if on < request.effective:
            raise RuleViolation(f"{self.ref}: approval dated {on}, before the request "
                                f"({request.effective})")
        self.reschedule(request.due, on, today, actor=actor, timestamp=timestamp,
                        reason=request.reason, approved_by=by)
