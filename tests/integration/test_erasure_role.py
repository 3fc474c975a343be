"""On PostgreSQL only the role granted `--erasure` may erase personal data; officers append
personal values but cannot rewrite them, and the auditor sees that an erasure happened and
verifies the chain (and every value kept) but can change nothing.

Skipped, with the suite's one reason, unless LEDGER_TEST_PG_URL is set (see tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tests.integration.test_roles import as_user, cli

OWNER = "Head of ICT"


@pytest.fixture
def granted(pg_admin_url: str, pg_url: str) -> Iterator[dict[str, str]]:
    """A demo ledger with an officer, an auditor and an erasure role granted."""
    tag = uuid4().hex[:10]
    names = {kind: f"ledger_{kind}_{tag}" for kind in ("officer", "auditor", "erasure")}
    admin = sa.create_engine(pg_admin_url, poolclass=NullPool)
    with admin.begin() as conn:
        for name in names.values():
            conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
    try:
        assert cli(pg_url, "demo", actor=None).exit_code == 0
        result = cli(pg_url, "db", "grant", "--officer", names["officer"], "--auditor",
                     names["auditor"], "--erasure", names["erasure"], actor=None)
        assert result.exit_code == 0, result.stderr
        assert "GRANT INSERT, UPDATE ON" in result.stdout
        yield {kind: as_user(pg_url, name) for kind, name in names.items()}
    finally:
        with admin.begin() as conn:
            for name in names.values():
                conn.exec_driver_sql(f'DROP OWNED BY "{name}"')
                conn.exec_driver_sql(f'DROP ROLE "{name}"')
        admin.dispose()


def test_only_the_erasure_role_erases(granted: dict[str, str]) -> None:
    officer = cli(granted["officer"], "erase", OWNER, "--reason", "ER-9")
    assert officer.exit_code == 1 and "permission denied" in officer.stderr
    auditor = cli(granted["auditor"], "erase", OWNER, "--reason", "ER-9")
    assert auditor.exit_code == 1 and "permission denied" in auditor.stderr
    done = cli(granted["erasure"], "erase", OWNER, "--reason", "ER-9", actor="DPO")
    assert done.exit_code == 0, done.stderr
    assert "owner" in done.stdout
    log = cli(granted["auditor"], "log", actor=None)
    assert "personal data erased" in log.stdout and OWNER not in log.stdout
    assert cli(granted["auditor"], "verify", actor=None).exit_code == 0
    noted = cli(granted["officer"], "action", "note", "ICO-A2.1", "Met Zoë Brown", "--personal",
                "--on", "2016-10-20")
    assert noted.exit_code == 0, noted.stderr
