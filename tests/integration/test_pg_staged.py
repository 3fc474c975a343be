"""PostgreSQL's staged append (`store/pgcopy.py`): a large batch chained in Python, copied into
the session's staging table and checked and moved by the definer function.

Its chain is `chain_hash`'s and the array function's; an officer filling the staging table by
hand cannot get a wrong hash, a gap, a back-dated or foreign time, or a type the ledger does not
define past the function, nor slip in a staging table of their own.

Skipped, with the suite's one reason, unless LEDGER_TEST_PG_URL is set (see tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import uuid4

import pytest
import sqlalchemy as sa
from eventsourcing.persistence import IntegrityError
from sqlalchemy.pool import NullPool

from ledger.domain.chain import GENESIS_HASH, chain_hash
from ledger.domain.errors import RecordedTimeBehind
from ledger.store import LedgerRecorder, make_engine
from ledger.store.mapper import EncodedBatch, StampedEvent
from ledger.store.pgcopy import SORT_MEMORY, STAGED_FROM
from tests.integration.test_reliability_pg import (
    EVENTS,
    TOPICS,
    Setup,
    forged_completion,
    rows,
    run_sql,
    setup,  # noqa: F401 (the fixture, by name)
)

STAGED = f"pg_temp.{EVENTS}_staged"


@pytest.fixture
def officer(request: pytest.FixtureRequest) -> Setup:
    """`test_reliability_pg`'s ledger with an officer and an auditor granted."""
    return cast(Setup, request.getfixturevalue("setup"))


