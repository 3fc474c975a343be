"""Restoring an export: into an existing (empty) ledger in place, or into a new SQLite file that
appears only once complete. No database file another process may know of is ever deleted."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import sqlite3
from typing import TextIO

import sqlalchemy as sa

from ledger.application.ledger import Ledger
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import RuleViolation, StoreError
from ledger.store import sqlite_path


def restore(url: str, source: TextIO) -> Fingerprint:
    """Load the export read from `source` into the ledger at `url`, all or nothing; a new SQLite
    target is built beside it and linked into place only when complete."""
    path = sqlite_path(url)
    if path is not None and not os.path.exists(path):
        head = _restore_new_file(path, url, source)
        if head is not None:
            return head
        if not source.seekable():  # a pipe: it cannot be read again
            raise RuleViolation(f"{path} was created by another process during the restore")
        source.seek(0)  # the target appeared meanwhile: restore into it, in place
    with Ledger(url) as app:
        return app.restore(source)


def _restore_new_file(path: str, url: str, source: TextIO) -> Fingerprint | None:
    """Restore into the SQLite file `path`, which did not exist, through a private temporary
    file beside it; None if the target appeared meanwhile (or links are not possible here)."""
    folder, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(8)}.restoring")
    try:
        with Ledger(sa.make_url(url).set(database=temporary).render_as_string(
                hide_password=False)) as app:
            head = app.restore(source)
        _fold_log(temporary)
        os.link(temporary, path)  # a link never replaces an existing file
    except FileExistsError:  # another process created the target meanwhile
        return None
    except OSError as e:
        if e.errno in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            return None  # no hard links on this file system
        raise StoreError(f"cannot create {path}: {e.strerror}") from None
    finally:
        # The temporary file's name is random and known to this process alone.
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
        raise StoreError(f"could not complete {path}: {e}") from None
    if mode != "delete" or os.path.exists(path + "-wal"):
        raise StoreError(f"could not complete {path}: its write-ahead log is still in use")
