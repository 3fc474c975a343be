"""Issue 12, the store's part: nothing forged that `verify` does not see, no hostile export file
restored. Tampering is done with raw SQL as the database's owner (the append-only trigger dropped
on SQLite, disabled on PostgreSQL); each test runs on SQLite and, with LEDGER_TEST_PG_URL, on
PostgreSQL.

Findings reproduced: the `recorded_at` column outside the hash (a rebuild then reports a forged
count under a fingerprint that verifies); `verify` crashing on a payload rewritten as text;
`restore` importing the module a topic names, accepting a file cut at a line boundary, recorded
times going back, and an endless line.
"""

from __future__ import annotations

import io
import json
import sqlite3
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlalchemy.pool import NullPool

from ledger.application import Ledger
from ledger.cli import main
from ledger.domain.chain import GENESIS_HASH, Fingerprint, chain_hash
from ledger.domain.errors import ChainBroken, InvalidInput
from ledger.domain.values import micros
from ledger.store import sqlite_path

from ..conftest import Clock

EVENTS = "ledger_events"


def cli(url: str, *args: str) -> Result:
    result = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None}).invoke(main, ["--db", url, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def tamper(url: str, *statements: str) -> None:
    """Run SQL on the events table as its owner, around the append-only trigger."""
    path = sqlite_path(url)
    if path is not None:
        with closing(sqlite3.connect(path, isolation_level=None)) as con:
            for op in ("update", "delete"):
                con.execute(f"DROP TRIGGER IF EXISTS {EVENTS}_no_{op}")
            for sql in statements:
                con.execute(sql)
        return
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"ALTER TABLE {EVENTS} DISABLE TRIGGER {EVENTS}_append_only")
            for sql in statements:
                conn.exec_driver_sql(sql)
            conn.exec_driver_sql(f"ALTER TABLE {EVENTS} ENABLE TRIGGER {EVENTS}_append_only")
    finally:
        engine.dispose()


@pytest.fixture
def history(ledger_url: str, clock: Clock) -> str:
    """A small ledger: two actions, one completed before the 10 March meeting, the other
    completed effective 5 March but recorded on 20 March (after the meeting). Its URL."""
    with Ledger(ledger_url, clock=clock) as app:
        app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2016-01-01", actor="alice")
        app.add_recommendation("R1", audit="ICO", text="t", priority="high", on="2016-01-02",
                               actor="alice")
        for ref in ("A1", "A2"):
            app.add_action(ref, recommendations=["R1"], text="x", on="2016-02-01", actor="alice")
            app.start_action(ref, on="2016-02-10", actor="bob")
        app.complete_action("A1", on="2016-02-20", actor="bob")
        clock.set("2016-03-10")
        app.add_meeting("M1", committee="ARAC", on="2016-03-10", actor="clerk")
        clock.set("2016-03-20")
        app.complete_action("A2", on="2016-03-05", actor="bob")  # recorded late
    return ledger_url


def completed_known_at_meeting(url: str) -> int:
    doc = json.loads(cli(url, "report", "as-at", "2016-03-10", "--as-known-on", "2016-03-10",
                         "--format", "json").stdout)
    return int(doc["totals"]["completed"])


def last_position(url: str) -> int:
    with Ledger(url) as app:
        return app.fingerprint().position


# -- recorded_at is covered by verify ---------------------------------------------------------


def test_recorded_at_moved_before_a_meeting_forges_its_report_and_verify_names_the_position(
        history: str) -> None:
    url, late = history, last_position(history)
    assert completed_known_at_meeting(url) == 1
    assert cli(url, "verify").exit_code == 0
    forged = micros(datetime(2016, 3, 9, 12, tzinfo=UTC))
    tamper(url, f"UPDATE {EVENTS} SET recorded_at = {forged} WHERE position = {late}")
    assert cli(url, "projections", "rebuild").exit_code == 0
    assert completed_known_at_meeting(url) == 2  # the forgery works on the reports ...
    result = cli(url, "verify")  # ... and verify sees it
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert f"position {late}" in result.stderr and "recorded time was altered" in result.stderr


@pytest.mark.parametrize("value", ["NULL", "recorded_at + 1", "recorded_at - 1000000"])
def test_any_edit_of_recorded_at_breaks_verify_there(history: str, value: str) -> None:
    tamper(history, f"UPDATE {EVENTS} SET recorded_at = {value} WHERE position = 5")
    with Ledger(history) as app, pytest.raises(ChainBroken) as info:
        app.verify()
    assert info.value.position == 5 and "recorded time was altered" in str(info.value)


def test_recorded_times_going_back_break_verify_even_with_the_events_json_rewritten(
        history: str) -> None:
    """A forger who also rewrites the event's JSON timestamp and recomputes every later hash
    (and the remembered head) still leaves a recorded time going back."""
    url, late = history, last_position(history)
    with Ledger(url) as app:
        row = app.store.row_at(late)
        previous = app.store.row_at(late - 1).hash
    forged_time = datetime(2016, 3, 9, 12, tzinfo=UTC)
    parts = bytes(row.state).split(b'"', 4)  # {"timestamp":"TIME"...
    state = b'"'.join([*parts[:3], b"2016-03-09T12:00:00Z", parts[4]])
    digest = chain_hash(previous, late, row.originator_id, row.originator_version, row.topic, state)
    text = state.decode()
    literal = f"X'{state.hex()}'" if sqlite_path(url) else f"convert_to('{text}', 'UTF8')"
    tamper(url, f"UPDATE {EVENTS} SET state = {literal}, hash = '{digest}', "
                f"recorded_at = {micros(forged_time)} WHERE position = {late}",
           f"UPDATE {EVENTS}_head SET hash = '{digest}'")
    with Ledger(url) as app, pytest.raises(ChainBroken) as info:
        app.verify()
    assert info.value.position == late and "goes back" in str(info.value)


# -- a payload rewritten as text --------------------------------------------------------------


def test_a_payload_rewritten_as_text_is_reported_as_tampering(history: str) -> None:
    if sqlite_path(history):
        tamper(history, f"UPDATE {EVENTS} SET state = CAST(state AS TEXT) WHERE position = 4")
        position = 4
    else:  # PostgreSQL keeps one type per column: the whole column is rewritten
        tamper(history, f"ALTER TABLE {EVENTS} ALTER COLUMN state TYPE text "
                        "USING convert_from(state, 'UTF8')")
        position = 1
    with Ledger(history) as app, pytest.raises(ChainBroken) as info:
        app.verify()
    assert info.value.position == position and "text, not bytes" in str(info.value)
    result = cli(history, "verify")
    assert result.exit_code == 1 and f"position {position}" in result.stderr


# -- restore ----------------------------------------------------------------------------------


def export_lines(url: str) -> list[str]:
    out = io.StringIO()
    with Ledger(url) as app:
        app.export(out)
    return out.getvalue().splitlines()


def restore(url: str, text: str) -> Fingerprint:
    with Ledger(url) as app:
        return app.restore(io.StringIO(text))


def refused(url: str, text: str) -> str:
    with pytest.raises(InvalidInput) as info:
        restore(url, text)
    with Ledger(url) as app:
        assert app.fingerprint().position == 0  # nothing written
    return str(info.value)


@pytest.fixture
def target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second, empty ledger on the same backend to restore into."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/restored.db"
    return str(request.getfixturevalue("pg_schemas")())


def test_export_ends_with_a_trailer_and_round_trips(history: str, target: str) -> None:
    lines = export_lines(history)
    with Ledger(history) as app:
        head = app.fingerprint()
    assert json.loads(lines[-1]) == {"trailer": {"events": head.position, "head": str(head)}}
    assert restore(target, "\n".join(lines) + "\n") == head
    with Ledger(target) as app:
        assert app.verify() == head


def test_a_topic_naming_any_module_is_refused_without_importing_it(target: str) -> None:
    state = b'{"timestamp":"2016-01-01T00:00:00Z"}'
    digest = chain_hash(GENESIS_HASH, 1, "00000000-0000-0000-0000-000000000001", 1, "this:x", state)
    record = {"position": 1, "hash": digest, "originator_id": "00000000-0000-0000-0000-000000000001",
              "originator_version": 1, "topic": "this:x", "state": state.decode()}
    trailer = {"trailer": {"events": 1, "head": f"1:{digest}"}}
    assert "this" not in sys.modules
    why = refused(target, json.dumps(record) + "\n" + json.dumps(trailer) + "\n")
    assert "this" not in sys.modules  # the Zen of Python was never printed
    assert why.startswith("line 1: not a ledger event") and "this:x" in why


def test_a_file_cut_at_a_line_boundary_is_refused(history: str, target: str) -> None:
    lines = export_lines(history)
    why = refused(target, "\n".join(lines[:8]) + "\n")
    assert why.startswith("line 9: the file ends without its trailer line")


def test_a_trailer_disagreeing_with_the_events_is_refused(history: str, target: str) -> None:
    lines = export_lines(history)
    why = refused(target, "\n".join([*lines[:8], lines[-1]]) + "\n")
    assert why.startswith("line 9: the trailer says") and "events were added or removed" in why
    why = refused(target, "\n".join([*lines, lines[0]]) + "\n")
    assert why.startswith(f"line {len(lines) + 1}: more after the trailer")


def rechained(records: list[dict[str, Any]]) -> list[str]:
    """Export lines for `records` renumbered from 1 and their hashes recomputed, and a trailer."""
    digest, out = GENESIS_HASH, []
    for position, record in enumerate(records, start=1):
        digest = chain_hash(digest, position, record["originator_id"], record["originator_version"],
                            record["topic"], record["state"].encode())
        out.append(json.dumps({**record, "position": position, "hash": digest}))
    out.append(json.dumps({"trailer": {"events": len(records), "head": f"{len(records)}:{digest}"}}))
    return out


def test_recorded_times_going_back_are_refused_even_in_a_consistent_chain(
        history: str, target: str) -> None:
    records = [json.loads(line) for line in export_lines(history)[:-1]]
    meeting = next(i for i, r in enumerate(records) if r["topic"].endswith(":MeetingScheduled"))
    records[meeting], records[meeting - 1] = records[meeting - 1], records[meeting]
    why = refused(target, "\n".join(rechained(records)) + "\n")
    assert why.startswith(f"line {meeting + 1}: recorded time") and "goes back" in why


def test_a_line_longer_than_the_bound_is_refused_naming_it(history: str, target: str) -> None:
    lines = export_lines(history)
    endless = "x" * (16 * 1024 * 1024 + 1)
    why = refused(target, lines[0] + "\n" + endless)
    assert why.startswith("line 2: longer than 16,777,216 characters")
    assert restore(target, "\n".join(lines) + "\n").position == len(lines) - 1


def test_the_restore_command_names_the_line_and_writes_nothing(history: str, target: str,
                                                               tmp_path: Path) -> None:
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(export_lines(history)[:5]) + "\n")
    result = cli(history, "restore", str(cut), "--db", target)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "line 6" in result.stderr and "trailer" in result.stderr
    assert "nothing was restored" in result.stderr


