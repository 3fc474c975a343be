"""Presented papers: the parameters that re-render a report exactly, the re-rendering, the digest."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime

from ledger.projections.followup import FollowUpReport, follow_up_report
from ledger.projections.followup_render import render_follow_up
from ledger.projections.render import render
from ledger.projections.report import LogSource, Report, build_meeting_report, build_report


def presentation(report: Report, fmt: str) -> dict[str, str | None]:
    """The parameters that re-render `report` exactly: kind, clocks, scope and format."""
    return {
        "kind": "meeting" if report.meeting else "as-at",
        "meeting": report.meeting.ref if report.meeting else None,
        "as_at": report.position.as_at.isoformat(),
        "as_known_on": report.position.as_known_on.isoformat(),
        "since": report.since.as_at.isoformat() if report.since and not report.meeting else None,
        "audit": report.audit,
        "format": fmt,
        "edition": str(report.edition),
    }


def follow_up_presentation(report: FollowUpReport, fmt: str) -> dict[str, str | None]:
    """The parameters that re-render a follow-up audit's report exactly."""
    return {"kind": "follow-up", "audit": report.audit, "as_at": report.as_at.isoformat(),
            "as_known_on": report.as_known_on.isoformat(), "format": fmt}


def reproduce(log: LogSource, parameters: dict[str, str | None], fmt: str | None = None) -> str:
    """Render a presented report again from the same trail and parameters."""
    known = datetime.fromisoformat(str(parameters["as_known_on"]))
    out_format = fmt or str(parameters["format"])
    if parameters["kind"] == "follow-up":
        return render_follow_up(follow_up_report(
            log(), str(parameters["audit"]), date.fromisoformat(str(parameters["as_at"])),
            known), out_format)
    if parameters["kind"] == "meeting":
        report = build_meeting_report(log, str(parameters["meeting"]), as_known_on=known)
    else:
        since = parameters.get("since")
        report = build_report(log, date.fromisoformat(str(parameters["as_at"])),
                              as_known_on=known,
                              since=date.fromisoformat(since) if since else None,
                              audit=parameters.get("audit"))
    # A paper presented before editions were recorded is edition 1.
    return render(replace(report, edition=int(parameters.get("edition") or 1)), out_format)


def digest(text: str) -> str:
    """SHA-256 of a rendered report's UTF-8 bytes."""
    return hashlib.sha256(text.encode()).hexdigest()
