"""The SQL read model agrees with the pure replay when the log holds the follow-up audit's
findings and ratings, the target-date policy, requests awaiting approval and approved
reschedules, and corrections and retractions of them: the positions (actions with their
revisions and pending requests, the policy in force, the recommendations) and the follow-up
reports (findings, what the officers had reported before each, revised ratings) are equal, as
at random dates, as known at random times, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.errors import LedgerError, RuleViolation, UnknownRef
from ledger.projections.agreement import position_mismatch, scoped
from ledger.projections.followup import follow_up_report
from ledger.projections.legality import problems
from ledger.projections.readmodel import ReadModel
from ledger.projections.replay import Position, replay
from tests.integration.test_readmodel import START, Clock, correction, reports_agree, seed

KINDS = (["add", "start", "start", "complete", "complete", "reschedule", "reschedule",
          "approve", "approve", "policy", "assess", "assess", "revise", "catch_up",
          "correct", "correct", "retract"])
step = st.tuples(st.sampled_from(KINDS), st.integers(0, 7), st.integers(0, 300),
                 st.sampled_from([0, 0, 1, 20, 60]), st.sampled_from([0, 0, 1, 10]))
Step = tuple[str, int, int, int, int]
OUTCOMES = list(ev.Outcome)


def apply(app: Ledger, model: ReadModel, kind: str, target: str, number: int,
          on: date) -> str | None:
    """One step; the ref of an action it added, if any."""
    if kind == "add":
        ref = f"A{number}"
        app.add_action(ref, recommendations=["R1"], text="t", due=START + timedelta(days=number),
                       on=on, actor="o")
        return ref
    if kind == "start":
        app.start_action(target, on=on, actor="o")
    elif kind == "complete":
        app.complete_action(target, on=on, actor="o")
    elif kind == "reschedule":
        app.reschedule_action(target, due=START + timedelta(days=number), on=on, reason="r",
                              approved_by="Committee" if number % 3 == 0 else None, actor="o")
    elif kind == "approve":
        app.approve_reschedule(target, by="Committee", on=on, actor="o")
    elif kind == "policy":
        app.set_target_policy(on=on, approval_required=number % 3 != 0,
                              max_revisions=number % 4, actor="o")
    elif kind == "assess":
        app.assess("R1" if number % 2 else target, by="FU", outcome=OUTCOMES[number % 4],
                   on=on, note="n", reopen=number % 5 == 0, actor="auditor")
    elif kind == "revise":
        app.revise_assurance("FU", area="governance", rating=list(ev.Assurance)[number % 4],
                             on=on, actor="auditor")
    elif kind in ("correct", "retract"):
        amend(app, kind, target, number, on)
    else:
        model.catch_up(batch=3)
    return None


def amend(app: Ledger, kind: str, target: str, number: int, on: date) -> None:
    """Correct or retract an earlier event of an action, the policy, or R1."""
    records = [target, target, ev.POLICY_REF, "R1", "FU"]
    history = [i for i in app.history(records[number % len(records)])
               if not isinstance(i.event, ev.AMENDMENTS)]
    if not history:
        return
    item = history[number // 5 % len(history)]
    if kind == "retract":
        app.retract(item.position, reason="r", actor="o")
        return
    e, pick = item.event, number // 8
    choices: list[dict[str, object]] = [{"effective": on}]
    if isinstance(e, ev.RescheduleRequested):
        choices += [{"due": START + timedelta(days=number)}, {"reason": f"r{number}"}]
    elif isinstance(e, ev.TargetPolicySet):
        choices += [{"max_revisions": pick % 3}, {"revised_counts_overdue": bool(pick % 2)},
                    {"approval_required": not e.approval_required}]
    elif isinstance(e, ev.ImplementationAssessed):
        choices += [{"outcome": OUTCOMES[pick % 4].value}, {"note": f"n{number}"}]
    elif isinstance(e, ev.AssuranceRevised):
        choices += [{"rating": list(ev.Assurance)[pick % 4].value}, {"area": f"a{pick % 2}"}]
    elif isinstance(e, ev.RecommendationMade):
        choices += [{"response": list(ev.Response)[pick % len(ev.Response)].value},
                    {"text": f"t{number}"}, {"risk_accepted_by": ["Ann", None][pick % 2]},
                    {"response": "partially-accepted", "risk_accepted_by": "Bob"}]
    else:
        choices.append(correction(e, [target], number, pick, on))
    app.correct(item.position, reason="r", actor="o", values=choices[pick % len(choices)])


def _position(ask: Callable[[], Position]) -> Position | str:
    try:
        return ask()
    except UnknownRef as e:  # e.g. the audit was not known yet: both must say so
        return str(e)


def positions_agree(app: Ledger, model: ReadModel, dates: list[date],
                    horizons: list[datetime]) -> None:
    """The positions from SQL and from the replay are the same (all, and one audit's): the
    actions with their revisions and pending requests, the policy, the recommendations."""
    for known in horizons:
        for as_at in dates:
            expected = replay(app.stream(), as_at, known)
            for audit in (None, "AUD"):
                want = expected if audit is None else scoped(expected, audit)
                got = model.position(as_at, known, audit)
                why = (as_at, known, audit)
                assert position_mismatch(want, got, []) is None, why
                assert got.actions == want.actions, why
                assert got.policy == want.policy, why
                assert got.recommendations == want.recommendations, why
                assert got.fingerprint == want.fingerprint, why
            assert _follow_up(model, as_at, known) == _follow_up(app.stream(), as_at, known)


def _follow_up(source: object, as_at: date, known: datetime) -> object:
    """The whole follow-up report model, or why there is none."""
    try:
        return follow_up_report(source, "FU", as_at, known)  # type: ignore[arg-type]
    except (UnknownRef, RuleViolation) as e:  # FU not known yet: both must say so
        return str(e)


def follow_up_agrees(url: str, steps: list[Step], dates: list[int], horizons: list[int]) -> None:
    """Run the steps, then compare the read model with the replay on both clocks."""
    with Ledger(url, clock=Clock()) as app:
        seed(app)
        app.add_audit("FU", title="Follow-up", kind="follow-up", follows="AUD", on=START,
                      actor="auditor")
        app.set_target_policy(on=START, approval_required=True, actor="o")
        model = ReadModel(app)
        added = ["A0"]
        app.add_action("A0", recommendations=["R1"], text="t", on=START, actor="o")
        day = START + timedelta(days=1)
        for kind, index, number, advance, back in steps:
            day += timedelta(days=advance)
            app.clock.now = max(app.clock.now, datetime.combine(  # type: ignore[attr-defined]
                day, datetime.min.time(), UTC) + timedelta(hours=12))
            try:
                ref = apply(app, model, kind, added[index % len(added)], number,
                            max(START, day - timedelta(days=back)))
            except LedgerError:
                continue
            event(f"{kind} recorded")
            if ref:
                added.append(ref)
        model.catch_up()
        assert problems(app.stream()) == []
        stamps = [item.event.timestamp for item in app.stream()]
        known = [datetime(2016, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in horizons]
        known += [stamps[h % len(stamps)] for h in horizons] + [datetime.now(UTC)]
        as_at = [START + timedelta(days=d) for d in dates]
        positions_agree(app, model, as_at, known)
        reports_agree(app, model, as_at, known[-1:])


histories = dict(steps=st.lists(step, min_size=3, max_size=25),
                 dates=st.lists(st.integers(0, 500), min_size=1, max_size=2),
                 horizons=st.lists(st.integers(0, 500 * 24), min_size=1, max_size=2))


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**histories)
def test_sql_equals_replay_with_follow_up_and_target_events(
        steps: list[Step], dates: list[int], horizons: list[int]) -> None:
    follow_up_agrees("sqlite://", steps, dates, horizons)


@pytest.mark.slow
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(**histories)
def test_sql_equals_replay_with_follow_up_and_target_events_on_postgresql(
        pg_schemas: Callable[[], str], steps: list[Step], dates: list[int],
        horizons: list[int]) -> None:
    """The same on PostgreSQL (a fresh schema per example; fewer examples: each makes one)."""
    follow_up_agrees(pg_schemas(), steps, dates, horizons)
