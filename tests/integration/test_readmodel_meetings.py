"""Meeting reports on both clocks: the SQL read model agrees with the pure replay, and both keep
to the horizon in every part (resolutions, the previous meeting, the note of a report shown as
known later). Helpers are those of `test_readmodel` (seed, random histories, the clock)."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.application.presenting import present, reproduce_presented
from ledger.domain import events as ev
from ledger.domain.amend import amended_log
from ledger.domain.errors import LedgerError, UnknownRef
from ledger.domain.values import Logged
from ledger.projections.readmodel import ReadModel
from ledger.projections.render import to_json, to_markdown
from ledger.projections.replay import end_of_day
from ledger.projections.report import ReplaySource, build_meeting_report
from tests.conftest import Clock as SettableClock
from tests.integration.test_readmodel import START, Clock, Step, run, seed, step

MEETINGS = ("MT1", "MT2", "MT3", "OTHER")


def add_late_meetings(app: Ledger, held: int) -> None:
    """Meetings recorded late (now, whatever their date): MT3 of the Audit committee, held
    `held` days after START (before or after MT1 and MT2), one of another committee, and a
    resolution of each."""
    day = START + timedelta(days=held)
    for ref, committee in (("MT3", "Audit"), ("OTHER", "Scrutiny")):
        try:
            app.add_meeting(ref, committee=committee, on=day, actor="c")
            app.add_resolution(ref, 1, text="t", actor="c")
        except LedgerError:  # the clock's day is before the meeting: it cannot pass one yet
            pass


# (meeting, resolution number, days the clock moves on first)
resolution = st.tuples(st.sampled_from(MEETINGS), st.integers(1, 6),
                       st.sampled_from([0, 0, 1, 3, 20, 90]))


def pass_later(app: Ledger, later: list[tuple[str, int, int]]) -> None:
    """Resolutions passed at meetings, recorded days or months after them."""
    for meeting, number, days in later:
        app.clock.now += timedelta(days=days)  # type: ignore[attr-defined]
        with contextlib.suppress(LedgerError):  # a number taken, or a meeting not held yet
            app.add_resolution(meeting, number, text=f"r{number}", actor="c")


def oracle(log: list[Logged], meeting: str, known: datetime) -> dict[str, Any]:
    """What the meeting report must show, read straight off the log (as its corrections and
    retractions known by then make it read): the resolutions of the meeting recorded by `known`
    and the last earlier meeting of its committee recorded by then."""
    seen = [i.event for i in amended_log([i for i in log if i.event.timestamp <= known])]
    meetings = {e.ref: e for e in seen if isinstance(e, ev.MeetingScheduled)}
    every = {i.event.ref: i.event for i in amended_log(log)
             if isinstance(i.event, ev.MeetingScheduled)}
    this = meetings.get(meeting) or every[meeting]
    earlier = sorted((m.held_on, m.ref) for m in meetings.values()
                     if m.committee == this.committee and m.held_on < this.held_on)
    numbers = sorted(e.number for e in seen
                     if isinstance(e, ev.ResolutionPassed) and e.ref == meeting)
    return {"previous": earlier[-1][1] if earlier else None, "numbers": numbers}


def _meeting(source: object, meeting: str, known: datetime | None) -> dict[str, Any]:
    report = build_meeting_report(source, meeting, as_known_on=known)  # type: ignore[arg-type]
    doc: dict[str, Any] = json.loads(to_json(report))
    return doc


def meetings_agree(app: Ledger, model: ReadModel, horizons: list[datetime | None]) -> None:
    """On every horizon, SQL equals the replay byte for byte (JSON and Markdown), and both
    show what the log says was known then."""
    log = list(app.stream())
    known_refs = {i.event.ref for i in log if isinstance(i.event, ev.MeetingScheduled)}
    pure, now = ReplaySource(lambda: log), datetime.now(UTC)
    now_known = {i.event.ref: i.event for i in amended_log(log)
                 if isinstance(i.event, ev.MeetingScheduled)}
    for meeting in (m for m in MEETINGS if m in known_refs):
        for known in horizons:
            try:
                replay = build_meeting_report(pure, meeting, as_known_on=known, now=now)
            except UnknownRef as refused:  # e.g. its creation retracted: SQL must say the same
                with pytest.raises(UnknownRef, match=re.escape(str(refused))):
                    build_meeting_report(model, meeting, as_known_on=known, now=now)
                continue
            sql = build_meeting_report(model, meeting, as_known_on=known, now=now)
            assert to_json(sql) == to_json(replay), (meeting, known)
            assert to_markdown(sql) == to_markdown(replay), (meeting, known)
            doc = json.loads(to_json(replay))
            horizon = datetime.fromisoformat(doc["as_known_on"].replace("Z", "+00:00"))
            expected = oracle(log, meeting, horizon)
            assert [r["number"] for r in doc["resolutions"]] == expected["numbers"], (meeting,
                                                                                      known)
            assert doc["meeting"]["previous"] == expected["previous"], (meeting, known)
            assert all(datetime.fromisoformat(r["recorded"].replace("Z", "+00:00")) <= horizon
                       for r in doc["resolutions"])
            # The default horizon is the end of the meeting's day as known now (corrected).
            day_end = end_of_day(now_known[meeting].held_on)
            unknown_then = not any(i.event.timestamp <= day_end and i.event.ref == meeting
                                   for i in log)
            assert (doc["meeting"]["note"] is not None) == (unknown_then and horizon > day_end)
            if known is None:  # the default: that day's end, unless the meeting was not known
                assert (horizon == day_end) == (not unknown_then), (meeting, horizon)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=20), held=st.integers(0, 400),
       later=st.lists(resolution, max_size=8),
       horizons=st.lists(st.integers(0, 500 * 24), max_size=2))
def test_sql_meeting_reports_equal_the_replay_on_both_clocks(
        steps: list[Step], held: int, later: list[tuple[str, int, int]],
        horizons: list[int]) -> None:
    with Ledger("sqlite://", clock=Clock()) as app:
        seed(app)
        model = ReadModel(app)
        run(app, model, steps)  # a random history, the read model caught up at random points
        add_late_meetings(app, held)
        pass_later(app, later)
        model.catch_up()
        stamps = [item.event.timestamp for item in app.stream()]
        known: list[datetime | None] = [None, datetime.now(UTC)]
        known += [datetime(2016, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in horizons]
        known += [stamps[h % len(stamps)] for h in horizons]
        meetings_agree(app, model, known)


def test_a_ledger_begun_after_its_meetings_is_shown_as_known_now_on_both_sources() -> None:
    """Everything recorded in 2017 about meetings of 2016: the default report is the position
    as known now, labelled; an explicit horizon before anything was recorded stays empty."""
    clock = Clock()
    clock.now = datetime(2017, 3, 1, 9, tzinfo=UTC)
    with Ledger("sqlite://", clock=clock) as app:
        seed(app)
        app.add_action("A0", recommendations=["R1"], text="t", on=START, actor="o")
        app.add_resolution("MT1", 1, text="Noted", actor="c")
        model = ReadModel(app)
        model.catch_up()
        meetings_agree(app, model, [None, datetime(2016, 3, 1, 23, tzinfo=UTC)])
        shown = _meeting(model, "MT1", None)
        assert shown["totals"]["actions"] == 1 and shown["meeting"]["note"]
        assert [r["text"] for r in shown["resolutions"]] == ["Noted"]
        then = _meeting(model, "MT1", datetime(2016, 3, 1, 23, tzinfo=UTC))
        assert then["totals"]["actions"] == 0 and then["resolutions"] == []
        assert then["meeting"]["note"] is None


def test_resolutions_and_previous_meeting_keep_to_the_horizon(app: Ledger,
                                                              clock: SettableClock) -> None:
    """On each backend: a resolution recorded the day after its meeting, and an earlier meeting
    recorded after the horizon, are not part of the meeting's report as known that day; the
    meeting recorded late has its report as known now, labelled."""
    clock.set("2016-01-01")
    seed(app)
    app.add_action("A0", recommendations=["R1"], text="t", on=START, actor="o")
    clock.set("2016-06-01", 10)
    app.add_resolution("MT2", 1, text="On the day", actor="c")
    clock.set("2016-06-02")
    app.add_resolution("MT2", 2, text="The day after", actor="c")
    app.add_meeting("MT0", committee="Audit", on=date(2016, 5, 1), actor="c")
    model = ReadModel(app)
    model.catch_up()
    for source in (model, app.stream):
        that_day = _meeting(source, "MT2", None)
        assert [r["text"] for r in that_day["resolutions"]] == ["On the day"]
        assert that_day["meeting"]["previous"] == "MT1" and that_day["meeting"]["note"] is None
        later = _meeting(source, "MT2", datetime(2016, 6, 3, tzinfo=UTC))
        assert [r["text"] for r in later["resolutions"]] == ["On the day", "The day after"]
        assert later["meeting"]["previous"] == "MT0"
        assert later["since"]["date"] == "2016-05-01"
        late = _meeting(source, "MT0", None)  # recorded a month after it was held
        assert late["as_known_on"] != "2016-05-01T23:59:59.999999Z"
        assert late["meeting"]["note"].startswith(
            "As meeting MT0 had not been recorded in the ledger by the end of 1 May 2016, ")
        assert late["totals"]["actions"] == 1
    meetings_agree(app, model, [None, datetime(2016, 6, 1, 23, tzinfo=UTC),
                                datetime(2016, 6, 3, tzinfo=UTC)])


def test_the_paper_of_a_meeting_recorded_late_reproduces_byte_identical(
        app: Ledger, clock: SettableClock) -> None:
    """Shown as known later, the paper's trail holds the meeting, so it can be re-rendered
    (as known the day it was held, the trail would end before the meeting was recorded)."""
    clock.set("2016-01-01")
    seed(app)
    app.add_action("A0", recommendations=["R1"], text="t", on=START, actor="o")
    clock.set("2016-06-02")
    app.add_meeting("MT0", committee="Audit", on=date(2016, 5, 1), actor="c")
    app.add_resolution("MT0", 1, text="Noted", actor="c")
    model = ReadModel(app)
    model.catch_up()
    report = build_meeting_report(model, "MT0")
    assert report.note is not None and report.meeting is not None
    assert [r.text for r in report.meeting.resolutions] == ["Noted"]
    paper = present(app, "MT0", report, "markdown", actor="c")
    again = reproduce_presented(app, "MT0")
    assert again.identical and again.text == paper.text
