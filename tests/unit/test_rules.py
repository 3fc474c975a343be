"""Domain rules on an in-memory ledger: every refused command raises the right error with a
one-line message naming the refs involved, and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.errors import (
    DependenciesNotMet,
    DuplicateRef,
    IllegalTransition,
    InvalidInput,
    LedgerError,
    RuleViolation,
    UnknownRef,
)
from ledger.domain.records import Action, Meeting, Milestone


def refused(app: Ledger, error: type[LedgerError], call: Callable[[], Any], *names: str) -> LedgerError:
    """Run `call`, expect exactly `error` with a one-line message naming `names`, nothing recorded."""
    before = app.fingerprint()
    events_before = len(list(app.stream()))
    with pytest.raises(LedgerError) as info:
        call()
    err = info.value
    assert type(err) is error, f"expected {error.__name__}, got {type(err).__name__}: {err}"
    message = str(err)
    assert message.strip() and "\n" not in message
    for name in names:
        assert name in message, f"{name!r} not named in {message!r}"
    assert app.fingerprint() == before
    assert len(list(app.stream())) == events_before
    return err


@pytest.fixture
def plan(app: Ledger) -> Ledger:
    """An audit, a recommendation, a milestone RM, an action A0, and A1 depending on RM and A0."""
    app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30",
                  areas={"governance": "limited"}, actor="alice")
    app.add_recommendation("R1", audit="ICO", text="Appoint a records manager", priority="high",
                           area="governance", on="2015-12-01", actor="alice")
    app.add_milestone("RM", text="Records Manager recruited", on="2016-01-01", actor="alice")
    app.add_action("A0", recommendations=["R1"], text="Write the job description", owner="Carol",
                   on="2016-01-05", actor="alice")
    app.add_action("A1", recommendations=["R1"], text="Set up the records policy", owner="Bob",
                   due="2016-09-01", depends_on=["RM", "A0"], on="2016-01-10", actor="alice")
    return app


def action(app: Ledger, ref: str) -> Action:
    return app.get(ref, Action)


def last_event(app: Ledger, ref: str) -> ev.LedgerEvent:
    return app.history(ref)[-1].event


# -- dependencies -----------------------------------------------------------------------------


def test_start_refused_while_action_and_milestone_dependencies_unfinished(plan: Ledger) -> None:
    err = refused(plan, DependenciesNotMet,
                  lambda: plan.start_action("A1", on="2016-02-01", actor="bob"), "A1", "A0", "RM")
    assert "pending" in str(err) and "not_started" in str(err)
    assert action(plan, "A1").status is ev.Status.NOT_STARTED


def test_start_refused_while_dependency_action_only_in_progress(plan: Ledger) -> None:
    plan.achieve_milestone("RM", on="2016-01-20", actor="alice")
    plan.start_action("A0", on="2016-01-20", actor="carol")
    err = refused(plan, DependenciesNotMet,
                  lambda: plan.start_action("A1", on="2016-02-01", actor="bob"), "A1", "A0")
    assert "RM" not in str(err)


def test_start_refused_when_dependency_action_completed_after_the_start_date(plan: Ledger) -> None:
    plan.achieve_milestone("RM", on="2016-01-15", actor="alice")
    plan.start_action("A0", on="2016-01-20", actor="carol")
    plan.complete_action("A0", on="2016-02-10", actor="carol")
    err = refused(plan, DependenciesNotMet,
                  lambda: plan.start_action("A1", on="2016-02-05", actor="bob"), "A1", "A0", "2016-02-10")
    assert "RM" not in str(err)


def test_start_refused_when_milestone_achieved_after_the_start_date(plan: Ledger) -> None:
    plan.start_action("A0", on="2016-01-20", actor="carol")
    plan.complete_action("A0", on="2016-01-25", actor="carol")
    plan.achieve_milestone("RM", on="2016-02-20", actor="alice")
    err = refused(plan, DependenciesNotMet,
                  lambda: plan.start_action("A1", on="2016-02-05", actor="bob"), "A1", "RM", "2016-02-20")
    assert "A0" not in str(err)


def test_start_allowed_once_dependencies_done_on_or_before_the_start_date(plan: Ledger) -> None:
    plan.start_action("A0", on="2016-01-20", actor="carol")
    plan.complete_action("A0", on="2016-02-01", actor="carol")
    plan.achieve_milestone("RM", on="2016-02-03", actor="alice")
    plan.start_action("A1", on="2016-02-03", actor="bob")
    a1 = action(plan, "A1")
    assert a1.status is ev.Status.IN_PROGRESS
    assert a1.status_on == date(2016, 2, 3)
    started = last_event(plan, "A1")
    assert isinstance(started, ev.ActionStarted)
    assert started.effective == date(2016, 2, 3) and started.actor == "bob"


def test_dependency_reopened_blocks_start_again(plan: Ledger) -> None:
    plan.achieve_milestone("RM", on="2016-01-15", actor="alice")
    plan.start_action("A0", on="2016-01-20", actor="carol")
    plan.complete_action("A0", on="2016-01-25", actor="carol")
    plan.reopen_action("A0", on="2016-01-30", reason="job description rejected", actor="carol")
    refused(plan, DependenciesNotMet, lambda: plan.start_action("A1", on="2016-02-05", actor="bob"), "A1", "A0")


def test_action_cannot_depend_on_itself(plan: Ledger) -> None:
    refused(plan, RuleViolation,
            lambda: plan.add_action("A5", recommendations=["R1"], text="t", depends_on=["A5"],
                                    on="2016-01-10", actor="a"),
            "A5")


# -- status transitions -----------------------------------------------------------------------


@pytest.fixture
def started(app: Ledger) -> Ledger:
    """A0 with no dependencies, started on 2016-01-20."""
    app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30",
                  areas={"governance": "limited"}, actor="alice")
    app.add_recommendation("R1", audit="ICO", text="t", priority="high", area="governance",
                           on="2015-12-01", actor="a")
    app.add_action("A0", recommendations=["R1"], text="t", owner="Bob", due="2016-09-01",
                   on="2016-01-05", actor="a")
    app.start_action("A0", on="2016-01-20", actor="bob")
    return app


def test_complete_twice_is_refused(started: Ledger) -> None:
    started.complete_action("A0", on="2016-02-01", evidence="policy approved", actor="bob")
    err = refused(started, IllegalTransition,
                  lambda: started.complete_action("A0", on="2016-02-02", actor="bob"), "A0", "2016-02-01")
    assert "already completed" in str(err)


def test_start_a_completed_action_is_refused(started: Ledger) -> None:
    started.complete_action("A0", on="2016-02-01", actor="bob")
    err = refused(started, IllegalTransition,
                  lambda: started.start_action("A0", on="2016-02-02", actor="bob"), "A0")
    assert "reopen" in str(err)
    assert action(started, "A0").status is ev.Status.COMPLETED


def test_start_an_action_in_progress_is_refused(started: Ledger) -> None:
    refused(started, IllegalTransition, lambda: started.start_action("A0", on="2016-02-02", actor="bob"),
            "A0", "2016-01-20")


def test_complete_a_not_started_action_is_refused(started: Ledger) -> None:
    started.add_action("A2", recommendations=["R1"], text="t", on="2016-01-05", actor="a")
    err = refused(started, IllegalTransition,
                  lambda: started.complete_action("A2", on="2016-02-01", actor="bob"), "A2")
    assert "not been started" in str(err)
    assert action(started, "A2").status is ev.Status.NOT_STARTED


@pytest.mark.parametrize("complete_first", [False, True], ids=["in-progress", "not-started"])
def test_reopen_a_non_completed_action_is_refused(started: Ledger, complete_first: bool) -> None:
    started.add_action("A2", recommendations=["R1"], text="t", on="2016-01-05", actor="a")
    ref = "A2" if complete_first else "A0"
    status = "not_started" if complete_first else "in_progress"
    err = refused(started, IllegalTransition,
                  lambda: started.reopen_action(ref, on="2016-02-01", reason="r", actor="bob"), ref, status)
    assert "not completed" in str(err)


def test_complete_reopen_complete_cycle(started: Ledger) -> None:
    started.complete_action("A0", on="2016-02-01", evidence="e1", actor="bob")
    started.reopen_action("A0", on="2016-02-05", reason="evidence rejected", actor="alice")
    a0 = action(started, "A0")
    assert a0.status is ev.Status.IN_PROGRESS and a0.completed_on is None
    started.complete_action("A0", on="2016-02-10", evidence="e2", actor="bob")
    a0 = action(started, "A0")
    assert a0.status is ev.Status.COMPLETED and a0.completed_on == date(2016, 2, 10)
    kinds = [type(logged.event) for logged in started.history("A0")]
    assert kinds == [ev.ActionAdded, ev.ActionStarted, ev.ActionCompleted, ev.ActionReopened,
                     ev.ActionCompleted]


# -- effective dates --------------------------------------------------------------------------


def test_effective_date_in_the_future_of_the_clock_is_refused(started: Ledger, clock: Any) -> None:
    refused(started, RuleViolation,
            lambda: started.complete_action("A0", on="2016-03-02", actor="bob"), "A0", "2016-03-02", "2016-03-01")
    clock.set("2016-07-01")
    started.complete_action("A0", on="2016-06-30", actor="bob")
    assert action(started, "A0").completed_on == date(2016, 6, 30)


def test_today_is_the_london_date_of_the_clock(started: Ledger, clock: Any) -> None:
    clock.set("2016-06-30", hour=23)  # 23:00 UTC is 00:00 on 1 July in London (BST)
    started.note_action("A0", "past midnight in London", on="2016-07-01", actor="bob")
    assert last_event(started, "A0").effective == date(2016, 7, 1)
    refused(started, RuleViolation,
            lambda: started.note_action("A0", "too early", on="2016-07-02", actor="bob"), "A0", "2016-07-02")


@pytest.mark.parametrize("command", ["note", "assign", "reschedule", "achieve", "milestone", "audit"])
def test_future_effective_date_refused_for_every_kind_of_command(started: Ledger, command: str) -> None:
    started.add_milestone("RM", text="Records Manager recruited", on="2016-01-01", actor="a")
    on = "2016-03-05"
    calls: dict[str, tuple[Callable[[], Any], str]] = {
        "note": (lambda: started.note_action("A0", "n", on=on, actor="a"), "A0"),
        "assign": (lambda: started.assign_action("A0", owner="Dan", on=on, actor="a"), "A0"),
        "reschedule": (lambda: started.reschedule_action("A0", due="2016-10-01", on=on, reason="r", actor="a"),
                       "A0"),
        "achieve": (lambda: started.achieve_milestone("RM", on=on, actor="a"), "RM"),
        "milestone": (lambda: started.add_milestone("M2", text="t", on=on, actor="a"), "M2"),
        "audit": (lambda: started.add_audit("IA", title="t", kind="other", on=on, actor="a"), "IA"),
    }
    call, ref = calls[command]
    refused(started, RuleViolation, call, ref, on)


def test_effective_date_before_the_action_existed_is_refused(plan: Ledger) -> None:
    plan.achieve_milestone("RM", on="2016-01-02", actor="alice")
    refused(plan, RuleViolation, lambda: plan.start_action("A0", on="2016-01-04", actor="carol"),
            "A0", "2016-01-04", "2016-01-05")
    refused(plan, RuleViolation, lambda: plan.note_action("A0", "n", on="2016-01-04", actor="carol"),
            "A0", "2016-01-05")


def test_effective_date_before_the_recommendation_is_refused_when_adding(plan: Ledger) -> None:
    refused(plan, RuleViolation,
            lambda: plan.add_action("A5", recommendations=["R1"], text="t", on="2015-11-30", actor="a"),
            "A5", "R1", "2015-12-01")


def test_milestone_achieved_before_it_was_set_is_refused(plan: Ledger) -> None:
    refused(plan, RuleViolation, lambda: plan.achieve_milestone("RM", on="2015-12-31", actor="a"),
            "RM", "2016-01-01")
    plan.achieve_milestone("RM", on="2016-01-01", actor="a")
    refused(plan, IllegalTransition, lambda: plan.achieve_milestone("RM", on="2016-01-02", actor="a"),
            "RM", "2016-01-01")


def test_status_change_before_the_last_status_change_is_refused(started: Ledger) -> None:
    err = refused(started, RuleViolation,
                  lambda: started.complete_action("A0", on="2016-01-19", actor="bob"), "A0", "2016-01-20")
    assert "last status change" in str(err)
    started.complete_action("A0", on="2016-02-01", actor="bob")
    refused(started, RuleViolation,
            lambda: started.reopen_action("A0", on="2016-01-31", reason="r", actor="bob"), "A0", "2016-02-01")


# -- unknown refs -----------------------------------------------------------------------------


def test_unknown_audit_for_a_recommendation(plan: Ledger) -> None:
    refused(plan, UnknownRef,
            lambda: plan.add_recommendation("R2", audit="NOPE", text="t", priority="low", on="2016-01-01",
                                            actor="a"),
            "NOPE")
    assert plan.find("R2") is None


def test_unknown_recommendation_for_an_action(plan: Ledger) -> None:
    refused(plan, UnknownRef,
            lambda: plan.add_action("A5", recommendations=["R1", "R9"], text="t", on="2016-01-10", actor="a"),
            "R9")
    assert plan.find("A5") is None


def test_unknown_dependency_for_an_action(plan: Ledger) -> None:
    refused(plan, UnknownRef,
            lambda: plan.add_action("A5", recommendations=["R1"], text="t", depends_on=["RM", "ZZ"],
                                    on="2016-01-10", actor="a"),
            "A5", "ZZ")


def test_dependency_of_the_wrong_kind(plan: Ledger) -> None:
    refused(plan, UnknownRef,
            lambda: plan.add_action("A5", recommendations=["R1"], text="t", depends_on=["R1"],
                                    on="2016-01-10", actor="a"),
            "A5", "R1", "a recommendation")


def test_unknown_action_and_milestone_and_meeting(plan: Ledger) -> None:
    refused(plan, UnknownRef, lambda: plan.start_action("A9", on="2016-02-01", actor="a"), "A9")
    refused(plan, UnknownRef, lambda: plan.achieve_milestone("M9", on="2016-02-01", actor="a"), "M9")
    refused(plan, UnknownRef, lambda: plan.add_resolution("X9", 1, text="t", actor="a"), "X9")


# -- duplicate refs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "kind"),
    [("RM", "milestone"), ("A0", "action"), ("R1", "recommendation"), ("ICO", "audit")],
)
def test_ref_reused_for_an_action_is_refused_whatever_its_kind(plan: Ledger, ref: str, kind: str) -> None:
    refused(plan, DuplicateRef,
            lambda: plan.add_action(ref, recommendations=["R1"], text="t", on="2016-01-10", actor="a"),
            ref, kind)


@pytest.mark.parametrize("command", ["audit", "recommendation", "milestone", "meeting"])
def test_every_creating_command_refuses_a_used_ref(plan: Ledger, command: str) -> None:
    calls: dict[str, Callable[[], Any]] = {
        "audit": lambda: plan.add_audit("A1", title="t", kind="other", on="2016-01-01", actor="a"),
        "recommendation": lambda: plan.add_recommendation("A1", audit="ICO", text="t", priority="low",
                                                          on="2016-01-01", actor="a"),
        "milestone": lambda: plan.add_milestone("A1", text="t", on="2016-01-01", actor="a"),
        "meeting": lambda: plan.add_meeting("A1", committee="ARAC", on="2016-01-01", actor="a"),
    }
    refused(plan, DuplicateRef, calls[command], "A1", "an action")
    assert isinstance(plan.find("A1"), Action)


# -- reasons ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_reopen_without_a_reason_is_invalid_input(started: Ledger, reason: str) -> None:
    started.complete_action("A0", on="2016-02-01", actor="bob")
    err = refused(started, InvalidInput,
                  lambda: started.reopen_action("A0", on="2016-02-02", reason=reason, actor="bob"), "A0", "reason")
    assert err.exit_code == 2
    assert action(started, "A0").status is ev.Status.COMPLETED


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_reschedule_without_a_reason_is_invalid_input(started: Ledger, reason: str) -> None:
    err = refused(started, InvalidInput,
                  lambda: started.reschedule_action("A0", due="2016-12-01", on="2016-02-02", reason=reason,
                                                    actor="bob"),
                  "A0", "reason")
    assert err.exit_code == 2
    assert action(started, "A0").due == date(2016, 9, 1)


# -- reschedule and assign --------------------------------------------------------------------


def test_reschedule_keeps_the_original_due_and_records_the_previous(started: Ledger) -> None:
    started.reschedule_action("A0", due="2016-12-01", on="2016-02-01", reason="budget", actor="alice")
    a0 = action(started, "A0")
    assert a0.due == date(2016, 12, 1)
    assert a0.original_due == date(2016, 9, 1)
    first = last_event(started, "A0")
    assert isinstance(first, ev.ActionRescheduled)
    assert (first.due, first.previous, first.reason) == (date(2016, 12, 1), date(2016, 9, 1), "budget")

    started.reschedule_action("A0", due="2017-01-31", on="2016-02-02", reason="again", actor="alice")
    a0 = action(started, "A0")
    assert a0.due == date(2017, 1, 31)
    assert a0.original_due == date(2016, 9, 1)
    second = last_event(started, "A0")
    assert isinstance(second, ev.ActionRescheduled)
    assert (second.due, second.previous) == (date(2017, 1, 31), date(2016, 12, 1))


def test_reschedule_an_action_without_a_due_date_records_no_previous(started: Ledger) -> None:
    started.add_action("A2", recommendations=["R1"], text="t", on="2016-01-05", actor="a")
    started.reschedule_action("A2", due="2016-06-01", on="2016-02-01", reason="now planned", actor="a")
    a2 = action(started, "A2")
    assert (a2.due, a2.original_due) == (date(2016, 6, 1), None)
    event = last_event(started, "A2")
    assert isinstance(event, ev.ActionRescheduled) and event.previous is None


def test_reschedule_to_the_same_date_is_refused(started: Ledger) -> None:
    refused(started, RuleViolation,
            lambda: started.reschedule_action("A0", due="2016-09-01", on="2016-02-01", reason="r", actor="a"),
            "A0", "2016-09-01")


def test_assign_records_the_previous_owner_and_refuses_the_same_owner(started: Ledger) -> None:
    started.assign_action("A0", owner="  Dan   Smith ", on="2016-02-01", reason="Bob left", actor="alice")
    assert action(started, "A0").owner == "Dan Smith"
    event = last_event(started, "A0")
    assert isinstance(event, ev.ActionAssigned)
    assert (event.owner, event.previous, event.reason) == ("Dan Smith", "Bob", "Bob left")
    refused(started, RuleViolation,
            lambda: started.assign_action("A0", owner="Dan Smith", on="2016-02-02", actor="alice"),
            "A0", "Dan Smith")


# -- invalid values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "shown", "call"),
    [
        ("ref", "a b", lambda app: app.add_milestone("a b", text="t", on="2016-01-01", actor="a")),
        ("ref", "a b", lambda app: app.start_action("a b", on="2016-02-01", actor="a")),
        ("priority", "huge", lambda app: app.add_recommendation("R2", audit="ICO", text="t", priority="huge",
                                                                 on="2016-01-01", actor="a")),
        ("on", "2016-02-30", lambda app: app.start_action("A0", on="2016-02-30", actor="a")),
        ("on", "yesterday", lambda app: app.note_action("A0", "n", on="yesterday", actor="a")),
        ("due", "soon", lambda app: app.reschedule_action("A0", due="soon", on="2016-02-01", reason="r",
                                                          actor="a")),
        ("kind", "audit", lambda app: app.add_audit("IA", title="t", kind="audit", on="2016-01-01", actor="a")),
        ("actor", "", lambda app: app.start_action("A0", on="2016-02-01", actor="  ")),
        ("text", "", lambda app: app.note_action("A0", "   ", on="2016-02-01", actor="a")),
    ],
    ids=["bad-ref", "bad-ref-positional", "priority", "impossible-date", "date-word", "due", "audit-kind",
         "blank-actor", "blank-text"],
)
def test_invalid_values_are_invalid_input_naming_the_field(
    started: Ledger, field: str, shown: str, call: Callable[[Ledger], Any]
) -> None:
    err = refused(started, InvalidInput, lambda: call(started), f"invalid {field}")
    assert err.exit_code == 2
    if shown:
        assert shown in str(err)


# -- wrong kind -------------------------------------------------------------------------------


def test_start_action_on_an_audit_ref(plan: Ledger) -> None:
    refused(plan, UnknownRef, lambda: plan.start_action("ICO", on="2016-02-01", actor="a"),
            "ICO is an audit, not an action")


def test_achieve_milestone_on_an_action_ref(plan: Ledger) -> None:
    refused(plan, UnknownRef, lambda: plan.achieve_milestone("A1", on="2016-02-01", actor="a"),
            "A1 is an action, not a milestone")


def test_get_with_the_wrong_kind(plan: Ledger) -> None:
    with pytest.raises(UnknownRef, match="RM is a milestone, not an action"):
        plan.get("RM", Action)
    assert isinstance(plan.get("RM", Milestone), Milestone)


# -- recommendations --------------------------------------------------------------------------


def test_recommendation_area_must_be_one_of_the_audits_areas(plan: Ledger) -> None:
    refused(plan, RuleViolation,
            lambda: plan.add_recommendation("R2", audit="ICO", text="t", priority="low", area="records",
                                            on="2016-01-01", actor="a"),
            "R2", "records", "ICO", "governance")
    plan.add_recommendation("R2", audit="ICO", text="t", priority="low", area="governance",
                            on="2016-01-01", actor="a")
    assert plan.find("R2") is not None


def test_recommendation_before_its_audit_is_refused(plan: Ledger) -> None:
    refused(plan, RuleViolation,
            lambda: plan.add_recommendation("R2", audit="ICO", text="t", priority="low", on="2015-10-29",
                                            actor="a"),
            "ICO", "2015-10-29", "2015-10-30")


# -- meetings and resolutions -----------------------------------------------------------------


@pytest.fixture
def meetings(app: Ledger) -> Ledger:
    """M1 held 2016-01-20, M2 held 2016-02-15 (both past), M3 on 2016-06-20 (future)."""
    app.add_meeting("M1", committee="ARAC", on="2016-01-20", actor="clerk")
    app.add_meeting("M2", committee="ARAC", on="2016-02-15", actor="clerk")
    app.add_meeting("M3", committee="ARAC", on="2016-06-20", actor="clerk")
    return app


def test_report_requested_needs_a_due(meetings: Ledger) -> None:
    err = refused(meetings, InvalidInput,
                  lambda: meetings.add_resolution("M1", 1, text="Report back", kind="report-requested",
                                                  actor="clerk"),
                  "M1/1")
    assert err.exit_code == 2


def test_due_report_needs_the_report_requested_kind(meetings: Ledger) -> None:
    refused(meetings, InvalidInput,
            lambda: meetings.add_resolution("M1", 1, text="t", kind="decision", report_due_at="M2", actor="c"),
            "M1/1")


def test_only_one_way_of_giving_a_due(meetings: Ledger) -> None:
    refused(meetings, InvalidInput,
            lambda: meetings.add_resolution("M1", 1, text="t", report_due_at="M2", report_due_by="2016-05-01",
                                            actor="c"),
            "M1/1")


def test_a_due_report_makes_the_kind_report_requested(meetings: Ledger) -> None:
    meetings.add_resolution("M1", 1, text="Report back", report_due_at="M2", minute="12/16", actor="clerk")
    resolution = meetings.get("M1", Meeting).resolutions[1]
    assert resolution.kind is ev.ResolutionKind.REPORT_REQUESTED
    assert (resolution.report_due_at, resolution.minute) == ("M2", "12/16")
    assert resolution.effective == date(2016, 1, 20)


@pytest.mark.parametrize("due_at", ["M1", "M0"], ids=["same-meeting", "earlier-meeting"])
def test_report_due_at_a_meeting_that_is_not_later_is_refused(meetings: Ledger, due_at: str) -> None:
    meetings.add_meeting("M0", committee="ARAC", on="2015-12-01", actor="clerk")
    refused(meetings, RuleViolation,
            lambda: meetings.add_resolution("M1", 1, text="t", report_due_at=due_at, actor="clerk"),
            "M1/1", due_at)


def test_report_due_at_an_unknown_meeting_is_refused(meetings: Ledger) -> None:
    refused(meetings, UnknownRef,
            lambda: meetings.add_resolution("M1", 1, text="t", report_due_at="M7", actor="clerk"), "M7")


def test_report_due_by_a_date_not_after_the_meeting_is_refused(meetings: Ledger) -> None:
    refused(meetings, RuleViolation,
            lambda: meetings.add_resolution("M1", 1, text="t", report_due_by="2016-01-20", actor="clerk"),
            "M1/1", "2016-01-20")


def test_fulfilling_an_earlier_request_works_once(meetings: Ledger) -> None:
    meetings.add_resolution("M1", 1, text="Report back on records", report_due_at="M2", actor="clerk")
    logged = meetings.add_resolution("M2", 1, text="Records report received", fulfils="M1/1", actor="clerk")
    assert [type(x.event) for x in logged] == [ev.ResolutionPassed, ev.ReportReceived]
    m1 = meetings.get("M1", Meeting)
    assert m1.received == {1: "M2/1"}
    received = meetings.history("M1")[-1].event
    assert isinstance(received, ev.ReportReceived)
    assert (received.number, received.by, received.effective) == (1, "M2/1", date(2016, 2, 15))
    assert meetings.get("M2", Meeting).resolutions[1].fulfils == "M1/1"

    refused(meetings, RuleViolation,
            lambda: meetings.add_resolution("M2", 2, text="Again", fulfils="M1/1", actor="clerk"),
            "M2/2", "M1/1", "M2/1")
    assert 2 not in meetings.get("M2", Meeting).resolutions


def test_fulfilling_something_that_requested_no_report_is_refused(meetings: Ledger) -> None:
    meetings.add_resolution("M1", 1, text="Noted", actor="clerk")
    refused(meetings, RuleViolation,
            lambda: meetings.add_resolution("M2", 1, text="t", fulfils="M1/1", actor="clerk"), "M2/1", "M1/1")


@pytest.mark.parametrize(
    ("fulfils", "error"),
    [("M1/9", UnknownRef), ("M9/1", UnknownRef), ("M1", InvalidInput), ("M1/x", InvalidInput)],
)
def test_fulfilling_a_missing_or_malformed_request_is_refused(
    meetings: Ledger, fulfils: str, error: type[LedgerError]
) -> None:
    meetings.add_resolution("M1", 1, text="Report", report_due_at="M2", actor="clerk")
    refused(meetings, error,
            lambda: meetings.add_resolution("M2", 1, text="t", fulfils=fulfils, actor="clerk"),
            fulfils.partition("/")[0])


def test_fulfilling_from_an_earlier_meeting_is_refused(meetings: Ledger) -> None:
    meetings.add_resolution("M2", 1, text="Report", report_due_by="2016-04-01", actor="clerk")
    refused(meetings, RuleViolation,
            lambda: meetings.add_resolution("M1", 1, text="t", fulfils="M2/1", actor="clerk"), "M1/1", "M2/1")


def test_resolutions_on_a_future_meeting_are_refused(meetings: Ledger, clock: Any) -> None:
    refused(meetings, RuleViolation, lambda: meetings.add_resolution("M3", 1, text="t", actor="clerk"),
            "M3", "2016-06-20")
    clock.set("2016-06-20")
    meetings.add_resolution("M3", 1, text="t", actor="clerk")
    assert 1 in meetings.get("M3", Meeting).resolutions


def test_fulfilling_at_a_future_meeting_records_nothing_on_either_meeting(meetings: Ledger) -> None:
    meetings.add_resolution("M1", 1, text="Report", report_due_at="M3", actor="clerk")
    refused(meetings, RuleViolation,
            lambda: meetings.add_resolution("M3", 1, text="t", fulfils="M1/1", actor="clerk"), "M3")
    assert meetings.get("M1", Meeting).received == {}


def test_duplicate_resolution_number_is_refused(meetings: Ledger) -> None:
    meetings.add_resolution("M1", 1, text="t", actor="clerk")
    refused(meetings, RuleViolation, lambda: meetings.add_resolution("M1", 1, text="u", actor="clerk"), "M1/1")
    assert meetings.get("M1", Meeting).resolutions[1].text == "t"
