"""Where a command's output goes: stdout, or a file named by -o (text, HTML, xlsx, charts) or by
`export`, written by one safe writer (`output_file`).

A file output is never the ledger's own database (nor its -wal, -shm or -journal file), never
written through a symbolic link and never a device or folder; it is written to a temporary file
in the same folder, flushed to disk and renamed over the target, so a failure half-way leaves the
earlier file as it was. matplotlib and openpyxl are imported only when a chart or a workbook is
made, so the rest of the command line starts without them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Literal, TextIO, overload

import click

from ledger.cli.common import BadValueError, RefusedError, Session, echo_recorded
from ledger.store import sqlite_path

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.projections.report import Report

# The use cases that present and chart reports (the read model, the renderers, rich) are imported
# where they are used: `action approve-reschedule` loads this module, and a write needs none.

LEDGER_SUFFIXES = ("", "-wal", "-shm", "-journal")
"""The files SQLite keeps for a database: none of them may be an output."""

PRIVATE = 0o600
"""The mode of an export: the whole ledger, readable by its owner only."""


def unsafe_output(path: str, ledger_url: str | None) -> str | None:
    """Why `path` must not be written as an output, in one line naming it, or None if it may."""
    if os.path.islink(path):
        return f"{path} is a symbolic link; name the file itself"
    database = sqlite_path(ledger_url) if ledger_url else None
    if database is not None:
        target = os.path.realpath(path)
        for suffix in LEDGER_SUFFIXES:
            own = database + suffix
            if target == os.path.realpath(own) or _same_file(path, own):
                what = "database" if not suffix else f"database's {suffix} file"
                return f"{path} is this ledger's {what}; write the output to another file"
    if os.path.lexists(path) and not os.path.isfile(path):
        return f"{path} is not a regular file"
    return None


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # either does not exist
        return False


def refuse_unsafe(path: str, ledger_url: str | None) -> None:
    """Raise a bad-value error (exit 2) if `path` may not be written as an output."""
    why = unsafe_output(path, ledger_url)
    if why is not None:
        raise BadValueError(why)


class OutputPath(click.ParamType):  # type: ignore[type-arg]
    """A file to write output to, refused while parsing (before any work or any write) if it is
    the ledger's own database, a symbolic link or not a regular file. '-' passes (stdout)."""

    name = "FILE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        session = ctx.find_object(Session) if ctx is not None else None
        why = None if text == "-" else unsafe_output(text, session.url if session else None)
        if why is not None:
            self.fail(why, param, ctx)
        return text


OUTPUT = OutputPath()


@overload
def output_file(path: str, ledger_url: str | None, *, binary: Literal[False] = ...,
                private: bool = ...) -> contextlib.AbstractContextManager[TextIO]: ...
@overload
def output_file(path: str, ledger_url: str | None, *, binary: Literal[True],
                private: bool = ...) -> contextlib.AbstractContextManager[BinaryIO]: ...
def output_file(path: str, ledger_url: str | None, *, binary: bool = False,
                private: bool = False) -> contextlib.AbstractContextManager[IO[Any]]:
    """Write `path` atomically: yields a temporary file in the same folder, renamed over `path`
    once the block ends and the data is on disk; any failure removes it and leaves `path` alone.

    `private` files are created readable by the owner only; others follow the umask.
    """
    return _atomic(path, ledger_url, binary=binary, private=private)


@contextlib.contextmanager
def _atomic(path: str, ledger_url: str | None, *, binary: bool,
            private: bool) -> Iterator[IO[Any]]:
    refuse_unsafe(path, ledger_url)
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                     PRIVATE if private else 0o666)
    except OSError as e:
        raise RefusedError(f"cannot write {path}: {e.strerror}") from None
    try:
        with (os.fdopen(fd, "wb") if binary
              else os.fdopen(fd, "w", encoding="utf-8", newline="")) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        refuse_unsafe(path, ledger_url)  # again, just before replacing: it may have changed
        os.replace(temporary, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(e, OSError):
            raise RefusedError(f"cannot write {path}: {e.strerror or e}") from None
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename durable (where the platform allows opening a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_output(text: str, output: str | None, ledger_url: str | None) -> None:
    """Write to a file when -o is given (safely, `output_file`), else to stdout."""
    if output is None or output == "-":
        click.echo(text, nl=not text.endswith("\n"))
        return
    with output_file(output, ledger_url) as fh:
        fh.write(text)
    click.echo(f"wrote {output}", err=True)


def write_bytes(data: bytes, output: str, ledger_url: str | None) -> None:
    """Write a binary file safely (`output_file`), saying so on stderr."""
    with output_file(output, ledger_url, binary=True) as fh:
        fh.write(data)
    click.echo(f"wrote {output}", err=True)


def write_html(app: Ledger, report: Report, output: str | None) -> None:
    """Render `report` as one self-contained HTML file with its burn-up; needs -o FILE."""
    deliver(app, report, "html", output)


def write_xlsx(app: Ledger, report: Report, output: str | None) -> None:
    """Write the as-at action list as .xlsx; needs -o FILE."""
    if output is None:
        raise BadValueError("--format xlsx writes a file: give -o FILE.xlsx")
    from ledger.projections.render.xlsx import xlsx_bytes

    write_bytes(xlsx_bytes(report), output, app.url)


def deliver(app: Ledger, report: Report, fmt: str, output: str | None, *,
            present_to: str | None = None, actor: str | None = None,
            fulfils: str | None = None) -> None:
    """Render `report` to stdout or -o FILE; with `present_to` (and `actor`), first record it as
    presented to that meeting, saying what was recorded on stderr. The HTML paper (with its
    burn-up) needs -o FILE."""
    if fmt == "html" and output is None:
        raise BadValueError("--format html writes a file: give -o FILE.html")
    if present_to is not None and actor is not None:
        from ledger.application.presenting import present

        paper = present(app, present_to, report, fmt, actor=actor, fulfils=fulfils)
        echo_recorded(paper.recorded, app, err=True)
        text = paper.text
    else:
        from ledger.projections.papers import render_paper

        text = render_paper(app.stream, report, fmt)
    write_output(text, output, app.url)
