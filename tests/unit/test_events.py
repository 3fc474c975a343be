"""Every event type round-trips through the store with its types intact, and events are frozen
and closed to unknown fields."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest

from ledger.application import Ledger
from ledger.application.erasing import erase
from ledger.application.retention import set_schedule
from ledger.domain import events as ev
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import InvalidInput, StoreError
from ledger.domain.personal import ERASED
from ledger.domain.records import Action, Audit
from ledger.domain.values import Logged


class Scenario:
    """Runs commands on a ledger and remembers each command's events and clock reading."""

    def __init__(self, app: Ledger, clock: Any) -> None:
        self.app = app
        self.clock = clock
        self.created: dict[int, ev.LedgerEvent] = {}
        self.stamped: dict[int, datetime] = {}

    def __call__(self, logged: list[Logged]) -> None:
        for item in logged:
            self.created[item.position] = item.event
            self.stamped[item.position] = self.clock.now


@pytest.fixture
def scenario(app: Ledger, clock: Any) -> Scenario:
    """One ledger history holding every event type at least once."""
    s = Scenario(app, clock)
    s(app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30",
                    areas={"governance": "limited", "records management": "very-limited"}, actor="alice"))
    s(app.add_recommendation("R1", audit="ICO", text="Appoint a records manager", priority="high",
                             area="governance", response="partially-accepted", on="2015-12-01", actor="alice"))
    s(app.add_recommendation("R2", audit="ICO", text="Write a retention schedule", priority="urgent",
                             on="2015-12-01", actor="alice"))
    s(app.add_milestone("RM", text="Records Manager recruited", on="2016-01-01", actor="alice"))
    s(app.achieve_milestone("RM", on="2016-01-04", note="Started Monday", actor="alice"))
    s(app.add_action("A0", recommendations=["R2"], text="Draft schedule", on="2016-01-02", actor="alice"))
    s(app.add_action("A1", recommendations=["R1", "R2"], text="Set up the records policy", owner="Bob",
                     due="2016-09-01", depends_on=["RM"], on="2016-01-10", actor="alice"))
    s(app.start_action("A1", on="2016-01-11", note="kick-off", actor="bob"))
    s(app.note_action("A1", "Draft circulated", on="2016-01-12", actor="bob"))
    s(app.assign_action("A1", owner="Dan", on="2016-01-13", reason="Bob moved", actor="alice"))
    s(app.reschedule_action("A1", due="2016-12-01", on="2016-01-14", reason="budget", actor="alice"))
    s(app.complete_action("A1", on="2016-01-15", evidence="Policy v1.0", actor="dan"))
    s(app.reopen_action("A1", on="2016-01-16", reason="Policy rejected", actor="alice"))
    s(app.add_action("A2", recommendations=["R2"], text="Buy a scanner", on="2016-01-02",
                     actor="alice"))
    s(app.add_action("A3", recommendations=["R2"], text="Scan the archive", on="2016-01-02",
                     actor="alice"))
    s(app.withdraw_action("A0", on="2016-01-17", reason="Risk accepted", actor="alice"))
    s(app.supersede_action("A2", by="A3", on="2016-01-17", reason="Merged", actor="alice"))
    (noted,) = app.note_action("A3", "Quote received", on="2016-01-18", actor="bob")
    s([noted])
    s(app.correct(noted.position, reason="typo", values={"text": "Quotes received"},
                  actor="bob"))
    s(app.retract(noted.position, reason="noted on the wrong action", actor="bob"))
    personal = app.note_action("A0", "Zed Zee phoned", on="2016-01-17", actor="bob", personal=True)
    s(personal)
    s([set_schedule(app, years=6, basis="TNA retention scheduling 11", actor="dpo")])
    s([erase(app, "zed zee", reason="erasure request", actor="dpo").recorded])
    (note,) = personal  # as it reads after the erasure
    s.created[note.position] = note.event.model_copy(update={"text": ERASED})
    s(app.add_meeting("M1", committee="ARAC", on="2016-01-20", actor="clerk"))
    s(app.add_meeting("M2", committee="ARAC", on="2016-02-15", actor="clerk"))
    s(app.add_meeting("M3", committee="ARAC", on="2016-06-20", actor="clerk"))
    s(app.add_resolution("M1", 1, text="Report back on records", report_due_at="M2", minute="12/16",
                         actor="clerk"))
    s(app.add_resolution("M1", 2, text="Retention schedule due", report_due_by="2016-05-31",
                         further_to="3/15", actor="clerk"))
    s(app.add_resolution("M2", 1, text="Records report received", fulfils="M1/1", kind="decision",
                         actor="clerk"))
    s(app.add_audit("FU", title="ICO follow-up", kind="follow-up", follows="ICO", on="2016-02-01",
                    areas={"governance": "reasonable"}, actor="auditor"))
    s(app.assess("R1", by="FU", outcome="partially-implemented", on="2016-02-02",
                 note="Policy not yet approved", actor="auditor"))
    s(app.revise_assurance("FU", area="records management", rating="limited", on="2016-02-02",
                           actor="auditor"))
    s(app.set_target_policy(on="2016-02-01", approval_required=True, max_revisions=2,
                            actor="alice"))
    s(app.reschedule_action("A0", due="2016-12-31", on="2016-02-02", reason="slipped",
                            actor="alice"))
    s(app.present_report("M2", parameters={"kind": "progress", "as_at": "2016-02-10", "audit": None},
                         fingerprint=Fingerprint(7, "ab" * 32), sha256="cd" * 32, fulfils="M1/2",
                         actor="clerk"))
    return s


