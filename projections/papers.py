"""Presented papers: the parameters that re-render a report exactly, the re-rendering, the digest."""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import replace
from datetime import date, datetime

from ledger.domain.chain import Fingerprint
from ledger.domain.errors import InvalidInput
from ledger.projections.burnup import report_burnup
from ledger.projections.followup import FollowUpReport, follow_up_report
from ledger.projections.followup_render import render_follow_up
from ledger.projections.render import FORMATS, render
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
    return render_paper(log, replace(report, edition=int(parameters.get("edition") or 1)),
                        out_format)


PAPER_FORMATS = (*FORMATS, "html")
"""The formats a report can be presented in: the HTML paper as well as the others."""


def render_paper(log: LogSource, report: Report, fmt: str) -> str:
    """Render `report` in one of PAPER_FORMATS; the HTML paper draws its burn-up from `log`
    (matplotlib is imported only then)."""
    if fmt != "html":
        return render(report, fmt)
    from ledger.projections.render.html import to_html

    chart = report_burnup(log, report)
    return to_html(report, chart.points, chart.meetings)


PAPER_META = "ledger-paper"
"""The name of the HTML paper's <meta> holding the parameters that re-render it (JSON)."""
_META = re.compile(r'<meta name="(ledger-paper|ledger-fingerprint)" content="([^"]*)">')


def paper_meta(report: Report) -> str:
    """The HTML paper's <meta> element with the parameters that re-render it."""
    parameters = json.dumps(presentation(report, "html"), sort_keys=True)
    return f'<meta name="{PAPER_META}" content="{html.escape(parameters)}">'


def read_paper(text: str, name: str) -> tuple[dict[str, str | None], Fingerprint]:
    """The parameters and fingerprint embedded in an HTML paper (file `name`), or a one-line
    refusal when it has none (not a paper made by `--format html`)."""
    found = {m.group(1): m.group(2) for m in _META.finditer(text[:20_000])}
    if PAPER_META not in found or "ledger-fingerprint" not in found:
        raise InvalidInput(f"{name} is not a ledger HTML paper (it has no {PAPER_META} and "
                           "ledger-fingerprint metadata): make it with --format html")
    try:
        parameters = json.loads(html.unescape(found[PAPER_META]))
        fingerprint = Fingerprint.parse(found["ledger-fingerprint"])
    except ValueError as e:
        raise InvalidInput(f"{name}: its ledger metadata cannot be read ({e})") from None
    if (not isinstance(parameters, dict) or parameters.get("format") != "html"
            or not all(isinstance(v, str | None) for v in parameters.values())):
        raise InvalidInput(f"{name}: its {PAPER_META} metadata is not an HTML paper's")
    return parameters, fingerprint


def digest(text: str) -> str:
    """SHA-256 of a rendered report's UTF-8 bytes."""
    return hashlib.sha256(text.encode()).hexdigest()
