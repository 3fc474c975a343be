"""`ledger demo`: the seed's story, recorded and reported from its events."""

from __future__ import annotations

import shlex

import click

from ledger.application.demo import run_demo
from ledger.cli.common import Session, db_url, pass_session


@click.command("demo")
@click.option("--db", "db", metavar="URL",
              help="Where to build the demo ledger (a SQLite path or a URL); default demo.db, "
                   "or the global --db when one is given.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="How to print the two meeting reports.")
@pass_session
def command(session: Session, db: str | None, fmt: str) -> None:
    """Build a fresh demo ledger with Coventry City Council's 2016 story and print the
    committee's two meeting reports, computed from the events alone.

    Refuses to overwrite a ledger that is not a demo ledger.

    \b
    Examples:
      ledger demo
      ledger demo --db /tmp/demo.db --format markdown
    """
    parent = click.get_current_context().parent
    global_db = parent is not None and (
        parent.get_parameter_source("db") is click.core.ParameterSource.COMMANDLINE)
    if db is None:
        db = str(parent.params["db"]) if global_db and parent is not None else "demo.db"
    session.watch(db_url(db))
    head = run_demo(db_url(db), name=db, fmt=fmt, say=click.echo)
    click.echo(f"\nFingerprint {head}. Check it any time with:\n"
               f"  ledger --db {shlex.quote(db)} verify --expect {head}")
