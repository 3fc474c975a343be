"""A read model made by an earlier version (rows with no `recorded_to`), on PostgreSQL with least
privilege: roles that do not own its tables answer from the log meanwhile; the owner's next
command makes it again with the privileges it had, so the auditor reads it and the projection
writer keeps it as before.

Skipped, with the suite's one reason, unless LEDGER_TEST_PG_URL is set (see tests/conftest.py).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tests.integration.test_roles import OPEN, Roles, cli, roles

__all__ = ["roles"]  # the fixture, shared with test_roles

REPORT = ["report", "as-at", "2016-12-01", "--as-known-on", "2016-12-01", "--format", "json"]


def make_it_earlier(admin: str) -> None:
    """What the version before corrections left: no recorded-time end on any row."""
    engine = sa.create_engine(admin, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE rm_actions DROP COLUMN recorded_to")
    finally:
        engine.dispose()


def columns(admin: str) -> set[str]:
    engine = sa.create_engine(admin, poolclass=NullPool)
    try:
        return {c["name"] for c in sa.inspect(engine).get_columns("rm_actions")}
    finally:
        engine.dispose()


def test_an_earlier_read_model_is_made_again_with_its_grants(roles: Roles) -> None:
    make_it_earlier(roles.admin)
    # Not the owner: it may not make the tables again, so it answers from the log, and says so.
    auditor = cli(roles.url(roles.auditor), *REPORT, actor=None)
    assert auditor.exit_code == 0, auditor.stderr
    assert "made by an earlier version" in auditor.stderr
    assert "answering from the log instead" in auditor.stderr
    # The owner's next command makes it again (empty, then caught up).
    owner = cli(roles.admin, *REPORT, actor=None)
    assert (owner.exit_code, owner.stderr) == (0, ""), owner.stderr
    assert "recorded_to" in columns(roles.admin)
    assert json.loads(owner.stdout) == json.loads(auditor.stdout)
    # Its privileges are as they were: the officer appends, the writer catches up...
    noted = cli(roles.url(roles.officer), "action", "note", OPEN, "Later", "--on", "2016-12-01")
    assert noted.exit_code == 0, noted.stderr
    writer = cli(roles.url(roles.writer), *REPORT, actor=None)
    assert (writer.exit_code, writer.stderr) == (0, ""), writer.stderr  # caught up, no fallback
    status = json.loads(cli(roles.admin, "projections", "status", "--format", "json",
                            actor=None).stdout)
    assert status["lag"] == 0
    # ...the auditor reads it, and granting again finds every role holding what it should.
    auditor = cli(roles.url(roles.auditor), *REPORT, actor=None)
    assert (auditor.exit_code, auditor.stderr) == (0, ""), auditor.stderr
    assert auditor.stdout == writer.stdout
    again = cli(roles.admin, "db", "grant", "--officer", roles.officer, "--auditor",
                roles.auditor, "--projection-writer", roles.writer, actor=None)
    assert again.exit_code == 0, again.stderr
