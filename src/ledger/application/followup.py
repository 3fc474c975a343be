"""The follow-up audit's report as a use case: computed from the SQL read model, caught up first
(from the log, the pure replay, where this role may not bring it up to date), and, on request,
presented to a meeting."""

from __future__ import annotations

from datetime import date, datetime

from ledger.application.ledger import Ledger
from ledger.application.presenting import Paper
from ledger.application.reporting import report_source
from ledger.domain.records import Meeting
from ledger.projections.followup import FollowUpReport, follow_up_report
from ledger.projections.followup_render import render_follow_up
from ledger.projections.papers import digest, follow_up_presentation
from ledger.projections.readmodel import ReadModel
from ledger.projections.report import Source


def follow_up(app: Ledger, audit: str, *, as_at: date | None, as_known_on: datetime,
              meeting: str | None = None, source: Source | None = None) -> FollowUpReport:
    """The report of follow-up audit `audit` as at `as_at` (default: the meeting's date when
    presenting to one, else the horizon's date), as known on `as_known_on`, from `source`
    (default: the read model, caught up, or the replay where this role may not write it)."""
    if as_at is None:
        as_at = app.get(meeting, Meeting).held_on if meeting else as_known_on.date()
    found = source or report_source(app, warn=lambda _: None)
    if isinstance(found, ReadModel):
        return follow_up_report(found, audit, as_at, as_known_on)
    return follow_up_report(app.stream(), audit, as_at, as_known_on)


def present_follow_up(app: Ledger, meeting: str, report: FollowUpReport, fmt: str, *,
                      actor: str, fulfils: str | None = None) -> Paper:
    """Render the follow-up report and record it as presented to `meeting`, with the
    fingerprint it was computed from and the SHA-256 of its bytes."""
    text = render_follow_up(report, fmt)
    logged = app.present_report(meeting, parameters=follow_up_presentation(report, fmt),
                                fingerprint=report.fingerprint, sha256=digest(text),
                                fulfils=fulfils, actor=actor)
    return Paper(text, logged)
