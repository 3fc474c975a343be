"""The one amend rule (`ledger.domain.amend`): how a record's stream reads after corrections and
retractions, on hand-made streams (pure) and through the ledger's commands."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.amend import amended, amended_log, live_versions
from ledger.domain.errors import RuleViolation, UnknownRef
from ledger.domain.records import Action
from ledger.projections.legality import problems
from ledger.projections.replay import Timeline, replay

T0 = datetime(2024, 7, 1, 9, tzinfo=UTC)
ID = ev.record_id("R1.1")


class Stream:
    """Builds one action's stream by hand: each event the next version, a minute later."""

    def __init__(self) -> None:
        self.events: list[ev.LedgerEvent] = []

    def add(self, cls: type[ev.LedgerEvent], **fields: Any) -> ev.LedgerEvent:
        version = len(self.events) + 1
        fields.setdefault("effective", date(2024, 1, 2))
        event = cls(originator_id=ID, originator_version=version, ref="R1.1", actor="a",
                    timestamp=T0 + timedelta(minutes=version), **fields)
        self.events.append(event)
        return event

    def correct(self, target: int, original: int, **values: Any) -> ev.LedgerEvent:
        return self.add(ev.EventCorrected, corrects=target, corrects_version=target,
                        original=original, original_version=original, values=values,
                        reason="typo")

    def retract(self, target: int) -> ev.LedgerEvent:
        return self.add(ev.EventRetracted, retracts=target, retracts_version=target,
                        reason="mistake")


@pytest.fixture
def stream() -> Stream:
    s = Stream()
    s.add(ev.ActionAdded, recommendations=("R1",), text="Write the schedule")  # v1
    s.add(ev.ActionStarted, effective=date(2024, 6, 1))  # v2
    s.add(ev.ActionCompleted, effective=date(2024, 6, 20), evidence="Signed off")  # v3
    return s


def kinds_and_dates(events: list[ev.LedgerEvent]) -> list[tuple[str, int, date]]:
    return [(type(e).__name__, e.originator_version, e.effective) for e in events]


def test_a_stream_without_amendments_reads_as_itself(stream: Stream) -> None:
    assert amended(stream.events) == stream.events


def test_a_correction_changes_only_its_values_and_keeps_version_and_actor(stream: Stream) -> None:
    fix = stream.correct(3, 3, effective="2024-06-10")
    views = amended(stream.events)
    assert kinds_and_dates(views) == [("ActionAdded", 1, date(2024, 1, 2)),
                                      ("ActionStarted", 2, date(2024, 6, 1)),
                                      ("ActionCompleted", 3, date(2024, 6, 10))]
    completed = views[2]
    assert isinstance(completed, ev.ActionCompleted)
    assert completed.evidence == "Signed off" and completed.actor == "a"
    # As known after the correction: the view carries the correction's recorded time.
    assert completed.timestamp == fix.timestamp
    assert views[1].timestamp == stream.events[1].timestamp


def test_a_correction_of_a_correction_applies_both_in_order(stream: Stream) -> None:
    stream.correct(3, 3, effective="2024-06-10", evidence="Board minutes")  # v4
    last = stream.add(ev.EventCorrected, corrects=4, corrects_version=4, original=3,
                      original_version=3, values={"effective": "2024-06-12"}, reason="again")
    completed = amended(stream.events)[2]
    assert isinstance(completed, ev.ActionCompleted)
    assert (completed.effective, completed.evidence) == (date(2024, 6, 12), "Board minutes")
    assert completed.timestamp == last.timestamp


def test_retracting_a_correction_restores_the_original(stream: Stream) -> None:
    stream.correct(3, 3, effective="2024-06-10")  # v4
    stream.retract(4)  # v5
    completed = amended(stream.events)[2]
    assert completed == stream.events[2]
    assert live_versions(stream.events) == {1, 2, 3, 5}


def test_retracting_an_event_leaves_it_out_and_retracting_that_restores_it(
        stream: Stream) -> None:
    stream.retract(3)  # v4
    assert kinds_and_dates(amended(stream.events)) == [("ActionAdded", 1, date(2024, 1, 2)),
                                                       ("ActionStarted", 2, date(2024, 6, 1))]
    stream.retract(4)  # v5: the retraction is itself retracted
    assert [e.originator_version for e in amended(stream.events)] == [1, 2, 3]
    stream.retract(5)  # v6: and that one too: v3 is retracted again
    assert [e.originator_version for e in amended(stream.events)] == [1, 2]


