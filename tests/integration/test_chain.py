"""The hash chain on a real SQLite file: what verify returns, how each row's hash is made, the
append-only triggers, and tampering with raw SQL caught at the exact first bad position."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.chain import GENESIS_HASH, Fingerprint, chain_hash
from ledger.domain.errors import ChainBroken
from ledger.domain.personal import commitment
from ledger.domain.records import Action
from ledger.store import sqlite_path

EVENTS = "ledger_events"
HEAD = "ledger_events_head"


@pytest.fixture
def ledger(file_app: Ledger, clock: Any) -> Ledger:
    """A file ledger holding 12 events."""
    app = file_app
    app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30",
                  areas={"governance": "limited"}, actor="alice")                                 # 1
    app.add_recommendation("R1", audit="ICO", text="t", priority="high", area="governance",
                           on="2015-12-01", actor="alice")                                       # 2
    app.add_milestone("RM", text="Records Manager recruited", on="2016-01-01", actor="alice")     # 3
    app.add_action("A1", recommendations=["R1"], text="Records policy", owner="Bob", due="2016-09-01",
                   depends_on=["RM"], on="2016-01-10", actor="alice")                           # 4
    app.achieve_milestone("RM", on="2016-01-15", actor="alice")                                 # 5
    app.start_action("A1", on="2016-01-20", actor="bob")                                        # 6
    app.note_action("A1", "Draft circulated", on="2016-01-25", actor="bob")                     # 7
    app.assign_action("A1", owner="Dan", on="2016-02-01", actor="alice")                        # 8
    app.complete_action("A1", on="2016-02-10", evidence="Policy v1.0", actor="dan")             # 9
    app.add_meeting("M1", committee="ARAC", on="2016-02-15", actor="clerk")                     # 10
    app.add_resolution("M1", 1, text="Policy noted", minute="12/16", actor="clerk")             # 11
    app.note_action("A1", "Published on the intranet", on="2016-02-20", actor="dan")            # 12
    return app


N = 12


@contextmanager
def raw(app: Ledger, *, unguarded: bool = False) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to the ledger's file, in autocommit mode."""
    path = sqlite_path(app.url)
    assert path is not None
    with closing(sqlite3.connect(path, isolation_level=None)) as con:
        if unguarded:
            con.execute(f"DROP TRIGGER {EVENTS}_no_update")
            con.execute(f"DROP TRIGGER {EVENTS}_no_delete")
        yield con


def rows(con: sqlite3.Connection) -> list[dict[str, Any]]:
    cur = con.execute(f"SELECT position, originator_id, originator_version, topic, state, hash FROM {EVENTS} "
                      "ORDER BY position")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def row_hash(previous: str, row: dict[str, Any], position: int | None = None) -> str:
    return chain_hash(previous, row["position"] if position is None else position,
                      UUID(hex=row["originator_id"]), row["originator_version"], row["topic"], bytes(row["state"]))


def rechain(con: sqlite3.Connection, start: int) -> Fingerprint:
    """What an attacker who knows the algorithm does: recompute every hash from `start` on."""
    previous = GENESIS_HASH if start == 1 else con.execute(
        f"SELECT hash FROM {EVENTS} WHERE position = ?", (start - 1,)).fetchone()[0]
    position = start - 1
    for row in rows(con):
        if row["position"] < start:
            continue
        previous = row_hash(previous, row)
        position = row["position"]
        con.execute(f"UPDATE {EVENTS} SET hash = ? WHERE position = ?", (previous, position))
    return Fingerprint(position, previous)


def set_head(con: sqlite3.Connection, head: Fingerprint) -> None:
    """Make the store's remembered head agree with a tampered chain."""
    con.execute(f"UPDATE {HEAD} SET position = ?, hash = ? WHERE id = 1", (head.position, head.hash))


def broken(app: Ledger, expect: Fingerprint | None = None) -> ChainBroken:
    with pytest.raises(ChainBroken) as info:
        app.verify(expect=expect)
    assert "\n" not in str(info.value)
    return info.value


# -- an intact chain --------------------------------------------------------------------------


def test_verify_returns_the_head_fingerprint(ledger: Ledger) -> None:
    head = ledger.verify()
    assert head == ledger.fingerprint()
    with raw(ledger) as con:
        stored = rows(con)
    assert head.position == len(stored) == N
    assert head.hash == stored[-1]["hash"]
    assert ledger.store.remembered_head() == head