def odd_batch(count: int, stamps: list[int | None] | None = None) -> EncodedBatch:
    """`count` events over five streams, every event type, odd bytes (a NUL among them)."""
    ids = [uuid4() for _ in range(5)]
    return EncodedBatch([ids[k % 5] for k in range(count)], [k // 5 + 1 for k in range(count)],
                        [TOPICS[k % len(TOPICS)] for k in range(count)],
                        [bytes([k % 256, 0, 255]) * (k % 7) + b"{}" for k in range(count)],
                        stamps if stamps is not None else [None] * count)


def recorder(url: str, staged_from: int, *, create: bool = True) -> Iterator[LedgerRecorder]:
    engine = make_engine(url)
    try:
        store = LedgerRecorder(engine)
        if create:
            store.create_table()
        store.backend.staged_from = staged_from  # type: ignore[attr-defined]
        yield store
    finally:
        engine.dispose()


def test_staged_rows_agree_with_chain_hash_and_the_array_function(
        pg_schemas: Callable[[], str]) -> None:
    """The same batches by the staged path and by the array function: the same rows, every
    hash `chain_hash`'s, and both verify."""
    batches = [odd_batch(40), odd_batch(1), odd_batch(3, [5, None, 7]), odd_batch(2, [7, 9])]
    heads, stored = [], []
    for staged_from in (1, 10**9):
        url = pg_schemas()
        for store in recorder(url, staged_from):
            position = 0
            for batch in batches:
                appended = store.insert_batch(batch)
                assert appended == list(range(position + 1, position + len(batch) + 1))
                position = appended[-1]
            assert store.verify() == store.remembered_head() == store.head()
            heads.append(store.head())
            with pytest.raises(RecordedTimeBehind):
                store.insert_batch(odd_batch(2, [8, 10]))
            stored.append(rows(url))
    staged, arrays = stored
    assert [(r.originator_version, r.topic, bytes(r.state), r.recorded_at) for r in staged] == [
        (r.originator_version, r.topic, bytes(r.state), r.recorded_at) for r in arrays]
    digest = GENESIS_HASH
    for position, row in enumerate(staged, start=1):
        digest = chain_hash(digest, position, row.originator_id, row.originator_version,
                            row.topic, bytes(row.state))
        assert row.hash == digest, position
    assert heads[0].position == heads[1].position == 46 and heads[0].hash == digest


def test_a_large_batch_takes_the_staged_path(pg_url: str) -> None:
    """At `STAGED_FROM` events a batch is staged: the staging table exists afterwards (empty),
    and the appenders table names the role for every position."""
    for store in recorder(pg_url, STAGED_FROM):
        with store.transaction() as conn:
            store.insert_batch(odd_batch(STAGED_FROM), conn=conn)
            assert conn.execute(sa.text(f"SELECT count(*) FROM {STAGED}")).scalar_one() == 0
        assert store.verify().position == STAGED_FROM
        assert len(store.appenders(range(1, STAGED_FROM + 1))) == STAGED_FROM


# -- an officer filling the staging table by hand --------------------------------------------------

INSERT = (f"INSERT INTO {STAGED} (position, originator_id, originator_version, topic, state, "
          "hash, recorded_at) VALUES (:p, :i, :v, :t, :s, :h, :r)")


def staged_by_hand(url: str, values: dict[str, Any], *, forge_table: bool = False) -> list[Any]:
    """As the role of `url`: make the staging table, fill in one row, call the function."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            if forge_table:
                conn.exec_driver_sql(f"CREATE TEMP TABLE {EVENTS}_staged AS SELECT * FROM "
                                     f"{EVENTS} LIMIT 0")
            conn.execute(sa.text(f"SELECT {EVENTS}_stage()"))
            conn.execute(sa.text(INSERT), values)
            return list(conn.execute(sa.text(f"SELECT {EVENTS}_append_staged()")).all())
    finally:
        engine.dispose()


def refused_by_hand(url: str, values: dict[str, Any], **kwargs: bool) -> str:
    with pytest.raises(sa.exc.DBAPIError) as info:
        staged_by_hand(url, values, **kwargs)
    return str(info.value.orig)


def row_for(s: Setup, event: StampedEvent, **changes: Any) -> dict[str, Any]:
    last = rows(s.admin)[-1]
    values = {"p": last.position + 1, "i": event.originator_id, "v": event.originator_version,
              "t": event.topic, "s": event.state, "r": event.recorded_at,
              "h": chain_hash(last.hash, last.position + 1, event.originator_id,
                              event.originator_version, event.topic, event.state)}
    return {**values, **changes}


def test_the_officer_cannot_forge_through_the_staging_table(officer: Setup) -> None:
    s = officer
    url = s.url(s.officer)
    before = rows(s.admin)
    now = forged_completion(s, datetime.now(UTC))
    old = forged_completion(s, datetime.now(UTC) - timedelta(days=730))
    for values, said in [
        (row_for(s, now, h="0" * 64), "does not follow the one before it"),
        (row_for(s, now, p=before[-1].position + 2), "is not at position"),
        (row_for(s, now, p=before[-1].position), "is not at position"),
        (row_for(s, now, t="ledger.events:Bogus"), "a type the ledger does not define"),
        (row_for(s, old), "recorded time going back"),
        (row_for(s, now, r=now.recorded_at + 1), "not its own timestamp"),
        (row_for(s, now, r=None), "missing"),
    ]:
        message = refused_by_hand(url, values)
        assert said in message, (said, message)
    message = refused_by_hand(url, row_for(s, now), forge_table=True)
    assert "not the ledger's own staging table" in message, message
    assert rows(s.admin) == before


def test_a_staged_row_the_officer_sends_now_is_chained_and_noted(officer: Setup) -> None:
    s = officer
    url = s.url(s.officer)
    before = rows(s.admin)
    event = forged_completion(s, datetime.now(UTC))
    [(last,)] = staged_by_hand(url, row_for(s, event))
    after = rows(s.admin)
    assert last == before[-1].position + 1 == after[-1].position
    (role,) = run_sql(s.admin, f"SELECT role FROM {EVENTS}_appenders WHERE position = :p",
                      {"p": last})[0]
    assert role == s.officer
    for store in recorder(s.admin, STAGED_FROM):
        assert store.verify() == store.remembered_head() and store.verify().position == last


def test_the_officers_recorder_appends_a_large_batch(officer: Setup) -> None:
    """End to end as the officer (not trusted: each time must be the event's own, near the
    clock): the recorder's staged path."""
    s = officer
    event = forged_completion(s, datetime.now(UTC))
    batch = EncodedBatch([event.originator_id], [event.originator_version], [event.topic],
                         [event.state], [event.recorded_at])
    before = rows(s.admin)
    for store in recorder(s.url(s.officer), 1, create=False):
        assert store.insert_batch(batch) == [before[-1].position + 1]
        with pytest.raises(IntegrityError):
            store.insert_batch(batch)  # the same version again: refused by the unique index
        assert store.verify().position == before[-1].position + 1


def test_the_staged_append_sorts_in_its_own_memory_and_leaves_the_sessions(pg_url: str) -> None:
    """The definer function carries its own `work_mem` (its sort of a 10,000-event batch stays
    in memory); the caller's session setting is the same after the append as before."""
    for store in recorder(pg_url, STAGED_FROM):
        with store.transaction() as conn:
            conn.exec_driver_sql("SET LOCAL work_mem = '1MB'")
            store.insert_batch(odd_batch(STAGED_FROM), conn=conn)
            assert conn.exec_driver_sql("SHOW work_mem").scalar_one() == "1MB"
            config = conn.execute(sa.text(
                "SELECT proconfig FROM pg_proc WHERE oid = to_regprocedure(:fn)"),
                {"fn": f"{EVENTS}_append_staged()"}).scalar_one()
        assert f"work_mem={SORT_MEMORY}" in config
        assert store.verify().position == STAGED_FROM
