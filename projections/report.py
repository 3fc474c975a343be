"""As-at reports: one model computed from the replay, rendered as JSON, CSV, Markdown or text."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol, cast

from rich.console import Console
from rich.table import Table

from ledger.domain import events as ev
from ledger.domain.errors import UnknownRef
from ledger.domain.values import Logged
from ledger.projections.replay import (
    ActionState,
    MeetingInfo,
    Position,
    Request,
    Timeline,
    Totals,
    end_of_day,
)
from ledger.projections.words import (
    long_date,
    position_sentence,
    since_sentence,
    source_label,
    to_begin_sentence,
)

FORMATS = ("text", "markdown", "json", "csv")
STATUS_WORDS = {ev.Status.NOT_STARTED: "not started", ev.Status.IN_PROGRESS: "in progress",
                ev.Status.COMPLETED: "completed"}


def iso_utc(t: datetime) -> str:
    """2016-07-25T23:59:59Z (microseconds kept only when present)."""
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Report:
    """The position as at a date on one recorded-time horizon, optionally compared with another."""

    position: Position
    since: Position | None = None
    audit: str | None = None
    meeting: MeetingInfo | None = None
    previous_meeting: MeetingInfo | None = None

    # -- figures --------------------------------------------------------------------------
    @property
    def actions(self) -> tuple[ActionState, ...]:
        """The actions in scope (one audit's, or all)."""
        return self.position.for_audit(self.audit)

    @property
    def totals(self) -> Totals:
        """Totals of the actions in scope."""
        return Totals.of(self.actions)

    def audits(self) -> list[str]:
        """The audits in scope, in ref order."""
        return [self.audit] if self.audit else list(self.position.audits)

    def by_audit(self) -> dict[str, Totals]:
        """Totals per audit (an action serving two audits counts under each)."""
        return {ref: self.position.totals(ref) for ref in self.audits()}

    def by_priority(self) -> dict[str, Totals]:
        """Totals per priority, most pressing first."""
        groups: dict[str, list[ActionState]] = defaultdict(list)
        for a in self.actions:
            groups[a.priority.value if a.priority else "none"].append(a)
        order = [p.value for p in ev.Priority] + ["none"]
        return {p: Totals.of(groups[p]) for p in order if p in groups}

    def by_owner(self) -> dict[str, Totals]:
        """Totals per owner, by name."""
        groups: dict[str, list[ActionState]] = defaultdict(list)
        for a in self.actions:
            groups[a.owner or "(unassigned)"].append(a)
        return {o: Totals.of(groups[o]) for o in sorted(groups, key=str.lower)}

    def overdue(self) -> list[ActionState]:
        """Unfinished actions past their target date."""
        return [a for a in self.actions if a.overdue]

    def blocked(self) -> list[ActionState]:
        """Unfinished actions waiting on something unfinished."""
        return [a for a in self.actions if a.blocked_by]

    @property
    def requests(self) -> tuple[Request, ...]:
        """Committee requests for reports still outstanding as at the date."""
        return self.position.requests

    def since_figures(self, audit: str | None = None) -> dict[str, Any] | None:
        """The change since the earlier date, as minutes speak of it (for one audit if given)."""
        if self.since is None:
            return None
        scope = audit or self.audit
        then, now = self.since.totals(scope), self.position.totals(scope)
        return {
            "date": self.since.as_at.isoformat(),
            "completed": now.completed - then.completed,
            "started": then.not_started - now.not_started,
            "added": now.actions - then.actions,
            "remaining": now.actions - now.completed,
            "in_progress": now.in_progress,
            "not_started": now.not_started,
            "then": then.as_dict(),
        }

    # -- words ----------------------------------------------------------------------------
    def paragraphs(self) -> list[str]:
        """One paragraph per audit in scope, in the voice of the minutes."""
        out = []
        for ref in self.audits():
            audit = self.position.audits[ref]
            now = self.position.totals(ref)
            if now.actions == 0 and (self.since is None or self.since.totals(ref).actions == 0):
                continue
            label = f"{source_label(audit.title)} ({ref})"
            words = [position_sentence(label, now)]
            if self.since is not None:
                then = self.since.totals(ref)
                lead = self.since_lead()
                words = [
                    f"{lead} {_lower_first(position_sentence(label, then))}",
                    since_sentence(self.since.as_at, then, now),
                ]
                waiting = [a for a in self.position.for_audit(ref)
                           if a.status is ev.Status.NOT_STARTED]
                blocked = [a for a in waiting if a.blocked_by]
                on = list(dict.fromkeys(
                    self.position.describe_dependency(d) for a in blocked for d in a.blocked_by))
                begin = to_begin_sentence(len(waiting), len(blocked), on)
                if begin:
                    words.append(begin)
            out.append(" ".join(words))
        return out

    def since_lead(self) -> str:
        """How the earlier position is introduced: by its meeting when there is one."""
        assert self.since is not None
        if self.previous_meeting is not None:
            return f"As at the Committee's meeting on {long_date(self.previous_meeting.held_on)},"
        return f"As at {long_date(self.since.as_at)},"

    @property
    def title(self) -> str:
        """The report's heading."""
        if self.meeting:
            return (f"{self.meeting.committee}, {long_date(self.meeting.held_on)}: "
                    "progress with the action plans")
        scope = f" for {self.audit}" if self.audit else ""
        return f"Action plans{scope}: position as at {long_date(self.position.as_at)}"

    def clocks(self) -> str:
        """The two clocks the report was computed on."""
        return (f"As at {self.position.as_at.isoformat()} (effective date), as known on "
                f"{iso_utc(self.position.as_known_on)} (recorded time).")

    def fingerprint_words(self) -> str:
        """Where the figures came from, and how to check it."""
        fp = self.position.fingerprint
        return (f"Computed from the ledger up to position {fp.position}, chain hash {fp.hash}. "
                f"Check with: ledger verify --expect {fp}")


def _lower_first(sentence: str) -> str:
    return sentence[0].lower() + sentence[1:]


LogSource = Callable[[], Iterable[Logged]]
"""Something that streams the log from the start each time it is called."""

FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


class Source(Protocol):
    """Where positions come from: the pure replay, or the SQL read model that must agree."""

    def position(self, as_at: date, known: datetime, audit: str | None = None) -> Position:
        """The position as at a date on a recorded-time horizon."""
        ...

    def meetings(self, known: datetime) -> list[MeetingInfo]:
        """Meetings known on the horizon, in date order."""
        ...


class ReplaySource:
    """Positions from the pure replay of the log (the reference; no database tables)."""

    def __init__(self, log: LogSource) -> None:
        self.log = log
        self._timelines: dict[datetime, Timeline] = {}

    def timeline(self, known: datetime) -> Timeline:
        """The log read once per horizon."""
        if known not in self._timelines:
            self._timelines[known] = Timeline.build(self.log(), known)
        return self._timelines[known]

    def position(self, as_at: date, known: datetime, audit: str | None = None) -> Position:
        """The replay's position (the audit filter is applied by the report)."""
        return self.timeline(known).position(as_at)

    def meetings(self, known: datetime) -> list[MeetingInfo]:
        """The replay's meetings."""
        return self.timeline(known).meeting_list()


def _source(source: Source | LogSource) -> Source:
    if hasattr(source, "position"):
        return cast(Source, source)
    return ReplaySource(source)


def build_report(source: Source | LogSource, as_at: date, *, as_known_on: datetime | None = None,
                 since: date | None = None, audit: str | None = None) -> Report:
    """Assemble the report on one horizon (default: now) from a source or a log."""
    src = _source(source)
    horizon = as_known_on or datetime.now(UTC)
    position = src.position(as_at, horizon, audit)
    if audit is not None and audit not in position.audits:
        raise UnknownRef(f"no audit {audit} as at {as_at} as known on {iso_utc(horizon)}")
    since_position = src.position(since, horizon, audit) if since is not None else None
    return Report(position, since_position, audit)


def build_meeting_report(source: Source | LogSource, meeting: str, *,
                         as_known_on: datetime | None = None) -> Report:
    """A meeting's report: as at its date, as known at the end of that day unless told
    otherwise, compared with the previous meeting of the same committee."""
    src = _source(source)
    every = src.meetings(FAR_FUTURE)
    this = next((m for m in every if m.ref == meeting), None)
    if this is None:
        raise UnknownRef(f"no meeting {meeting}")
    earlier = [m for m in every if m.committee == this.committee and m.held_on < this.held_on]
    previous = earlier[-1] if earlier else None
    horizon = as_known_on or end_of_day(this.held_on)
    shown = next((m for m in src.meetings(horizon) if m.ref == meeting), this)
    position = src.position(this.held_on, horizon)
    since = src.position(previous.held_on, horizon) if previous else None
    return Report(position, since, None, shown, previous)


# -- renderers --------------------------------------------------------------------------------

def _action_json(a: ActionState) -> dict[str, Any]:
    return {
        "ref": a.ref, "status": a.status.value, "owner": a.owner,
        "due": a.due.isoformat() if a.due else None, "overdue": a.overdue,
        "blocked_by": list(a.blocked_by), "text": a.text,
        "original_due": a.original_due.isoformat() if a.original_due else None,
        "recommendations": list(a.recommendations), "audits": list(a.audits),
        "priority": a.priority.value if a.priority else None,
        "added_on": a.added_on.isoformat(), "status_on": a.status_on.isoformat(),
    }


def _request_json(r: Request) -> dict[str, Any]:
    return {
        "meeting": r.meeting, "number": r.number, "committee": r.committee, "minute": r.minute,
        "text": r.text, "requested_on": r.requested_on.isoformat(), "due_at": r.due_at,
        "due_date": r.due_date.isoformat() if r.due_date else None, "due_after": r.due_after,
        "overdue": r.overdue,
    }


def requests_json(requests: Iterable[Request]) -> list[dict[str, Any]]:
    """The outstanding-requests list in its JSON shape."""
    return [_request_json(r) for r in requests]


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
                          if report.previous_meeting else None}
    doc["minutes"] = report.paragraphs()
    doc["actions"] = [_action_json(a) for a in report.actions]
    doc["requests"] = requests_json(report.requests)
    return json.dumps(doc, indent=2) + "\n"


