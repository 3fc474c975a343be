"""The report as data: one JSON document, or the action list as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from ledger.domain import events as ev
from ledger.projections.governance import Governed
from ledger.projections.render.governed import governance_json
from ledger.projections.render.safe import csv_cell
from ledger.projections.render.tracker import tracker_json
from ledger.projections.replay import ActionState, Request
from ledger.projections.report import Report, iso_utc


def action_json(a: ActionState) -> dict[str, Any]:
    """One action in the JSON shape of every report."""
    return {
        "ref": a.ref, "status": a.status.value, "owner": a.owner,
        "due": a.due.isoformat() if a.due else None, "overdue": a.overdue,
        "blocked_by": list(a.blocked_by), "text": a.text,
        "original_due": a.original_due.isoformat() if a.original_due else None,
        "recommendations": list(a.recommendations), "audits": list(a.audits),
        "priority": a.priority.value if a.priority else None,
        "added_on": a.added_on.isoformat(), "status_on": a.status_on.isoformat(),
    }


def request_json(r: Request) -> dict[str, Any]:
    """One outstanding committee request in its JSON shape."""
    return {
        "meeting": r.meeting, "number": r.number, "committee": r.committee, "minute": r.minute,
        "text": r.text, "requested_on": r.requested_on.isoformat(), "due_at": r.due_at,
        "due_date": r.due_date.isoformat() if r.due_date else None, "due_after": r.due_after,
        "overdue": r.overdue,
    }


def resolution_json(r: ev.ResolutionPassed) -> dict[str, Any]:
    """One resolution of a meeting in its JSON shape (only those known on the horizon)."""
    return {
        "number": r.number, "minute": r.minute, "further_to": r.further_to,
        "kind": r.kind.value, "text": r.text, "report_due_at": r.report_due_at,
        "report_due_by": r.report_due_by.isoformat() if r.report_due_by else None,
        "report_after": r.report_after, "fulfils": r.fulfils,
        "recorded": iso_utc(r.timestamp),
    }


def requests_json(requests: Iterable[Request]) -> list[dict[str, Any]]:
    """The outstanding-requests list in its JSON shape."""
    return [request_json(r) for r in requests]


def to_json(report: Report) -> str:
    """One JSON document: the fixed keys of the as-at report and the tables behind the words."""
    p = report.position
    doc: dict[str, Any] = {
        "as_at": p.as_at.isoformat(),
        "as_known_on": iso_utc(p.as_known_on),
        "fingerprint": p.fingerprint.as_dict(),
        "audit": report.audit,
        "totals": report.totals.as_dict(),
        "by_audit": {k: v.as_dict() for k, v in report.by_audit().items()},
        "by_priority": {k: v.as_dict() for k, v in report.by_priority().items()},
        "by_owner": {k: v.as_dict() for k, v in report.by_owner().items()},
    }
    since = report.since_figures()
    if since is not None:
        doc["since"] = since
        doc["since_by_audit"] = {ref: report.since_figures(ref) for ref in report.audits()}
    if report.meeting is not None:
        doc["meeting"] = {"ref": report.meeting.ref, "committee": report.meeting.committee,
                          "date": report.meeting.held_on.isoformat(),
                          "previous": report.previous_meeting.ref
                          if report.previous_meeting else None,
                          "note": report.note}
        doc["resolutions"] = [resolution_json(r) for r in report.meeting.resolutions]
        if report.edition >= 2:  # the committee tracker: papers of edition 2 on
            doc["tracker"] = tracker_json(report)
    doc["minutes"] = report.paragraphs()
    if report.edition < 2:
        doc["actions"] = [action_json(a) for a in report.actions]
    else:
        doc["actions"] = [{**action_json(g.action), **g.as_dict()}
                          for g in report.governed()]
        doc.update(governance_json(report))
    doc["requests"] = requests_json(report.requests)
    return json.dumps(doc, indent=2) + "\n"


CSV_COLUMNS = ["ref", "status", "owner", "due", "original_due", "overdue", "blocked_by",
               "priority", "audits", "recommendations", "status_on", "text"]
GOVERNED_COLUMNS = ["revisions", "overdue_against_original", "rag", "days_overdue", "ageing",
                    "pending_due"]
"""Edition 2 on: each action's target-date governance, after `CSV_COLUMNS`."""


def governed_cells(g: Governed) -> list[str]:
    """An action's `GOVERNED_COLUMNS` as CSV cells."""
    return [str(g.revisions), "yes" if g.overdue_against_original else "no", g.rag,
            "" if g.days_overdue is None else str(g.days_overdue), g.ageing or "",
            g.pending.due.isoformat() if g.pending else ""]


def to_csv(report: Report) -> str:
    """The action list as CSV, one row per action, with a header; a cell a spreadsheet would
    run as a formula (an owner or text starting with `=`, `+`, `-`, `@`) gets a leading `'`.
    From edition 2 each row ends with the action's RAG status and dates (`GOVERNED_COLUMNS`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    governed = report.edition >= 2
    writer.writerow(CSV_COLUMNS + (GOVERNED_COLUMNS if governed else []))
    for g in report.governed():
        a = g.action
        j = action_json(a)
        writer.writerow([csv_cell(cell) for cell in (
            j["ref"], j["status"], j["owner"] or "", j["due"] or "", j["original_due"] or "",
            "yes" if a.overdue else "no", ";".join(a.blocked_by), j["priority"] or "",
            ";".join(a.audits), ";".join(a.recommendations), j["status_on"], a.text,
        )] + (governed_cells(g) if governed else []))
    return out.getvalue()
