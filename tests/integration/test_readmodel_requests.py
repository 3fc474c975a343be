"""Outstanding requests for reports, found through `rm_requests` (`readmodel.requests`): the SQL
answer equals the replay's on both clocks, for requests settled soon, settled late in effect or
in the record, never settled, and on meetings corrected or retracted; and a question late in
the ledger reads only the requests that may still be outstanding, not every one ever made."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.projections.readmodel import ReadModel, schema
from ledger.projections.readmodel.requests import OPEN, SETTLED, UNSURE, candidates
from tests.conftest import Clock
from tests.integration.test_readmodel import reports_agree

DAY0 = date(2015, 1, 10)


def _story(app: Ledger, clock: Clock) -> None:
    """Meetings a quarter apart; M0 requests three reports (settled soon, settled late in
    effect, settled in effect but recorded late), M1 two (one settled at MX, that receipt then
    retracted), M3 one never settled."""
    clock.set(DAY0)
    app.add_audit("AUD", title="ICO audit", kind="ico-audit", on=DAY0, actor="a")
    app.add_recommendation("R1", audit="AUD", text="t", priority="high", on=DAY0, actor="a")
    app.add_action("A1", recommendations=["R1"], text="t", on=DAY0, actor="o")
    for k, held in enumerate([DAY0, date(2015, 4, 10), date(2016, 1, 12), date(2016, 4, 12)]):
        app.add_meeting(f"M{k}", committee="Audit", on=held, actor="c")
    app.add_meeting("MX", committee="Audit", on=date(2015, 6, 1), actor="c")
    for number in (1, 2, 3):
        app.add_resolution("M0", number, text=f"report {number}", report_due_at="M1", actor="c")
    clock.set("2015-04-10")
    app.add_resolution("M1", 1, text="noted", fulfils="M0/1", actor="c")
    for number in (2, 3):
        app.add_resolution("M1", number, text=f"report {number}", report_due_at="M2", actor="c")
    clock.set("2015-06-01")
    app.add_resolution("MX", 1, text="noted", fulfils="M1/2", actor="c")
    clock.set("2016-01-12")  # M0/2 answered nine months on; M0/3's answer, dated M1, only now
    app.add_resolution("M2", 1, text="noted", fulfils="M0/2", actor="c")
    app.add_resolution("M1", 5, text="noted", fulfils="M0/3", actor="c")
    clock.set("2016-04-12")
    app.add_resolution("M3", 1, text="report", report_due_by=date(2016, 9, 1), actor="c")
    receipt = next(i for i in app.history("M1")
                   if isinstance(i.event, ev.ReportReceived) and i.event.number == 2)
    app.retract(receipt.position, reason="passed at the wrong meeting", actor="c")
    clock.set("2016-05-02")


def _states(app: Ledger) -> dict[tuple[str, int], int]:
    t = schema.requests
    with app.store.engine.connect() as conn:
        return {(r.meeting, r.number): r.state
                for r in conn.execute(sa.select(t.c.meeting, t.c.number, t.c.state))}


def test_outstanding_requests_agree_with_the_replay_on_both_clocks(app: Ledger,
                                                                   clock: Clock) -> None:
    _story(app, clock)
    model = ReadModel(app)
    model.catch_up(batch=5)
    assert _states(app) == {("M0", 1): SETTLED, ("M0", 2): OPEN, ("M0", 3): OPEN,
                            ("M1", 1): UNSURE, ("M1", 2): UNSURE, ("M1", 3): UNSURE,
                            ("M1", 5): UNSURE, ("M3", 1): OPEN}
    stamps = [i.event.timestamp for i in app.stream()]
    horizons = [*stamps[::3], stamps[-1], datetime(2015, 12, 1, tzinfo=UTC),
                datetime(2017, 6, 1, tzinfo=UTC)]
    dates = [DAY0 + timedelta(days=d) for d in range(0, 900, 45)]
    reports_agree(app, model, dates, horizons)
    model.rebuild(batch=2)  # batches that split requests from their receipts
    assert _states(app)[("M0", 1)] == SETTLED
    reports_agree(app, model, dates, horizons)


def test_a_question_late_in_the_ledger_reads_only_the_candidates(app: Ledger,
                                                                 clock: Clock) -> None:
    """Forty quarterly meetings, each request answered at the next: as at the last, only those
    of the last few months (and none of the settled ones before) are candidates."""
    clock.set(DAY0)
    held = [DAY0 + timedelta(days=91 * k) for k in range(40)]
    for k, day in enumerate(held):
        app.add_meeting(f"Q{k}", committee="Audit", on=day, actor="c")
    for k, day in enumerate(held[:-1]):
        clock.set(day)
        if k:
            app.add_resolution(f"Q{k}", 1, text="noted", fulfils=f"Q{k - 1}/2", actor="c")
        app.add_resolution(f"Q{k}", 2, text="report", report_due_at=f"Q{k + 1}", actor="c")
    clock.set(held[-1] + timedelta(days=1))
    model = ReadModel(app)
    model.catch_up()
    as_at, k = held[-2] + timedelta(days=10), 2**62 - 1
    t = schema.requests
    with app.store.engine.connect() as conn:
        found = sorted(meeting for meeting, _ in candidates(conn, as_at, k))
        every = conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
    assert every == 39
    assert 1 <= len(found) <= 3, found  # the last request, and those held within the window
    assert "Q38" in found
    reports_agree(app, model, [held[-2] + timedelta(days=10), held[20]],
                  [datetime.now(UTC), datetime.combine(held[30], datetime.min.time(), UTC)])
