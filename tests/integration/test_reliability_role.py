"""Issue 12, "the actor the officer types stays, beside the role the database saw": on PostgreSQL
the append function notes, for every position it appends, the authenticated role and the
database's time in `<events>_appenders`, which `history` and `log` show beside the typed actor.
No application role may write that table; an older ledger gets it on the owner's next open.

PostgreSQL only: skipped, with the suite's one reason, unless LEDGER_TEST_PG_URL is set.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tests.integration.test_roles import OPEN, Roles, cli, roles, sql_refused

__all__ = ["roles"]  # the fixture, shared with test_roles

APPENDERS = "ledger_events_appenders"


def query(url: str, statement: str) -> list[Any]:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            result = conn.exec_driver_sql(statement)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def admin_role(url: str) -> str:
    return str(query(url, "SELECT session_user")[0][0])


def officer_notes(roles: Roles, text: str) -> None:
    done = cli(roles.url(roles.officer), "action", "note", OPEN, text, "--on", "2016-12-01",
               actor="J Smith")
    assert done.exit_code == 0, done.stderr


def test_history_and_log_show_the_role_the_database_saw_beside_the_typed_actor(
        roles: Roles) -> None:
    officer_notes(roles, "Chased the owner")
    trail = json.loads(cli(roles.admin, "history", OPEN, "--format", "json", actor=None).stdout)
    last = trail[-1]
    assert (last["actor"], last["database_role"]) == ("J Smith", roles.officer)
    # the demo was appended by the admin, through the same function
    assert {e["database_role"] for e in trail[:-1]} == {admin_role(roles.admin)}
    logged = json.loads(cli(roles.url(roles.auditor), "log", "--ref", OPEN, "--format", "json",
                            actor=None).stdout)
    assert logged == trail
    text = cli(roles.admin, "history", OPEN, actor=None).stdout.splitlines()
    assert f"J Smith (role {roles.officer}): {OPEN}" in text[-1]
    (stamped,) = query(roles.admin, f"SELECT role, appended_at FROM {APPENDERS} "
                                    f"WHERE position = {last['position']}")
    assert stamped[0] == roles.officer and stamped[1] is not None
    counts = query(roles.admin, f"SELECT (SELECT count(*) FROM ledger_events), "
                                f"(SELECT count(*) FROM {APPENDERS})")
    assert counts[0][0] == counts[0][1]  # one row per appended event


def test_no_application_role_may_write_the_appenders_table(roles: Roles) -> None:
    officer_notes(roles, "Before")
    before = query(roles.admin, f"SELECT * FROM {APPENDERS} ORDER BY position")
    for role in (roles.officer, roles.auditor, roles.writer):
        url = roles.url(role)
        for statement in (
                f"INSERT INTO {APPENDERS} VALUES (999999, 'Chief Executive', now())",
                f"UPDATE {APPENDERS} SET role = 'Chief Executive'",
                f"DELETE FROM {APPENDERS}",
                f"TRUNCATE {APPENDERS}"):
            sql_refused(url, statement)
        assert query(url, f"SELECT count(*) FROM {APPENDERS}")[0][0] == len(before)
    # and the owner's own UPDATE or DELETE is refused by the append-only trigger
    for statement in (f"UPDATE {APPENDERS} SET role = 'x'", f"DELETE FROM {APPENDERS}"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            query(roles.admin, statement)
    assert query(roles.admin, f"SELECT * FROM {APPENDERS} ORDER BY position") == before


def test_an_older_ledger_gets_the_appenders_table_back_on_the_owners_next_open(
        roles: Roles) -> None:
    query(roles.admin, f"DROP TABLE {APPENDERS}")
    opened = cli(roles.admin, "verify", actor=None)
    assert opened.exit_code == 0, opened.stderr
    assert query(roles.admin, f"SELECT to_regclass('{APPENDERS}') IS NOT NULL")[0][0]
    officer_notes(roles, "After the upgrade")
    trail = json.loads(cli(roles.admin, "history", OPEN, "--format", "json", actor=None).stdout)
    assert trail[-1]["database_role"] == roles.officer
    assert {e["database_role"] for e in trail[:-1]} == {None}  # appended before: not known
    text = cli(roles.admin, "history", OPEN, actor=None).stdout.splitlines()
    assert "(role " not in "\n".join(text[:-1]) and f"(role {roles.officer})" in text[-1]


def test_a_restore_notes_no_role_for_the_positions_it_restores(
        roles: Roles, pg_schemas: Callable[[], str], tmp_path: Path) -> None:
    """Restore (by the owner, inserting directly) cannot know who first appended each event:
    it leaves them without an appender row, so `database_role` is null, not the restorer."""
    officer_notes(roles, "Before the export")
    dump = tmp_path / "ledger.jsonl"
    assert cli(roles.admin, "export", str(dump), actor=None).exit_code == 0
    target = pg_schemas()
    restored = cli(target, "restore", str(dump), actor=None)
    assert restored.exit_code == 0, restored.stderr
    assert query(target, f"SELECT count(*) FROM {APPENDERS}")[0][0] == 0
    trail = json.loads(cli(target, "history", OPEN, "--format", "json", actor=None).stdout)
    assert trail and {e["database_role"] for e in trail} == {None}
