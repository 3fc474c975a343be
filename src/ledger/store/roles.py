"""Least privilege on PostgreSQL: officers append, the projection writer keeps read models,
auditors only read. The database itself refuses anything else."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ledger.domain.errors import InvalidInput, StoreError


def grant(engine: Engine, *, officer: str, auditor: str, writer: str | None,
          event_tables: Sequence[str], head_table: str, model_tables: Sequence[str]) -> list[str]:
    """Grant each role exactly what it needs on the ledger's tables; return the statements run."""
    if engine.dialect.name != "postgresql":
        raise InvalidInput("roles and grants need PostgreSQL; a SQLite file has no users")
    q = engine.dialect.identifier_preparer.quote
    roles = [r for r in (officer, auditor, writer) if r]
    statements: list[str] = []
    try:
        with engine.begin() as conn:
            known = {r for (r,) in conn.execute(sa.text("SELECT rolname FROM pg_roles"))}
            for role in roles:
                if role not in known:
                    raise InvalidInput(f"role {role} does not exist (create it first, e.g. "
                                       f"CREATE ROLE {q(role)} LOGIN)")
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
            tables = [*event_tables, head_table, *model_tables]
            every = ", ".join(q(t) for t in tables)
            who = ", ".join(q(r) for r in roles)
            statements += [
                f"REVOKE ALL ON {every} FROM PUBLIC",
                f"REVOKE ALL ON {every} FROM {who}",
                f"GRANT USAGE ON SCHEMA {q(schema)} TO {who}",
                f"GRANT SELECT ON {every} TO {who}",
                f"GRANT INSERT ON {', '.join(q(t) for t in event_tables)} TO {q(officer)}",
                f"GRANT INSERT, UPDATE ON {q(head_table)} TO {q(officer)}",
            ]
            if writer:
                statements += [
                    f"GRANT INSERT, UPDATE, DELETE ON {', '.join(q(t) for t in model_tables)} "
                    f"TO {q(writer)}",
                    f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q(schema)} TO {q(writer)}",
                ]
            for statement in statements:
                conn.exec_driver_sql(statement)
    except sa.exc.DBAPIError as e:
        raise StoreError(f"cannot grant: {str(e.orig).strip().splitlines()[0]}") from e
    return statements
