"""PostgreSQL: appends serialised by a transaction-scoped advisory lock, and an append-only
trigger (which also refuses TRUNCATE)."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger.store.backend import Backend

_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)")


class PostgreSQLBackend(Backend):
    """The portable way, plus the advisory append lock and the append-only trigger."""

    def __init__(self, table: sa.Table) -> None:
        super().__init__(table)
        # The lock's 64-bit key names the table (a hash of its name; not the chain).
        self.lock_key = int.from_bytes(hashlib.sha256(table.name.encode()).digest()[:8], "big",
                                       signed=True)

    def lock(self, conn: Connection) -> None:
        """Take the table's advisory lock until the transaction ends."""
        # An advisory lock serialises appends without needing UPDATE rights on the table
        # (LOCK TABLE ... EXCLUSIVE would), so officers can be insert-only.
        conn.execute(_LOCK, {"key": self.lock_key})

    def append_only_ddl(self) -> list[str]:
        """A statement-level trigger refusing UPDATE, DELETE and TRUNCATE."""
        table = self.table.name
        return [
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{table} is append-only: %% refused', "
            f"TG_OP; END $$",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()",
        ]
