"""Target dates under governance: the policy (an event, used as in force on the report's date),
requests awaiting approval and their approval, the RAG rule with ageing, revisions and
`overdue_against_original`, and recommendations counted by their actions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.errors import RuleViolation
from ledger.domain.records import Action
from ledger.projections.legality import problems
from ledger.projections.rag import Policy, bucket, rag, targets_report
from ledger.projections.rag_render import to_json
from ledger.projections.readmodel import ReadModel
from ledger.projections.replay import ActionState
from tests.unit.test_rules import refused

NOW = datetime(2030, 1, 1, tzinfo=UTC)
S = ev.Status


def state(status: ev.Status = S.NOT_STARTED, due: str | None = "2016-07-01",
          original: str | None = "2016-07-01") -> ActionState:
    return ActionState(
        ref="A", text="t", status=status, owner=None,
        due=date.fromisoformat(due) if due else None,
        original_due=date.fromisoformat(original) if original else None, overdue=False,
        blocked_by=(), recommendations=("R",), audits=("X",), priority=None,
        added_on=date(2016, 1, 1), status_on=date(2016, 1, 1))


@pytest.mark.parametrize(("status", "due", "original", "as_at", "expected"), [
    (S.COMPLETED, "2016-01-01", "2016-01-01", "2016-07-25", ("complete", None)),
    (S.WITHDRAWN, "2016-01-01", "2016-01-01", "2016-07-25", ("closed", None)),
    (S.IN_PROGRESS, "2016-07-01", "2016-07-01", "2016-07-25", ("red", 24)),
    (S.IN_PROGRESS, "2016-12-31", "2016-07-01", "2016-07-25", ("red", 24)),  # original missed
    (S.NOT_STARTED, "2016-08-20", "2016-08-20", "2016-07-25", ("amber", None)),  # within 30
    (S.IN_PROGRESS, "2016-08-20", "2016-08-20", "2016-07-25", ("green", None)),
    (S.NOT_STARTED, "2016-08-25", "2016-08-25", "2016-07-25", ("green", None)),  # 31 days
    (S.NOT_STARTED, None, None, "2016-07-25", ("green", None)),
])
def test_the_rag_rule(status: ev.Status, due: str | None, original: str | None, as_at: str,
                      expected: tuple[str, int | None]) -> None:
    assert rag(state(status, due, original), date.fromisoformat(as_at), Policy(), 0) == expected


def test_the_policy_decides_whether_a_revised_date_still_counts_overdue() -> None:
    revised = state(S.IN_PROGRESS, due="2016-12-31", original="2016-07-01")
    assert rag(revised, date(2016, 7, 25), Policy(revised_counts_overdue=False), 1) == (
        "green", None)
    assert rag(revised, date(2016, 7, 25), Policy(max_revisions=0), 1)[0] == "red"
    assert rag(revised, date(2016, 7, 25),
               Policy(revised_counts_overdue=False, max_revisions=0), 1) == ("amber", None)


def test_ageing_buckets() -> None:
    assert [bucket(d) for d in (0, 30, 31, 90, 91)] == [
        "0-30", "0-30", "31-90", "31-90", "over 90"]


@pytest.fixture
def plan(app: Ledger, clock: Any) -> Ledger:
    clock.set("2016-12-01")
    app.add_audit("X", title="Audit", kind="internal-audit", on="2016-01-01", actor="a")
    for rec in ("R1", "R2"):
        app.add_recommendation(rec, audit="X", text="t", priority="high", on="2016-01-01",
                               actor="a")
    app.add_action("A1", recommendations=["R1"], text="t", due="2016-06-30", on="2016-01-01",
                   actor="a")
    app.add_action("A2", recommendations=["R2"], text="t", due="2016-09-30", on="2016-01-01",
                   actor="a")
    app.start_action("A2", on="2016-02-01", actor="a")
    app.complete_action("A2", on="2016-03-01", actor="a")
    return app


def report(app: Ledger, as_at: str) -> Any:
    """The report from the SQL read model, which must equal the one from the replay."""
    from_log = targets_report(app.stream, date.fromisoformat(as_at), NOW)
    model = ReadModel(app)
    model.catch_up()
    from_sql = targets_report(model, date.fromisoformat(as_at), NOW)
    assert from_sql == from_log
    return from_sql


def test_without_a_policy_a_reschedule_applies_at_once(plan: Ledger) -> None:
    logged = plan.reschedule_action("A1", due="2016-12-31", on="2016-06-01", reason="late",
                                    actor="a")
    assert [type(i.event) for i in logged] == [ev.ActionRescheduled]
    assert b"approved_by" not in logged[0].event.__pydantic_serializer__.to_json(
        logged[0].event)
    a1 = next(g for g in report(plan, "2016-07-25").actions if g.action.ref == "A1")
    assert (a1.revisions, a1.overdue_against_original, a1.rag, a1.days_overdue) == (
        1, True, "red", 25)
    assert not a1.action.overdue  # against its current date it is not


def test_under_a_policy_requiring_approval_a_reschedule_waits(plan: Ledger) -> None:
    plan.set_target_policy(on="2016-05-01", approval_required=True, max_revisions=0, actor="a")
    logged = plan.reschedule_action("A1", due="2016-12-31", on="2016-06-01", reason="late",
                                    actor="a")
    assert [type(i.event) for i in logged] == [ev.RescheduleRequested]
    assert plan.get("A1", Action).due == date(2016, 6, 30)
    pending = report(plan, "2016-07-25").pending()
    assert [(p.ref, p.due) for p in pending] == [("A1", date(2016, 12, 31))]
    assert report(plan, "2016-05-31").pending() == []
    plan.approve_reschedule("A1", by="Head of Audit", on="2016-07-25", actor="a")
    a1 = plan.get("A1", Action)
    assert (a1.due, a1.revisions, a1.pending) == (date(2016, 12, 31), 1, None)
    after = report(plan, "2016-07-25")
    assert after.pending() == []
    g = next(g for g in after.actions if g.action.ref == "A1")
    assert g.flagged and g.revisions == 1
    assert problems(plan.stream()) == []
    refused(plan, RuleViolation, lambda: plan.approve_reschedule(
        "A1", by="x", on="2016-07-26", actor="a"), "A1", "no reschedule awaiting")


def test_an_approved_reschedule_names_the_approver(plan: Ledger) -> None:
    plan.set_target_policy(on="2016-05-01", approval_required=True, actor="a")
    logged = plan.reschedule_action("A1", due="2016-12-31", on="2016-06-01", reason="late",
                                    approved_by="Committee", actor="a")
    (e,) = [i.event for i in logged]
    assert isinstance(e, ev.ActionRescheduled) and e.approved_by == "Committee"


def test_a_report_uses_the_policy_in_force_on_its_date(plan: Ledger) -> None:
    plan.reschedule_action("A1", due="2016-12-31", on="2016-06-01", reason="late", actor="a")
    plan.set_target_policy(on="2016-08-01", revised_counts_overdue=False, actor="a")
    assert next(g for g in report(plan, "2016-07-25").actions).rag == "red"
    assert next(g for g in report(plan, "2016-08-02").actions).rag == "green"
    refused(plan, RuleViolation, lambda: plan.set_target_policy(on="2016-07-01", actor="a"),
            "POLICY")


def test_json_carries_dates_revisions_rag_and_counts_by_recommendation(plan: Ledger) -> None:
    plan.reschedule_action("A1", due="2016-12-31", on="2016-06-01", reason="late", actor="a")
    doc = json.loads(to_json(report(plan, "2016-09-01")))
    a1 = next(a for a in doc["actions"] if a["ref"] == "A1")
    assert {k: a1[k] for k in ("original_due", "due", "revisions", "overdue_against_original",
                               "rag", "ageing")} == {
        "original_due": "2016-06-30", "due": "2016-12-31", "revisions": 1,
        "overdue_against_original": True, "rag": "red", "ageing": "31-90"}
    assert doc["by_recommendation"]["delivered"] == 1
    assert doc["by_recommendation"]["not_started"] == 1
    assert doc["totals"]["actions"] == 2
    assert doc["rag"] == {"complete": 1, "green": 0, "amber": 0, "red": 1, "closed": 0}


def test_reschedules_stored_before_approval_existed_keep_their_bytes() -> None:
    e = ev.ActionRescheduled(originator_id=UUID(int=1), originator_version=2,
                             timestamp=datetime(2016, 9, 12, 17, tzinfo=UTC), ref="ICO-A2.2",
                             actor="IG (demo)", effective=date(2016, 9, 12),
                             due=date(2017, 3, 1), reason="Waiting")
    assert e.__pydantic_serializer__.to_json(
        e, exclude={"originator_id": True, "originator_version": True}) == (
        b'{"timestamp":"2016-09-12T17:00:00Z","ref":"ICO-A2.2","actor":"IG (demo)",'
        b'"effective":"2016-09-12","due":"2017-03-01","previous":null,"reason":"Waiting"}')