def decoded(app: Ledger) -> list[Logged]:
    return list(app.stream())


def of_type(app: Ledger, cls: type[ev.LedgerEvent]) -> list[Any]:
    found = [logged.event for logged in decoded(app) if type(logged.event) is cls]
    assert found, f"no {cls.__name__} in the scenario"
    return found


def test_scenario_records_every_event_type(scenario: Scenario) -> None:
    assert {type(logged.event) for logged in decoded(scenario.app)} == set(ev.ALL_EVENTS)


def test_decoded_events_equal_the_events_as_created(scenario: Scenario) -> None:
    stream = decoded(scenario.app)
    assert [logged.position for logged in stream] == sorted(scenario.created)
    for logged in stream:
        original = scenario.created[logged.position]
        assert type(logged.event) is type(original)
        assert logged.event == original
        assert logged.event.model_dump() == original.model_dump()


def test_stream_positions_are_one_to_n_with_hashes(scenario: Scenario) -> None:
    stream = decoded(scenario.app)
    assert [logged.position for logged in stream] == list(range(1, len(stream) + 1))
    assert all(len(logged.hash) == 64 for logged in stream)
    assert len({logged.hash for logged in stream}) == len(stream)
    assert stream[-1].hash == scenario.app.fingerprint().hash


def test_dates_come_back_as_dates(scenario: Scenario) -> None:
    app = scenario.app
    for logged in decoded(app):
        assert type(logged.event.effective) is date, logged.event
    added = next(e for e in of_type(app, ev.ActionAdded) if e.ref == "A1")
    assert type(added.due) is date and added.due == date(2016, 9, 1)
    (rescheduled,) = of_type(app, ev.ActionRescheduled)
    assert type(rescheduled.due) is date and rescheduled.due == date(2016, 12, 1)
    assert type(rescheduled.previous) is date and rescheduled.previous == date(2016, 9, 1)
    held = {e.ref: e.held_on for e in of_type(app, ev.MeetingScheduled)}
    assert held == {"M1": date(2016, 1, 20), "M2": date(2016, 2, 15), "M3": date(2016, 6, 20)}
    assert all(type(d) is date for d in held.values())
    by_date = [e for e in of_type(app, ev.ResolutionPassed) if e.report_due_by is not None]
    assert [(type(e.report_due_by), e.report_due_by) for e in by_date] == [(date, date(2016, 5, 31))]


