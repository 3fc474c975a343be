"""Least privilege on PostgreSQL: after `ledger db grant`, the database itself refuses every write
an auditor attempts, officers append but never update or delete, and the projection writer keeps
the read models. Each test makes its own login roles (unique names, dropped afterwards) and a
demo ledger in a fresh schema.

Skipped, with the suite's one reason, unless LEDGER_TEST_PG_URL is set (see tests/conftest.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from uuid import uuid4

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlalchemy.pool import NullPool

from ledger.application import scenario
from ledger.cli import main
from ledger.projections.readmodel import metadata as readmodel_metadata

EVENTS, HEAD, TRACKING = "ledger_events", "ledger_events_head", "ledger_tracking"
READ_MODELS = sorted(t.name for t in readmodel_metadata.sorted_tables)
OPEN = "ICO-A6.1"  # in progress in the demo ledger (reopened after the follow-up audit)
NOT_STARTED = "ICO-A3.2"


def cli(db: str, *args: str, actor: str | None = "Officer") -> Result:
    runner = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None})
    result = runner.invoke(main, ["--db", db, *(["--actor", actor] if actor else []), *args])
    assert "Traceback" not in result.stdout + result.stderr, (args, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, repr(result.exception))
    return result


def as_user(url: str, user: str) -> str:
    return sa.make_url(url).set(username=user).render_as_string(hide_password=False)


@dataclass
class Roles:
    admin: str
    officer: str
    auditor: str
    writer: str

    def url(self, role: str) -> str:
        return as_user(self.admin, role)


@pytest.fixture
def roles(pg_admin_url: str, pg_url: str) -> Iterator[Roles]:
    """Three new login roles and a demo ledger (built as the admin) with grants for them."""
    tag = uuid4().hex[:10]
    names = [f"ledger_officer_{tag}", f"ledger_auditor_{tag}", f"ledger_writer_{tag}"]
    admin = sa.create_engine(pg_admin_url, poolclass=NullPool)
    with admin.begin() as conn:
        for name in names:
            conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
    try:
        built = cli(pg_url, "demo", actor=None)
        assert built.exit_code == 0, built.stderr
        granted = cli(pg_url, "db", "grant", "--officer", names[0], "--auditor", names[1],
                      "--projection-writer", names[2], actor=None)
        assert granted.exit_code == 0, granted.stderr
        assert "GRANT SELECT ON" in granted.stdout
        yield Roles(pg_url, *names)
    finally:
        with admin.begin() as conn:
            for name in names:
                # Their privileges live in this database only: revoke them, then drop the role.
                conn.exec_driver_sql(f'DROP OWNED BY "{name}"')
                conn.exec_driver_sql(f'DROP ROLE "{name}"')
        admin.dispose()


def head(db: str) -> dict[str, object]:
    result = cli(db, "verify", "--format", "json", actor=None)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["ok"] is True
    return dict(doc["fingerprint"])


def refused_by_postgresql(result: Result) -> str:
    """A CLI write the database refused: exit 1, one line on stderr saying so, nothing else."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "permission denied" in lines[0], lines[0]
    return lines[0]


def sql_refused(url: str, statement: str) -> str:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with pytest.raises(sa.exc.DBAPIError) as info, engine.begin() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
    message = str(info.value.orig)
    assert "permission denied" in message, (statement, message)
    return message


def writes_on(table: str) -> list[str]:
    return [f"INSERT INTO {table} SELECT * FROM {table}",
            f"UPDATE {table} SET {_first_column(table)} = {_first_column(table)}",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}"]


def _first_column(table: str) -> str:
    if table in readmodel_metadata.tables:
        return next(iter(readmodel_metadata.tables[table].columns)).name
    return {EVENTS: "topic", HEAD: "hash", TRACKING: "notification_id"}[table]


# -- the auditor ----------------------------------------------------------------------------------