# -- found by a second hostile probe ----------------------------------------------------------

def test_a_row_before_position_one_is_seen_by_verify(history: str) -> None:
    first = export_lines(history)[0]
    row = json.loads(first)
    forged_state = row["state"].replace('"actor":"alice"', '"actor":"Chief Executive"')
    uuid_text = row["originator_id"].replace("-", "") if sqlite_path(history) else row["originator_id"]
    state_sql = ("X'" + forged_state.encode().hex() + "'" if sqlite_path(history)
                 else "decode('" + forged_state.encode().hex() + "', 'hex')")
    tamper(history, f"INSERT INTO {EVENTS} (position, originator_id, originator_version, topic, "
                    f"state, hash, recorded_at) VALUES (-1, '{uuid_text}', 99, '{row['topic']}', "
                    f"{state_sql}, '{'0' * 64}', 1)")
    result = cli(history, "verify")
    assert result.exit_code == 1
    assert "position -1" in result.stderr and "before the chain's first" in result.stderr


def test_a_deleted_head_row_is_seen_by_verify(history: str) -> None:
    tamper(history, f"DELETE FROM {EVENTS}_head")
    result = cli(history, "verify")
    assert result.exit_code == 1 and "remembered head is missing" in result.stderr


def test_a_row_of_a_type_the_ledger_does_not_define_is_seen_by_verify(history: str) -> None:
    last = len(export_lines(history)) - 1
    tamper(history, f"UPDATE {EVENTS} SET topic = 'this:x' WHERE position = {last}")
    result = cli(history, "verify")
    assert result.exit_code == 1
    assert f"position {last}" in result.stderr and "not one the ledger defines" in result.stderr


def test_a_recorded_time_in_the_future_is_refused_on_restore(history: str, target: str) -> None:
    records = [json.loads(line) for line in export_lines(history)[:-1]]
    last = records[-1]
    stamp = json.loads(last["state"])["timestamp"]
    last["state"] = last["state"].replace(stamp, "9999-12-31T23:59:59.999999Z")
    why = refused(target, "\n".join(rechained(records)) + "\n")
    assert why.startswith(f"line {len(records)}: recorded time 9999-12-31") and "future" in why
