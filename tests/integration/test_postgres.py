"""The ledger on PostgreSQL (psycopg 3), each test in a fresh schema: the append-only trigger,
tampering caught once the trigger is gone, a large transaction saved whole, the SQL read model
agreeing with the replay on the demo ledger, and the command line end to end.

Skipped, with the suite's one reason, unless LEDGER_TEST_PG_URL is set (see tests/conftest.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from ledger.application import Ledger, scenario
from ledger.cli import main
from ledger.domain import events as ev
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import ChainBroken
from ledger.domain.records import Action
from ledger.projections.readmodel import ReadModel
from ledger.projections.render import to_json
from ledger.projections.replay import end_of_day
from ledger.projections.report import build_meeting_report, build_report

EVENTS = "ledger_events"


@pytest.fixture
def engine(pg_url: str) -> Iterator[sa.Engine]:
    """A plain SQLAlchemy engine on the test's schema, for raw SQL."""
    e = sa.create_engine(pg_url)
    yield e
    e.dispose()


@pytest.fixture
def small(pg_url: str, clock: Any) -> Iterator[Ledger]:
    """A ledger of 9 events in the test's schema."""
    with Ledger(pg_url, clock=clock) as app:
        app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30",
                      areas={"governance": "limited"}, actor="alice")                      # 1
        app.add_recommendation("R1", audit="ICO", text="t", priority="high", area="governance",
                               on="2015-12-01", actor="alice")                            # 2
        app.add_milestone("RM", text="Records Manager recruited", on="2016-01-01",
                          actor="alice")                                                  # 3
        app.add_action("A1", recommendations=["R1"], text="Records policy", owner="Bob",
                       due="2016-09-01", depends_on=["RM"], on="2016-01-10", actor="alice")  # 4
        app.achieve_milestone("RM", on="2016-01-15", actor="alice")                       # 5
        app.start_action("A1", on="2016-01-20", actor="bob")                              # 6
        app.note_action("A1", "Draft circulated", on="2016-01-25", actor="bob")           # 7
        app.assign_action("A1", owner="Dan", on="2016-02-01", actor="alice")              # 8
        app.complete_action("A1", on="2016-02-10", evidence="Policy v1.0", actor="dan")   # 9
        assert app.verify().position == 9
        yield app


def stored_rows(engine: sa.Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(
            f"SELECT position, originator_id, originator_version, topic, state, hash FROM {EVENTS} "
            "ORDER BY position")]


# -- the append-only trigger ---------------------------------------------------------------------

@pytest.mark.parametrize(("op", "sql"), [
    ("UPDATE", f"UPDATE {EVENTS} SET topic = 'x' WHERE position = 3"),
    ("UPDATE", f"UPDATE {EVENTS} SET state = state WHERE position = 9"),
    ("DELETE", f"DELETE FROM {EVENTS} WHERE position = 9"),
    ("DELETE", f"DELETE FROM {EVENTS}"),
    ("TRUNCATE", f"TRUNCATE {EVENTS}"),
    ("TRUNCATE", f"TRUNCATE {EVENTS} CASCADE"),
])
def test_the_trigger_refuses_every_change_to_stored_events(small: Ledger, engine: sa.Engine,
                                                           op: str, sql: str) -> None:
    before = stored_rows(engine)
    with pytest.raises(sa.exc.DBAPIError) as info, engine.begin() as conn:
        conn.exec_driver_sql(sql)
    assert f"{EVENTS} is append-only: {op} refused" in str(info.value.orig)
    assert stored_rows(engine) == before
    assert small.verify() == Fingerprint(9, before[-1][-1])


def test_the_trigger_still_lets_the_ledger_append(small: Ledger) -> None:
    small.reopen_action("A1", on="2016-02-11", reason="Policy withdrawn", actor="alice")
    assert small.verify().position == 10


# -- tampering once the trigger is dropped ------------------------------------------------------