def test_verify_reports_progress_for_every_position(ledger: Ledger) -> None:
    seen: list[int] = []
    ledger.verify(progress=seen.append)
    assert seen == list(range(1, N + 1))


def test_each_row_hash_is_the_chain_hash_of_the_row_and_the_previous_hash(ledger: Ledger) -> None:
    with raw(ledger) as con:
        stored = rows(con)
    previous = GENESIS_HASH
    for row in stored:
        assert row["hash"] == row_hash(previous, row), f"position {row['position']}"
        previous = row["hash"]
    # The hash binds the position and the previous hash, not just the event's own bytes.
    second = stored[1]
    assert row_hash(previous=GENESIS_HASH, row=second) != second["hash"]
    assert row_hash(stored[0]["hash"], second, position=3) != second["hash"]


def test_chain_hash_is_sha256_of_previous_hash_identity_and_bytes(ledger: Ledger) -> None:
    with raw(ledger) as con:
        first = rows(con)[0]
    oid = UUID(hex=first["originator_id"])
    assert oid == ev.record_id("ICO")
    digest = hashlib.sha256(bytes(32) + f"1\x00{oid}\x001\x00{first['topic']}\x00".encode()
                            + bytes(first["state"])).hexdigest()
    assert first["hash"] == digest


def test_positions_are_gap_free_from_one(ledger: Ledger) -> None:
    with raw(ledger) as con:
        assert [r["position"] for r in rows(con)] == list(range(1, N + 1))
    assert [logged.position for logged in ledger.stream()] == list(range(1, N + 1))


def test_fingerprint_at_matches_the_stored_hashes(ledger: Ledger) -> None:
    with raw(ledger) as con:
        stored = rows(con)
    for row in stored:
        assert ledger.store.fingerprint_at(row["position"]) == Fingerprint(row["position"], row["hash"])
    assert ledger.verify(expect=ledger.store.fingerprint_at(5)) == ledger.fingerprint()


@pytest.mark.parametrize("spelling", ["hex", "upper"])
def test_an_originator_id_given_as_any_uuid_string_verifies(ledger: Ledger, spelling: str) -> None:
    (logged,) = ledger.history("RM")[:1]
    # A recorded time after the chain's last: the store refuses one that goes back.
    fresh = logged.event.model_copy(update={"timestamp": datetime(2017, 1, 1, tzinfo=UTC)})
    template = ledger.mapper.to_stored_event(fresh)
    oid = ev.record_id("S1")
    text = oid.hex if spelling == "hex" else str(oid).upper()
    event = type(template)(originator_id=text, originator_version=1, topic=template.topic, state=template.state)
    ledger.store.insert_events([event])
    assert ledger.verify().position == N + 1


# -- append-only triggers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "operation"),
    [
        (f"UPDATE {EVENTS} SET state = X'00' WHERE position = 3", "UPDATE"),
        (f"UPDATE {EVENTS} SET hash = hash", "UPDATE"),
        (f"DELETE FROM {EVENTS} WHERE position = {N}", "DELETE"),
        (f"DELETE FROM {EVENTS}", "DELETE"),
    ],
)
def test_update_and_delete_are_refused_by_triggers(ledger: Ledger, sql: str, operation: str) -> None:
    before = ledger.fingerprint()
    with raw(ledger) as con:
        snapshot = rows(con)
        with pytest.raises(sqlite3.IntegrityError, match=f"append-only: {operation} refused"):
            con.execute(sql)
        assert rows(con) == snapshot
    with (pytest.raises(sa.exc.IntegrityError, match=f"append-only: {operation} refused"),
          ledger.store.write_engine.begin() as conn):
        conn.exec_driver_sql(sql)
    assert ledger.verify() == before == ledger.fingerprint()


# -- tampering with raw SQL -------------------------------------------------------------------


@pytest.mark.parametrize("position", [1, 6, N])
def test_modified_state_bytes_break_the_chain_there(ledger: Ledger, position: int) -> None:
    with raw(ledger, unguarded=True) as con:
        state = con.execute(f"SELECT state FROM {EVENTS} WHERE position = ?", (position,)).fetchone()[0]
        forged = bytes(state).replace(b'"ref":"', b'"ref":"x', 1)
        assert forged != bytes(state)
        con.execute(f"UPDATE {EVENTS} SET state = ? WHERE position = ?", (forged, position))
    err = broken(ledger)
    assert err.position == position
    assert "modified" in str(err)


