"""Events in words: a one-line summary and the fields that changed, for output and history."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.domain import events as ev

BASE_FIELDS = frozenset(ev.LedgerEvent.model_fields)


def details(event: ev.LedgerEvent) -> dict[str, Any]:
    """The event's own fields (not identity or clocks), JSON-ready, without empty values."""
    data = event.model_dump(mode="json", exclude=set(BASE_FIELDS))
    return {k: v for k, v in data.items() if v not in (None, (), [], {})}


def _due(d: date | None) -> str:
    return str(d) if d else "no date"


def value_words(value: Any) -> str:
    """A field's JSON value in words: a list joined by commas, a mapping as `k: v`, null as
    `none`."""
    if value is None or value in ((), [], {}):
        return "none"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def correction_words(e: ev.EventCorrected, was: dict[str, Any] | None = None) -> str:
    """`corrects #12: effective 2024-06-20 → 2024-06-10, reason: typo` (the values before the
    correction when `was` gives them, else only the new ones)."""
    changes = []
    for field, new in e.new_values.items():
        before = f"{value_words(was[field])} → " if was is not None and field in was else "→ "
        changes.append(f"{field} {before}{value_words(new)}")
    return f"corrects #{e.corrects}: {'; '.join(changes)}, reason: {e.reason}"


def summary(event: ev.LedgerEvent, was: dict[str, Any] | None = None) -> str:
    """What happened, in a few words: `started`, `owner Bob → Ann (reason)`; for a correction,
    `was` gives the values it replaced."""
    e = event
    match e:
        case ev.AuditRecorded():
            areas = ", ".join(f"{k}: {v.value}" for k, v in e.areas.items())
            follows = f" following up {e.follows}" if e.follows else ""
            return f"{e.kind.value} {e.title!r}{follows}" + (f" [{areas}]" if areas else "")
        case ev.RecommendationMade():
            risk = f", risk accepted by {e.risk_accepted_by}" if e.risk_accepted_by else ""
            return f"{e.priority.value} recommendation of {e.audit} ({e.response.value}{risk})"
        case ev.ActionAdded():
            extra = [f"for {', '.join(e.recommendations)}"]
            if e.owner:
                extra.append(f"owner {e.owner}")
            if e.due:
                extra.append(f"due {e.due}")
            if e.depends_on:
                extra.append(f"depends on {', '.join(e.depends_on)}")
            return "action added " + ", ".join(extra)
        case ev.ActionStarted():
            return "not_started → in_progress" + (f" ({e.note})" if e.note else "")
        case ev.ActionCompleted():
            return "in_progress → completed" + (f" (evidence: {e.evidence})" if e.evidence else "")
        case ev.ActionReopened():
            return f"completed → in_progress (reopened: {e.reason})"
        case ev.ActionAssigned():
            return f"owner {e.previous or 'none'} → {e.owner}" + (f" ({e.reason})" if e.reason else "")
        case ev.ActionRescheduled():
            approved = f", approved by {e.approved_by}" if e.approved_by else ""
            return f"due {_due(e.previous)} → {e.due} ({e.reason}{approved})"
        case ev.RescheduleRequested():
            return f"new due date {e.due} requested, awaiting approval ({e.reason})"
        case ev.TargetPolicySet():
            most = "no limit" if e.max_revisions is None else str(e.max_revisions)
            return (f"target-date policy: revised dates count overdue against the original: "
                    f"{'yes' if e.revised_counts_overdue else 'no'}; most revisions: {most}; "
                    f"approval required: {'yes' if e.approval_required else 'no'}")
        case ev.ActionNoted():
            return f"note: {e.text}"
        case ev.MilestoneSet():
            return f"milestone {e.text!r} pending"
        case ev.MilestoneAchieved():
            return "pending → achieved" + (f" ({e.note})" if e.note else "")
        case ev.MeetingScheduled():
            return f"meeting of {e.committee} on {e.held_on}"
        case ev.ResolutionPassed():
            where = f" under minute {e.minute}" if e.minute else ""
            return f"resolution {e.number}{where} ({e.kind.value})"
        case ev.ReportPresented():
            params = ", ".join(f"{k} {v}" for k, v in e.parameters.items() if v)
            return f"report {e.number} presented ({params}; from {e.position}:{e.chain_hash[:12]}…)"
        case ev.PersonalDataErased():
            by_field = ", ".join(f"{k} {n}" for k, n in sorted(e.fields.items()))
            return f"personal data erased: {e.count} values ({by_field}; {e.reason})"
        case ev.ImplementationAssessed():
            return f"{e.by} found it {e.outcome.value}" + (f" ({e.note})" if e.note else "")
        case ev.AssuranceRevised():
            return f"assurance for {e.area} rated {e.rating.value}"
        case ev.ReportReceived():
            return f"report requested by resolution {e.number} received at {e.by}"
        case ev.ActionWithdrawn():
            return f"→ withdrawn ({e.reason})"
        case ev.ActionSuperseded():
            return f"→ superseded by {e.by}" + (f" ({e.reason})" if e.reason else "")
        case ev.EventCorrected():
            return correction_words(e, was)
        case ev.EventRetracted():
            return f"retracts #{e.retracts}, reason: {e.reason}"
    return type(e).__name__
