"""The replay baseline in bounded memory: the pure replay of one organisation's records.

`build_report(app.stream, …)` (the full replay) reads the log as a stream, a page at a time, but
its `Timeline` keeps what it folds: every event of every record (each record's stream, for
amendments), every action's log, and a position of every action in the ledger. That state grows
with the log (about 550 MB at 200,000 events, 2.2 GB at 1,000,000), so at 10,000,000 events it
would not fit this machine's memory.

`ScopedReplay` reads and decodes the whole log the same way (`Ledger.stream`: every event
validated) and folds into the library's own `Timeline`, unchanged, only the events that can bear
on one audit's report: the records of the audit's organisation (the generator's refs carry it:
`O17-A2-R5.143`), the target-date policy, and every committee's meetings, resolutions and reports
received (a report lists every outstanding request). The fingerprint is the last event known on
the horizon, whatever its record. The bench checks each answer equal to the read model's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from ledger.domain import events as ev
from ledger.domain.chain import EMPTY, Fingerprint
from ledger.projections.replay import MeetingInfo, Position, Timeline

EVERY_COMMITTEE = (ev.MeetingScheduled, ev.ResolutionPassed, ev.ReportReceived)


def organisation(audit: str) -> str:
    """The prefix every ref of the audit's organisation starts with (`O17-A2` → `O17-`)."""
    return audit.split("-", 1)[0] + "-"


class ScopedReplay:
    """A `Source` whose positions are the pure replay of one audit's organisation."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.folded = 0
        """Events folded into the last timeline (the rest were read, decoded and passed by)."""

    def timeline(self, known: datetime, scope: str | None) -> tuple[Timeline, Fingerprint]:
        """The log read once to the end, as the full replay reads it; only what is in `scope`
        (a ref prefix; None: nothing but the committees and the policy) is folded."""
        timeline, last, folded = Timeline(known), EMPTY, 0
        for item in self.app.stream():
            e = item.event
            if e.timestamp > known:
                continue
            last = Fingerprint(item.position, item.hash)
            mine = (scope is not None and e.ref.startswith(scope)) or e.ref == ev.POLICY_REF
            if isinstance(e, ev.AMENDMENTS) and not mine:
                # Another record's stream is not kept whole here (a committee's meeting, say).
                raise NotImplementedError(f"the scoped replay does not follow {e.ref}'s "
                                          "amendments: use the full replay")
            if mine or isinstance(e, EVERY_COMMITTEE):
                timeline.add(item)
                folded += 1
        self.folded = folded
        return timeline, last

    def position(self, as_at: date, known: datetime, audit: str | None = None) -> Position:
        """The audit's position as the full replay gives it (its other records left out)."""
        if audit is None:
            raise ValueError("the scoped replay answers for one audit")
        timeline, last = self.timeline(known, organisation(audit))
        return replace(timeline.position(as_at), fingerprint=last)

    def meetings(self, known: datetime) -> list[MeetingInfo]:
        """Every committee's meetings known on the horizon."""
        return self.timeline(known, None)[0].meeting_list()
