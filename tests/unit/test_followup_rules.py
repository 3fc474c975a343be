"""The follow-up audit's rules on a ledger (every backend): a follow-up names the audit it
follows, a finding is the auditor's view beside the officers' statuses, `reopen` reopens the
completed actions in the same transaction, and a revised rating belongs to the follow-up."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.errors import InvalidInput, RuleViolation, UnknownRef
from ledger.domain.records import Action, Audit, Recommendation
from ledger.projections.legality import problems
from tests.unit.test_rules import refused

Out = ev.Outcome


@pytest.fixture
def plan(app: Ledger, clock: Any) -> Ledger:
    """ICO (two areas) with R1 (A1 completed, A2 completed) and R2 (A3 in progress); IA, an
    internal audit with R9; FU, a follow-up of ICO dated 2017-01-30."""
    a = "alice"
    app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30", actor=a,
                  areas={"governance": "limited", "Records management": "limited"})
    app.add_audit("IA", title="Internal audit", kind="internal-audit", on="2015-11-01", actor=a)
    for rec, audit in (("R1", "ICO"), ("R2", "ICO"), ("R9", "IA")):
        app.add_recommendation(rec, audit=audit, text="Do it", priority="high", on="2015-12-01",
                               actor=a)
    for ref, rec in (("A1", "R1"), ("A2", "R1"), ("A3", "R2"), ("A9", "R9")):
        app.add_action(ref, recommendations=[rec], text="Step", on="2016-01-01", actor=a)
        app.start_action(ref, on="2016-01-02", actor=a)
    app.complete_action("A1", on="2016-02-01", actor=a)
    app.complete_action("A2", on="2016-02-02", actor=a)
    clock.set("2017-02-01")
    app.add_audit("FU", title="ICO follow-up audit", kind="follow-up", follows="ICO",
                  on="2017-01-30", areas={"GOVERNANCE": "reasonable"}, actor="auditor")
    return app


def test_an_audit_without_follows_is_stored_as_before_the_field() -> None:
    """The chain hashes the stored bytes: an audit that follows nothing must serialise exactly
    as before `follows` existed (bytes taken from the code before the change)."""
    e = ev.AuditRecorded(originator_id=UUID(int=1), originator_version=1,
                         timestamp=datetime(2016, 3, 14, 9, 0, 1, tzinfo=UTC), ref="ICO-2015",
                         actor="IG (demo)", effective=date(2015, 10, 30),
                         title="ICO data protection audit", kind="ico-audit",
                         areas={"governance": "limited"})
    stored = e.__pydantic_serializer__.to_json(
        e, exclude={"originator_id": True, "originator_version": True})
    assert stored == (b'{"timestamp":"2016-03-14T09:00:01Z","ref":"ICO-2015","actor":"IG (demo)",'
                      b'"effective":"2015-10-30","title":"ICO data protection audit",'
                      b'"kind":"ico-audit","areas":{"governance":"limited"}}')
    assert ev.AuditRecorded.model_validate_json(stored[:-1] + b',"originator_id":"%s",'
                                                b'"originator_version":1}' % str(UUID(int=1)).encode()
                                                ).follows is None
    follow = e.model_copy(update={"follows": "ICO-2014"})
    assert b'"follows":"ICO-2014"' in follow.__pydantic_serializer__.to_json(follow)


def test_a_follow_up_keeps_its_link_and_names_areas_as_the_followed_audit(plan: Ledger) -> None:
    fu = plan.get("FU", Audit)
    assert fu.follows == "ICO" and fu.audit_kind is ev.AuditKind.FOLLOW_UP
    assert fu.areas == {"governance": ev.Assurance.REASONABLE}


def test_follow_up_links_are_checked(plan: Ledger) -> None:
    add = plan.add_audit
    refused(plan, InvalidInput, lambda: add("X", title="t", kind="follow-up", on="2017-01-30",
                                            actor="a"), "X", "--follows")
    refused(plan, InvalidInput, lambda: add("X", title="t", kind="ico-audit", follows="ICO",
                                            on="2017-01-30", actor="a"), "X")
    refused(plan, UnknownRef, lambda: add("X", title="t", kind="follow-up", follows="NOPE",
                                          on="2017-01-30", actor="a"), "NOPE")
    refused(plan, RuleViolation, lambda: add("X", title="t", kind="follow-up", follows="ICO",
                                             on="2015-01-01", actor="a"), "X", "ICO")
    refused(plan, RuleViolation, lambda: add("X", title="t", kind="follow-up", follows="ICO",
                                             on="2017-01-30", areas={"data": "high"}, actor="a"),
            "'data'", "governance")


def test_a_finding_sits_beside_the_officers_status(plan: Ledger) -> None:
    plan.assess("R1", by="FU", outcome=Out.IMPLEMENTED, on="2017-01-31", actor="auditor")
    plan.assess("A3", by="FU", outcome=Out.NOT_IMPLEMENTED, on="2017-01-31", note="Not begun",
                actor="auditor")
    assert plan.get("R1", Recommendation).findings["FU"].outcome is Out.IMPLEMENTED
    a3 = plan.get("A3", Action)
    assert a3.findings["FU"].note == "Not begun"
    assert a3.status is ev.Status.IN_PROGRESS  # the officers' status is untouched
    assert problems(plan.stream()) == []


def test_findings_are_refused_when_they_do_not_fit(plan: Ledger) -> None:
    assess = plan.assess
    refused(plan, RuleViolation, lambda: assess("R1", by="ICO", outcome=Out.IMPLEMENTED,
                                                on="2017-01-31", actor="a"), "ICO", "follow-up")
    refused(plan, RuleViolation, lambda: assess("R9", by="FU", outcome=Out.IMPLEMENTED,
                                                on="2017-01-31", actor="a"), "FU", "ICO", "IA")
    refused(plan, RuleViolation, lambda: assess("R1", by="FU", outcome=Out.IMPLEMENTED,
                                                on="2017-01-29", actor="a"), "R1", "FU")
    refused(plan, UnknownRef, lambda: assess("ICO", by="FU", outcome=Out.IMPLEMENTED,
                                             on="2017-01-31", actor="a"), "ICO", "audit")
    refused(plan, RuleViolation, lambda: assess("R1", by="FU", outcome=Out.IMPLEMENTED,
                                                on="2017-02-02", actor="a"), "future")
    plan.assess("R1", by="FU", outcome=Out.IMPLEMENTED, on="2017-01-31", actor="a")
    refused(plan, RuleViolation, lambda: assess("R1", by="FU", outcome=Out.IMPLEMENTED,
                                                on="2017-01-31", actor="a"), "already")
    refused(plan, RuleViolation, lambda: assess("R1", by="FU", outcome=Out.SUPERSEDED,
                                                on="2017-01-30", actor="a"), "earlier finding")
    plan.assess("R1", by="FU", outcome=Out.SUPERSEDED, on="2017-01-31", actor="a")
    assert plan.get("R1", Recommendation).findings["FU"].outcome is Out.SUPERSEDED


def test_reopen_reopens_the_completed_actions_in_one_transaction(plan: Ledger) -> None:
    logged = plan.assess("R1", by="FU", outcome=Out.PARTIALLY_IMPLEMENTED, on="2017-01-31",
                         note="Retention schedule not yet approved", reopen=True, actor="aud")
    assert [type(i.event) for i in logged] == [ev.ImplementationAssessed, ev.ActionReopened,
                                               ev.ActionReopened]
    assert len({i.event.timestamp for i in logged}) == 1
    for ref in ("A1", "A2"):
        action = plan.get(ref, Action)
        assert action.status is ev.Status.IN_PROGRESS and action.status_on == date(2017, 1, 31)
    reasons = [i.event.reason for i in logged if isinstance(i.event, ev.ActionReopened)]
    assert all("Retention schedule not yet approved" in r for r in reasons)
    assert problems(plan.stream()) == []


def test_reopen_is_refused_when_it_does_not_apply(plan: Ledger) -> None:
    assess = plan.assess
    refused(plan, InvalidInput, lambda: assess("R1", by="FU", outcome=Out.IMPLEMENTED,
                                               on="2017-01-31", note="n", reopen=True,
                                               actor="a"), "implemented")
    refused(plan, InvalidInput, lambda: assess("R1", by="FU", outcome=Out.NOT_IMPLEMENTED,
                                               on="2017-01-31", reopen=True, actor="a"),
            "--note")
    refused(plan, RuleViolation, lambda: assess("R2", by="FU", outcome=Out.NOT_IMPLEMENTED,
                                                on="2017-01-31", note="n", reopen=True,
                                                actor="a"), "R2", "nothing to reopen")


def test_reopen_of_an_assessed_action_reopens_it(plan: Ledger) -> None:
    plan.assess("A1", by="FU", outcome=Out.NOT_IMPLEMENTED, on="2017-01-31", note="No evidence",
                reopen=True, actor="a")
    assert plan.get("A1", Action).status is ev.Status.IN_PROGRESS
    assert plan.get("A2", Action).status is ev.Status.COMPLETED


def test_revised_assurance_belongs_to_the_follow_up(plan: Ledger) -> None:
    plan.revise_assurance("FU", area="records management", rating="reasonable",
                          on="2017-01-31", actor="auditor")
    assert plan.get("FU", Audit).areas == {"governance": ev.Assurance.REASONABLE,
                                           "Records management": ev.Assurance.REASONABLE}
    assert plan.get("ICO", Audit).areas["Records management"] is ev.Assurance.LIMITED
    revise = plan.revise_assurance
    refused(plan, RuleViolation, lambda: revise("ICO", area="governance", rating="high",
                                                on="2017-01-31", actor="a"), "ICO", "follow-up")
    refused(plan, RuleViolation, lambda: revise("FU", area="governance", rating="reasonable",
                                                on="2017-01-31", actor="a"), "already")
    refused(plan, RuleViolation, lambda: revise("FU", area="training", rating="high",
                                                on="2017-01-31", actor="a"), "'training'")
    refused(plan, RuleViolation, lambda: revise("FU", area="governance", rating="high",
                                                on="2017-01-29", actor="a"), "FU")
    assert problems(plan.stream()) == []


def test_legality_names_a_finding_by_an_audit_that_is_not_a_follow_up(plan: Ledger) -> None:
    log = list(plan.stream())
    r1 = plan.get("R1", Recommendation)
    forged = ev.ImplementationAssessed(
        originator_id=r1.id, originator_version=r1.version + 1, ref="R1", actor="mallory",
        timestamp=log[-1].event.timestamp, effective=date(2017, 1, 31), by="IA",
        outcome=Out.IMPLEMENTED)
    from ledger.domain.values import Logged
    found = problems([*log, Logged(len(log) + 1, "", forged)])
    assert found and found[0][0] == len(log) + 1 and "IA is not a follow-up" in found[0][1]


def test_the_new_events_round_trip_through_the_store_with_their_types(plan: Ledger) -> None:
    plan.assess("R2", by="FU", outcome="not-implemented", on="2017-01-31", note="Not begun",
                actor="auditor")
    plan.revise_assurance("FU", area="records management", rating="very-limited",
                          on="2017-01-31", actor="auditor")
    log = list(plan.stream())
    audit = next(i.event for i in log if isinstance(i.event, ev.AuditRecorded)
                 and i.event.ref == "FU")
    finding = next(i.event for i in log if isinstance(i.event, ev.ImplementationAssessed))
    revised = next(i.event for i in log if isinstance(i.event, ev.AssuranceRevised))
    assert audit.follows == "ICO" and audit.kind is ev.AuditKind.FOLLOW_UP
    assert type(finding.outcome) is ev.Outcome and finding.outcome is Out.NOT_IMPLEMENTED
    assert (finding.by, finding.note, finding.effective) == ("FU", "Not begun", date(2017, 1, 31))
    assert type(revised.rating) is ev.Assurance and revised.rating is ev.Assurance.VERY_LIMITED
    assert revised.area == "Records management"
