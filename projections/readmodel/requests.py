"""Which requests for reports could be outstanding as at a date, without reading every one.

A request is outstanding as at D, as known on K, when no receipt of it known on K took effect
by D: a question about every request ever made, which grows with the ledger while the answer
grows only with the committees' backlog. `rm_requests` keeps each request's meeting date and a
state: SETTLED when a receipt took effect and was recorded within `SETTLED_WITHIN` of the
meeting, OPEN until then, UNSURE once the meeting's record was corrected or retracted.

Why that suffices: a SETTLED request held on H <= min(D, day of K - 1) - SETTLED_WITHIN has a
receipt that took effect by H + SETTLED_WITHIN <= D and was recorded before the day of K, and
the receipt's row is still current on K (only an amendment of the meeting's record replaces
it, and that makes the request UNSURE). So the candidates are the SETTLED requests held in the
window after that bound and every other request; the exact test then runs on those alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger.domain import events as ev
from ledger.domain.values import FOREVER
from ledger.projections.readmodel import schema
from ledger.projections.readmodel.bulk import insert_rows

SETTLED_WITHIN: Final = timedelta(days=183)
"""How soon after its meeting a request must be received (in effect and in the record) to count
as settled. Changing it changes what stored states mean: the read model must be rebuilt."""
SETTLED: Final = 0
OPEN: Final = 1
UNSURE: Final = 2
IN_CHUNK: Final = 500
DAY_US: Final = 86_400_000_000
EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
REQUESTED: Final = ev.ResolutionKind.REPORT_REQUESTED.value


def lower_bound(as_at: date, k: int) -> date:
    """The meeting date on or before which a SETTLED request cannot be outstanding as at
    `as_at`, as known on `k` (microseconds)."""
    day_of_k = EPOCH_ORDINAL + k // DAY_US
    limit = as_at if day_of_k > as_at.toordinal() else date.fromordinal(max(1, day_of_k - 1))
    return date.fromordinal(max(1, limit.toordinal() - SETTLED_WITHIN.days))


def _settles(held_on: date | None, effective: date, recorded_at: int) -> bool:
    """Whether a receipt settles a request held on `held_on`: in effect and recorded within
    `SETTLED_WITHIN` of the meeting (recorded before the day after that)."""
    if held_on is None:
        return False
    last = held_on + SETTLED_WITHIN
    return effective <= last and recorded_at < (last.toordinal() + 1 - EPOCH_ORDINAL) * DAY_US


class Requests:
    """A batch's requests and receipts, written after the batch's meetings (`Batch.flush`)."""

    def __init__(self) -> None:
        self.new: dict[tuple[str, int], int] = {}  # (meeting, number) -> state
        self.receipts: list[tuple[str, int, date, int]] = []

    def take_resolution(self, meeting: str, number: int, kind: str) -> None:
        """A resolution passed: a request for a report is recorded OPEN (a number passed twice
        is UNSURE: which one a receipt answers is for the exact test to say)."""
        if kind == REQUESTED:
            key = (meeting, number)
            self.new[key] = UNSURE if key in self.new else OPEN

    def take_receipt(self, meeting: str, number: int, effective: date, recorded_at: int) -> None:
        """A requested report was received."""
        self.receipts.append((meeting, number, effective, recorded_at))

    def flush(self, conn: Connection) -> None:
        """Insert the batch's requests and settle those its receipts settle (the batch's
        meetings must be written already: their dates are read back)."""
        if not self.new and not self.receipts:
            return
        new, t = self.new, schema.requests
        stored = _stored(conn, set(new) | {(m, n) for m, n, *_ in self.receipts})
        changed: dict[tuple[str, int], tuple[int, date | None]] = {}
        for key in [key for key in new if key in stored]:  # passed again: unsure
            del new[key]
            changed[key] = stored[key] = (UNSURE, stored[key][1])
        held = _held(conn, {m for m, _ in new})
        for meeting, number, effective, recorded_at in self.receipts:
            key = (meeting, number)
            if new.get(key) == OPEN and _settles(held.get(meeting), effective, recorded_at):
                new[key] = SETTLED
            elif key in stored and stored[key][0] == OPEN \
                    and _settles(stored[key][1], effective, recorded_at):
                changed[key] = stored[key] = (SETTLED, stored[key][1])
        insert_rows(conn, t, ("meeting", "number", "held_on", "state"),
                    [(m, n, held.get(m), state) for (m, n), state in new.items()])
        if changed:
            conn.execute(t.update().where(t.c.meeting == sa.bindparam("m"),
                                          t.c.number == sa.bindparam("n"))
                         .values(state=sa.bindparam("s")),
                         [{"m": m, "n": n, "s": s} for (m, n), (s, _) in changed.items()])
        new.clear()
        self.receipts.clear()


def _held(conn: Connection, refs: Iterable[str]) -> dict[str, date]:
    """The current date of each of these meetings that has one."""
    m, wanted = schema.meetings, sorted(refs)
    out: dict[str, date] = {}
    for i in range(0, len(wanted), IN_CHUNK):
        out.update((r.ref, _as_date(r.held_on)) for r in conn.execute(
            sa.select(m.c.ref, m.c.held_on).where(m.c.ref.in_(wanted[i:i + IN_CHUNK]),
                                                  m.c.recorded_to == FOREVER)))
    return out


def _stored(conn: Connection,
            keys: set[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, date | None]]:
    """The stored state and meeting date of these requests (those that have a row)."""
    t, meetings = schema.requests, sorted({m for m, _ in keys})
    out: dict[tuple[str, int], tuple[int, date | None]] = {}
    for i in range(0, len(meetings), IN_CHUNK):
        for r in conn.execute(sa.select(t.c.meeting, t.c.number, t.c.state, t.c.held_on)
                              .where(t.c.meeting.in_(meetings[i:i + IN_CHUNK]))):
            if (r.meeting, r.number) in keys:
                out[(r.meeting, r.number)] = (
                    r.state, None if r.held_on is None else _as_date(r.held_on))
    return out


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def unsure(conn: Connection, meeting: str, stream: Sequence[ev.LedgerEvent]) -> None:
    """After an amendment of a meeting's record: every resolution its stream ever held, as
    recorded or amended, is a candidate from now on (UNSURE), whatever its kind."""
    numbers = {e.number for e in stream if isinstance(e, ev.ResolutionPassed)}
    t = schema.requests
    conn.execute(t.delete().where(t.c.meeting == meeting))
    held = _held(conn, [meeting]).get(meeting)
    insert_rows(conn, t, ("meeting", "number", "held_on", "state"),
                [(meeting, n, held, UNSURE) for n in sorted(numbers)])


_WINDOW = sa.select(schema.requests.c.meeting, schema.requests.c.number).where(
    schema.requests.c.state == SETTLED,
    schema.requests.c.held_on > sa.bindparam("lower", type_=sa.Date()),
    schema.requests.c.held_on <= sa.bindparam("as_at", type_=sa.Date()))
_NOT_SETTLED = sa.select(schema.requests.c.meeting, schema.requests.c.number).where(
    schema.requests.c.state > SETTLED)


def candidates(conn: Connection, as_at: date, k: int) -> set[tuple[str, int]]:
    """The (meeting, number) of every request that may be outstanding as at `as_at`, as known
    on `k`: two range reads of the (state, meeting date) index, not one planner's choice."""
    found = {(r.meeting, r.number) for r in conn.execute(
        _WINDOW, {"lower": lower_bound(as_at, k), "as_at": as_at})}
    return found | {(r.meeting, r.number) for r in conn.execute(_NOT_SETTLED)}