def unguard(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TRIGGER {EVENTS}_append_only ON {EVENTS}")


def test_verify_catches_modified_bytes(small: Ledger, engine: sa.Engine) -> None:
    unguard(engine)
    with engine.begin() as conn:
        changed = conn.exec_driver_sql(
            f"UPDATE {EVENTS} SET state = convert_to(replace(convert_from(state, 'UTF8'), "
            "'\"ref\":\"', '\"ref\":\"x'), 'UTF8') WHERE position = 8").rowcount
    assert changed == 1
    with pytest.raises(ChainBroken) as info:
        small.verify()
    assert info.value.position == 8
    assert "stored bytes were modified" in str(info.value)


def test_verify_catches_a_deleted_event(small: Ledger, engine: sa.Engine) -> None:
    unguard(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM {EVENTS} WHERE position = 6")
    with pytest.raises(ChainBroken) as info:
        small.verify()
    assert info.value.position == 6
    assert "event missing (deleted)" in str(info.value)


def test_verify_catches_a_truncated_tail(small: Ledger, engine: sa.Engine) -> None:
    unguard(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM {EVENTS} WHERE position > 7")
    with pytest.raises(ChainBroken) as info:
        small.verify()
    assert info.value.position == 8
    assert "tail was truncated" in str(info.value)


# -- large transactions -------------------------------------------------------------------------

def many_actions(n: int, start: datetime) -> list[Action]:
    """`n` actions, each added and started: 2n pending events with rising recorded times."""
    made = []
    for i in range(n):
        at = start + timedelta(milliseconds=i)
        action = Action.create(f"BULK-{i}", effective=date(2016, 1, 2), actor="importer",
                               timestamp=at, recommendations=("R1",), text=f"Bulk action {i}",
                               owner="Bob", due=None, depends_on=())
        action.start(date(2016, 1, 3), date(2016, 3, 1), actor="importer", timestamp=at)
        made.append(action)
    return made


@pytest.mark.slow
def test_one_transaction_of_40000_events_is_saved_whole(small: Ledger) -> None:
    """A bulk write well past the size at which eventsourcing.postgres never returned (25,000)."""
    app = small
    n = 20_000
    with app.transaction() as recorded:
        app._save(*many_actions(n, datetime(2016, 3, 2, tzinfo=UTC)))
    assert len(recorded) == 2 * n
    assert [item.position for item in recorded] == list(range(10, 10 + 2 * n))
    head = app.verify()
    assert head.position == 9 + 2 * n
    assert app.store.remembered_head() == head
    assert app.get(f"BULK-{n - 1}", Action).status is ev.Status.IN_PROGRESS


def test_commands_in_one_transaction_are_saved_together(pg_url: str, clock: Any) -> None:
    """Thousands of commands inside one `Ledger.transaction()`: nothing is written until the
    block ends, then every event at once, in the order the commands ran.

    (Sized for the suite's runtime: each new ref is still looked up in the store once, so
    30,000 commands take about 15 s; the save alone is covered above.)"""
    pairs = 2_500
    with Ledger(pg_url, clock=clock) as app:
        app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30", actor="a")
        app.add_recommendation("R1", audit="ICO", text="t", priority="high", on="2015-12-01",
                               actor="a")
        with app.transaction() as recorded:
            for i in range(pairs):
                app.add_action(f"IMP-{i}", recommendations=["R1"], text="imported",
                               on="2016-01-02", actor="importer")
                app.start_action(f"IMP-{i}", on="2016-01-03", actor="importer")
            assert app.fingerprint().position == 2  # nothing saved until the block ends
        assert len(recorded) == 2 * pairs
        head = app.verify()
        assert head.position == 2 + 2 * pairs
        assert [item.position for item in recorded] == list(range(3, head.position + 1))
        assert [(type(item.event), item.event.ref) for item in recorded[:4]] == [
            (ev.ActionAdded, "IMP-0"), (ev.ActionStarted, "IMP-0"),
            (ev.ActionAdded, "IMP-1"), (ev.ActionStarted, "IMP-1")]
        stamps = [item.event.timestamp for item in app.stream()]
        assert stamps == sorted(stamps)


def test_a_large_catch_up_refreshes_the_planner_statistics(
        small: Ledger, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without statistics (autovacuum off, as on the CI server) PostgreSQL scans whole tables
    for an as-at question; a catch-up of many events runs ANALYZE on the read model."""
    from ledger.projections import readmodel

    def analysed() -> dict[str, float]:
        with engine.connect() as conn:
            return {name: tuples for name, tuples in conn.execute(sa.text(
                "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' "
                "AND relnamespace = current_schema()::regnamespace AND relname LIKE 'rm_%'"))}

    model = ReadModel(small)
    monkeypatch.setattr(readmodel, "ANALYZE_AFTER", 10)
    model.catch_up()  # 9 events: fewer than that
    assert set(analysed().values()) == {-1.0}  # never analysed
    small.note_action("A1", "More", on="2016-03-01", actor="alice")
    model.rebuild()  # 10 events
    tuples = analysed()
    assert tuples["rm_actions"] == 1.0 and tuples["rm_attrs"] >= 1.0
    assert set(tuples) == {t.name for t in readmodel.metadata.sorted_tables}


# -- the read model against the replay, on the demo ledger --------------------------------------

@pytest.fixture
def demo(pg_url: str) -> Iterator[Ledger]:
    clock = scenario.SimulatedClock()
    with Ledger(pg_url, clock=clock) as app:
        scenario.build(app, clock, say=lambda _: None)
        yield app


def _report(source: Any, as_at: date, known: datetime | None, audit: str | None) -> str:
    return to_json(build_report(source, as_at, as_known_on=known, audit=audit,
                                since=as_at - timedelta(days=90)))


def test_sql_read_model_equals_the_replay_on_the_demo(demo: Ledger) -> None:
    model = ReadModel(demo)
    model.create()
    model.catch_up()
    assert model.status().lag == 0
    now = datetime.now(UTC)
    dates = [date(2016, 4, 30), date.fromisoformat(scenario.JULY), date(2016, 9, 1),
             date.fromisoformat(scenario.OCTOBER), date(2017, 1, 1)]
    horizons = [end_of_day(date.fromisoformat(scenario.JULY)),
                end_of_day(date.fromisoformat(scenario.OCTOBER)), now]
    seen = set()
    for known in horizons:
        for as_at in dates:
            for audit in (None, scenario.ICO):
                sql = _report(model, as_at, known, audit)
                assert sql == _report(demo.stream, as_at, known, audit), (as_at, known, audit)
                seen.add(json.dumps(json.loads(sql)["totals"], sort_keys=True))
    assert len(seen) > 5  # the questions had different answers
    july = date.fromisoformat(scenario.JULY)
    then, later = (json.loads(_report(model, july, k, scenario.ICO))["totals"]
                   for k in (end_of_day(july), now))
    assert then != later  # the back-dated correction: "as known then" differs from "as known now"
    for meeting in (scenario.JULY, scenario.OCTOBER):
        for known in (None, now):
            assert to_json(build_meeting_report(model, meeting, as_known_on=known)) == to_json(
                build_meeting_report(demo.stream, meeting, as_known_on=known))


# -- the command line ---------------------------------------------------------------------------

def cli(db: str, *args: str) -> Result:
    runner = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None})
    result = runner.invoke(main, ["--db", db, *args])
    assert "Traceback" not in result.stdout + result.stderr, (args, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, repr(result.exception))
    return result


def ok(db: str, *args: str) -> Result:
    result = cli(db, *args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


def verified(db: str) -> Fingerprint:
    doc = json.loads(ok(db, "verify", "--format", "json").stdout)
    assert doc["ok"] is True
    return Fingerprint(doc["fingerprint"]["position"], doc["fingerprint"]["hash"])


@pytest.fixture
def sqlite_demo(tmp_path: Path) -> str:
    """The same demo in a SQLite file: the demo is deterministic, so answers must match."""
    db = str(tmp_path / "demo.db")
    ok(db, "demo")
    return db


def test_the_command_line_on_postgresql(pg_schemas: Callable[[], str], sqlite_demo: str,
                                        tmp_path: Path) -> None:
    db, other = pg_schemas(), pg_schemas()
    built = ok(db, "demo")
    assert "chain verified" in built.stdout and "byte-identical" in built.stdout
    head = verified(db)
    assert head.position > 200
    assert head == verified(sqlite_demo)
    assert ok(db, "verify", "--expect", str(head)).stdout.startswith("OK: ")

    for args in (["report", "as-at", scenario.JULY, "--as-known-on", scenario.JULY,
                  "--format", "json"],
                 ["report", "as-at", scenario.OCTOBER, "--as-known-on", "2016-11-30",
                  "--since", scenario.JULY, "--audit", scenario.ICO, "--format", "json"],
                 ["meeting", "report", scenario.OCTOBER, "--format", "markdown"],
                 ["meeting", "report", scenario.JULY, "--as-known-on", "2016-12-01",
                  "--format", "json"]):
        on_pg = ok(db, *args)
        assert on_pg.stdout.strip() and on_pg.stderr == "", (args, on_pg.stderr)
        assert on_pg.stdout == ok(sqlite_demo, *args).stdout, args
    july = json.loads(ok(db, "report", "as-at", scenario.JULY, "--as-known-on", scenario.JULY,
                         "--format", "json").stdout)
    assert july["fingerprint"]["position"] < head.position
    assert july["totals"]["actions"] > 0

    backup = tmp_path / "backup.jsonl"
    exported = ok(db, "export", str(backup))
    assert f"fingerprint {head}" in exported.stderr
    assert len(backup.read_text(encoding="utf-8").splitlines()) == head.position + 1  # and the trailer
    restored = ok(db, "restore", str(backup), "--db", other)
    assert f"fingerprint {head}" in restored.stdout
    assert verified(other) == head
    assert ok(other, "verify", "--expect", str(head)).exit_code == 0
    assert ok(other, "meeting", "report", scenario.OCTOBER, "--format", "json").stdout == ok(
        db, "meeting", "report", scenario.OCTOBER, "--format", "json").stdout

    again = cli(db, "restore", str(backup), "--db", other)  # the target is not empty now
    assert again.exit_code == 1
    assert len(again.stderr.strip().splitlines()) == 1 and "not empty" in again.stderr
    assert verified(other) == head
