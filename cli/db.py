"""`ledger db`: database administration (PostgreSQL roles)."""

from __future__ import annotations

import click

from ledger.application.roles import grant_roles
from ledger.cli.common import Session, pass_session


@click.group("db")
def command() -> None:
    """Database administration.

    \b
    Example:
      ledger --db postgresql+psycopg://admin@host/ledger db grant --officer officers --auditor auditors
    """


@command.command("grant")
@click.option("--officer", required=True, metavar="ROLE",
              help="May read, and append events through the ledger's append function.")
@click.option("--auditor", required=True, metavar="ROLE", help="May only read.")
@click.option("--projection-writer", "writer", metavar="ROLE",
              help="May also write the read models (reports from other roles fall back to the "
                   "log when the read model is behind).")
@click.option("--erasure", metavar="ROLE",
              help="May also erase personal data (ledger erase, retention apply): rewrite the "
                   "personal values kept beside the log and rebuild the read models.")
@pass_session
def grant_command(session: Session, officer: str, auditor: str, writer: str | None,
                  erasure: str | None) -> None:
    """Set up least-privilege grants on PostgreSQL: officers append through the ledger's
    append function (never insert, update or delete), the projection writer keeps the read
    models, the erasure role alone may erase personal data, auditors only read. Checks what
    each role then holds; refuses if not exactly that.

    \b
    Example:
      ledger --db postgresql+psycopg://admin@127.0.0.1/test db grant \\
        --officer ig_officer --auditor ico_auditor --projection-writer ledger_projector
    """
    granted = grant_roles(session.ledger(write=True), officer=officer, auditor=auditor,
                          writer=writer, erasure=erasure)
    for statement in granted.statements:
        click.echo(statement)
    for holding in granted.holdings:
        click.echo(f"granted {holding}")