@pytest.mark.parametrize(
    ("column", "value"),
    [("topic", "ledger.events:ActionStarted"), ("originator_version", 99),
     ("originator_id", ev.record_id("RM").hex), ("hash", "f" * 64)],
)
def test_every_stored_column_is_covered_by_the_chain(ledger: Ledger, column: str, value: Any) -> None:
    with raw(ledger, unguarded=True) as con:
        con.execute(f"UPDATE {EVENTS} SET {column} = ? WHERE position = 7", (value,))
    assert broken(ledger).position == 7


def test_deleted_middle_event_breaks_the_chain_there(ledger: Ledger) -> None:
    with raw(ledger, unguarded=True) as con:
        con.execute(f"DELETE FROM {EVENTS} WHERE position = 5")
    err = broken(ledger)
    assert err.position == 5
    assert "missing" in str(err)


def test_deleted_first_event_breaks_the_chain_at_one(ledger: Ledger) -> None:
    with raw(ledger, unguarded=True) as con:
        con.execute(f"DELETE FROM {EVENTS} WHERE position = 1")
    assert broken(ledger).position == 1


def test_deleted_event_with_the_rest_renumbered_breaks_the_chain_there(ledger: Ledger) -> None:
    with raw(ledger, unguarded=True) as con:
        con.execute(f"DELETE FROM {EVENTS} WHERE position = 5")
        for position in range(6, N + 1):
            con.execute(f"UPDATE {EVENTS} SET position = ? WHERE position = ?", (position - 1, position))
        assert [r["position"] for r in rows(con)] == list(range(1, N))
    assert broken(ledger).position == 5


def swap_payloads(con: sqlite3.Connection, i: int, j: int) -> None:
    """Swap the identity, topic and state of the events at positions i and j (hashes stay)."""
    cols = "originator_id, originator_version, topic, state"
    a = con.execute(f"SELECT {cols} FROM {EVENTS} WHERE position = ?", (i,)).fetchone()
    b = con.execute(f"SELECT {cols} FROM {EVENTS} WHERE position = ?", (j,)).fetchone()
    con.execute("BEGIN")
    con.execute(f"UPDATE {EVENTS} SET originator_version = -1 WHERE position = ?", (i,))
    sets = "originator_id = ?, originator_version = ?, topic = ?, state = ?"
    con.execute(f"UPDATE {EVENTS} SET {sets} WHERE position = ?", (*a, j))
    con.execute(f"UPDATE {EVENTS} SET {sets} WHERE position = ?", (*b, i))
    con.execute("COMMIT")


@pytest.mark.parametrize(("i", "j"), [(4, 9), (6, 7)], ids=["apart", "adjacent"])
def test_swapped_event_contents_break_the_chain_at_the_first(ledger: Ledger, i: int, j: int) -> None:
    with raw(ledger, unguarded=True) as con:
        before = {r["position"]: r for r in rows(con)}
        swap_payloads(con, i, j)
        after = {r["position"]: r for r in rows(con)}
    assert after[i]["state"] == before[j]["state"] and after[j]["state"] == before[i]["state"]
    assert broken(ledger).position == i


def swap_rows(con: sqlite3.Connection, i: int, j: int) -> None:
    """Reorder: the whole rows at positions i and j (hashes included) change places."""
    con.execute("BEGIN")
    con.execute(f"UPDATE {EVENTS} SET position = -1 WHERE position = ?", (i,))
    con.execute(f"UPDATE {EVENTS} SET position = ? WHERE position = ?", (i, j))
    con.execute(f"UPDATE {EVENTS} SET position = ? WHERE position = -1", (j,))
    con.execute("COMMIT")


@pytest.mark.parametrize(("i", "j"), [(4, 9), (6, 7)], ids=["apart", "adjacent"])
def test_reordered_events_are_diagnosed_as_swapped(ledger: Ledger, i: int, j: int) -> None:
    with raw(ledger, unguarded=True) as con:
        swap_rows(con, i, j)
    err = broken(ledger)
    assert err.position == i
    assert f"events {i} and {j} were swapped" in str(err)