CSV_COLUMNS = ["ref", "status", "owner", "due", "original_due", "overdue", "blocked_by",
               "priority", "audits", "recommendations", "status_on", "text"]


def to_csv(report: Report) -> str:
    """The action list as CSV, one row per action, with a header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for a in report.actions:
        j = _action_json(a)
        writer.writerow([
            j["ref"], j["status"], j["owner"] or "", j["due"] or "", j["original_due"] or "",
            "yes" if a.overdue else "no", ";".join(a.blocked_by), j["priority"] or "",
            ";".join(a.audits), ";".join(a.recommendations), j["status_on"], a.text,
        ])
    return out.getvalue()


def _totals_rows(groups: dict[str, Totals]) -> list[list[str]]:
    return [[k, str(t.actions), str(t.completed), str(t.in_progress), str(t.not_started)]
            for k, t in groups.items()]


def _sections(report: Report) -> list[tuple[str, list[str], list[list[str]], str]]:
    """(heading, columns, rows, text when empty) for every table of the report."""
    counts = ["Actions", "Completed", "In progress", "Not started"]
    audits = report.position.audits
    by_audit = [[ref, audits[ref].title, *row[1:]]
                for ref, row in zip(report.by_audit(), _totals_rows(report.by_audit()),
                                    strict=True)]
    sections = [
        ("By audit", ["Audit", "Title", *counts], by_audit, "No audits."),
        ("By priority", ["Priority", *counts], _totals_rows(report.by_priority()),
         "No actions."),
        ("By owner", ["Owner", *counts], _totals_rows(report.by_owner()), "No actions."),
        ("Overdue actions", ["Action", "Owner", "Due", "Status", "Days overdue"],
         [[a.ref, a.owner or "", str(a.due), STATUS_WORDS[a.status],
           str((report.position.as_at - a.due).days if a.due else "")]
          for a in report.overdue()], "No action was overdue."),
        ("Blocked actions", ["Action", "Status", "Waiting on"],
         [[a.ref, STATUS_WORDS[a.status],
           ", ".join(report.position.describe_dependency(d) for d in a.blocked_by)]
          for a in report.blocked()], "No action was waiting on another."),
        ("Outstanding committee requests", ["Requested", "Resolution", "Report", "Due", "Overdue"],
         [[f"{r.committee}, {r.requested_on}", f"{r.meeting}/{r.number}"
           + (f" (minute {r.minute})" if r.minute else ""), r.text, r.due_words,
           "yes" if r.overdue else "no"] for r in report.requests],
         "No committee request was outstanding."),
    ]
    if report.meeting is not None and report.meeting.resolutions:
        sections.insert(0, (
            "Resolutions of this meeting", ["No.", "Minute", "Kind", "Resolution"],
            [[str(r.number), (r.minute or "") + (f" (further to {r.further_to})"
                                                  if r.further_to else ""),
              r.kind.value, r.text] for r in report.meeting.resolutions],
            "No resolutions recorded yet."))
    return sections


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    """The paper for the minutes: paragraph first, then the tables, the clocks, the fingerprint."""
    lines = [f"# {report.title}", "", f"*{report.clocks()}*", ""]
    paragraphs = report.paragraphs() or ["There were no actions in the ledger at that date."]
    for para in paragraphs:
        lines += [para, ""]
    for heading, columns, rows, empty in _sections(report):
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
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False,
                      highlight=False, emoji=False)
    console.print(report.title, style="bold")
    console.print(report.clocks())
    console.print()
    for para in report.paragraphs() or ["There were no actions in the ledger at that date."]:
        console.print(para)
        console.print()
    for heading, columns, rows, empty in _sections(report):
        if not rows:
            console.print(f"{heading}: {empty}")
            console.print()
            continue
        table = Table(title=heading, title_justify="left")
        for c in columns:
            table.add_column(c, overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)
        console.print()
    console.print(report.fingerprint_words())
    return out.getvalue()


def render(report: Report, fmt: str) -> str:
    """Render in one of FORMATS."""
    renderers = {"json": to_json, "csv": to_csv, "markdown": to_markdown, "text": to_text}
    return renderers[fmt](report)


# -- presented reports --------------------------------------------------------------------------

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
    }


def reproduce(log: LogSource, parameters: dict[str, str | None], fmt: str | None = None) -> str:
    """Render a presented report again from the same trail and parameters."""
    known = datetime.fromisoformat(str(parameters["as_known_on"]))
    out_format = fmt or str(parameters["format"])
    if parameters["kind"] == "meeting":
        report = build_meeting_report(log, str(parameters["meeting"]), as_known_on=known)
    else:
        since = parameters.get("since")
        report = build_report(log, date.fromisoformat(str(parameters["as_at"])),
                              as_known_on=known,
                              since=date.fromisoformat(since) if since else None,
                              audit=parameters.get("audit"))
    return render(report, out_format)


def digest(text: str) -> str:
    """SHA-256 of a rendered report's UTF-8 bytes."""
    return hashlib.sha256(text.encode()).hexdigest()
