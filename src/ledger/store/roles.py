"""Least privilege on PostgreSQL: officers append (through the ledger's definer functions, never
by INSERT or UPDATE), the projection writer keeps read models, auditors only read. The database
itself refuses anything else, and `grant` checks afterwards that each role has exactly that."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ledger.domain.errors import InvalidInput, StoreError
from ledger.store.personal import personal_name
from ledger.store.postgresql import append_functions, appenders_name

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
_MODEL_WRITES = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})


@dataclass(frozen=True)
class Granted:
    """What `grant` ran, and what each role holds afterwards (one line per role)."""

    statements: list[str]
    holdings: list[str]


def grant(engine: Engine, *, officer: str, auditor: str, writer: str | None,
          event_tables: Sequence[str], head_table: str, model_tables: Sequence[str],
          erasure: str | None = None) -> Granted:
    """Grant each role exactly what it needs on the ledger's tables and append functions, then
    check what each holds; refuse, granting nothing, if that is not exactly it. The erasure
    role alone may rewrite personal values (`ledger erase`): it also appends the erasure event
    and rebuilds the read model."""
    if engine.dialect.name != "postgresql":
        raise InvalidInput("roles and grants need PostgreSQL; a SQLite file has no users")
    q = engine.dialect.identifier_preparer.quote
    roles = [r for r in (officer, auditor, writer, erasure) if r]
    functions = [f for t in event_tables for f in append_functions(t)]
    try:
        with engine.begin() as conn:
            known = {r for (r,) in conn.execute(sa.text("SELECT rolname FROM pg_roles"))}
            for role in roles:
                if role not in known:
                    raise InvalidInput(f"role {role} does not exist (create it first, e.g. "
                                       f"CREATE ROLE {q(role)} LOGIN)")
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
            personal = [personal_name(t) for t in event_tables]
            tables = [*event_tables, *(appenders_name(t) for t in event_tables), *personal,
                      head_table, *model_tables]
            every = ", ".join(q(t) for t in tables)
            who = ", ".join(q(r) for r in roles)
            routines = ", ".join(functions)
            statements = [
                f"REVOKE ALL ON {every} FROM PUBLIC",
                f"REVOKE ALL ON {every} FROM {who}",
                f"REVOKE ALL ON FUNCTION {routines} FROM PUBLIC, {who}",
                f"GRANT USAGE ON SCHEMA {q(schema)} TO {who}",
                f"GRANT SELECT ON {every} TO {who}",
                f"GRANT EXECUTE ON FUNCTION {routines} TO {q(officer)}",
                # An append keeps its events' personal values beside them (`store.personal`).
                f"GRANT INSERT ON {', '.join(q(t) for t in personal)} TO {q(officer)}",
            ]
            for keeper in filter(None, (writer, erasure)):
                statements += [
                    f"GRANT INSERT, UPDATE, DELETE ON {', '.join(q(t) for t in model_tables)} "
                    f"TO {q(keeper)}",
                    f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q(schema)} TO {q(keeper)}",
                ]
            if erasure:
                statements += [
                    f"GRANT EXECUTE ON FUNCTION {routines} TO {q(erasure)}",
                    f"GRANT INSERT, UPDATE ON {', '.join(q(t) for t in personal)} TO {q(erasure)}",
                ]
            for statement in statements:
                conn.exec_driver_sql(statement)
            expected = {role: ({t: {"SELECT"} for t in tables}, set[str]()) for role in roles}
            expected[officer][1].update(functions)
            for t in personal:
                expected[officer][0][t] = {"SELECT", "INSERT"}
            for keeper in filter(None, (writer, erasure)):
                for t in model_tables:
                    expected[keeper][0][t] = set(_MODEL_WRITES)
            if erasure:
                expected[erasure][1].update(functions)
                for t in personal:
                    expected[erasure][0][t] = {"SELECT", "INSERT", "UPDATE"}
            holdings = _check(conn, schema, expected, functions)
    except sa.exc.DBAPIError as e:
        raise StoreError(f"cannot grant: {str(e.orig).strip().splitlines()[0]}") from e
    return Granted(statements, holdings)


def _check(conn: Connection, schema: str,
           expected: dict[str, tuple[dict[str, set[str]], set[str]]],
           functions: Sequence[str]) -> list[str]:
    """Each role's privileges as the database reports them; raise `StoreError` (rolling the
    grants back) at the first role holding more or less than `expected`."""
    quote = conn.dialect.identifier_preparer.quote
    holdings: list[str] = []
    for role, (on_tables, executes) in expected.items():
        held: dict[str, set[str]] = {}
        for table in on_tables:
            name = f"{quote(schema)}.{quote(table)}"
            held[table] = {p for p in TABLE_PRIVILEGES if conn.execute(
                sa.text("SELECT has_table_privilege(:r, :t, :p)"),
                {"r": role, "t": name, "p": p}).scalar_one()}
        runs = {f for f in functions if conn.execute(
            sa.text("SELECT has_function_privilege(:r, :f, 'EXECUTE')"),
            {"r": role, "f": f"{quote(schema)}.{f}"}).scalar_one()}
        for table, want in on_tables.items():
            if held[table] != want:
                raise StoreError(_differs(role, f"table {table}", held[table], want))
        if runs != executes:
            raise StoreError(_differs(role, "the append functions", runs, executes))
        writes = sorted(t for t in on_tables if held[t] - {"SELECT"})
        holdings.append(
            f"{role}: SELECT on {len(on_tables)} tables"
            + (f"; writes on {len(writes)} tables" if writes else "")
            + (f"; EXECUTE on {', '.join(f.split('(')[0] for f in sorted(runs))}" if runs else ""))
    return holdings


def _differs(role: str, what: str, held: set[str], want: set[str]) -> str:
    extra, lacking = sorted(held - want), sorted(want - held)
    told = "; ".join(filter(None, [
        f"still holds {', '.join(extra)}" if extra else "",
        f"lacks {', '.join(lacking)}" if lacking else ""]))
    return (f"nothing granted: after the grants, role {role} {told} on {what} (run `ledger db "
            "grant` as the ledger's owner, who created its tables)")