def shift_up_from(con: sqlite3.Connection, k: int) -> None:
    last = con.execute(f"SELECT max(position) FROM {EVENTS}").fetchone()[0]
    for position in range(last, k - 1, -1):
        con.execute(f"UPDATE {EVENTS} SET position = ? WHERE position = ?", (position + 1, position))


INSERT_FORGED = (f"INSERT INTO {EVENTS} (position, originator_id, originator_version, topic, state, hash, "
                 "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)")


def forged_row(con: sqlite3.Connection, k: int, *, chained: bool) -> tuple[Any, ...]:
    """An ActionNoted for A1 that never happened, to sit at position k."""
    template = con.execute(f"SELECT topic, state FROM {EVENTS} WHERE position = 7").fetchone()
    previous, previous_state, recorded_at = con.execute(
        f"SELECT hash, state, recorded_at FROM {EVENTS} WHERE position = ?", (k - 1,)).fetchone()
    # Recorded when the event before it was (in its JSON and its column), as a careful forger would.
    stamp = bytes(previous_state).split(b'"')[3]
    state = re.sub(rb'^\{"timestamp":"[^"]*"', b'{"timestamp":"%s"' % stamp, bytes(template[1]))
    state = state.replace(b"Draft circulated", b"Approved by the board")
    oid = ev.record_id("A1")
    digest = chain_hash(previous, k, oid, 50, template[0], state) if chained else "e" * 64
    return (k, oid.hex, 50, template[0], state, digest, recorded_at)


def test_forged_event_inserted_with_a_valid_hash_breaks_the_chain_just_after_it(ledger: Ledger) -> None:
    with raw(ledger, unguarded=True) as con:
        shift_up_from(con, 6)
        con.execute(INSERT_FORGED, forged_row(con, 6, chained=True))
        assert [r["position"] for r in rows(con)] == list(range(1, N + 2))
    # The forged event chains onto position 5, so 6 verifies; the first bad one is the displaced event.
    assert broken(ledger).position == 7


def test_forged_event_inserted_without_a_valid_hash_is_diagnosed_as_inserted(ledger: Ledger) -> None:
    with raw(ledger, unguarded=True) as con:
        shift_up_from(con, 6)
        con.execute(INSERT_FORGED, forged_row(con, 6, chained=False))
    err = broken(ledger)
    assert err.position == 6
    assert "inserted" in str(err)


def test_event_appended_behind_the_ledgers_back_is_caught(ledger: Ledger) -> None:
    with raw(ledger) as con:  # an INSERT is not refused by the triggers
        con.execute(INSERT_FORGED, forged_row(con, N + 1, chained=True))
    err = broken(ledger)
    assert err.position == N + 1
    assert "inserted" in str(err)


def rewrite_owner(con: sqlite3.Connection, position: int) -> None:
    """Make the assignment at `position` say Eve where it said Dan: its personal value and the
    commitment the hashed payload holds (recomputed with the same salt)."""
    state = bytes(con.execute(f"SELECT state FROM {EVENTS} WHERE position = ?", (position,)).fetchone()[0])
    plain, salts = con.execute(f"SELECT plain, salts FROM {EVENTS}_personal WHERE position = ?",
                               (position,)).fetchone()
    assert '"owner":"Dan"' in plain
    found = re.search(rb'"owner":\{"\$c":"([0-9a-f]{64})"\}', state)
    assert found is not None
    forged = commitment(bytes.fromhex(json.loads(salts)["owner"]), "owner", "Eve").encode()
    con.execute(f"UPDATE {EVENTS} SET state = ? WHERE position = ?",
                (state.replace(found.group(1), forged), position))
    con.execute(f"UPDATE {EVENTS}_personal SET plain = ? WHERE position = ?",
                (plain.replace('"owner":"Dan"', '"owner":"Eve"'), position))


def test_truncated_tail_is_caught_by_the_remembered_head(ledger: Ledger) -> None:
    with raw(ledger, unguarded=True) as con:
        con.execute(f"DELETE FROM {EVENTS} WHERE position > ?", (N - 2,))
    err = broken(ledger)
    assert err.position == N - 1
    assert "truncated" in str(err)


