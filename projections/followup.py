"""The follow-up audit's report, computed by a pure function over the event stream.

Rules (both clocks, as every report):

* Only events recorded at or before the horizon K count; corrections and retractions known on K
  apply (`ledger.domain.amend`), as in the replay.
* As at D: the recommendations of the followed audit made by D; each one's finding is the
  follow-up audit's latest finding on it effective on or before D (ties: recorded order); a
  recommendation without one is `not assessed`. Findings on actions are listed apart.
* A finding of partially or not implemented is a *disagreement* when the officers had reported
  the work done: for a recommendation, every live action completed (`delivered`); for an action,
  completed. The officers' report is what their events said as at the finding's date, counting
  only events recorded before the finding (what the auditor was shown). Reopening afterwards
  (`assess --reopen`) does not erase the disagreement; `now` says where the work stands at D.
* Assurance per scope area: `before` is the followed audit's rating, `after` the follow-up's
  own (given when it was added, then revised by `AssuranceRevised` effective by D).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from ledger.domain import events as ev
from ledger.domain.amend import amended
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import RuleViolation, UnknownRef
from ledger.domain.values import Logged
from ledger.projections.recommendations import RecommendationState, recommendation_state
from ledger.projections.replay import Position, Timeline, Totals

OUTCOME_KEYS = {ev.Outcome.IMPLEMENTED: "implemented",
                ev.Outcome.PARTIALLY_IMPLEMENTED: "partially_implemented",
                ev.Outcome.NOT_IMPLEMENTED: "not_implemented",
                ev.Outcome.SUPERSEDED: "superseded"}
"""Each outcome's key in the JSON `outcomes` (and `not_assessed` for none)."""


@dataclass(frozen=True)
class Finding:
    """What the follow-up found on one recommendation or action, beside the officers' view."""

    ref: str
    kind: str
    """`recommendation` or `action`."""
    text: str
    officers: str
    """The officers' state as at the report's date (a recommendation's derived state, or an
    action's status)."""
    outcome: ev.Outcome | None
    note: str | None = None
    assessed_on: date | None = None
    officers_then: str | None = None
    """The officers' state as at the finding's date, as recorded before it."""
    response: ev.Response | None = None
    """Management's response to a recommendation (None for an action)."""

    @property
    def disagrees(self) -> bool:
        """Short of implemented where the officers had reported the work done."""
        done = (RecommendationState.DELIVERED.value, ev.Status.COMPLETED.value)
        return (self.outcome is not None and self.outcome.short_of
                and self.officers_then in done)


@dataclass(frozen=True)
class Assurance:
    """A scope area's rating before (the followed audit's) and after (the follow-up's)."""

    area: str
    before: ev.Assurance | None
    after: ev.Assurance | None


@dataclass(frozen=True)
class FollowUpReport:
    """The outcome of a follow-up audit as at a date, as known on a horizon."""

    audit: str
    title: str
    audited_on: date
    follows: str
    follows_title: str
    as_at: date
    as_known_on: datetime
    fingerprint: Fingerprint
    recommendations: tuple[Finding, ...]
    actions: tuple[Finding, ...]
    """Findings on individual actions (only those the auditor assessed)."""
    assurance: tuple[Assurance, ...]
    totals: Totals
    """The followed audit's actions by status as at the date (the officers' counts)."""

    def outcomes(self) -> dict[str, int]:
        """Recommendations counted by the auditor's outcome (`not_assessed` for none)."""
        counts = Counter(OUTCOME_KEYS[f.outcome] if f.outcome else "not_assessed"
                         for f in self.recommendations)
        return {key: counts[key] for key in (*OUTCOME_KEYS.values(), "not_assessed")}

    def disagreements(self) -> list[Finding]:
        """Findings short of implemented on work the officers had reported done."""
        return [f for f in (*self.recommendations, *self.actions) if f.disagrees]


@dataclass(frozen=True)
class Assessed:
    """A follow-up audit's latest finding on one ref as at a date, and what the officers had
    reported (as at the finding's date, recorded before it: see the rules above)."""

    outcome: ev.Outcome
    note: str | None
    effective: date
    officers_then: str | None


@dataclass(frozen=True)
class FollowUpFacts:
    """What a follow-up report needs beside the position: the followed audit (whatever its
    date), the findings and the revised ratings (in order) effective by the date."""

    followed: ev.AuditRecorded | None
    findings: dict[str, Assessed]
    revised: tuple[tuple[str, ev.Assurance], ...]


class FollowUpSource(Protocol):
    """Where a follow-up report comes from: the SQL read model (the replay is the reference)."""

    def position(self, as_at: date, known: datetime, audit: str | None = None) -> Position:
        """The position as at a date on a recorded-time horizon."""
        ...

    def follow_up_facts(self, audit: str, follows: str, as_at: date,
                        known: datetime) -> FollowUpFacts:
        """Follow-up audit `audit`'s facts as at a date on a horizon."""
        ...


