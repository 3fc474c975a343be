"""`ledger export` and `ledger restore`: the backup story, verified end to end."""

from __future__ import annotations

import sys

import click

from ledger.application import backup
from ledger.cli.common import BadValueError, RefusedError, Session, click_error, db_url, pass_session
from ledger.cli.output import OUTPUT, output_file
from ledger.domain.errors import LedgerError


@click.command("export")
@click.argument("file", type=OUTPUT, metavar="FILE.jsonl")
@click.option("--no-personal", is_flag=True,
              help="Leave the personal values out: the file restores to a ledger whose "
                   "personal data is beyond use (the chain and fingerprint are the same).")
@pass_session
def export(session: Session, file: str, no_personal: bool) -> None:
    """Write every stored event in order, with its position and hash, one JSON object per line
    (streamed), each with its personal values beside the hashed payload. FILE '-' writes to
    stdout. The file is readable by its owner only, written whole or not at all, and may not be
    the ledger's own database.

    \b
    Example:
      ledger export backup-2016-11-03.jsonl
    """
    app = session.ledger(write=False)
    if file == "-":
        head = app.export(sys.stdout, personal=not no_personal)
    else:
        with output_file(file, session.url, private=True) as out:
            head = app.export(out, personal=not no_personal)
    click.echo(f"exported {head.position} events; fingerprint {head}", err=True)


@click.command("restore")
@click.argument("file", metavar="FILE.jsonl")
@click.option("--db", "target", metavar="URL",
              help="The empty ledger to restore into (default: the global --db).")
@pass_session
def restore(session: Session, file: str, target: str | None) -> None:
    """Load an export into an empty ledger, verifying the hash chain line by line and the
    trailer that ends the file. A broken, cut or altered file (recorded times going back, a line
    over 16 MiB) or a non-empty target is refused, naming the line, and nothing is written. A new
    SQLite file appears only once complete; a database file is never deleted.

    \b
    Example:
      ledger restore backup-2016-11-03.jsonl --db restored.db
      ledger --db restored.db verify --expect 256:c225f4...
    """
    url = db_url(target) if target else session.url
    session.watch(url)
    try:
        fh = open(file, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as e:
        raise RefusedError(f"cannot read {file}: {e.strerror}") from None
    try:
        with fh:
            head = backup.restore(url, fh)
    except UnicodeDecodeError:
        raise BadValueError(f"{file} is not UTF-8 text") from None
    except LedgerError as e:
        raise click_error(f"{file}: {e}; nothing was restored", e.exit_code) from None
    click.echo(f"restored {head.position} events into {url}; chain verified; fingerprint {head}")


commands = [export, restore]
