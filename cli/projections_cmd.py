"""`ledger projections`: the SQL read models the reports read."""

from __future__ import annotations

import json
import sys

import click

from ledger.cli.common import Session, format_option, pass_session, progress_bar
from ledger.projections.readmodel import ReadModel


@click.group("projections")
def command() -> None:
    """The read models: where they stand, and rebuilding them from the log.

    \b
    Example:
      ledger projections status
    """


@command.command("status")
@format_option("text", "json")
@pass_session
def status(session: Session, fmt: str) -> None:
    """The read model's position in the log and how far it lags (reports catch it up first).

    \b
    Example:
      ledger projections status --format json
    """
    app = session.ledger(write=False)
    model = ReadModel(app)
    model.create()
    state = model.status()
    if fmt == "json":
        click.echo(json.dumps({"position": state.position, "head": state.head, "lag": state.lag}))
    else:
        click.echo(f"read model at position {state.position} of {state.head} "
                   f"({state.lag} behind)")


@command.command("rebuild")
@pass_session
def rebuild(session: Session) -> None:
    """Drop the read models and replay the whole log into them (a progress bar on a terminal).

    \b
    Example:
      ledger projections rebuild
    """
    app = session.ledger(write=False)
    model = ReadModel(app)
    if sys.stderr.isatty():
        with progress_bar("rebuilding", app.fingerprint().position) as advance:
            done = model.rebuild(progress=advance)
    else:
        done = model.rebuild()
    click.echo(f"rebuilt the read model from {done} events; at position {model.status().position}")
