"""The follow-up report, a pure function of the log (the SQL read model gives the same): counts
by outcome, the latest finding as at D as known on K, disagreements judged on what the officers
had reported when the auditor found, assurance before and after, the minutes paragraph and the
JSON keys."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.errors import RuleViolation, UnknownRef
from ledger.projections.followup import follow_up_report
from ledger.projections.followup_render import minutes, render_follow_up, to_json
from ledger.projections.readmodel import ReadModel
from ledger.projections.recommendations import RecommendationState, recommendation_state
from ledger.projections.replay import end_of_day

S = ev.Status
NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def story(app: Ledger, clock: Any) -> Ledger:
    """ICO (governance limited, data sharing reasonable) with R1..R4; R1's actions completed,
    R2 half done, R3 untouched, R4 none. FU follows ICO up on 2017-01-30."""
    a = "officer"
    clock.set("2016-12-01")
    app.add_audit("ICO", title="ICO data protection audit", kind="ico-audit", on="2015-10-30",
                  areas={"governance": "limited", "data sharing": "reasonable"}, actor=a)
    for rec in ("R1", "R2", "R3", "R4"):
        app.add_recommendation(rec, audit="ICO", text=f"Recommendation {rec}", priority="high",
                               on="2015-12-01", actor=a)
    for ref, rec in (("A1", "R1"), ("A2", "R1"), ("A3", "R2"), ("A4", "R2"), ("A5", "R3")):
        app.add_action(ref, recommendations=[rec], text=f"Action {ref}", on="2016-01-01", actor=a)
    for ref in ("A1", "A2", "A3"):
        app.start_action(ref, on="2016-02-01", actor=a)
    for ref in ("A1", "A2"):
        app.complete_action(ref, on="2016-06-01", actor=a)
    clock.set("2017-02-01")
    app.add_audit("FU", title="ICO follow-up audit", kind="follow-up", follows="ICO",
                  on="2017-01-30", areas={"governance": "reasonable"}, actor="auditor")
    return app


def report(app: Ledger, as_at: str = "2017-12-31", known: datetime = NOW) -> Any:
    """The report from the SQL read model, which must equal the one from the replay."""
    from_log = follow_up_report(app.stream(), "FU", date.fromisoformat(as_at), known)
    model = ReadModel(app)
    model.catch_up()
    from_sql = follow_up_report(model, "FU", date.fromisoformat(as_at), known)
    assert from_sql == from_log
    return from_sql


def test_recommendation_state_rule() -> None:
    assert recommendation_state([]) is RecommendationState.NO_ACTIONS
    assert recommendation_state([S.WITHDRAWN, S.SUPERSEDED]) is RecommendationState.CLOSED
    assert recommendation_state([S.COMPLETED, S.WITHDRAWN]) is RecommendationState.DELIVERED
    assert recommendation_state([S.COMPLETED, S.NOT_STARTED]) is RecommendationState.IN_PROGRESS
    assert recommendation_state([S.NOT_STARTED, S.SUPERSEDED]) is RecommendationState.NOT_STARTED
    assert recommendation_state([S.IN_PROGRESS]) is RecommendationState.IN_PROGRESS


def test_counts_by_outcome_with_not_assessed(story: Ledger) -> None:
    story.assess("R1", by="FU", outcome="implemented", on="2017-01-31", actor="auditor")
    story.assess("R2", by="FU", outcome="partially-implemented", on="2017-01-31", actor="auditor")
    story.assess("R3", by="FU", outcome="superseded", on="2017-01-31", actor="auditor")
    r = report(story)
    assert r.outcomes() == {"implemented": 1, "partially_implemented": 1, "not_implemented": 0,
                            "superseded": 1, "not_assessed": 1}
    officers = {f.ref: f.officers for f in r.recommendations}
    assert officers == {"R1": "delivered", "R2": "in_progress", "R3": "not_started",
                        "R4": "no_actions"}
    assert r.disagreements() == []


def test_the_latest_finding_as_at_d_as_known_on_k_counts(story: Ledger, clock: Any) -> None:
    story.assess("R2", by="FU", outcome="not-implemented", on="2017-01-31", actor="auditor")
    known_first = story.fingerprint()
    clock.set("2017-03-01")
    story.assess("R2", by="FU", outcome="implemented", on="2017-02-28", actor="auditor")
    assert report(story).outcomes()["implemented"] == 1
    assert report(story, "2017-02-27").outcomes()["not_implemented"] == 1
    assert report(story, "2017-01-30").outcomes()["not_assessed"] == 4
    then = report(story, known=end_of_day(date(2017, 2, 1)))
    assert then.outcomes()["not_implemented"] == 1 and then.outcomes()["implemented"] == 0
    assert then.fingerprint.position == known_first.position


def test_a_retracted_finding_no_longer_counts(story: Ledger) -> None:
    logged = story.assess("R1", by="FU", outcome="implemented", on="2017-01-31", actor="auditor")
    story.retract(logged[0].position, reason="Recorded against the wrong recommendation",
                  actor="auditor")
    assert report(story).outcomes()["not_assessed"] == 4


def test_a_corrected_finding_reads_as_corrected(story: Ledger) -> None:
    logged = story.assess("R3", by="FU", outcome="implemented", on="2017-01-31", actor="auditor")
    story.correct(logged[0].position, values={"outcome": "not-implemented"}, reason="typo",
                  actor="auditor")
    assert report(story).outcomes()["not_implemented"] == 1


def test_a_short_finding_on_delivered_work_is_a_disagreement(story: Ledger) -> None:
    story.assess("R1", by="FU", outcome="partially-implemented", on="2017-01-31",
                 note="Retention schedule not signed off", actor="auditor")
    story.assess("A3", by="FU", outcome="not-implemented", on="2017-01-31", actor="auditor")
    (d,) = report(story).disagreements()
    assert (d.ref, d.officers_then, d.outcome, d.officers) == (
        "R1", "delivered", ev.Outcome.PARTIALLY_IMPLEMENTED, "delivered")
    doc = json.loads(to_json(report(story)))
    assert doc["disagreements"] == [{
        "ref": "R1", "officers": "delivered", "auditor": "partially-implemented",
        "now": "delivered", "note": "Retention schedule not signed off",
        "assessed_on": "2017-01-31"}]
    assert doc["actions"] == [{"ref": "A3", "officers": "in_progress",
                               "auditor": "not-implemented", "note": None,
                               "assessed_on": "2017-01-31"}]


def test_reopening_keeps_the_disagreement_and_says_where_it_stands(story: Ledger) -> None:
    story.assess("R1", by="FU", outcome="not-implemented", on="2017-01-31", note="No evidence",
                 reopen=True, actor="auditor")
    (d,) = report(story).disagreements()
    assert (d.officers_then, d.officers) == ("delivered", "in_progress")


def test_work_recorded_done_after_the_finding_is_no_disagreement(story: Ledger,
                                                                 clock: Any) -> None:
    """A back-dated completion recorded after the auditor's finding was not what the auditor
    was shown: the finding does not contradict it."""
    story.assess("R2", by="FU", outcome="partially-implemented", on="2017-01-31",
                 actor="auditor")
    clock.set("2017-02-10")
    story.start_action("A4", on="2017-01-02", actor="officer")
    story.complete_action("A3", on="2017-01-03", actor="officer")
    story.complete_action("A4", on="2017-01-04", actor="officer")
    r = report(story)
    assert r.disagreements() == []
    assert {f.ref: f.officers for f in r.recommendations}["R2"] == "delivered"


def test_an_action_finding_disagrees_only_with_a_completed_action(story: Ledger) -> None:
    story.assess("A1", by="FU", outcome="partially-implemented", on="2017-01-31",
                 actor="auditor")
    story.assess("A5", by="FU", outcome="not-implemented", on="2017-01-31", actor="auditor")
    assert [d.ref for d in report(story).disagreements()] == ["A1"]


def test_assurance_before_and_after_as_at_each_date(story: Ledger, clock: Any) -> None:
    clock.set("2017-03-01")
    story.revise_assurance("FU", area="data sharing", rating="high", on="2017-02-20",
                           actor="auditor")
    after = {a.area: (a.before, a.after) for a in report(story).assurance}
    rating = ev.Assurance
    assert after == {"governance": (rating.LIMITED, rating.REASONABLE),
                     "data sharing": (rating.REASONABLE, rating.HIGH)}
    before_revision = {a.area: a.after for a in report(story, "2017-02-19").assurance}
    assert before_revision["data sharing"] is None


def test_the_minutes_paragraph_is_written_from_the_numbers(story: Ledger, clock: Any) -> None:
    story.assess("R1", by="FU", outcome="implemented", on="2017-01-31", actor="auditor")
    story.assess("R2", by="FU", outcome="partially-implemented", on="2017-01-31",
                 actor="auditor")
    story.assess("R3", by="FU", outcome="partially-implemented", on="2017-01-31",
                 actor="auditor")
    story.assess("R4", by="FU", outcome="not-implemented", on="2017-01-31", actor="auditor")
    clock.set("2017-03-01")
    story.revise_assurance("FU", area="data sharing", rating="reasonable", on="2017-02-20",
                           actor="auditor")
    assert minutes(report(story)) == (
        "The ICO follow-up audit of 30 January 2017, following up the ICO data protection "
        "audit, found that 1 of the 4 recommendations had been implemented, 2 partially and "
        "1 not implemented; the assurance ratings for governance rose from limited to "
        "reasonable and for data sharing stayed reasonable.")
    story.assess("R1", by="FU", outcome="not-implemented", on="2017-02-01", actor="auditor")
    assert minutes(report(story)).endswith(
        "The auditor's finding differs from the officers' report on 1 item the officers had "
        "reported done: R1 (not implemented).")


def test_json_has_the_keys_the_committee_relies_on(story: Ledger) -> None:
    doc = json.loads(render_follow_up(report(story), "json"))
    assert {"audit", "follows", "outcomes", "disagreements", "assurance",
            "fingerprint"} <= set(doc)
    assert (doc["audit"], doc["follows"]) == ("FU", "ICO")
    assert doc["assurance"]["governance"] == {"before": "limited", "after": "reasonable"}
    assert doc["fingerprint"]["position"] == story.fingerprint().position


def test_every_format_renders_the_minutes(story: Ledger) -> None:
    r = report(story)
    for fmt in ("text", "markdown", "html"):
        out = render_follow_up(r, fmt)
        assert "none of the 4 recommendations had yet been assessed" in " ".join(out.split())
    assert "<script" not in render_follow_up(r, "html")


def test_the_report_is_refused_for_an_audit_that_follows_none_or_is_missing(
        story: Ledger) -> None:
    with pytest.raises(RuleViolation, match="ICO is not a follow-up audit"):
        follow_up_report(story.stream(), "ICO", date(2017, 12, 31), NOW)
    with pytest.raises(UnknownRef, match="no audit FU as at 2017-01-29"):
        follow_up_report(story.stream(), "FU", date(2017, 1, 29), NOW)


def test_recommendations_carry_the_response_beside_the_officers_count(story: Ledger,
                                                                      clock: Any) -> None:
    clock.set("2017-02-02")
    story.add_recommendation("R5", audit="ICO", text="Risk accepted", priority="low",
                             response="not-accepted", on="2016-01-01", actor="officer")
    doc = json.loads(to_json(report(story)))
    responses = {r["ref"]: r["response"] for r in doc["recommendations"]}
    assert responses["R5"] == "not-accepted" and responses["R1"] == "accepted"
    assert doc["actions_totals"] == {"actions": 5, "not_started": 2, "in_progress": 1,
                                     "completed": 2, "withdrawn": 0, "superseded": 0}