def test_enums_come_back_as_their_enum_class(scenario: Scenario) -> None:
    app = scenario.app
    audit = next(e for e in of_type(app, ev.AuditRecorded) if e.ref == "ICO")
    assert type(audit.kind) is ev.AuditKind and audit.kind is ev.AuditKind.ICO_AUDIT
    assert audit.areas == {"governance": ev.Assurance.LIMITED,
                           "records management": ev.Assurance.VERY_LIMITED}
    assert all(type(v) is ev.Assurance for v in audit.areas.values())
    assert all(type(k) is str for k in audit.areas)

    recs = {e.ref: e for e in of_type(app, ev.RecommendationMade)}
    assert type(recs["R1"].priority) is ev.Priority and recs["R1"].priority is ev.Priority.HIGH
    assert type(recs["R1"].response) is ev.Response and recs["R1"].response is ev.Response.PARTIALLY_ACCEPTED
    assert recs["R2"].priority is ev.Priority.URGENT and recs["R2"].response is ev.Response.ACCEPTED
    assert recs["R2"].area is None

    kinds = {(e.ref, e.number): e.kind for e in of_type(app, ev.ResolutionPassed)}
    assert kinds == {("M1", 1): ev.ResolutionKind.REPORT_REQUESTED,
                     ("M1", 2): ev.ResolutionKind.REPORT_REQUESTED,
                     ("M2", 1): ev.ResolutionKind.DECISION}
    assert all(type(k) is ev.ResolutionKind for k in kinds.values())


def test_enums_survive_into_the_aggregates(scenario: Scenario) -> None:
    audit = scenario.app.get("ICO", Audit)
    assert type(audit.audit_kind) is ev.AuditKind
    assert all(type(v) is ev.Assurance for v in audit.areas.values())
    a1 = scenario.app.get("A1", Action)
    assert a1.status is ev.Status.IN_PROGRESS
    assert a1.recommendations == ("R1", "R2") and type(a1.recommendations) is tuple


def test_tuples_come_back_as_tuples(scenario: Scenario) -> None:
    added = {e.ref: e for e in of_type(scenario.app, ev.ActionAdded)}
    assert type(added["A1"].recommendations) is tuple and added["A1"].recommendations == ("R1", "R2")
    assert type(added["A1"].depends_on) is tuple and added["A1"].depends_on == ("RM",)
    assert type(added["A0"].recommendations) is tuple and added["A0"].recommendations == ("R2",)
    assert type(added["A0"].depends_on) is tuple and added["A0"].depends_on == ()


def test_other_fields_round_trip(scenario: Scenario) -> None:
    app = scenario.app
    resolutions = {(e.ref, e.number): e for e in of_type(app, ev.ResolutionPassed)}
    first = resolutions[("M1", 1)]
    assert (first.minute, first.report_due_at, first.text) == ("12/16", "M2", "Report back on records")
    assert type(first.number) is int
    assert resolutions[("M1", 2)].further_to == "3/15"
    assert resolutions[("M2", 1)].fulfils == "M1/1"
    received = {(e.ref, e.number): e.by for e in of_type(app, ev.ReportReceived)}
    assert received == {("M1", 1): "M2/1", ("M1", 2): "M2 (report 1)"}
    (assigned,) = of_type(app, ev.ActionAssigned)
    assert (assigned.owner, assigned.previous, assigned.reason) == ("Dan", "Bob", "Bob moved")
    (reopened,) = of_type(app, ev.ActionReopened)
    assert reopened.reason == "Policy rejected"
    (completed,) = of_type(app, ev.ActionCompleted)
    assert completed.evidence == "Policy v1.0"
    (achieved,) = of_type(app, ev.MilestoneAchieved)
    assert achieved.note == "Started Monday"
    (presented,) = of_type(app, ev.ReportPresented)
    assert presented.parameters == {"kind": "progress", "as_at": "2016-02-10", "audit": None}
    assert (presented.ref, presented.number, presented.position) == ("M2", 1, 7)
    assert (presented.chain_hash, presented.sha256, presented.fulfils) == ("ab" * 32, "cd" * 32, "M1/2")


def test_timestamps_are_utc_aware_and_equal_the_clock(scenario: Scenario) -> None:
    stream = decoded(scenario.app)
    for logged in stream:
        stamp = logged.event.timestamp
        assert stamp.tzinfo is not None
        assert stamp.utcoffset() == timedelta(0)
        assert stamp == scenario.stamped[logged.position]
        assert logged.event.recorded == stamp
    # The clock moved on between commands; both events of one command share one reading.
    assert stream[0].event.timestamp < stream[-1].event.timestamp
    assert stream[-1].event.timestamp == stream[-2].event.timestamp
    assert stream[-2].event.timestamp > stream[-3].event.timestamp


