"""The follow-up audit's report in words and tables: the paragraph for the minutes, and the
paper as text, Markdown, JSON or one self-contained HTML file."""

from __future__ import annotations

import io
import json
from html import escape
from typing import Any, NamedTuple

from rich.console import Console
from rich.table import Table

from ledger.domain import events as ev
from ledger.projections.followup import Finding, FollowUpReport
from ledger.projections.render.safe import printable
from ledger.projections.report import iso_utc
from ledger.projections.words import join_words, long_date, plural, source_label

FOLLOW_UP_FORMATS = ("text", "markdown", "json", "html")
"""The formats of the follow-up report (each can be presented and reproduced)."""

PAST = {ev.Outcome.IMPLEMENTED: "implemented", ev.Outcome.PARTIALLY_IMPLEMENTED: "partially",
        ev.Outcome.NOT_IMPLEMENTED: "not implemented", ev.Outcome.SUPERSEDED: "superseded"}
WORDS = {"no_actions": "no actions", "not_started": "not started", "in_progress": "in progress",
         "delivered": "delivered", "closed": "closed", "completed": "completed",
         "withdrawn": "withdrawn", "superseded": "superseded"}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def outcome_clause(report: FollowUpReport) -> str:
    """`14 of the 20 recommendations had been implemented, 4 partially and 1 not implemented`."""
    counts = report.outcomes()
    total = len(report.recommendations)
    parts = [f"{counts[key]} {PAST[outcome]}" for outcome, key in (
        (ev.Outcome.IMPLEMENTED, "implemented"),
        (ev.Outcome.PARTIALLY_IMPLEMENTED, "partially_implemented"),
        (ev.Outcome.NOT_IMPLEMENTED, "not_implemented"),
        (ev.Outcome.SUPERSEDED, "superseded")) if counts[key]]
    if not parts:
        return f"none of the {plural(total, 'recommendation')} had yet been assessed"
    first, _, rest = parts[0].partition(" ")
    parts[0] = f"{first} of the {plural(total, 'recommendation')} had been {rest}"
    clause = join_words(parts)
    if counts["not_assessed"]:
        clause += f" ({counts['not_assessed']} not assessed)"
    return clause


def assurance_clause(report: FollowUpReport) -> str:
    """`the assurance rating for governance rose from limited to reasonable` (areas joined)."""
    parts = []
    for a in report.assurance:
        if a.after is None:
            continue
        after = a.after.value.replace("-", " ")
        if a.before is None:
            parts.append(f"for {a.area} was {after}")
        elif a.before is a.after:
            parts.append(f"for {a.area} stayed {after}")
        else:
            verb = "rose" if a.after.rank > a.before.rank else "fell"
            parts.append(f"for {a.area} {verb} from {a.before.value.replace('-', ' ')} to {after}")
    if not parts:
        return ""
    word = "rating" if len(parts) == 1 else "ratings"
    return f"the assurance {word} {join_words(parts)}"


def minutes(report: FollowUpReport) -> str:
    """The paragraph a clerk pastes into the minutes, written from the numbers."""
    text = (f"{_capital(source_label(report.title))} of {long_date(report.audited_on)}, "
            f"following up {source_label(report.follows_title)}, found that "
            f"{outcome_clause(report)}")
    assurance = assurance_clause(report)
    text += f"; {assurance}." if assurance else "."
    disagreements = report.disagreements()
    if disagreements:
        listed = join_words([f"{d.ref} ({d.outcome.value.replace('-', ' ')})" if d.outcome
                             else d.ref for d in disagreements])
        text += (f" The auditor's finding differs from the officers' report on "
                 f"{plural(len(disagreements), 'item')} the officers had reported done: "
                 f"{listed}.")
    return text


class Section(NamedTuple):
    """One table of the paper."""

    heading: str
    columns: list[str]
    rows: list[list[str]]
    empty: str


def _row(f: Finding) -> list[str]:
    return [f.ref, WORDS.get(f.officers, f.officers), f.outcome.value if f.outcome else "not assessed",
            str(f.assessed_on or ""), f.note or ""]


def tables(report: FollowUpReport) -> list[Section]:
    """The outcome counts, the disagreements, the assurance, and every finding."""
    outcomes = report.outcomes()
    cols = ["Ref", "Officers", "Auditor", "Assessed", "Note"]
    t = report.totals
    return [
        Section("Recommendations by outcome", ["Outcome", "Recommendations"],
               [[k.replace("_", " "), str(v)] for k, v in outcomes.items()], ""),
        Section(f"The officers' count of the {report.follows} actions",
                ["Actions", "Completed", "In progress", "Not started", "Withdrawn",
                 "Superseded"],
                [[str(t.actions), str(t.completed), str(t.in_progress), str(t.not_started),
                  str(t.withdrawn), str(t.superseded)]], ""),
        Section("Disagreements", ["Ref", "Officers had reported", "Auditor found", "Now", "Note"],
               [[d.ref, WORDS.get(str(d.officers_then), str(d.officers_then)),
                 d.outcome.value if d.outcome else "", WORDS.get(d.officers, d.officers),
                 d.note or ""] for d in report.disagreements()],
               "The auditor's findings agree with the officers' reports."),
        Section("Assurance", ["Scope area", "Before", "After"],
               [[a.area, a.before.value if a.before else "not rated",
                 a.after.value if a.after else "not rated"] for a in report.assurance],
               "No scope areas were rated."),
        Section("Recommendations", [*cols, "Response"],
                [[*_row(f), f.response.value if f.response else ""]
                 for f in report.recommendations],
               "The audit followed up made no recommendations by then."),
        Section("Actions assessed", cols, [_row(f) for f in report.actions],
               "The auditor assessed no individual action."),
    ]


