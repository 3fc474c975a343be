"""`ledger verify`: recompute the hash chain from the stored rows."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ledger.cli.common import BadValueError, Session, format_option, pass_session
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import ChainBroken


@click.command("verify")
@click.option("--expect", metavar="POSITION:HASH",
              help="A fingerprint published earlier that must still be part of the chain.")
@format_option("text", "json")
@pass_session
def command(session: Session, expect: str | None, fmt: str) -> None:
    """Check that no stored event was changed, removed, inserted or reordered.

    Prints OK and the fingerprint (last position and head hash), or the first bad position
    and exits 1.

    \b
    Examples:
      ledger verify
      ledger verify --expect 137:3f5a...e9 --format json
    """
    try:
        expected = Fingerprint.parse(expect) if expect else None
    except ValueError as e:
        raise BadValueError(f"--expect: {e}") from None
    app = session.ledger(write=False)
    try:
        if sys.stderr.isatty():
            total = app.fingerprint().position
            with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(),
                          TimeRemainingColumn(), console=Console(stderr=True),
                          transient=True) as bar:
                task = bar.add_task("verify", total=total)
                head = app.verify(expect=expected,
                                  progress=lambda n: bar.update(task, completed=n)
                                  if n % 1000 == 0 else None)
        else:
            head = app.verify(expect=expected)
    except ChainBroken as e:
        if fmt == "json":
            click.echo(json.dumps({"ok": False, "position": e.position, "error": str(e)}))
            click.echo(f"Error: {e}", err=True)
            click.get_current_context().exit(1)
        raise
    if fmt == "json":
        click.echo(json.dumps({"ok": True, "fingerprint": head.as_dict(),
                               "events": head.position}))
    else:
        click.echo(f"OK: {head.position} events, chain intact; fingerprint {head}")