AUDITOR_WRITES: list[list[str]] = [
    ["action", "note", OPEN, "Auditor's note", "--on", "2016-12-01"],
    ["action", "complete", OPEN, "--on", "2017-03-01"],
    ["action", "assign", OPEN, "--owner", "Someone else", "--on", "2016-12-01"],
    ["audit", "assurance", "ICO-FU-2017", "--area", "data sharing", "--rating", "high",
     "--on", "2017-03-01"],
    ["audit", "add", "AUDITOR-1", "--title", "t", "--kind", "other", "--on", "2016-12-01"],
    ["milestone", "add", "AUDITOR-M", "--text", "t", "--on", "2016-12-01"],
    ["meeting", "add", "2017-06-01", "--committee", "Audit and Procurement Committee",
     "--on", "2017-06-01"],
    ["resolution", "add", scenario.FEBRUARY, "9", "--text", "t"],
    ["report", "as-at", scenario.OCTOBER, "--format", "markdown", "--present-at", scenario.FEBRUARY],
]


def test_the_auditor_cannot_write_through_the_cli(roles: Roles) -> None:
    before = head(roles.admin)
    url = roles.url(roles.auditor)
    for args in AUDITOR_WRITES:
        refused_by_postgresql(cli(url, *args, actor="Auditor"))
    assert head(roles.admin) == before


def test_postgresql_refuses_every_raw_write_by_the_auditor(roles: Roles) -> None:
    url = roles.url(roles.auditor)
    before = head(roles.admin)
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        for table in (EVENTS, HEAD, TRACKING, *READ_MODELS):
            for statement in writes_on(table):
                sql_refused(url, statement)
            with engine.connect() as conn:  # but it may read every table
                rows = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            assert rows > 0 or table not in (EVENTS, HEAD, TRACKING, "rm_actions"), table
        sql_refused(url, "CREATE TABLE auditor_scratch (x int)")
    finally:
        engine.dispose()
    assert head(roles.admin) == before


def test_the_auditor_cannot_rebuild_the_read_model(roles: Roles) -> None:
    before = head(roles.admin)
    refused_by_postgresql(cli(roles.url(roles.auditor), "projections", "rebuild", actor=None))
    assert head(roles.admin) == before
    status = cli(roles.admin, "projections", "status", "--format", "json", actor=None)
    assert json.loads(status.stdout)["lag"] == 0


def test_the_read_models_keep_their_grants_when_rebuilt(roles: Roles) -> None:
    """An administrator's rebuild must leave the auditor reading and the writer writing."""
    rebuilt = cli(roles.admin, "projections", "rebuild", actor=None)
    assert rebuilt.exit_code == 0, rebuilt.stderr
    args = ["report", "as-at", scenario.OCTOBER, "--as-known-on", scenario.OCTOBER,
            "--format", "json"]
    expected = cli(roles.admin, *args, actor=None).stdout
    auditor = cli(roles.url(roles.auditor), *args, actor=None)
    assert (auditor.exit_code, auditor.stderr) == (0, ""), auditor.stderr
    assert auditor.stdout == expected
    officer = cli(roles.url(roles.officer), "action", "note", OPEN, "Later", "--on", "2016-12-01")
    assert officer.exit_code == 0, officer.stderr
    writer = cli(roles.url(roles.writer), *args, actor=None)
    assert (writer.exit_code, writer.stderr) == (0, ""), writer.stderr  # it caught up
    status = cli(roles.admin, "projections", "status", "--format", "json", actor=None)
    assert json.loads(status.stdout)["lag"] == 0


def test_the_auditor_can_verify_and_report(roles: Roles) -> None:
    url = roles.url(roles.auditor)
    fingerprint = head(roles.admin)
    assert head(url) == fingerprint
    args = ["report", "as-at", scenario.JULY, "--as-known-on", scenario.JULY, "--format", "json"]
    by_admin = cli(roles.admin, *args, actor=None)
    assert by_admin.exit_code == 0, by_admin.stderr
    read = cli(url, *args, actor=None)  # the read model is up to date: read straight from it
    assert read.exit_code == 0, read.stderr
    assert read.stdout == by_admin.stdout and json.loads(read.stdout)["totals"]["actions"] > 0
    assert read.stderr == ""

    officer = cli(roles.url(roles.officer), "action", "note", OPEN, "Later", "--on", "2016-12-01")
    assert officer.exit_code == 0, officer.stderr
    behind = cli(url, *args, actor=None)  # the read model is behind, and the auditor can't write it
    assert behind.exit_code == 0, behind.stderr
    assert json.loads(behind.stdout) == json.loads(cli(roles.admin, *args, actor=None).stdout)
    notes = behind.stderr.strip().splitlines()
    assert len(notes) == 1 and "answering from the log" in notes[0], behind.stderr
    for other in (["meeting", "report", scenario.OCTOBER, "--format", "json"],
                  ["history", OPEN], ["log", "--ref", OPEN, "--format", "csv"], ["show", OPEN],
                  ["requests"], ["verify", "--expect", str(fingerprint["position"]) + ":"
                                 + str(fingerprint["hash"])]):
        result = cli(url, *other, actor=None)
        assert result.exit_code == 0, (other, result.stderr)
        assert result.stdout.strip(), other