def test_history_of_one_record_is_its_events_in_order(scenario: Scenario) -> None:
    history = scenario.app.history("A1")
    assert [type(x.event) for x in history] == [
        ev.ActionAdded, ev.ActionStarted, ev.ActionNoted, ev.ActionAssigned, ev.ActionRescheduled,
        ev.ActionCompleted, ev.ActionReopened,
    ]
    assert [x.event.originator_version for x in history] == list(range(1, 8))
    assert {x.event.originator_id for x in history} == {ev.record_id("A1")}
    positions = [x.position for x in history]
    assert positions == sorted(positions)
    by_position = {logged.position: logged for logged in decoded(scenario.app)}
    for item in history:
        assert by_position[item.position] == item


def test_history_of_an_unknown_ref_is_empty(scenario: Scenario) -> None:
    assert scenario.app.history("NOPE") == []


def test_timestamp_from_a_non_utc_clock_is_stored_in_utc() -> None:
    reading = datetime(2016, 3, 1, 14, 30, tzinfo=timezone(timedelta(hours=5)))
    with Ledger("sqlite://", clock=lambda: reading) as app:
        app.add_milestone("RM", text="t", on="2016-02-01", actor="a")
        (logged,) = app.history("RM")
    assert logged.event.timestamp == datetime(2016, 3, 1, 9, 30, tzinfo=UTC)
    assert logged.event.timestamp.utcoffset() == timedelta(0)


def test_naive_clock_is_refused_and_records_nothing() -> None:
    with Ledger("sqlite://", clock=lambda: datetime(2016, 3, 1, 9)) as app:
        with pytest.raises(InvalidInput, match="timezone-aware"):
            app.add_milestone("RM", text="t", on="2016-02-01", actor="a")
        assert app.fingerprint().position == 0


# -- frozen and closed ------------------------------------------------------------------------


def test_every_decoded_event_is_frozen(scenario: Scenario) -> None:
    for logged in decoded(scenario.app):
        event = logged.event
        before = event.model_dump()
        with pytest.raises(ValueError, match="frozen"):
            event.effective = date(2000, 1, 1)  # type: ignore[misc]
        with pytest.raises(ValueError, match="frozen"):
            event.ref = "OTHER"  # type: ignore[misc]
        assert event.model_dump() == before


def test_event_models_refuse_extra_fields(scenario: Scenario) -> None:
    seen = set()
    for logged in decoded(scenario.app):
        cls = type(logged.event)
        fields = logged.event.model_dump()
        assert cls.model_validate(fields) == logged.event
        with pytest.raises(ValueError, match="Extra inputs are not permitted"):
            cls(**fields, colour="red")
        seen.add(cls)
    assert seen == set(ev.ALL_EVENTS)


def forged(stored: Any, **changes: Any) -> Any:
    """A copy of a stored event with some fields changed (same class as the store's own)."""
    fields = {"originator_id": stored.originator_id, "originator_version": stored.originator_version,
              "topic": stored.topic, "state": stored.state}
    return type(stored)(**{**fields, **changes})


def test_a_stored_event_with_an_extra_field_is_refused_on_reading(app: Ledger) -> None:
    app.add_milestone("RM", text="t", on="2016-02-01", actor="a")
    (logged,) = app.history("RM")
    stored = app.mapper.to_stored_event(logged.event)
    state = json.loads(stored.state)
    state["colour"] = "red"
    app.store.insert_events([forged(stored, originator_version=2, state=json.dumps(state).encode())])
    with pytest.raises(StoreError, match=r"v2 \(ledger\.events:MilestoneSet\)") as info:
        app.history("RM")
    assert "Extra inputs are not permitted" in str(info.value.__cause__)


def test_mapper_round_trips_and_refuses_an_unknown_field_in_stored_state(app: Ledger) -> None:
    event = ev.MilestoneSet(originator_id=uuid4(), originator_version=1,
                            timestamp=datetime(2016, 3, 1, tzinfo=UTC), ref="RM", actor="a",
                            effective=date(2016, 2, 1), text="t")
    stored = app.mapper.to_stored_event(event)
    assert stored.topic == "ledger.events:MilestoneSet"
    assert app.mapper.to_domain_event(stored) == event
    state = json.loads(stored.state)
    assert "originator_id" not in state and "originator_version" not in state
    state["colour"] = "red"
    with pytest.raises(StoreError, match="colour: Extra inputs are not permitted") as info:
        app.mapper.to_domain_event(forged(stored, state=json.dumps(state).encode()))
    assert "colour" in str(info.value.__cause__)
    assert "Extra inputs are not permitted" in str(info.value.__cause__)
