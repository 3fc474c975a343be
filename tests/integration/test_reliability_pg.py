"""Nothing forged on PostgreSQL (issue 12): appends go through the ledger's definer functions.

As the officer role over raw SQL, the events and head tables refuse INSERT and UPDATE; the append
function chains exactly as `chain_hash` does and refuses a recorded time off the database's clock
or not the event's own (what it cannot judge, a legal transition, is `verify --deep`'s). The
auditor cannot block writes, two ledgers in two schemas do not block each other (real
processes), and `db grant` by a role that cannot grant refuses, granting nothing.

Skipped, with the suite's one reason, unless LEDGER_TEST_PG_URL is set (see tests/conftest.py).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlalchemy.pool import NullPool

from ledger.application import Ledger
from ledger.cli import main
from ledger.domain import events as ev
from ledger.domain.chain import GENESIS_HASH, chain_hash
from ledger.domain.errors import RecordedTimeBehind
from ledger.store import LedgerRecorder, make_engine
from ledger.store.mapper import EncodedBatch, StampedEvent
from tests.integration.test_roles import as_user

EVENTS, HEAD = "ledger_events", "ledger_events_head"
APPEND = (f"SELECT {EVENTS}_append(CAST(:ids AS uuid[]), CAST(:versions AS integer[]), "
          "CAST(:topics AS text[]), CAST(:states AS bytea[]), CAST(:stamps AS bigint[]))")
LEDGER = str(Path(sys.executable).parent / "ledger")
BLOCKED_AFTER = 20  # seconds: a write that takes this long behind someone else's lock is blocked


def cli(db: str, *args: str, actor: str | None = None) -> Result:
    runner = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None})
    result = runner.invoke(main, ["--db", db, *(["--actor", actor] if actor else []), *args])
    assert "Traceback" not in result.stdout + result.stderr, (args, result.stderr)
    return result


@dataclass
class Setup:
    admin: str
    officer: str
    auditor: str
    action_id: UUID
    action_version: int

    def url(self, role: str) -> str:
        return as_user(self.admin, role)


def build(url: str) -> tuple[UUID, int]:
    """A small ledger on the real clock: action A1 not started; its id and version."""
    with Ledger(url) as app:
        app.add_audit("ICO", title="ICO audit", kind=ev.AuditKind("ico-audit"),
                      on=date(2015, 10, 30), actor="alice")
        app.add_recommendation("R1", audit="ICO", text="t", priority=ev.Priority("high"),
                               on=date(2015, 12, 1), actor="alice")
        app.add_action("A1", recommendations=["R1"], text="Records policy", owner="Bob",
                       on=date(2016, 1, 10), actor="alice")
        rows = app.store.rows_for(app.store.row_at(3).originator_id)
        return rows[-1].originator_id, rows[-1].originator_version


@pytest.fixture
def setup(pg_admin_url: str, pg_url: str) -> Iterator[Setup]:
    """A small ledger built by the admin, an officer and an auditor granted by `db grant`."""
    tag = uuid4().hex[:10]
    officer, auditor = f"ledger_officer_{tag}", f"ledger_auditor_{tag}"
    admin = sa.create_engine(pg_admin_url, poolclass=NullPool)
    with admin.begin() as conn:
        for name in (officer, auditor):
            conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
    try:
        action_id, version = build(pg_url)
        granted = cli(pg_url, "db", "grant", "--officer", officer, "--auditor", auditor)
        assert granted.exit_code == 0, granted.stderr
        yield Setup(pg_url, officer, auditor, action_id, version)
    finally:
        with admin.begin() as conn:
            for name in (officer, auditor):
                conn.exec_driver_sql(f'DROP OWNED BY "{name}"')
                conn.exec_driver_sql(f'DROP ROLE "{name}"')
        admin.dispose()


def run_sql(url: str, statement: str, params: dict[str, Any] | None = None) -> list[Any]:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement), params or {})
            return list(result.all()) if result.returns_rows else []
    finally:
        engine.dispose()


def refused(url: str, statement: str, params: dict[str, Any] | None = None) -> str:
    with pytest.raises(sa.exc.DBAPIError) as info:
        run_sql(url, statement, params)
    return str(info.value.orig)


def rows(url: str) -> list[Any]:
    return run_sql(url, f"SELECT position, originator_id, originator_version, topic, state, hash, "
                        f"recorded_at FROM {EVENTS} ORDER BY position")


def forged_completion(s: Setup, recorded: datetime) -> StampedEvent:
    """An illegal not_started → completed of A1 by "Chief Executive", recorded at `recorded`."""
    event = ev.ActionCompleted(originator_id=s.action_id, originator_version=s.action_version + 1,
                               timestamp=recorded, ref="A1", actor="Chief Executive",
                               effective=date(2016, 2, 1), evidence="Signed off")
    with Ledger(s.admin) as app:
        stored = app.mapper.to_stored_event(event)
    assert isinstance(stored, StampedEvent)
    return stored


def params(events: list[StampedEvent], stamps: list[int | None] | None = None) -> dict[str, Any]:
    return {"ids": [e.originator_id for e in events],
            "versions": [e.originator_version for e in events],
            "topics": [e.topic for e in events], "states": [e.state for e in events],
            "stamps": stamps if stamps is not None else [e.recorded_at for e in events]}


TOPICS = sorted(ev.TOPICS)


# -- forgery by the officer ------------------------------------------------------------------------

def test_the_officer_cannot_insert_events_or_move_the_head_in_sql(setup: Setup) -> None:
    """The probe's forgery: a chain-valid row and head written by hand are refused."""
    url = setup.url(setup.officer)
    before = rows(setup.admin)
    last = before[-1]
    forged = forged_completion(setup, datetime.now(UTC) - timedelta(days=730))
    digest = chain_hash(last.hash, last.position + 1, forged.originator_id,
                        forged.originator_version, forged.topic, forged.state)
    insert = (f"INSERT INTO {EVENTS} (position, originator_id, originator_version, topic, state, "
              "hash, recorded_at) VALUES (:p, :i, :v, :t, :s, :h, :r)")
    message = refused(url, insert, {"p": last.position + 1, "i": forged.originator_id,
                                    "v": forged.originator_version, "t": forged.topic,
                                    "s": forged.state, "h": digest, "r": forged.recorded_at})
    assert "permission denied" in message, message
    for statement in (f"UPDATE {HEAD} SET position = position + 1, hash = '{digest}'",
                      f"INSERT INTO {HEAD} (id, position, hash) VALUES (2, 0, '{digest}')",
                      f"SELECT * FROM {HEAD} FOR UPDATE"):
        assert "permission denied" in refused(url, statement), statement
    assert rows(setup.admin) == before