# -- the officer ----------------------------------------------------------------------------------

def test_the_officer_appends_but_never_rewrites(roles: Roles) -> None:
    url = roles.url(roles.officer)
    before = head(roles.admin)
    for args in (["action", "note", OPEN, "Officer's note", "--on", "2016-12-01"],
                 ["action", "complete", OPEN, "--on", "2017-03-02", "--evidence", "Signed off"],
                 ["milestone", "add", "OFFICER-M", "--text", "t", "--on", "2016-12-01"]):
        result = cli(url, *args)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stdout.splitlines()[-1].startswith("fingerprint ")
    after = head(roles.admin)
    assert after["position"] == int(str(before["position"])) + 3
    assert head(url) == after

    for statement in (f"UPDATE {EVENTS} SET topic = topic", f"DELETE FROM {EVENTS}",
                      f"DELETE FROM {EVENTS} WHERE position = 1", f"TRUNCATE {EVENTS}",
                      f"DELETE FROM {HEAD}", *writes_on("rm_actions"), *writes_on(TRACKING)):
        sql_refused(url, statement)
    assert head(roles.admin) == after


# -- the projection writer ------------------------------------------------------------------------

def test_the_projection_writer_keeps_the_read_model(roles: Roles) -> None:
    url = roles.url(roles.writer)
    officer = cli(roles.url(roles.officer), "action", "note", OPEN, "Later", "--on", "2016-12-01")
    assert officer.exit_code == 0, officer.stderr

    def status() -> dict[str, int]:
        result = cli(url, "projections", "status", "--format", "json", actor=None)
        assert result.exit_code == 0, result.stderr
        return dict(json.loads(result.stdout))

    assert status()["lag"] == 1
    report = cli(url, "report", "as-at", "2016-12-01", "--format", "json", actor=None)
    assert report.exit_code == 0 and report.stderr == "", report.stderr  # caught up, no fallback
    assert status() == {"position": head(roles.admin)["position"],
                        "head": head(roles.admin)["position"], "lag": 0}
    # Now the auditor reads the read model straight away.
    auditor = cli(roles.url(roles.auditor), "report", "as-at", "2016-12-01", "--format", "json",
                  actor=None)
    assert auditor.exit_code == 0 and auditor.stderr == "", auditor.stderr
    assert json.loads(auditor.stdout)["fingerprint"] == json.loads(report.stdout)["fingerprint"]

    refused_by_postgresql(cli(url, "action", "note", OPEN, "Not mine to write", "--on",
                              "2016-12-02", actor="Projector"))
    for statement in (f"INSERT INTO {EVENTS} SELECT * FROM {EVENTS} WHERE false",
                      f"UPDATE {EVENTS} SET topic = topic", f"DELETE FROM {HEAD}"):
        sql_refused(url, statement)


def test_a_large_catch_up_by_the_projection_writer_is_not_refused_its_analyze(
        roles: Roles, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a table's owner may ANALYZE it: the writer's catch-up gets a warning, not an error."""
    from ledger.projections import readmodel

    monkeypatch.setattr(readmodel, "ANALYZE_AFTER", 1)
    rebuilt = cli(roles.url(roles.writer), "projections", "rebuild", actor=None)
    assert (rebuilt.exit_code, rebuilt.stderr.strip()) == (0, ""), rebuilt.stderr  # a bar's end
    status = cli(roles.admin, "projections", "status", "--format", "json", actor=None)
    assert json.loads(status.stdout)["lag"] == 0


def test_grant_needs_existing_roles_and_says_so_in_one_line(pg_url: str) -> None:
    built = cli(pg_url, "demo", actor=None)
    assert built.exit_code == 0, built.stderr
    missing = f"ledger_nobody_{uuid4().hex[:10]}"
    result = cli(pg_url, "db", "grant", "--officer", missing, "--auditor", missing, actor=None)
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and missing in lines[0] and "does not exist" in lines[0]
