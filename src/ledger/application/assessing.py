"""The follow-up audit's commands: the auditor's finding on a recommendation or action (and, on
request, reopening what the officers had completed), and a revised assurance rating.

A finding is the auditor's view, recorded on the assessed record's own stream beside the
officers' statuses; it never changes them. Only `reopen` does, as ordinary reopenings recorded
in the same transaction, with the auditor's note as their reason.
"""

from __future__ import annotations

from datetime import date

from ledger.application.commands import command
from ledger.application.core import LedgerCore
from ledger.domain import events as ev
from ledger.domain.errors import InvalidInput, RuleViolation, UnknownRef
from ledger.domain.records import Action, Audit, Recommendation, Record
from ledger.domain.values import Logged


class Assessing(LedgerCore):
    """The commands of `Ledger` that record what a follow-up audit found."""

    def follow_up(self, ref: str) -> Audit:
        """The follow-up audit `ref`, refused if it is an audit that follows none."""
        audit = self.get(ref, Audit)
        if audit.follows is None:
            raise RuleViolation(f"{ref} is not a follow-up audit (add it with --kind follow-up "
                                "--follows AUDIT)")
        return audit

    @command
    def assess(self, ref: ev.Ref, *, by: ev.Ref, outcome: ev.Outcome, on: date, actor: ev.Name,
               note: ev.Text | None = None, reopen: bool = False) -> list[Logged]:
        """Record follow-up audit `by`'s finding on recommendation or action `ref`; with
        `reopen`, also reopen those of its actions the officers had completed (the note is the
        reason), all in one transaction."""
        now, today = self._now()
        audit = self.follow_up(by)
        target = self.find(ref)
        if target is None or target.retracted or not isinstance(target, Recommendation | Action):
            what = "nothing" if target is None or target.retracted else f"a {target.kind}"
            raise UnknownRef(f"no recommendation or action {ref} (it is {what})")
        audits = self._audits_of(target)
        if audit.follows not in audits:
            raise RuleViolation(f"{by} follows up {audit.follows}, but {ref} comes from "
                                f"{', '.join(audits) or 'no audit'}")
        if on < audit.created_on:
            raise RuleViolation(f"{ref}: finding dated {on}, before follow-up audit {by} "
                                f"({audit.created_on})")
        reopened = self._to_reopen(target, outcome, note) if reopen else []
        target.assess(by, outcome, on, today, actor=actor, timestamp=now, note=note)
        reason = f"{by} found {ref} {outcome.value}: {note}"
        for action in reopened:
            action.reopen(on, today, actor=actor, timestamp=now, reason=reason)
        return self._save(target, *(a for a in reopened if a is not target))

    @command
    def revise_assurance(self, ref: ev.Ref, *, area: ev.Name, rating: ev.Assurance, on: date,
                         actor: ev.Name) -> list[Logged]:
        """Record follow-up audit `ref`'s assurance rating for a scope area of the audit it
        follows (the rating before is the followed audit's)."""
        now, today = self._now()
        audit = self.follow_up(ref)
        name = self.scope_area(str(audit.follows), area, ref)
        audit.revise_assurance(name, rating, on, today, actor=actor, timestamp=now)
        return self._save(audit)

    def scope_area(self, followed: str, area: str, ref: str) -> str:
        """The followed audit's own name for `area` (matched whatever its case), refused if
        that audit lists scope areas and `area` is not one of them."""
        source = self.get(followed, Audit)
        wanted = " ".join(area.split())
        for name in source.areas:
            if name.casefold() == wanted.casefold():
                return name
        if source.areas:
            raise RuleViolation(f"{ref}: area {area!r} is not a scope area of {followed} "
                                f"({', '.join(source.areas)})")
        return wanted

    def _audits_of(self, target: Record) -> list[str]:
        if isinstance(target, Recommendation):
            return [target.audit]
        assert isinstance(target, Action)
        return list(dict.fromkeys(self.get(r, Recommendation).audit
                                  for r in target.recommendations))

    def _to_reopen(self, target: Record, outcome: ev.Outcome, note: str | None) -> list[Action]:
        """The completed actions a finding reopens: refused unless the finding is short of
        implemented, has a note (their reason) and some action is completed."""
        if not outcome.short_of:
            raise InvalidInput(f"--reopen goes with a finding of partially or not implemented, "
                               f"not {outcome.value}")
        if note is None:
            raise InvalidInput("--reopen needs --note: the auditor's words are the reason the "
                               "actions are reopened")
        actions = [target] if isinstance(target, Action) else self.actions_of(target.ref)
        done = [a for a in actions if a.status is ev.Status.COMPLETED]
        if not done:
            raise RuleViolation(f"nothing to reopen: no action of {target.ref} is completed")
        return done

    def actions_of(self, recommendation: str) -> list[Action]:
        """The actions serving a recommendation now (read from the log: the records keep the
        link on the action's side only)."""
        refs = dict.fromkeys(item.event.ref for item in self.stream()
                             if isinstance(item.event, ev.ActionAdded))
        found = []
        for ref in refs:
            action = self.find(ref)
            if (isinstance(action, Action) and not action.retracted
                    and recommendation in action.recommendations):
                found.append(action)
        return found