def test_the_officer_cannot_append_a_type_the_ledger_does_not_define(setup: Setup) -> None:
    """Found by a hostile probe: an unknown topic was chained, and then nothing could read the
    log past it. The function refuses it (and `verify` would name it)."""
    url = setup.url(setup.officer)
    before = rows(setup.admin)
    forged = forged_completion(setup, datetime.now(UTC))
    for topic in ("this:x", "ledger.events:Bogus"):
        message = refused(url, APPEND, {**params([forged]), "topics": [topic]})
        assert "a type the ledger does not define" in message and topic in message, message
    assert rows(setup.admin) == before


def test_the_officer_cannot_back_date_through_the_function(setup: Setup) -> None:
    url = setup.url(setup.officer)
    before = rows(setup.admin)
    two_years_ago = forged_completion(setup, datetime.now(UTC) - timedelta(days=730))
    message = refused(url, APPEND, params([two_years_ago]))
    assert "recorded time going back" in message, message
    # Not behind the ledger's last, yet off the database's clock: a day ahead (a forward-dated
    # event would also make every later write wait for that time).
    ahead = forged_completion(setup, datetime.now(UTC) + timedelta(days=1))
    message = refused(url, APPEND, params([ahead]))
    assert "not within" in message and "database clock" in message, message
    # The stamp column said now, but the event's own recorded time (in its hashed JSON) is old.
    now = int(datetime.now(UTC).timestamp() * 1_000_000)
    message = refused(url, APPEND, params([two_years_ago], [now]))
    assert "not its own timestamp" in message, message
    message = refused(url, APPEND, params([two_years_ago], [None]))
    assert "missing" in message, message
    assert rows(setup.admin) == before


def test_an_illegal_event_the_officer_sends_now_is_chained_as_python_would(setup: Setup) -> None:
    """The function cannot judge a transition's legality (`verify --deep` replays the rules):
    it accepts the forged completion, but only at the database's time, under its own chain."""
    url = setup.url(setup.officer)
    before = rows(setup.admin)
    forged = forged_completion(setup, datetime.now(UTC))
    (last,), = run_sql(url, APPEND, params([forged]))
    after = rows(setup.admin)
    assert last == before[-1].position + 1 == after[-1].position
    row = after[-1]
    assert row.hash == chain_hash(before[-1].hash, last, forged.originator_id,
                                  forged.originator_version, forged.topic, forged.state)
    assert (bytes(row.state), row.recorded_at) == (forged.state, forged.recorded_at)
    with Ledger(setup.admin) as app:
        assert app.verify() == app.store.remembered_head() and app.verify().position == last


# -- the function's chain is Python's ---------------------------------------------------------------

