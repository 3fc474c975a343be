"""The replay of a log with corrections and retractions, against the same log rewritten.

The property: as known on K, the replay of a log with amendments must equal the replay of a log
in which every event known on K was recorded, in the first place, as its amendments known on K
make it read (the retracted left out, the amendments themselves dropped). The rewritten log is
built by `amended_log`, one pass per record; the replay instead re-indexes a record each time an
amendment arrives, so the two paths are independent. Histories come from random commands
through the in-memory application, so every amendment is one the rules accepted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.amend import amended_log
from ledger.domain.errors import LedgerError
from ledger.domain.values import Logged
from ledger.projections.replay import Timeline, replay

START = date(2024, 1, 1)


class Clock:
    """A clock the test moves by whole days; each reading advances one second."""

    def __init__(self) -> None:
        self.now = datetime(2024, 1, 1, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


KINDS = ["start", "complete", "reopen", "assign", "reschedule", "withdraw", "supersede",
         "correct", "correct", "correct", "retract", "retract", "add"]
step = st.tuples(st.sampled_from(KINDS), st.integers(0, 50), st.integers(0, 40),
                 st.sampled_from([0, 0, 1, 5]))


def _correction(item: Logged, n: int) -> dict[str, object]:
    """New values for a random correctable field of an event (some will be refused)."""
    e = item.event
    day = START + timedelta(days=n)
    if isinstance(e, ev.ActionAdded):
        return [{"text": f"wording {n}"}, {"owner": ["Ann", "Bob", None][n % 3]},
                {"due": day}, {"depends_on": ["A0"] if n % 2 else []},
                {"recommendations": ["R2" if n % 2 else "R1"]}][n % 5]
    if isinstance(e, ev.RecommendationMade):
        return {"priority": ["high", "low", "medium"][n % 3]}
    if isinstance(e, ev.ActionAssigned):
        return {"owner": ["Cy", "Dee"][n % 2]} if n % 2 else {"effective": day}
    if isinstance(e, ev.ActionRescheduled):
        return {"due": day} if n % 2 else {"effective": day}
    return {"effective": day}


def run(app: Ledger, steps: list[tuple[str, int, int, int]]) -> None:
    app.add_audit("AUD", title="ICO audit", kind="ico-audit", on=START, actor="a")
    for rec, priority in (("R1", "high"), ("R2", "low")):
        app.add_recommendation(rec, audit="AUD", text="t", priority=priority, on=START, actor="a")
    actions = ["A0", "A1"]
    for ref in actions:
        app.add_action(ref, recommendations=["R1"], text="t", owner="Ann", on=START, actor="o")
    for kind, pick, n, advance in steps:
        app.clock.now += timedelta(days=advance)  # type: ignore[attr-defined]
        today = app.clock.now.date()  # type: ignore[attr-defined]
        on = min(today, START + timedelta(days=n))
        ref = actions[pick % len(actions)]
        try:
            if kind == "add":
                ref = f"A{len(actions)}"
                app.add_action(ref, recommendations=["R2"], text="t", on=on, actor="o",
                               depends_on=[actions[pick % len(actions)]] if n % 3 == 0 else [])
                actions.append(ref)
            elif kind == "start":
                app.start_action(ref, on=on, actor="o")
            elif kind == "complete":
                app.complete_action(ref, on=on, actor="o")
            elif kind == "reopen":
                app.reopen_action(ref, on=on, reason="r", actor="o")
            elif kind == "assign":
                app.assign_action(ref, owner=["Bob", "Cy"][n % 2], on=on, actor="o")
            elif kind == "reschedule":
                app.reschedule_action(ref, due=START + timedelta(days=n + 30), on=on,
                                      reason="r", actor="o")
            elif kind == "withdraw":
                app.withdraw_action(ref, on=on, reason="risk accepted", actor="o")
            elif kind == "supersede":
                app.supersede_action(ref, by=actions[(pick + 1) % len(actions)], on=on,
                                     actor="o")
            else:
                log = list(app.stream())
                item = log[pick % len(log)]
                if kind == "correct":
                    app.correct(item.position, reason="typo", actor="o",
                                values=_correction(item, n))
                else:
                    app.retract(item.position, reason="wrong", actor="o")
        except LedgerError:
            pass


def _rewritten(log: list[Logged], known: datetime) -> list[Logged]:
    """The events known on K, recorded as their amendments known on K make them read."""
    return amended_log([i for i in log if i.event.timestamp <= known])


def _answers(log: list[Logged], as_at: date, known: datetime | None) -> object:
    p = replay(log, as_at, known)
    return (p.actions, p.totals().as_dict(), sorted(p.audits), p.milestones, p.requests)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=5, max_size=30), days=st.lists(st.integers(0, 90),
                                                                 min_size=1, max_size=3))
def test_replay_with_amendments_equals_the_log_recorded_as_amended(
        steps: list[tuple[str, int, int, int]], days: list[int]) -> None:
    with Ledger("sqlite://", clock=Clock()) as app:
        run(app, steps)
        log = list(app.stream())
    horizons = sorted({i.event.timestamp for i in log})
    for known in horizons[:: max(1, len(horizons) // 6)] + horizons[-1:]:
        rewritten = _rewritten(log, known)
        assert not any(isinstance(i.event, ev.AMENDMENTS) for i in rewritten)
        for d in days:
            as_at = START + timedelta(days=d)
            assert _answers(log, as_at, known) == _answers(rewritten, as_at, None), (as_at, known)


def test_a_correction_changes_the_answer_only_from_when_it_was_recorded() -> None:
    with Ledger("sqlite://", clock=Clock()) as app:
        run(app, [])
        app.clock.now = datetime(2024, 7, 1, 9, tzinfo=UTC)  # type: ignore[attr-defined]
        app.start_action("A0", on=date(2024, 6, 1), actor="o")
        [done] = app.complete_action("A0", on=date(2024, 6, 20), actor="o")
        app.clock.now = datetime(2024, 7, 2, 9, tzinfo=UTC)  # type: ignore[attr-defined]
        [fix] = app.correct(done.position, reason="meant 10 June", actor="o",
                            values={"effective": date(2024, 6, 10)})
        log = list(app.stream())
    before = datetime(2024, 7, 1, 23, tzinfo=UTC)
    as_at = date(2024, 6, 15)
    then = {a.ref: a.status for a in replay(log, as_at, before).actions}
    now = {a.ref: a.status for a in replay(log, as_at).actions}
    assert then["A0"] is ev.Status.IN_PROGRESS
    assert now["A0"] is ev.Status.COMPLETED
    timeline = Timeline.build(log)
    assert timeline.fingerprint.position == fix.position
