"""The report as a paper: Markdown for the minutes, plain text for a terminal (tables by rich)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from ledger.projections.render.governed import governance_tables
from ledger.projections.render.safe import one_line, printable
from ledger.projections.render.tracker import tracker_tables
from ledger.projections.replay import Request, Totals
from ledger.projections.report import STATUS_WORDS, Report

if TYPE_CHECKING:
    from rich.table import Table


class Section(NamedTuple):
    """One table of a paper: its heading, columns, rows, and what to say when it is empty."""

    heading: str
    columns: list[str]
    rows: list[list[str]]
    empty: str


LIVE_COUNTS = (("actions", "Actions"), ("completed", "Completed"),
               ("in_progress", "In progress"), ("not_started", "Not started"))
CLOSED_COUNTS = (("withdrawn", "Withdrawn"), ("superseded", "Superseded"))
"""The totals columns: the live actions, then those closed undone (shown when there are any)."""


def counts(report: Report) -> tuple[tuple[str, str], ...]:
    """The totals columns of this report: withdrawn and superseded only when it has any, so
    a paper without them reads (and reproduces) as before they existed."""
    return LIVE_COUNTS + CLOSED_COUNTS if report.has_closed else LIVE_COUNTS


def _totals_rows(groups: dict[str, Totals],
                 columns: tuple[tuple[str, str], ...]) -> list[list[str]]:
    return [[k, *(str(getattr(t, key)) for key, _ in columns)] for k, t in groups.items()]


def sections(report: Report) -> list[Section]:
    """Every table of the report, in the order a paper shows them."""
    columns = counts(report)
    heads = [label for _, label in columns]
    audits = report.position.audits
    by_audit = [[ref, audits[ref].title, *row[1:]]
                for ref, row in zip(report.by_audit(), _totals_rows(report.by_audit(), columns),
                                    strict=True)]
    tables = [
        Section("By audit", ["Audit", "Title", *heads], by_audit, "No audits."),
        Section("By priority", ["Priority", *heads],
                _totals_rows(report.by_priority(), columns), "No actions."),
        Section("By owner", ["Owner", *heads], _totals_rows(report.by_owner(), columns),
                "No actions."),
        Section("Overdue actions", ["Action", "Owner", "Due", "Status", "Days overdue"],
         [[a.ref, a.owner or "", str(a.due), STATUS_WORDS[a.status],
           str((report.position.as_at - a.due).days if a.due else "")]
          for a in report.overdue()], "No action was overdue."),
        Section("Blocked actions", ["Action", "Status", "Waiting on"],
         [[a.ref, STATUS_WORDS[a.status],
           ", ".join(report.position.describe_dependency(d) for d in a.blocked_by)]
          for a in report.blocked()], "No action was waiting on another."),
        Section("Outstanding committee requests", ["Requested", "Resolution", "Report", "Due", "Overdue"],
         [[f"{r.committee}, {r.requested_on}", f"{r.meeting}/{r.number}"
           + (f" (minute {r.minute})" if r.minute else ""), r.text, r.due_words,
           "yes" if r.overdue else "no"] for r in report.requests],
         "No committee request was outstanding."),
    ]
    tables += [Section(*t) for t in governance_tables(report)]
    if report.meeting is not None and report.meeting.resolutions:
        tables.insert(0, Section(
            "Resolutions of this meeting", ["No.", "Minute", "Kind", "Resolution"],
            [[str(r.number), (r.minute or "") + (f" (further to {r.further_to})"
                                                  if r.further_to else ""),
              r.kind.value, r.text] for r in report.meeting.resolutions],
            "No resolutions recorded yet."))
    if report.meeting is not None and report.edition >= 2:  # the committee tracker (issue 15)
        tables += [Section(*table) for table in tracker_tables(report)]
    return [Section(t.heading, t.columns, [[printable(c) for c in row] for row in t.rows], t.empty)
            for t in tables]


def words(report: Report) -> tuple[str, list[str]]:
    """The title and the paragraphs for the minutes, unprintable characters escaped."""
    paragraphs = report.paragraphs() or ["There were no actions in the ledger at that date."]
    return printable(report.title), [printable(p) for p in paragraphs]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    """The paper for the minutes: paragraph first, then the tables, the clocks, the fingerprint."""
    title, paragraphs = words(report)
    lines = [f"# {title}", "", f"*{report.clocks()}*", ""]
    if report.note:
        lines += [f"*{printable(report.note)}*", ""]
    for para in paragraphs:
        lines += [para, ""]
    for heading, columns, rows, empty in sections(report):
        lines += [f"## {heading}", ""]
        if not rows:
            lines += [empty, ""]
            continue
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "|".join("---" for _ in columns) + "|")
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
        lines.append("")
    lines += ["## Fingerprint", "", report.fingerprint_words(), ""]
    return "\n".join(lines)


def to_text(report: Report, width: int = 100) -> str:
    """The same paper for a terminal, tables drawn by rich."""
    # rich is imported here, not above: a write command imports this package (trail, its safe
    # text) but never draws a table, and an officer waits for every import (bench/cli.py).
    from rich.console import Console

    out = io.StringIO()
    # markup=False: user text such as "[/bold]" is words, not rich markup (which could raise).
    console = Console(file=out, width=width, color_system=None, force_terminal=False,
                      highlight=False, emoji=False, markup=False)
    title, paragraphs = words(report)
    console.print(title, style="bold")
    console.print(report.clocks())
    if report.note:
        console.print(printable(report.note))
    console.print()
    for para in paragraphs:
        console.print(para)
        console.print()
    for heading, columns, rows, empty in sections(report):
        if not rows:
            console.print(f"{heading}: {empty}")
            console.print()
            continue
        console.print(_table(heading, columns, rows, fit=report.edition >= 2))
        console.print()
    console.print(report.fingerprint_words())
    return out.getvalue()


SHORT = 12
"""A column whose every cell is at most this long holds refs, dates, words or numbers."""


def _least_width(cells: Sequence[str]) -> int | None:
    """The longest word of a column of short cells (None for a column of longer text)."""
    if any(len(c) > SHORT for c in cells):
        return None
    return max((len(w) for c in cells for w in c.split()), default=None)


def _table(heading: str, columns: list[str], rows: list[list[str]], *, fit: bool) -> Table:
    """A rich table; with `fit` (edition 2 on) a column of short cells is never narrower than
    its longest word (refs and dates stay whole; longer text wraps)."""
    from rich.table import Table

    table = Table(title=heading, title_justify="left")
    for i, c in enumerate(columns):
        least = _least_width([row[i] for row in rows]) if fit else None
        table.add_column(c, overflow="fold", min_width=least)
    for row in rows:
        table.add_row(*row)
    return table


def requests_text(requests: Sequence[Request], as_at: date) -> str:
    """The outstanding committee requests, one line each (stored text escaped, never raw)."""
    if not requests:
        return f"No committee request was outstanding as at {as_at}.\n"
    lines = []
    for r in requests:
        flag = " OVERDUE" if r.overdue else ""
        minute = f" (minute {r.minute})" if r.minute else ""
        lines.append(one_line(f"{r.meeting}/{r.number}{minute}, {r.committee} on "
                              f"{r.requested_on}: {r.text} — due {r.due_words}{flag}"))
    return "\n".join(lines) + "\n"