def follow_up_report(source: FollowUpSource | Iterable[Logged], audit: str, as_at: date,
                     as_known_on: datetime) -> FollowUpReport:
    """The report of follow-up audit `audit` as at `as_at`, as known on `as_known_on`, from a
    source (the read model) or the log (the pure replay)."""
    if isinstance(source, Iterable):
        timeline = Timeline.build(source, as_known_on)
        position = timeline.position(as_at)
    else:
        position = source.position(as_at, as_known_on)
    fu = position.audits.get(audit)
    if fu is None:
        raise UnknownRef(f"no audit {audit} as at {as_at} as known on {as_known_on:%Y-%m-%d %H:%M}")
    if fu.follows is None:
        raise RuleViolation(f"{audit} is not a follow-up audit: it follows no audit")
    facts = (replay_facts(timeline, audit, fu.follows, as_at) if isinstance(source, Iterable)
             else source.follow_up_facts(audit, fu.follows, as_at, as_known_on))
    followed = facts.followed
    if followed is None:
        raise UnknownRef(f"no audit {fu.follows} as known on {as_known_on:%Y-%m-%d %H:%M}")
    by_rec: dict[str, list[ev.Status]] = {}
    for a in position.actions:
        for rec in a.recommendations:
            by_rec.setdefault(rec, []).append(a.status)
    recs = [replace(_finding(ref, "recommendation", made.text,
                             recommendation_state(by_rec.get(ref, ())).value,
                             facts.findings.get(ref)), response=made.response)
            for ref, made in position.recommendations_for(fu.follows).items()]
    actions = [_finding(a.ref, "action", a.text, a.status.value, facts.findings[a.ref])
               for a in position.actions if a.ref in facts.findings]
    return FollowUpReport(
        audit=audit, title=fu.title, audited_on=fu.effective, follows=fu.follows,
        follows_title=followed.title, as_at=as_at, as_known_on=as_known_on,
        fingerprint=position.fingerprint, recommendations=tuple(recs), actions=tuple(actions),
        assurance=_assurance(followed, fu, list(facts.revised)),
        totals=position.totals(fu.follows))


def replay_facts(timeline: Timeline, audit: str, follows: str, as_at: date) -> FollowUpFacts:
    """The follow-up audit's facts from the replay (the reference)."""
    found, revised = _events_of(timeline, audit, as_at)
    serving: dict[str, list[str]] = {}  # recommendation -> the actions that serve it
    for action in timeline.actions:
        for rec in dict.fromkeys(_recommendations(timeline, action)):
            serving.setdefault(rec, []).append(action)
    findings = {}
    for ref, (e, pos) in found.items():
        log = timeline.actions.get(ref)
        if log is not None and log.added is not None:
            then = _status_before(timeline, ref, e.effective, pos)
            officers_then = then.value if then else None
        else:
            statuses = [s for a in serving.get(ref, ())
                        if (s := _status_before(timeline, a, e.effective, pos)) is not None]
            officers_then = recommendation_state(statuses).value
        findings[ref] = Assessed(e.outcome, e.note, e.effective, officers_then)
    return FollowUpFacts(timeline.audits.get(follows), findings,
                         tuple((r.area, r.rating) for r in revised))


_FOLLOW_UP_EVENTS = (ev.ImplementationAssessed, ev.AssuranceRevised)


def _events_of(timeline: Timeline, audit: str, as_at: date) -> tuple[
        dict[str, tuple[ev.ImplementationAssessed, int]], list[ev.AssuranceRevised]]:
    """The audit's latest finding on each ref, and its revisions, effective by `as_at`."""
    found: dict[str, tuple[ev.ImplementationAssessed, int]] = {}
    revised: list[tuple[date, int, ev.AssuranceRevised]] = []
    for ref, stream in timeline.streams.items():
        if not any(isinstance(i.event, _FOLLOW_UP_EVENTS) for i in stream):
            continue  # a correction never changes an event's kind: nothing here to read
        ordered = sorted(stream, key=lambda i: i.event.originator_version)
        at = {i.event.originator_version: i.position for i in ordered}
        for view in amended([i.event for i in ordered]):
            pos = at[view.originator_version]
            if view.effective > as_at:
                continue
            if isinstance(view, ev.ImplementationAssessed) and view.by == audit:
                earlier = found.get(ref)
                if earlier is None or (view.effective, pos) > (earlier[0].effective, earlier[1]):
                    found[ref] = (view, pos)
            elif isinstance(view, ev.AssuranceRevised) and ref == audit:
                revised.append((view.effective, pos, view))
    return found, [r for _, _, r in sorted(revised, key=lambda r: r[:2])]


def _finding(ref: str, kind: str, text: str, officers: str, found: Assessed | None) -> Finding:
    if found is None:
        return Finding(ref, kind, text, officers, None)
    return Finding(ref, kind, text, officers, found.outcome, found.note, found.effective,
                   found.officers_then)


def _recommendations(timeline: Timeline, action: str) -> tuple[str, ...]:
    added = timeline.actions[action].added
    return added.recommendations if added else ()


def _status_before(timeline: Timeline, action: str, day: date, pos: int) -> ev.Status | None:
    """An action's status as at `day`, counting only its events recorded before `pos`."""
    log = timeline.actions.get(action)
    if log is None or log.added is None or log.added.effective > day:
        return None
    known = [c for c in log.status if c[0] <= day and c[1] < pos]
    return max(known, key=lambda c: c[:2])[2] if known else ev.Status.NOT_STARTED


def _assurance(followed: ev.AuditRecorded, fu: ev.AuditRecorded,
               revised: list[tuple[str, ev.Assurance]]) -> tuple[Assurance, ...]:
    after: dict[str, ev.Assurance] = dict(fu.areas)
    for area, rating in revised:
        after[area] = rating
    names = list(dict.fromkeys([*followed.areas, *after]))
    return tuple(Assurance(n, followed.areas.get(n), after.get(n)) for n in names)
