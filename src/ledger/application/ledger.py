"""The ledger application: typed commands that validate, apply the rules and save atomically.

Each command loads the records it needs, checks every rule, and saves all resulting events in one
`save()`: one transaction, so a refused or failed command records nothing. Library errors are
re-raised as `LedgerError`s (`validation`, `store_errors`); only the CLI turns those into exit
codes. Reading the log is `reading.LedgerLog`'s; transactions are the `unit_of_work`'s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from ledger.application.amending import Amending
from ledger.application.assessing import Assessing
from ledger.application.commands import command
from ledger.application.core import _article
from ledger.application.targets import Governing
from ledger.domain import events as ev
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import (
    DependenciesNotMet,
    InvalidInput,
    RuleViolation,
    UnknownRef,
)
from ledger.domain.records import (
    Action,
    Audit,
    Meeting,
    Milestone,
    Recommendation,
    blockers,
)
from ledger.domain.values import Logged


class Ledger(Amending, Assessing, Governing):
    """The record of audits, recommendations, actions, milestones, meetings and resolutions."""

    # -- commands -----------------------------------------------------------------------------
    @command
    def add_audit(self, ref: ev.Ref, *, title: ev.Text, kind: ev.AuditKind, on: date,
                  areas: dict[ev.Name, ev.Assurance] | None = None, actor: ev.Name,
                  follows: ev.Ref | None = None) -> list[Logged]:
        """Record an audit or assessment (its date is `on`) with its scope areas and ratings;
        a follow-up audit `follows` an earlier one and rates that audit's scope areas."""
        now, today = self._now()
        if on > today:
            raise RuleViolation(f"{ref}: audit date {on} is in the future (today is {today})")
        self._check_new(ref)
        areas = self._follow_up_areas(ref, kind, follows, on, areas or {})
        audit = Audit.create(ref, effective=on, actor=actor, timestamp=now, title=title,
                             kind=kind, areas=areas, follows=follows)
        return self._save(audit)

    def _follow_up_areas(self, ref: str, kind: ev.AuditKind, follows: str | None, on: date,
                         areas: dict[str, ev.Assurance]) -> dict[str, ev.Assurance]:
        """Check a follow-up's link to the audit it follows; its areas named as that audit's."""
        if (kind is ev.AuditKind.FOLLOW_UP) != (follows is not None):
            raise InvalidInput(f"{ref}: a follow-up audit names the audit it --follows, and "
                               "only a follow-up does")
        if follows is None:
            return areas
        followed = self.get(follows, Audit)
        if on < followed.created_on:
            raise RuleViolation(f"{ref}: dated {on}, before {follows} ({followed.created_on}), "
                                "which it follows up")
        return {self.scope_area(follows, name, ref): rating for name, rating in areas.items()}

    @command
    def add_recommendation(self, ref: ev.Ref, *, audit: ev.Ref, text: ev.Text,
                           priority: ev.Priority, on: date, actor: ev.Name,
                           area: ev.Name | None = None,
                           response: ev.Response = ev.Response.ACCEPTED,
                           risk_accepted_by: ev.Name | None = None) -> list[Logged]:
        """Record a recommendation made by an audit (and who accepted the risk, if anyone)."""
        now, today = self._now()
        source = self.get(audit, Audit)
        self._check_new(ref)
        if on > today:
            raise RuleViolation(f"{ref}: effective date {on} is in the future (today is {today})")
        if on < source.created_on:
            raise RuleViolation(
                f"{ref}: effective date {on} is before audit {audit} ({source.created_on})"
            )
        if area is not None and source.areas and area not in source.areas:
            raise RuleViolation(
                f"{ref}: area {area!r} is not a scope area of {audit} "
                f"({', '.join(source.areas)})"
            )
        rec = Recommendation.create(ref, effective=on, actor=actor, timestamp=now, audit=audit,
                                    text=text, priority=priority, area=area, response=response,
                                    risk_accepted_by=risk_accepted_by)
        rec.check_risk()
        return self._save(rec)

    @command
    def add_action(self, ref: ev.Ref, *, recommendations: Sequence[ev.Ref], text: ev.Text,
                   on: date, actor: ev.Name, owner: ev.Name | None = None,
                   due: date | None = None, depends_on: Sequence[ev.Ref] = ()) -> list[Logged]:
        """Add an action for one or more recommendations, with its dependencies."""
        now, today = self._now()
        if not recommendations:
            raise InvalidInput(f"{ref}: an action needs at least one recommendation")
        recs = [self.get(r, Recommendation) for r in dict.fromkeys(recommendations)]
        self._check_new(ref)
        for dep in dict.fromkeys(depends_on):
            if dep == ref:
                raise RuleViolation(f"{ref} cannot depend on itself")
            target = self.find(dep)
            if target is None:
                raise UnknownRef(f"{ref} depends on {dep}, which does not exist")
            if not isinstance(target, Action | Milestone):
                raise UnknownRef(
                    f"{ref} depends on {dep}, which is {_article(target.kind)} {target.kind}, "
                    "not an action or a milestone"
                )
        if on > today:
            raise RuleViolation(f"{ref}: effective date {on} is in the future (today is {today})")
        for rec in recs:
            if on < rec.created_on:
                raise RuleViolation(
                    f"{ref}: effective date {on} is before recommendation {rec.ref} was made "
                    f"({rec.created_on})"
                )
        action = Action.create(ref, effective=on, actor=actor, timestamp=now,
                               recommendations=tuple(dict.fromkeys(recommendations)), text=text,
                               owner=owner, due=due, depends_on=tuple(dict.fromkeys(depends_on)))
        return self._save(action)

    def blockers(self, action: Action, on: date) -> list[str]:
        """What `action` still waits on at `on`: each unmet dependency with its state."""
        return blockers(action, on, self.find)

    @command
    def start_action(self, ref: ev.Ref, *, on: date, actor: ev.Name,
                     note: ev.Text | None = None) -> list[Logged]:
        """Start an action; refused while anything it depends on is unfinished."""
        now, today = self._now()
        action = self.get(ref, Action)
        waiting = self.blockers(action, on)
        if waiting and action.status is ev.Status.NOT_STARTED:
            raise DependenciesNotMet(f"cannot start {ref}: it waits on {', '.join(waiting)}")
        action.start(on, today, actor=actor, timestamp=now, note=note)
        return self._save(action)

    @command
    def complete_action(self, ref: ev.Ref, *, on: date, actor: ev.Name,
                        evidence: ev.Text | None = None) -> list[Logged]:
        """Complete an action that is in progress."""
        now, today = self._now()
        action = self.get(ref, Action)
        action.complete(on, today, actor=actor, timestamp=now, evidence=evidence)
        return self._save(action)

    @command
    def reopen_action(self, ref: ev.Ref, *, on: date, reason: str, actor: ev.Name) -> list[Logged]:
        """Reopen a completed action, with a reason."""
        now, today = self._now()
        action = self.get(ref, Action)
        action.reopen(on, today, actor=actor, timestamp=now, reason=reason)
        return self._save(action)

    @command
    def assign_action(self, ref: ev.Ref, *, owner: ev.Name, on: date, actor: ev.Name,
                      reason: ev.Text | None = None) -> list[Logged]:
        """Give an action a new owner."""
        now, today = self._now()
        action = self.get(ref, Action)
        action.assign(owner, on, today, actor=actor, timestamp=now, reason=reason)
        return self._save(action)

    @command
    def reschedule_action(self, ref: ev.Ref, *, due: date, on: date, reason: str,
                          actor: ev.Name, approved_by: ev.Name | None = None) -> list[Logged]:
        """Change an action's target date, with a reason (and who approved it); when the
        policy requires approval and none is given, record a request awaiting approval."""
        now, today = self._now()
        action = self.get(ref, Action)
        policy = self.target_policy()
        if approved_by is None and policy is not None and policy.approval_required:
            action.request_reschedule(due, on, today, actor=actor, timestamp=now, reason=reason)
        else:
            action.reschedule(due, on, today, actor=actor, timestamp=now, reason=reason,
                              approved_by=approved_by)
        return self._save(action)

    @command
    def note_action(self, ref: ev.Ref, text: ev.Text, *, on: date, actor: ev.Name,
                    personal: bool = False) -> list[Logged]:
        """Add a note to an action (`personal`: about the people it names)."""
        now, today = self._now()
        action = self.get(ref, Action)
        action.note(text, on, today, actor=actor, timestamp=now, personal=personal)
        return self._save(action)

    @command
    def add_milestone(self, ref: ev.Ref, *, text: ev.Text, on: date,
                      actor: ev.Name) -> list[Logged]:
        """Record a milestone that actions may wait on."""
        now, today = self._now()
        if on > today:
            raise RuleViolation(f"{ref}: effective date {on} is in the future (today is {today})")
        self._check_new(ref)
        return self._save(Milestone.create(ref, effective=on, actor=actor, timestamp=now,
                                           text=text))

    @command
    def achieve_milestone(self, ref: ev.Ref, *, on: date, actor: ev.Name,
                          note: ev.Text | None = None) -> list[Logged]:
        """Mark a milestone achieved."""
        now, today = self._now()
        milestone = self.get(ref, Milestone)
        milestone.achieve(on, today, actor=actor, timestamp=now, note=note)
        return self._save(milestone)

    @command
    def add_meeting(self, ref: ev.Ref, *, committee: ev.Name, on: date,
                    actor: ev.Name) -> list[Logged]:
        """Record a committee meeting, held on `on` (a future date schedules it)."""
        now, today = self._now()
        self._check_new(ref)
        meeting = Meeting.create(ref, effective=min(on, today), actor=actor, timestamp=now,
                                 committee=committee, held_on=on)
        return self._save(meeting)

    @command
    def add_resolution(self, meeting: ev.Ref, number: int, *, text: ev.Text, actor: ev.Name,
                       kind: ev.ResolutionKind | None = None,
                       minute: ev.Minute | None = None, further_to: ev.Minute | None = None,
                       report_due_at: ev.Ref | None = None, report_due_by: date | None = None,
                       report_after: ev.Text | None = None,
                       fulfils: str | None = None) -> list[Logged]:
        """Record a resolution of a meeting; a requested report is due at, by or after something.

        With `fulfils=MEETING/NUMBER` it records that an earlier request's report was received.
        """
        now, today = self._now()
        held = self.get(meeting, Meeting)
        where = f"resolution {meeting}/{number}"
        dues = [x for x in (report_due_at, report_due_by, report_after) if x is not None]
        if len(dues) > 1:
            raise InvalidInput(f"{where}: give one of report due at, due by or after, not several")
        if kind is None:
            kind = ev.ResolutionKind.REPORT_REQUESTED if dues else ev.ResolutionKind.NOTED
        if kind is ev.ResolutionKind.REPORT_REQUESTED and not dues:
            raise InvalidInput(f"{where}: a requested report needs a meeting, a date or an event "
                               "it is due at, by or after")
        if dues and kind is not ev.ResolutionKind.REPORT_REQUESTED:
            raise InvalidInput(f"{where}: only a report-requested resolution has a due report")
        if report_due_at is not None:
            later = self.get(report_due_at, Meeting)
            if later.held_on <= held.held_on:
                raise RuleViolation(
                    f"{where}: report due at {report_due_at} ({later.held_on}), which is not "
                    f"after {meeting} ({held.held_on})"
                )
        if report_due_by is not None and report_due_by <= held.held_on:
            raise RuleViolation(f"{where}: report due by {report_due_by}, not after the meeting")
        source = self._fulfilled_request(fulfils, held, where) if fulfils else None
        held.pass_resolution(
            number, today, actor=actor, timestamp=now, text=text, kind=kind, minute=minute,
            further_to=further_to, report_due_at=report_due_at, report_due_by=report_due_by,
            report_after=report_after, fulfils=fulfils,
        )
        if source is None:
            return self._save(held)
        source.receive_report(int(str(fulfils).partition("/")[2]), f"{meeting}/{number}",
                              held.held_on, actor=actor, timestamp=now)
        return self._save(held, source)

    @command
    def present_report(self, meeting: ev.Ref, *, parameters: dict[str, str | None],
                       fingerprint: Fingerprint, sha256: str, actor: ev.Name,
                       fulfils: str | None = None) -> list[Logged]:
        """Record that a report (its parameters, source fingerprint and digest) went to a meeting."""
        now, today = self._now()
        held = self.get(meeting, Meeting)
        where = f"report presented to {meeting}"
        source = self._fulfilled_request(fulfils, held, where) if fulfils else None
        event = held.present_report(today, actor=actor, timestamp=now, parameters=parameters,
                                    position=fingerprint.position, chain_hash=fingerprint.hash,
                                    sha256=sha256, fulfils=fulfils)
        if source is None:
            return self._save(held)
        source.receive_report(int(str(fulfils).partition("/")[2]),
                              f"{meeting} (report {event.number})", held.held_on, actor=actor,
                              timestamp=now)
        return self._save(held, source)

    def _fulfilled_request(self, fulfils: str, held: Meeting, where: str) -> Meeting:
        target, sep, num = fulfils.partition("/")
        if not sep or not re.fullmatch(r"[1-9][0-9]{0,2}", num):
            raise InvalidInput(f"{where}: fulfils {fulfils!r} is not MEETING/NUMBER")
        source = self.get(target, Meeting)
        request = source.resolutions.get(int(num))
        if request is None:
            raise UnknownRef(f"{where}: fulfils {fulfils}, which does not exist")
        if request.kind is not ev.ResolutionKind.REPORT_REQUESTED:
            raise RuleViolation(f"{where}: {fulfils} did not request a report")
        if source.ref == held.ref or source.held_on >= held.held_on:
            raise RuleViolation(f"{where}: {fulfils} is not from an earlier meeting")
        if int(num) in source.received:
            raise RuleViolation(
                f"{where}: {fulfils} was already fulfilled by {source.received[int(num)]}"
            )
        return source

