"""The targets report in JSON and as a Markdown paper (also its text form)."""

from __future__ import annotations

import json
from typing import Any

from ledger.projections.rag import Governed, TargetsReport
from ledger.projections.render.safe import printable
from ledger.projections.report import STATUS_WORDS, iso_utc

TARGETS_FORMATS = ("text", "markdown", "json")


def _iso(d: Any) -> str | None:
    return d.isoformat() if d is not None else None


def action_json(g: Governed) -> dict[str, Any]:
    """One action's dates, revisions and RAG status."""
    return g.as_dict()


def to_json(report: TargetsReport) -> str:
    """One JSON document."""
    p = report.policy
    doc = {
        "as_at": report.as_at.isoformat(), "as_known_on": iso_utc(report.as_known_on),
        "fingerprint": report.fingerprint.as_dict(),
        "policy": {"revised_counts_overdue": p.revised_counts_overdue,
                   "max_revisions": p.max_revisions, "approval_required": p.approval_required,
                   "since": _iso(p.since)},
        "totals": report.totals().as_dict(),
        "by_recommendation": report.by_recommendation(),
        "rag": report.rag_counts(), "ageing": report.ageing(),
        "pending": [{"ref": r.ref, "due": r.due.isoformat(), "reason": r.reason,
                     "requested_on": r.requested_on.isoformat()} for r in report.pending()],
        "actions": [action_json(g) for g in report.actions],
    }
    return json.dumps(doc, indent=2) + "\n"


def _cell(text: str) -> str:
    return printable(text).replace("|", "\\|").replace("\n", " ")


def _table(columns: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|",
            *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows), ""]


def to_markdown(report: TargetsReport) -> str:
    """The paper: counts by RAG, ageing and recommendation; pending requests; every action."""
    p = report.policy
    rule = ("a revised date still counts overdue against the original"
            if p.revised_counts_overdue else "only the current date counts")
    most = "no limit" if p.max_revisions is None else f"at most {p.max_revisions}"
    lines = [f"# Target dates, as at {report.as_at.isoformat()}", "",
             f"*As known on {iso_utc(report.as_known_on)}. Policy: {rule}; {most} "
             f"revisions; approval {'required' if p.approval_required else 'not required'}.*",
             "", "## RAG status (actions)", ""]
    lines += _table(["RAG", "Actions"], [[k, str(v)] for k, v in report.rag_counts().items()])
    lines += ["## Overdue, by age in days", ""]
    lines += _table(["Age", "Actions"], [[k, str(v)] for k, v in report.ageing().items()])
    lines += ["## Recommendations, by their actions", ""]
    lines += _table(["State", "Recommendations"],
                    [[k.replace("_", " "), str(v)] for k, v in report.by_recommendation().items()])
    lines += ["## Reschedules awaiting approval", ""]
    pending = report.pending()
    lines += _table(["Action", "New date", "Requested", "Reason"],
                    [[r.ref, str(r.due), str(r.requested_on), r.reason] for r in pending]
                    ) if pending else ["None.", ""]
    lines += ["## Actions", ""]
    lines += _table(["Action", "Status", "Original due", "Due", "Revisions", "RAG", "Days overdue"],
                    [[g.action.ref, STATUS_WORDS[g.action.status], str(g.action.original_due or ""),
                      str(g.action.due or ""), str(g.revisions), g.rag,
                      str(g.days_overdue if g.days_overdue is not None else "")]
                     for g in report.actions])
    fp = report.fingerprint
    lines += ["## Fingerprint", "",
              f"Computed from the trail up to position {fp.position}, chain hash {fp.hash}.", ""]
    return "\n".join(lines)


def render_targets(report: TargetsReport, fmt: str) -> str:
    """Render in one of TARGETS_FORMATS (text is the Markdown paper)."""
    return to_json(report) if fmt == "json" else to_markdown(report)
