"""`verify --deep`: the chain, then one pass over the log that checks every event under the rules
and compares the replay with every answer the SQL read model gives (each record's state, and the
position and the follow-up audits' findings and ratings at every meeting date on both clocks);
the first disagreement raises `Inconsistent`."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from ledger.application.ledger import Ledger
from ledger.application.store_errors import database_errors
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import Inconsistent, StoreError
from ledger.projections.agreement import (
    facts_mismatch,
    first_mismatch,
    meetings_mismatch,
    position_mismatch,
    scoped,
)
from ledger.projections.followup import replay_facts
from ledger.projections.legality import Rules
from ledger.projections.readmodel import ReadModel
from ledger.projections.replay import Position, Timeline, end_of_day
from ledger.projections.report import iso_utc

LATEST = date(9999, 12, 30)
"""The date "as at" the latest state (the read model's intervals end the day after)."""
NOW = end_of_day(LATEST)
"""A horizon after every recorded time: "as known now"."""


@dataclass(frozen=True)
class DeepCheck:
    """What `verify --deep` found agreeing: the chain's head, the read model's position, and how
    many meeting dates it compared on both clocks."""

    head: Fingerprint
    compared_to: int
    meeting_dates: int


class _Comparison:
    """The replay so far (events up to the read model's position) and the questions to ask."""

    def __init__(self, model: ReadModel, tracked: int) -> None:
        self.model = model
        self.tracked = tracked
        self.timeline = Timeline(NOW)

    def deps(self, position: Position) -> set[str]:
        """Every ref the position's actions depend on."""
        found = (self.timeline.actions[a.ref].added for a in position.actions)
        return {d for added in found if added is not None for d in added.depends_on}

    def position(self, as_at: date, known: datetime, audit: str | None = None) -> None:
        """Compare the position as at `as_at` as known on `known` (the replay holds exactly
        the events known then)."""
        expected = self.timeline.position(as_at)
        if audit is not None:
            expected = scoped(expected, audit)
        with database_errors():
            got = self.model.position(as_at, known, audit)
        found = position_mismatch(expected, got, self.deps(expected))
        if found is not None:
            where = f"as at {as_at}, as known on {iso_utc(known)}"
            if audit is not None:
                where += f", audit {audit}"
            self.fail(found[0], f"{where}: {found[1]}")

    def follow_ups(self, as_at: date, known: datetime) -> None:
        """Compare what each follow-up audit dated by `as_at` found (`rm_findings`, with what
        the officers had reported before each finding from `rm_status_log`) and its revised
        ratings (`rm_assurance`): the facts its report is made of."""
        for audit, recorded in self.timeline.audits.items():
            if recorded.follows is None or recorded.effective > as_at:
                continue
            expected = replay_facts(self.timeline, audit, recorded.follows, as_at)
            with database_errors():
                got = self.model.follow_up_facts(audit, recorded.follows, as_at, known)
            found = facts_mismatch(expected, got)
            if found is not None:
                self.fail(found[0], f"as at {as_at}, as known on {iso_utc(known)}, follow-up "
                                    f"audit {audit}: {found[1]}")

    def meetings(self, known: datetime) -> None:
        """Compare the meetings (and their resolutions) known on `known`."""
        with database_errors():
            got = self.model.meetings(known)
        found = meetings_mismatch(self.timeline.meeting_list(), got)
        if found is not None:
            self.fail(found[0], f"as known on {iso_utc(known)}: {found[1]}")

    def current(self) -> None:
        """Compare each action's and milestone's latest state with the read model's rows."""
        latest = self.timeline.position(LATEST)
        with database_errors():
            rows = self.model.current()
        actions = {a.ref: (a.status.value, a.owner, a.due) for a in latest.actions}
        marks = {ref: (m.text, self.first_achieved(ref))
                 for ref, m in self.timeline.milestones.items()}
        for found in (first_mismatch(actions, rows.actions, "latest status, owner, due of action"),
                      first_mismatch(marks, rows.milestones, "milestone's words, day achieved")):
            if found is not None:
                self.fail(found[0], f"latest state: {found[1]}")

    def first_achieved(self, ref: str) -> date | None:
        """The day of a milestone's first achievement in the log (the one its row keeps)."""
        achieved = sorted(self.timeline.achieved.get(ref, ()), key=lambda day_position: day_position[1])
        return achieved[0][0] if achieved else None

    def fail(self, ref: str | None, what: str) -> None:
        """Raise the disagreement, at the last position the replay counted."""
        position = self.timeline.fingerprint.position
        raise Inconsistent(f"read model disagrees with the log (replayed to position {position})"
                           f"{', ' + ref if ref else ''}: {what}", position, ref)


def verify_deep(app: Ledger, expect: Fingerprint | None = None,
                progress: Callable[[int], None] | None = None) -> DeepCheck:
    """The chain (as `verify`), every event checked under the rules, and the read model (caught
    up first where this role may write it) compared with the replay; raises `ChainBroken` or
    `Inconsistent` at the first disagreement."""
    head = app.verify(expect=expect, progress=progress)
    model = ReadModel(app)
    try:
        with database_errors():
            model.catch_up()
    except StoreError:
        pass  # a role that may not write it: its answers are compared where it stands
    with database_errors():
        tracked = model.status().position
        dates = deque(sorted({m.held_on for m in model.meetings(NOW)}))
    check, rules = _Comparison(model, tracked), Rules()
    for item in app.stream():
        problem = rules.check(item.event)
        if problem is not None:
            raise Inconsistent(f"position {item.position}, {item.event.ref}: {problem}",
                               item.position, item.event.ref)
        if item.position > tracked:
            continue
        while dates and item.event.timestamp > end_of_day(dates[0]):
            _known_then(check, dates.popleft())  # the replay holds what was known that day
        check.timeline.add(item)
        if progress is not None and item.position % 1000 == 0:
            progress(item.position)
    while dates:
        _known_then(check, dates.popleft())
    # As known now: the meetings, each record's latest state, every meeting date (the follow-ups
    # too), each audit.
    check.meetings(NOW)
    check.current()
    for held_on in sorted({m.held_on for m in check.timeline.meetings.values()}):
        check.position(held_on, NOW)
        check.follow_ups(held_on, NOW)
    check.position(LATEST, NOW)
    check.follow_ups(LATEST, NOW)
    for audit in check.timeline.audits:
        check.position(LATEST, NOW, audit)
    return DeepCheck(head, tracked, len({m.held_on for m in check.timeline.meetings.values()}))


def _known_then(check: _Comparison, held_on: date) -> None:
    """The position at a meeting date as known at the end of that day, and the meetings."""
    known = end_of_day(held_on)
    check.meetings(known)
    check.position(held_on, known)
    check.follow_ups(held_on, known)
