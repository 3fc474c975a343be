"""As-at reports: one model computed from the replay, rendered as JSON, CSV, Markdown or text."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol, cast

from ledger.domain import events as ev
from ledger.domain.errors import UnknownRef
from ledger.domain.values import Logged
from ledger.projections.governance import Governed, govern
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

STATUS_WORDS = {ev.Status.NOT_STARTED: "not started", ev.Status.IN_PROGRESS: "in progress",
                ev.Status.COMPLETED: "completed", ev.Status.WITHDRAWN: "withdrawn",
                ev.Status.SUPERSEDED: "superseded"}


EDITION = 2
"""The current layout of the as-at and meeting papers (see `Report.edition`)."""


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
    note: str | None = None
    """Why the horizon is not the one the reader would expect (a meeting report shown as known
    later because nothing had been recorded by the end of its day)."""
    edition: int = EDITION
    """The paper's layout: 1 before target-date governance (no RAG, recommendations or full
    action list), 2 since. A paper presented earlier is reproduced in its own edition."""

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

    def governed(self) -> list[Governed]:
        """Every action in scope under the target-date policy in force on the date: RAG
        status, revisions, the original date, any request awaiting approval."""
        return [govern(a, self.position.as_at, self.position.policy) for a in self.actions]

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
        figures: dict[str, Any] = {
            "date": self.since.as_at.isoformat(),
            "completed": now.completed - then.completed,
            "started": then.not_started - now.not_started,
            "added": _all(now) - _all(then),
            "remaining": now.actions - now.completed,
            "in_progress": now.in_progress,
            "not_started": now.not_started,
        }
        if self.has_closed:
            figures["withdrawn"] = now.withdrawn - then.withdrawn
            figures["superseded"] = now.superseded - then.superseded
        figures["then"] = then.as_dict()
        return figures

    @property
    def has_closed(self) -> bool:
        """Whether any action in scope was withdrawn or superseded, now or at the earlier date:
        papers then show those counts (a paper without any reads as before they existed)."""
        counts = [self.totals] + ([self.since.totals(self.audit)] if self.since else [])
        return any(t.withdrawn or t.superseded for t in counts)

    # -- words ----------------------------------------------------------------------------
    def paragraphs(self) -> list[str]:
        """One paragraph per audit in scope, in the voice of the minutes."""
        out = []
        for ref in self.audits():
            audit = self.position.audits[ref]
            now = self.position.totals(ref)
            if not _counted(now) and (self.since is None or not _counted(self.since.totals(ref))):
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


def as_source(source: Source | LogSource) -> Source:
    """A source as it is, or the pure replay of a log."""
    return _source(source)


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
                         as_known_on: datetime | None = None,
                         now: datetime | None = None) -> Report:
    """A meeting's report: as at its date, as known at the end of that day unless told
    otherwise, compared with the previous meeting of the same committee.

    Every part respects both clocks: the meeting's resolutions, the previous meeting and the
    positions are those recorded by the horizon. When the ledger did not know the meeting by
    the end of its day (it was entered later: a council entering its past), the default
    horizon is `now` (default: the system clock), and the report says so in its `note`, as it
    does for any horizon after that day in that case."""
    src = _source(source)
    this = next((m for m in src.meetings(FAR_FUTURE) if m.ref == meeting), None)
    if this is None:
        raise UnknownRef(f"no meeting {meeting}")
    day_end = end_of_day(this.held_on)
    known_that_day = any(m.ref == meeting for m in src.meetings(day_end))
    horizon = as_known_on or (day_end if known_that_day else now or datetime.now(UTC))
    note = None
    if not known_that_day and horizon > day_end:
        nothing = src.position(this.held_on, day_end).fingerprint.position == 0
        why = ("nothing had been recorded in the ledger" if nothing
               else f"meeting {this.ref} had not been recorded in the ledger")
        note = (f"As {why} by the end of {long_date(this.held_on)}, this is the position as "
                f"known on {iso_utc(horizon)}, not what the committee could have been told "
                "that day.")
    known = src.meetings(horizon)
    # The meeting as known on the horizon (a later correction of its day or committee does not
    # reach back), else as known now.
    shown = next((m for m in known if m.ref == meeting),
                 MeetingInfo(this.ref, this.committee, this.held_on, ()))
    this = shown
    position = src.position(this.held_on, horizon)
    earlier = [m for m in known if m.committee == this.committee and m.held_on < this.held_on]
    previous = earlier[-1] if earlier else None
    since = src.position(previous.held_on, horizon) if previous else None
    return Report(position, since, None, shown, previous, note)


def _all(t: Totals) -> int:
    """Every action counted, live or closed undone."""
    return t.actions + t.withdrawn + t.superseded


def _counted(t: Totals) -> bool:
    """Whether an audit has any action to speak of, live or closed undone."""
    return bool(t.actions or t.withdrawn or t.superseded)