def test_a_retracted_creation_leaves_nothing(stream: Stream) -> None:
    stream.retract(1)
    assert [type(e) for e in amended(stream.events)] == [ev.ActionStarted, ev.ActionCompleted]
    action = Action(stream.events[0])
    for e in stream.events:
        action.apply(e)
    assert action.retracted
    assert action.version == 4 and len(action.events) == 4


def test_the_record_refolds_on_an_amendment(stream: Stream) -> None:
    stream.correct(3, 3, effective="2024-06-10")
    action = Action(stream.events[0])
    for e in stream.events:
        action.apply(e)
    assert (action.status, action.completed_on, action.version) == (
        ev.Status.COMPLETED, date(2024, 6, 10), 4)


# -- through the ledger -----------------------------------------------------------------------

def plan(app: Ledger, clock: Any) -> int:
    """An audit, a recommendation, an action started on 1 June and completed (wrongly) on 20
    June; returns the completion's position."""
    clock.set("2024-07-01")
    app.add_audit("AUD", title="ICO audit", kind="ico-audit", on="2024-01-01", actor="a")
    app.add_recommendation("R06", audit="AUD", text="Keep records", priority="high",
                           on="2024-01-01", actor="a")
    app.add_action("R06.1", recommendations=["R06"], text="Write the schedule", on="2024-01-02",
                   actor="a")
    app.start_action("R06.1", on="2024-06-01", actor="o")
    (done,) = app.complete_action("R06.1", on="2024-06-20", actor="o")
    return done.position


def test_the_ledger_corrects_a_correction_and_the_replay_follows(app: Ledger,
                                                                 clock: Any) -> None:
    done = plan(app, clock)
    (first,) = app.correct(done, reason="typo", actor="o", values={"effective": "2024-06-10"})
    (second,) = app.correct(first.position, reason="checked the minutes", actor="o",
                            values={"effective": date(2024, 6, 12)})
    assert isinstance(second.event, ev.EventCorrected)
    assert (second.event.corrects, second.event.original) == (first.position, done)
    assert app.get("R06.1", Action).completed_on == date(2024, 6, 12)
    assert replay(app.stream(), date(2024, 6, 11)).actions[0].status is ev.Status.IN_PROGRESS
    assert replay(app.stream(), date(2024, 6, 12)).actions[0].status is ev.Status.COMPLETED
    # Known before the first correction, the original date stands.
    before = first.event.timestamp - timedelta(microseconds=1)
    as_then = Timeline.build(app.stream(), before).position(date(2024, 6, 15))
    assert as_then.actions[0].status is ev.Status.IN_PROGRESS
    assert problems(app.stream()) == []


def test_the_ledger_retracts_a_retraction(app: Ledger, clock: Any) -> None:
    done = plan(app, clock)
    (gone,) = app.retract(done, reason="not done after all", actor="o")
    assert app.get("R06.1", Action).status is ev.Status.IN_PROGRESS
    app.retract(gone.position, reason="it was done", actor="o")
    assert app.get("R06.1", Action).status is ev.Status.COMPLETED
    with pytest.raises(RuleViolation, match=f"position {gone.position} is a retraction"):
        app.correct(gone.position, reason="x", actor="o", values={"effective": "2024-06-10"})


def test_a_retracted_creation_reads_as_never_recorded(app: Ledger, clock: Any) -> None:
    plan(app, clock)
    (added,) = app.add_action("R06.2", recommendations=["R06"], text="Oops", on="2024-01-02",
                              actor="a")
    app.retract(added.position, reason="added to the wrong plan", actor="o")
    with pytest.raises(UnknownRef, match=r"R06\.2 was retracted"):
        app.get("R06.2", Action)
    assert [a.ref for a in replay(app.stream(), date(2024, 7, 1)).actions] == ["R06.1"]
    logged = list(app.stream())
    assert [i.position for i in amended_log(logged)] == [
        i.position for i in logged if i.event.ref != "R06.2"]


def test_withdrawn_and_superseded_actions_are_legal_steps(app: Ledger, clock: Any) -> None:
    plan(app, clock)
    for ref in ("R06.2", "R06.3", "R06.4"):
        app.add_action(ref, recommendations=["R06"], text=ref, on="2024-01-02", actor="a")
    app.withdraw_action("R06.2", on="2024-06-25", reason="risk accepted", actor="o")
    app.supersede_action("R06.3", by="R06.4", on="2024-06-25", actor="o")
    assert problems(app.stream()) == []
