"""The SQL read model still agrees with the pure replay when the log holds the follow-up audit's
findings and ratings, the target-date policy, requests awaiting approval and approved
reschedules (the read model does not hold them yet; what it does hold must not drift)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.errors import LedgerError
from ledger.projections.legality import problems
from ledger.projections.readmodel import ReadModel
from tests.integration.test_readmodel import START, Clock, reports_agree, seed

KINDS = (["add", "start", "start", "complete", "complete", "reschedule", "reschedule",
          "approve", "approve", "policy", "assess", "assess", "revise", "catch_up"])
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
    else:
        model.catch_up(batch=3)
    return None


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=3, max_size=25),
       dates=st.lists(st.integers(0, 500), min_size=1, max_size=2),
       horizons=st.lists(st.integers(0, 500 * 24), min_size=1, max_size=2))
def test_sql_equals_replay_with_follow_up_and_target_events(
        steps: list[Step], dates: list[int], horizons: list[int]) -> None:
    with Ledger("sqlite://", clock=Clock()) as app:
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
        known = [datetime(2016, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in horizons]
        known.append(datetime.now(UTC))
        reports_agree(app, model, [START + timedelta(days=d) for d in dates], known)
