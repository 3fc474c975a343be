"""The SQL read model must agree with the pure replay, on both clocks, however it was built."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.errors import LedgerError, UnknownRef
from ledger.projections.readmodel import ReadModel
from ledger.projections.render import to_json
from ledger.projections.report import build_meeting_report, build_report

START = date(2016, 1, 1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2016, 1, 1, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def seed(app: Ledger) -> None:
    app.add_audit("AUD", title="ICO audit", kind="ico-audit", on=START, actor="a")
    app.add_audit("IFC", title="Maturity assessment", kind="maturity-assessment", on=START,
                  actor="a")
    app.add_recommendation("R1", audit="AUD", text="t", priority="high", on=START, actor="a")
    app.add_recommendation("R2", audit="IFC", text="t", priority="low", on=START, actor="a")
    app.add_milestone("M1", text="Records Manager recruited", on=START, actor="a")
    app.add_meeting("MT1", committee="Audit", on=date(2016, 3, 1), actor="c")
    app.add_meeting("MT2", committee="Audit", on=date(2016, 6, 1), actor="c")


# Kinds are weighted towards status changes (hypothesis dedupes repeated one_of branches, so the
# weights live in a list); action arguments index the actions added so far, so most are valid.
KINDS = (["add"] * 3 + ["start"] * 3 + ["complete"] * 3 + ["start+complete"] * 3 + ["reopen"] * 2
         + ["assign", "reschedule", "achieve", "resolve", "catch_up", "withdraw", "supersede"]
         + ["correct"] * 4 + ["retract"] * 2 + ["correct-correction"])
# (kind, index, number, days the clock moves on: mostly none, so ties; days back-dated; which
# field a correction changes)
step = st.tuples(st.sampled_from(KINDS), st.integers(0, 7), st.integers(0, 300),
                 st.sampled_from([0, 0, 0, 1, 3, 20, 60]), st.sampled_from([0, 0, 0, 1, 10, 45]),
                 st.integers(0, 11))
Step = tuple[str, int, int, int, int, int]


def run(app: Ledger, model: ReadModel, steps: list[Step]) -> None:
    day = START + timedelta(days=1)
    added: list[str] = []
    for ref, rec in (("A0", "R1"), ("A1", "R2")):
        app.add_action(ref, recommendations=[rec], text="t", owner="Ann", on=START, actor="o")
        added.append(ref)
    for kind, index, number, advance, back, field in steps:
        day += timedelta(days=advance)
        app.clock.now = max(app.clock.now, datetime.combine(day, datetime.min.time(), UTC)  # type: ignore[attr-defined]
                            + timedelta(hours=12))
        on = max(START, day - timedelta(days=back))
        target = added[index % len(added)] if added else "A0"
        try:
            if kind == "add":
                deps = ["M1"] if number % 5 == 4 else [target] if number % 3 == 2 and added else []
                ref = f"A{len(added)}"
                app.add_action(ref, recommendations=["R1" if number % 2 else "R2"], text="t",
                               owner=[None, "Ann", "Bob"][number % 3],
                               due=START + timedelta(days=number), depends_on=deps, on=on,
                               actor="o")
                added.append(ref)
            elif kind == "start":
                app.start_action(target, on=on, actor="o")
            elif kind == "complete":
                app.complete_action(target, on=on, actor="o")
            elif kind == "start+complete":  # two status changes on one day: a tie
                app.start_action(target, on=on, actor="o")
                app.complete_action(target, on=on, actor="o")
            elif kind == "reopen":
                app.reopen_action(target, on=on, reason="r", actor="o")
            elif kind == "assign":
                app.assign_action(target, owner=["Ann", "Bob", "Cy"][number % 3], on=on, actor="o")
            elif kind == "reschedule":
                app.reschedule_action(target, due=START + timedelta(days=number), on=on,
                                      reason="r", actor="o")
            elif kind == "achieve":
                app.achieve_milestone("M1", on=on, actor="o")
            elif kind == "resolve":
                meeting = "MT1" if number % 2 else "MT2"
                later = "MT2" if meeting == "MT1" else None
                app.add_resolution(meeting, index % 3 + 1, text="t", report_due_at=later,
                                   report_due_by=None if later else date(2016, 9, 1),
                                   fulfils="MT1/1" if meeting == "MT2" and index % 3 == 0 else None,
                                   actor="c")
            elif kind == "withdraw":
                app.withdraw_action(target, on=on, reason="r", actor="o")
            elif kind == "supersede":
                by = added[(index + 1 + number) % len(added)]
                app.supersede_action(target, by=by, on=on, actor="o")
            elif kind in ("correct", "retract", "correct-correction"):
                amend(app, kind, added, (number, index, field), on)
            elif kind == "catch_up":
                model.catch_up(batch=3)
        except LedgerError:
            pass


def correction(e: ev.LedgerEvent, added: list[str], number: int, field: int,
               on: date) -> dict[str, object]:
    """New values for a correctable field of `e` (which: `field`)."""
    pick = number // 3
    people = ["Ann", "Bob", "Cy", None]
    choices: list[dict[str, object]] = [{"effective": on}]
    if isinstance(e, ev.ActionAdded):
        others = [a for a in added if a != e.ref]
        choices += [{"text": f"t{number}"}, {"owner": people[pick % 4]},
                    {"due": START + timedelta(days=number)},
                    {"depends_on": [] if pick % 3 == 0 else ["M1"] if pick % 3 == 1 or not others
                     else [others[pick % len(others)]]},
                    {"recommendations": [["R1"], ["R2"], ["R1", "R2"]][pick % 3]}]
    elif isinstance(e, ev.ActionAssigned):
        choices += [{"owner": people[pick % 3]}] * 2
    elif isinstance(e, ev.ActionRescheduled):
        choices += [{"due": START + timedelta(days=number)}] * 2
    elif isinstance(e, ev.RecommendationMade):
        choices += [{"priority": list(ev.Priority)[pick % 4].value}, {"text": f"t{number}"},
                    {"audit": "AUD" if pick % 2 else "IFC"},
                    {"response": "not-accepted", "risk_accepted_by": people[pick % 4]}]
    elif isinstance(e, ev.MeetingScheduled):
        choices += [{"held_on": START + timedelta(days=number)}, {"committee": f"C{pick % 2}"}]
    elif isinstance(e, ev.MilestoneSet):
        choices += [{"text": f"t{number}"}]
    elif isinstance(e, ev.ResolutionPassed):
        choices += [{"text": f"t{number}"}, {"report_due_by": START + timedelta(days=number)}]
    elif isinstance(e, ev.AuditRecorded):
        choices += [{"title": f"t{number}"}]
    return choices[field % len(choices)]


def amend(app: Ledger, kind: str, added: list[str], which: tuple[int, int, int],
          on: date) -> None:
    """Correct, retract, or correct a correction of a random earlier event (by its position)."""
    number, index, field = which
    records = [*added, *added, "R1", "R2", "M1", "MT1", "MT2", "AUD"]
    history = app.history(records[number % len(records)])
    if kind == "correct-correction":
        history = [i for i in history if isinstance(i.event, ev.EventCorrected)]
    elif kind == "correct":
        history = [i for i in history if not isinstance(i.event, ev.AMENDMENTS)]
    if not history:
        return
    item = history[index % len(history)]
    if kind == "retract":
        app.retract(item.position, reason="r", actor="o")
        return
    original = item.event
    if isinstance(original, ev.EventCorrected):
        original = next(i.event for i in app.history(original.ref)
                        if i.position == original.original)
    app.correct(item.position, reason="r", actor="o",
                values=correction(original, added, number, field, on))


def _report(source: object, as_at: date, known: datetime, audit: str | None) -> object:
    try:
        return json.loads(to_json(build_report(source, as_at, as_known_on=known, audit=audit,  # type: ignore[arg-type]
                                               since=as_at - timedelta(days=60))))
    except UnknownRef as e:  # e.g. the audit was not known yet: both must say so
        return str(e)


def _meeting(source: object, meeting: str, known: datetime) -> str:
    try:
        return to_json(build_meeting_report(source, meeting, as_known_on=known))  # type: ignore[arg-type]
    except UnknownRef as e:  # the meeting was retracted: both must say so
        return str(e)


def reports_agree(app: Ledger, model: ReadModel, dates: list[date],
                  horizons: list[datetime]) -> None:
    for known in horizons:
        for as_at in dates:
            for audit in (None, "AUD"):
                sql = _report(model, as_at, known, audit)
                replay = _report(app.stream, as_at, known, audit)
                assert sql == replay, (as_at, known, audit)
        for meeting in ("MT1", "MT2"):
            assert _meeting(model, meeting, known) == _meeting(app.stream, meeting, known)


def agree_however_built(url: str, steps: list[Step], dates: list[int],
                        horizons: list[int]) -> None:
    """Run the steps, then compare the read model with the replay on both clocks, and the rows
    of incremental catch-up with those of a rebuild."""
    with Ledger(url, clock=Clock()) as app:
        seed(app)
        model = ReadModel(app)
        run(app, model, steps)  # catches up at random points, in batches of 3
        model.catch_up()
        stamps = [item.event.timestamp for item in app.stream()]
        # Horizons: arbitrary times, and exactly the recorded time of some event (the boundary).
        known = [datetime(2016, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in horizons]
        known += [stamps[h % len(stamps)] for h in horizons] + [datetime.now(UTC)]
        reports_agree(app, model, [START + timedelta(days=d) for d in dates], known)
        incremental = {t.name: _dump(app, t) for t in _tables()}
        model.rebuild(batch=7)
        assert {t.name: _dump(app, t) for t in _tables()} == incremental


histories = dict(steps=st.lists(step, min_size=3, max_size=30),
                 dates=st.lists(st.integers(0, 500), min_size=1, max_size=3),
                 horizons=st.lists(st.integers(0, 500 * 24), min_size=1, max_size=3))


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**histories)
def test_sql_as_at_equals_replay_as_at(steps: list[Step],
                                       dates: list[int], horizons: list[int]) -> None:
    agree_however_built("sqlite://", steps, dates, horizons)


@pytest.mark.slow
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(**histories)
def test_sql_as_at_equals_replay_as_at_on_postgresql(
        pg_schemas: Callable[[], str], steps: list[Step], dates: list[int],
        horizons: list[int]) -> None:
    """The same on PostgreSQL (a fresh schema per example; fewer examples: each makes one)."""
    agree_however_built(pg_schemas(), steps, dates, horizons)


def _tables() -> list[object]:
    from ledger.projections import readmodel

    return sorted(readmodel.metadata.tables.values(), key=lambda t: t.name)


def _dump(app: Ledger, table: object) -> list[tuple[object, ...]]:
    import sqlalchemy as sa

    assert isinstance(table, sa.Table)
    columns = [c for c in table.columns if c.name != "id"]
    with app.store.engine.connect() as conn:
        return sorted((tuple(r) for r in conn.execute(sa.select(*columns))), key=repr)


def test_reports_catch_up_so_they_are_never_stale() -> None:
    with Ledger("sqlite://", clock=Clock()) as app:
        seed(app)
        model = ReadModel(app)
        model.catch_up()
        app.add_action("A1", recommendations=["R1"], text="t", on=START, actor="o")
        assert model.status().lag == 1
        model.catch_up()
        assert model.status().lag == 0
        report = build_report(model, date(2016, 2, 1))
        assert report.totals.actions == 1




@pytest.mark.parametrize("table, column", [("rm_actions", "original_owner"),
                                           ("rm_actions", "recorded_to"),
                                           ("rm_recommendations", "event"),
                                           ("rm_due_changes", None), ("rm_policies", None),
                                           ("rm_status_log", None)])
def test_a_read_model_made_by_an_earlier_version_is_made_again_and_refilled(
        tmp_path: object, table: str, column: str | None) -> None:
    """Earlier versions stored every starting value as an rm_attrs row (no `original_owner`),
    kept no recorded-time end on their rows (no `recorded_to`: corrections unknown), kept no
    management response (no `rm_recommendations.event`) or no reschedules and policies (no
    `rm_due_changes`, `rm_policies`): opening such a model drops and makes its tables again,
    empty, and the next catch-up refills it to agree with the replay."""
    import sqlalchemy as sa

    clock = Clock()
    clock.now = datetime(2016, 4, 1, 9, tzinfo=UTC)
    with Ledger(f"sqlite:///{tmp_path}/old.db", clock=clock) as app:
        seed(app)
        app.add_action("A1", recommendations=["R1"], text="t", owner="Ann", due=date(2016, 6, 1),
                       on=START, actor="o")
        app.add_action("A2", recommendations=["R1"], text="t", on=START, actor="o")
        app.start_action("A1", on=date(2016, 2, 1), actor="o")
        app.set_target_policy(on=START, max_revisions=1, actor="o")
        app.reschedule_action("A1", due=date(2016, 7, 1), on=date(2016, 2, 2), reason="r",
                              actor="o")
        model = ReadModel(app)
        model.catch_up()
        with app.store.write_engine.begin() as conn:
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}" if column
                                 else f"DROP TABLE {table}")
            conn.exec_driver_sql(  # a starting-value row, as the first version wrote them
                "INSERT INTO rm_attrs (action_ref, attr, value, valid_from, valid_to, "
                "recorded_from, recorded_to) VALUES ('A2', 'o', 'Stale', '0001-01-01', "
                "'9999-12-31', 0, 4611686018427387904)")
        app.correct(app.history("A1")[0].position, reason="r", actor="o",
                    values={"owner": "Bob"})
        reopened = ReadModel(app)
        reopened.create()
        assert reopened.status().position == 0
        with app.store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM rm_attrs")).scalar_one() == 0
        reopened.catch_up()
        assert reopened.status().lag == 0
        reports_agree(app, reopened, [START, date(2016, 3, 1)], [datetime.now(UTC)])
        assert build_report(reopened, date(2016, 3, 1)).totals.actions == 2
        assert build_report(reopened, START).actions[0].owner == "Bob"
        refilled = reopened.position(date(2016, 3, 1), datetime.now(UTC))
        assert (refilled.actions[0].revisions, refilled.policy.max_revisions) == (1, 1)
        assert list(refilled.recommendations) == ["R1", "R2"]
