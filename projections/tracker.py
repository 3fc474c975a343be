"""The committee tracker of a meeting report: the tables audit committees read (issue 15).

A pure model over a meeting `Report` (its `position` as at the meeting, `since` as at the
previous meeting of the same committee, both on one recorded-time horizon):

* live: actions neither finished nor closed (not started, in progress), with their RAG status;
* completed since the last meeting: completed now and not completed then (or not yet added);
* extensions approved since the last meeting: the target date moved more often now than then,
  with the original, the previous (as at the last meeting) and the new date; extensions
  requested: requests awaiting approval now;
* overdue: red under the policy in force, with the days overdue and the age bucket;
* closed: withdrawn or superseded now, since when.

Without a previous meeting "since" means since the start of the ledger, and the headings say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.domain import events as ev
from ledger.projections.governance import Governed, Pending
from ledger.projections.replay import ActionState
from ledger.projections.report import Report


@dataclass(frozen=True)
class Extension:
    """An approved move of a target date since the last meeting."""

    action: ActionState
    previous_due: date | None
    """The target date as at the last meeting (None when the action was not yet added)."""
    moves: int
    """How many times the date moved since the last meeting."""


@dataclass(frozen=True)
class Tracker:
    """The committee tracker of one meeting report."""

    since: date | None
    """The previous meeting's date, or None: since the start."""
    previous_meeting: str | None
    live: tuple[Governed, ...]
    completed_since: tuple[ActionState, ...]
    approved: tuple[Extension, ...]
    requested: tuple[tuple[ActionState, Pending], ...]
    overdue: tuple[Governed, ...]
    closed: tuple[ActionState, ...]

    @property
    def since_words(self) -> str:
        """`since the last meeting (25 July 2016)`, or `since the start (no previous meeting)`."""
        if self.since is None:
            return "since the start (no previous meeting)"
        return f"since the last meeting ({self.since.isoformat()})"


def tracker(report: Report) -> Tracker:
    """The tracker of `report` (its scope, its dates, the policy in force on its date)."""
    then = ({a.ref: a for a in report.since.for_audit(report.audit)}
            if report.since is not None else {})
    governed = report.governed()
    live = tuple(g for g in governed if g.action.status.live and not g.action.status.finished)
    completed = tuple(
        a for a in report.actions if a.status is ev.Status.COMPLETED
        and (a.ref not in then or then[a.ref].status is not ev.Status.COMPLETED))
    approved = []
    for a in report.actions:
        before = then.get(a.ref)
        moves = a.revisions - (before.revisions if before is not None else 0)
        if moves > 0:
            approved.append(Extension(a, before.due if before is not None else None, moves))
    requested = tuple((a, a.pending) for a in report.actions if a.pending is not None)
    overdue = sorted((g for g in governed if g.rag == "red"),
                     key=lambda g: -(g.days_overdue or 0))
    closed = tuple(a for a in report.actions if not a.status.live)
    return Tracker(
        since=report.since.as_at if report.since is not None else None,
        previous_meeting=report.previous_meeting.ref if report.previous_meeting else None,
        live=live, completed_since=completed, approved=tuple(approved), requested=requested,
        overdue=tuple(overdue), closed=closed)