def test_rows_the_function_writes_agree_with_chain_hash(pg_url: str) -> None:
    """Odd bytes, no recorded time, every event type, many streams: the SQL chain is Python's."""
    engine = make_engine(pg_url)
    try:
        recorder = LedgerRecorder(engine)
        recorder.create_table()
        ids = [uuid4() for _ in range(5)]
        batch = EncodedBatch([ids[k % 5] for k in range(40)], [k // 5 + 1 for k in range(40)],
                             [TOPICS[k % len(TOPICS)] for k in range(40)],
                             [bytes([k, 0, 255]) * k for k in range(40)], [None] * 40)
        assert recorder.insert_batch(batch) == list(range(1, 41))
        assert recorder.insert_batch(EncodedBatch([uuid4()], [1], [TOPICS[0]], [b"{}"], [5])) == [41]
        digest = GENESIS_HASH
        stored = rows(pg_url)
        for position, row in enumerate(stored, start=1):
            assert row.position == position
            digest = chain_hash(digest, position, row.originator_id, row.originator_version,
                                row.topic, bytes(row.state))
            assert row.hash == digest, position
        assert recorder.verify() == recorder.remembered_head() == recorder.head()
        assert recorder.head().hash == digest
        with pytest.raises(RecordedTimeBehind):
            recorder.insert_batch(EncodedBatch([uuid4()], [1], [TOPICS[0]], [b"{}"], [4]))
        assert len(rows(pg_url)) == 41
    finally:
        engine.dispose()


# -- the lock --------------------------------------------------------------------------------------

def write_in_a_process(url: str, ref: str) -> subprocess.CompletedProcess[str]:
    """`ledger milestone add REF` in its own process; fails the test if it is blocked."""
    try:
        return subprocess.run(
            [LEDGER, "--db", url, "--actor", "Officer", "milestone", "add", ref, "--text", "t",
             "--on", "2016-01-01"], capture_output=True, text=True, timeout=BLOCKED_AFTER)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the write to {ref} was blocked for {BLOCKED_AFTER} s")


def old_advisory_key(table: str) -> int:
    import hashlib
    return int.from_bytes(hashlib.sha256(table.encode()).digest()[:8], "big", signed=True)


def test_the_auditor_cannot_block_writes(setup: Setup) -> None:
    url = setup.url(setup.auditor)
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn, conn.begin():
            # What the auditor may do, held open: read everything, take the old advisory lock.
            conn.execute(sa.text(f"SELECT count(*) FROM {EVENTS}, {HEAD}")).all()
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"),
                         {"k": old_advisory_key(EVENTS)})
            done = write_in_a_process(setup.url(setup.officer), "WHILE-AUDITED")
            assert done.returncode == 0, done.stderr
    finally:
        engine.dispose()
    for statement in (f"SELECT {EVENTS}_lock()", f"SELECT * FROM {HEAD} FOR UPDATE",
                      f"SELECT * FROM {HEAD} FOR SHARE", f"LOCK TABLE {HEAD} IN EXCLUSIVE MODE",
                      f"LOCK TABLE {EVENTS} IN SHARE MODE"):
        assert "permission denied" in refused(url, statement), statement


def test_two_ledgers_in_two_schemas_do_not_block_each_other(
        pg_schemas: Callable[[], str]) -> None:
    first, second = pg_schemas(), pg_schemas()
    for url in (first, second):
        assert cli(url, "milestone", "add", "M0", "--text", "t", "--on", "2016-01-01",
                   actor="Officer").exit_code == 0
    engine = make_engine(first)
    try:
        recorder = LedgerRecorder(engine)
        with recorder.transaction():  # the first ledger's append lock, held
            done = write_in_a_process(second, "M1")
            assert done.returncode == 0, done.stderr
    finally:
        engine.dispose()
    with Ledger(second) as app:
        assert app.verify().position == 2


# -- db grant --------------------------------------------------------------------------------------

def test_grant_says_what_each_role_holds(setup: Setup) -> None:
    result = cli(setup.admin, "db", "grant", "--officer", setup.officer, "--auditor",
                 setup.auditor)
    assert result.exit_code == 0, result.stderr
    said = [line for line in result.stdout.splitlines() if line.startswith("granted ")]
    assert len(said) == 2, result.stdout
    assert said[0].startswith(f"granted {setup.officer}: SELECT on ")
    assert (f"EXECUTE on {EVENTS}_append, {EVENTS}_append_staged, {EVENTS}_lock, {EVENTS}_stage"
            in said[0])
    assert said[1].startswith(f"granted {setup.auditor}: SELECT on ") and "EXECUTE" not in said[1]


def test_grant_by_a_role_that_cannot_grant_refuses_and_grants_nothing(
        setup: Setup, pg_admin_url: str) -> None:
    newcomer = f"ledger_newcomer_{uuid4().hex[:10]}"
    admin = sa.create_engine(pg_admin_url, poolclass=NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{newcomer}" LOGIN')
    try:
        result = cli(setup.url(setup.officer), "db", "grant", "--officer", newcomer,
                     "--auditor", setup.auditor)
        assert result.exit_code == 1, (result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "nothing granted" in lines[0], result.stderr
        assert newcomer in lines[0] or setup.auditor in lines[0], lines[0]
        assert "GRANT" not in result.stdout
        held = run_sql(setup.admin, "SELECT has_table_privilege(:r, :t, 'SELECT'), "
                                    "has_function_privilege(:r, :f, 'EXECUTE')",
                       {"r": newcomer, "t": EVENTS,
                        "f": f"{EVENTS}_append(uuid[], integer[], text[], bytea[], bigint[])"})
        assert held == [(False, False)]
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{newcomer}"')
            conn.exec_driver_sql(f'DROP ROLE "{newcomer}"')
        admin.dispose()
