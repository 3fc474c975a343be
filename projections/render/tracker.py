"""The committee tracker in every format of a meeting report: its JSON (`tracker`) and its
tables (text, Markdown and the HTML paper draw them like the report's other tables)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.projections.report import STATUS_WORDS, Report
from ledger.projections.tracker import Tracker, tracker

Table = tuple[str, list[str], list[list[str]], str]
"""A table: heading, columns, rows, what to say when it is empty (`text.Section`'s fields)."""


def _day(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def tracker_json(report: Report) -> dict[str, Any]:
    """The JSON shape: `{since, previous_meeting, live, completed_since, extensions: {approved,
    requested}, overdue, closed}`."""
    t = tracker(report)
    return {
        "since": _day(t.since),
        "previous_meeting": t.previous_meeting,
        "live": [{"ref": g.action.ref, "status": g.action.status.value, "owner": g.action.owner,
                  "due": _day(g.action.due), "rag": g.rag} for g in t.live],
        "completed_since": [{"ref": a.ref, "owner": a.owner, "completed_on": _day(a.status_on),
                             "due": _day(a.due)} for a in t.completed_since],
        "extensions": {
            "approved": [{"ref": e.action.ref, "owner": e.action.owner,
                          "original_due": _day(e.action.original_due),
                          "previous_due": _day(e.previous_due), "due": _day(e.action.due),
                          "moves": e.moves, "revisions": e.action.revisions}
                         for e in t.approved],
            "requested": [{"ref": a.ref, "owner": a.owner, "due": _day(a.due),
                           "requested_due": _day(p.due), "reason": p.reason,
                           "requested_on": _day(p.requested_on)} for a, p in t.requested],
        },
        "overdue": [{"ref": g.action.ref, "owner": g.action.owner,
                     "status": g.action.status.value, "due": _day(g.action.due),
                     "original_due": _day(g.action.original_due),
                     "days_overdue": g.days_overdue, "ageing": g.ageing} for g in t.overdue],
        "closed": [{"ref": a.ref, "status": a.status.value, "on": _day(a.status_on),
                    "owner": a.owner} for a in t.closed],
    }


def tracker_tables(report: Report) -> list[Table]:
    """The tracker's five tables (extensions in two), headed as the committee reads them."""
    t = tracker(report)
    return [
        ("Tracker: live actions", ["Action", "Status", "Owner", "Due", "RAG"],
         [[g.action.ref, STATUS_WORDS[g.action.status], g.action.owner or "",
           _day(g.action.due) or "", g.rag] for g in t.live], "No live action."),
        (f"Tracker: completed {t.since_words}", ["Action", "Owner", "Completed on", "Due"],
         [[a.ref, a.owner or "", _day(a.status_on) or "", _day(a.due) or ""]
          for a in t.completed_since], f"No action was completed {t.since_words}."),
        *_extensions(t),
        ("Tracker: overdue", ["Action", "Owner", "Status", "Due", "Original due",
                              "Days overdue", "Age"],
         [[g.action.ref, g.action.owner or "", STATUS_WORDS[g.action.status],
           _day(g.action.due) or "", _day(g.action.original_due) or "",
           str(g.days_overdue), g.ageing or ""] for g in t.overdue],
         "No action was overdue."),
        ("Tracker: withdrawn or superseded", ["Action", "Status", "Since", "Owner"],
         [[a.ref, STATUS_WORDS[a.status], _day(a.status_on) or "", a.owner or ""]
          for a in t.closed], "No action was withdrawn or superseded."),
    ]


def _extensions(t: Tracker) -> list[Table]:
    return [
        (f"Tracker: extensions approved {t.since_words}",
         ["Action", "Owner", "Original due", "Previous due", "New due", "Moves", "Revisions"],
         [[e.action.ref, e.action.owner or "", _day(e.action.original_due) or "",
           _day(e.previous_due) or "", _day(e.action.due) or "", str(e.moves),
           str(e.action.revisions)] for e in t.approved],
         f"No extension was approved {t.since_words}."),
        ("Tracker: extensions requested, awaiting approval",
         ["Action", "Owner", "Due", "Requested due", "Requested on", "Reason"],
         [[a.ref, a.owner or "", _day(a.due) or "", _day(p.due) or "",
           _day(p.requested_on) or "", p.reason] for a, p in t.requested],
         "No extension was awaiting approval."),
    ]
