"""`ledger export` and `ledger restore`: the backup story, verified end to end."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import sqlite3
import sys
from typing import TextIO

import click
import sqlalchemy as sa

from ledger.application import Ledger
from ledger.cli.common import BadValueError, RefusedError, Session, click_error, db_url, pass_session
from ledger.cli.output import OUTPUT, output_file
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import LedgerError
from ledger.store import sqlite_path


@click.command("export")
@click.argument("file", type=OUTPUT, metavar="FILE.jsonl")
@pass_session
def export(session: Session, file: str) -> None:
    """Write every stored event in order, with its position and hash, one JSON object per line
    (streamed). FILE '-' writes to stdout. The file is readable by its owner only, written
    whole or not at all, and may not be the ledger's own database.

    \b
    Example:
      ledger export backup-2016-11-03.jsonl
    """
    app = session.ledger(write=False)
    if file == "-":
        head = app.export(sys.stdout)
    else:
        with output_file(file, session.url, private=True) as out:
            head = app.export(out)
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
    try:
        fh = open(file, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as e:
        raise RefusedError(f"cannot read {file}: {e.strerror}") from None
    try:
        with fh:
            path = sqlite_path(url)
            head = None
            if path is not None and not os.path.exists(path):
                head = _restore_new_file(path, url, fh)
                if head is None:  # the target appeared meanwhile: read the file again
                    if not fh.seekable():  # a pipe
                        raise RefusedError(f"{path} was created by another process during the "
                                           "restore; nothing was restored")
                    fh.seek(0)
            if head is None:  # an existing database, or another backend: in place, all or nothing
                with Ledger(url) as app:
                    head = app.restore(fh)
    except (LedgerError, UnicodeDecodeError) as e:
        if isinstance(e, UnicodeDecodeError):
            raise BadValueError(f"{file} is not UTF-8 text") from None
        raise click_error(f"{file}: {e}; nothing was restored",
                          getattr(e, "exit_code", 1)) from None
    click.echo(f"restored {head.position} events into {url}; chain verified; fingerprint {head}")


def _restore_new_file(path: str, url: str, source: TextIO) -> Fingerprint | None:
    """Restore into the SQLite file `path` (of `url`), which did not exist: into a private
    temporary file beside it, linked into place only once complete. None if the target appeared
    meanwhile (or links are not possible here): the caller restores in place instead.

    No database file another process may know of is ever deleted: the temporary file's name is
    random and used by this process alone, and a link never replaces an existing file.
    """
    folder, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(8)}.restoring")
    try:
        with Ledger(sa.make_url(url).set(database=temporary).render_as_string(
                hide_password=False)) as app:
            head = app.restore(source)
        _fold_log(temporary)
        os.link(temporary, path)
    except FileExistsError:  # another process created the target meanwhile
        return None
    except OSError as e:
        if e.errno in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            return None  # no hard links on this file system
        raise RefusedError(f"cannot create {path}: {e.strerror}") from None
    finally:
        for suffix in ("-wal", "-shm", "-journal", ""):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary + suffix)
    return head


def _fold_log(path: str) -> None:
    """Move everything in the write-ahead log into the database file itself and drop the log,
    so the file alone is the whole ledger (the next connection turns WAL on again)."""
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise RefusedError(f"could not complete {path}: {e}") from None
    if mode != "delete" or os.path.exists(path + "-wal"):
        raise RefusedError(f"could not complete {path}: its write-ahead log is still in use")


commands = [export, restore]