def title(report: FollowUpReport) -> str:
    """The paper's heading."""
    return f"{report.title} ({report.audit}): outcome, as at {long_date(report.as_at)}"


def clocks(report: FollowUpReport) -> str:
    """Both clocks and the audit followed up, in one line."""
    return (f"Follow-up of {report.follows} ({report.follows_title}); as at "
            f"{report.as_at.isoformat()}, as known on {iso_utc(report.as_known_on)}")


def fingerprint_words(report: FollowUpReport) -> str:
    """The fingerprint line every paper ends with."""
    fp = report.fingerprint
    return f"Computed from the trail up to position {fp.position}, chain hash {fp.hash}."


def to_json(report: FollowUpReport) -> str:
    """One JSON document."""
    def finding(f: Finding) -> dict[str, Any]:
        found = {"ref": f.ref, "officers": f.officers,
                 "auditor": f.outcome.value if f.outcome else None, "note": f.note,
                 "assessed_on": f.assessed_on.isoformat() if f.assessed_on else None}
        if f.kind == "recommendation":
            found["response"] = f.response.value if f.response else None
        return found

    doc = {
        "report": "follow-up", "audit": report.audit, "title": report.title,
        "audited_on": report.audited_on.isoformat(), "follows": report.follows,
        "follows_title": report.follows_title, "as_at": report.as_at.isoformat(),
        "as_known_on": iso_utc(report.as_known_on),
        "fingerprint": report.fingerprint.as_dict(),
        "outcomes": report.outcomes(),
        "actions_totals": report.totals.as_dict(),
        "disagreements": [{"ref": d.ref, "officers": d.officers_then,
                           "auditor": d.outcome.value if d.outcome else None, "now": d.officers,
                           "note": d.note,
                           "assessed_on": d.assessed_on.isoformat() if d.assessed_on else None}
                          for d in report.disagreements()],
        "assurance": {a.area: {"before": a.before.value if a.before else None,
                               "after": a.after.value if a.after else None}
                      for a in report.assurance},
        "minutes": minutes(report),
        "recommendations": [finding(f) for f in report.recommendations],
        "actions": [finding(f) for f in report.actions],
    }
    return json.dumps(doc, indent=2) + "\n"


def _md(text: str) -> str:
    return printable(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: FollowUpReport) -> str:
    """The paper for the minutes: the paragraph, then the tables, the fingerprint."""
    lines = [f"# {printable(title(report))}", "", f"*{printable(clocks(report))}*", "",
             printable(minutes(report)), ""]
    for heading, columns, rows, empty in tables(report):
        lines += [f"## {heading}", ""]
        if not rows:
            lines += [empty, ""]
            continue
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "|".join("---" for _ in columns) + "|")
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
        lines.append("")
    lines += ["## Fingerprint", "", fingerprint_words(report), ""]
    return "\n".join(lines)


def to_text(report: FollowUpReport, width: int = 100) -> str:
    """The same paper for a terminal, tables drawn by rich."""
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False,
                      highlight=False, emoji=False, markup=False)
    console.print(printable(title(report)), style="bold")
    console.print(printable(clocks(report)))
    console.print()
    console.print(printable(minutes(report)))
    console.print()
    for heading, columns, rows, empty in tables(report):
        if not rows:
            console.print(f"{heading}: {empty}")
            console.print()
            continue
        table = Table(title=heading, title_justify="left")
        for c in columns:
            table.add_column(c, overflow="fold")
        for row in rows:
            table.add_row(*(printable(c) for c in row))
        console.print(table)
        console.print()
    console.print(fingerprint_words(report))
    return out.getvalue()


def to_html(report: FollowUpReport) -> str:
    """One self-contained, printable HTML file (no scripts, no network, no assets)."""
    def h(text: str) -> str:
        return escape(printable(text))

    body = [f"<h1>{h(title(report))}</h1>", f'<p class="clocks">{h(clocks(report))}</p>',
            f'<section class="minutes"><p>{h(minutes(report))}</p></section>']
    for heading, columns, rows, empty in tables(report):
        body.append(f"<section><h2>{h(heading)}</h2>")
        if not rows:
            body.append(f'<p class="empty">{h(empty)}</p></section>')
            continue
        head = "".join(f"<th>{h(c)}</th>" for c in columns)
        cells = "".join("<tr>" + "".join(f"<td>{h(c)}</td>" for c in row) + "</tr>"
                        for row in rows)
        body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"
                    "</section>")
    body.append(f"<footer><code>{h(fingerprint_words(report))}</code></footer>")
    style = ("body{font:15px/1.45 sans-serif;max-width:62rem;margin:0 auto;padding:1.5rem}"
             "table{border-collapse:collapse;width:100%}th,td{border:1px solid #cfd8dc;"
             "padding:.25rem .5rem;text-align:left;vertical-align:top}thead th{background:"
             "#eceff1}.clocks,.empty,footer{color:#455a64}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">"
            f"<title>{h(title(report))}</title><style>{style}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")


def render_follow_up(report: FollowUpReport, fmt: str) -> str:
    """Render in one of FOLLOW_UP_FORMATS."""
    renderers = {"json": to_json, "markdown": to_markdown, "text": to_text, "html": to_html}
    return renderers[fmt](report)
