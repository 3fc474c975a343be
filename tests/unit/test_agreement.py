"""How `verify --deep` names the first difference between the replay's and the read model's
answers about a follow-up audit: a finding, the revised ratings, the audit it follows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from ledger.domain import events as ev
from ledger.projections.agreement import facts_mismatch
from ledger.projections.followup import Assessed, FollowUpFacts

AUDIT = ev.AuditRecorded(originator_id=ev.record_id("ICO"), originator_version=1,
                         timestamp=datetime(2016, 1, 1, tzinfo=UTC), ref="ICO", actor="a",
                         effective=date(2016, 1, 1), title="ICO audit", kind=ev.AuditKind.ICO_AUDIT)
FOUND = Assessed(ev.Outcome.PARTIALLY_IMPLEMENTED, "unsigned", date(2016, 3, 22), "completed")
FACTS = FollowUpFacts(AUDIT, {"A1": FOUND, "R1": FOUND},
                      (("governance", ev.Assurance.REASONABLE),))


def test_equal_facts_agree() -> None:
    assert facts_mismatch(FACTS, dataclasses.replace(FACTS)) is None


def test_the_first_finding_that_differs_is_named_by_ref_and_field() -> None:
    got = dataclasses.replace(FACTS, findings={
        "A1": FOUND, "R1": dataclasses.replace(FOUND, outcome=ev.Outcome.IMPLEMENTED)})
    assert facts_mismatch(FACTS, got) == (
        "R1", "finding: outcome is 'implemented' in the read model, 'partially-implemented' in "
              "the log")
    assert facts_mismatch(FACTS, dataclasses.replace(FACTS, findings={"R1": FOUND})) == (
        "A1", "finding missing from the read model")


def test_revised_ratings_and_the_followed_audit() -> None:
    got = dataclasses.replace(FACTS, revised=())
    assert facts_mismatch(FACTS, got) == (
        None, "revised ratings are none in the read model, governance reasonable in the log")
    renamed = dataclasses.replace(FACTS, followed=AUDIT.model_copy(update={"title": "ICO"}))
    found = facts_mismatch(FACTS, renamed)
    assert found is not None and found[0] == "ICO" and found[1].startswith("followed audit: ")
    assert facts_mismatch(FACTS, dataclasses.replace(FACTS, followed=None)) == (
        "ICO", f"followed audit: None in the read model, {AUDIT} in the log")