def test_truncated_tail_with_a_forged_head_passes_plain_verify_but_not_a_published_fingerprint(
    ledger: Ledger,
) -> None:
    published = ledger.verify()
    kept = ledger.store.fingerprint_at(N - 2)
    with raw(ledger, unguarded=True) as con:
        con.execute(f"DELETE FROM {EVENTS} WHERE position > ?", (N - 2,))
        con.execute(f"DELETE FROM {EVENTS}_personal WHERE position > ?", (N - 2,))
        set_head(con, kept)
    assert ledger.verify() == kept == ledger.fingerprint()
    assert ledger.verify(expect=kept) == kept
    err = broken(ledger, expect=published)
    assert err.position == N - 1
    assert "truncated" in str(err)


def test_rewritten_history_with_recomputed_hashes_is_caught_by_the_remembered_head(ledger: Ledger) -> None:
    with raw(ledger, unguarded=True) as con:
        rewrite_owner(con, 8)
        rechain(con, 8)
    err = broken(ledger)
    assert err.position == N
    assert "rewritten" in str(err)


def test_rewritten_history_with_recomputed_hashes_and_head_is_caught_by_a_published_fingerprint(
    ledger: Ledger,
) -> None:
    early = ledger.fingerprint()          # published at position N
    ledger.note_action("A1", "Reviewed", on="2016-02-25", actor="dan")
    ledger.note_action("A1", "Reviewed again", on="2016-02-26", actor="dan")
    later = ledger.fingerprint()          # published at position N + 2
    before_rewrite = ledger.store.fingerprint_at(7)
    with raw(ledger, unguarded=True) as con:
        rewrite_owner(con, 8)
        set_head(con, rechain(con, 8))
    # Plain verify passes: the chain is self-consistent and agrees with the (forged) remembered head.
    rewritten = ledger.verify()
    assert rewritten.position == N + 2 and rewritten.hash != later.hash
    assert ledger.get("A1", Action).owner == "Eve"
    # A fingerprint published before the rewritten event still verifies; later ones do not.
    assert ledger.verify(expect=before_rewrite) == rewritten
    err = broken(ledger, expect=early)
    assert err.position == N
    assert "rewritten" in str(err)
    assert broken(ledger, expect=later).position == N + 2


# -- failed and concurrent writes -------------------------------------------------------------


def test_failed_duplicate_version_insert_records_nothing(ledger: Ledger) -> None:
    before = ledger.fingerprint()
    history = ledger.history("A1")
    stored = [ledger.mapper.to_stored_event(logged.event) for logged in history]
    fresh = type(stored[-1])(originator_id=stored[-1].originator_id,
                             originator_version=stored[-1].originator_version + 1,
                             topic=stored[-1].topic, state=stored[-1].state)
    # A recorded time after the last (an old one would be refused first), the version taken.
    later = history[1].event.model_copy(update={"timestamp": datetime(2017, 1, 1, tzinfo=UTC)})
    duplicate = ledger.mapper.to_stored_event(later)
    with pytest.raises(Exception) as info:
        ledger.store.insert_events([fresh, duplicate])
    assert type(info.value).__name__ == "IntegrityError"
    assert ledger.fingerprint() == before
    assert ledger.store.remembered_head() == before
    assert len(ledger.history("A1")) == len(history)
    assert ledger.verify() == before
    # The next write takes the next position: no gap was left by the failed one.
    ledger.note_action("A1", "after the failure", on="2016-02-21", actor="dan")
    with raw(ledger) as con:
        assert [r["position"] for r in rows(con)] == list(range(1, N + 2))
    assert ledger.verify().position == N + 1


def test_concurrent_writers_on_one_file_keep_the_chain_gap_free(ledger: Ledger) -> None:
    errors: list[BaseException] = []
    writers, commands = 4, 10

    def write(n: int) -> None:
        try:
            with Ledger(ledger.url, clock=lambda: datetime(2016, 3, 1, 9, tzinfo=UTC), create=False) as other:
                for c in range(commands):
                    other.add_milestone(f"W{n}-{c}", text="t", on="2016-01-01", actor=f"w{n}")
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = N + writers * commands
    with raw(ledger) as con:
        assert [r["position"] for r in rows(con)] == list(range(1, total + 1))
    head = ledger.verify()
    assert head.position == total and head == ledger.fingerprint() == ledger.store.remembered_head()
