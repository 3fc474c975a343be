"""Target dates under governance: the ledger's policy (an event, so a report as at a date uses
the policy in force then), and approving a requested new date."""

from __future__ import annotations

from datetime import date

from ledger.application.commands import command
from ledger.application.core import LedgerCore
from ledger.domain import events as ev
from ledger.domain.errors import RuleViolation
from ledger.domain.records import Action, TargetPolicy
from ledger.domain.values import Logged


class Governing(LedgerCore):
    """The commands of `Ledger` on the target-date policy and on approvals."""

    def target_policy(self) -> TargetPolicy | None:
        """The policy in force now, or None when none was ever set (the defaults apply)."""
        found = self.find(ev.POLICY_REF)
        return found if isinstance(found, TargetPolicy) and not found.retracted else None

    @command
    def set_target_policy(self, *, on: date, actor: ev.Name, revised_counts_overdue: bool = True,
                          max_revisions: int | None = None,
                          approval_required: bool = False) -> list[Logged]:
        """Set the ledger's target-date policy, in force from `on`."""
        now, today = self._now()
        fields = {"revised_counts_overdue": revised_counts_overdue,
                  "max_revisions": max_revisions, "approval_required": approval_required}
        policy = self.target_policy()
        if policy is None:
            self._check_new(ev.POLICY_REF)
            if on > today:
                raise RuleViolation(f"policy: effective date {on} is in the future "
                                    f"(today is {today})")
            policy = TargetPolicy.create(ev.POLICY_REF, effective=on, actor=actor,
                                         timestamp=now, **fields)
        else:
            policy.set(on, today, actor=actor, timestamp=now, **fields)
        return self._save(policy)

    @command
    def approve_reschedule(self, ref: ev.Ref, *, by: ev.Name, on: date,
                           actor: ev.Name) -> list[Logged]:
        """Approve action `ref`'s pending request for a new target date (approved by `by`)."""
        now, today = self._now()
        action = self.get(ref, Action)
        action.approve_reschedule(by, on, today, actor=actor, timestamp=now)
        return self._save(action)
