"""What every command shares: the ledger handle, the actor, date types, output and errors."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ledger.application import DEFAULT_URL, Ledger
from ledger.domain.chain import EMPTY, Fingerprint
from ledger.domain.dates import FORMS, parse_day
from ledger.domain.errors import LedgerError
from ledger.domain.events import check_day, check_ref
from ledger.domain.values import Logged
from ledger.projections.describe import summary
from ledger.projections.replay import end_of_day

if TYPE_CHECKING:
    from ledger.projections.report import Source

# rich and the reporting use case (read model, renderers) are imported where they are used:
# a write command needs neither, and an officer waits for every import (bench/cli.py).

F = TypeVar("F", bound=Callable[..., Any])


class RefusedError(click.ClickException):
    """A refused command or a failure: exit 1."""

    exit_code = 1


class BadValueError(click.ClickException):
    """A bad value or bad usage: exit 2."""

    exit_code = 2


class InterruptedCommand(click.ClickException):
    """Ctrl-C: exit 130, saying whether anything was recorded."""

    exit_code = 130


def click_error(message: str, exit_code: int) -> click.ClickException:
    """The click exception for a message and the exit code it deserves (1 or 2)."""
    return BadValueError(message) if exit_code == 2 else RefusedError(message)


def db_url(value: str) -> str:
    """A SQLAlchemy URL; a bare path means a SQLite file."""
    return value if "://" in value else f"sqlite:///{value}"


class _CountingLedger(Ledger):
    """The ledger as a command opens it: it notes the position of every event it commits, so
    an interrupted command can say truthfully what it recorded."""

    def __init__(self, url: str, *, create: bool, committed: list[int]) -> None:
        self.committed = committed
        super().__init__(url, create=create)

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        self.committed.extend(r.notification.id for r in recordings)


@dataclass
class Session:
    """Per-invocation state: where the ledger is, who is acting, the open application, and
    what it has committed (positions) since the command began."""

    url: str = DEFAULT_URL
    actor: str | None = None
    apps: list[Ledger] = field(default_factory=list)
    committed: list[int] = field(default_factory=list)
    start: Fingerprint | None = None
    """The ledger's head when the command first opened it to write."""
    watched: str | None = None
    """A ledger the command writes other than through `ledger(write=True)`."""

    def ledger(self, *, write: bool) -> Ledger:
        """Open the ledger; reads refuse a missing SQLite file rather than create one.

        A write creates the ledger first; if the command is then refused, the empty ledger stays:
        a database file is never deleted, since other processes may have written to it meanwhile.
        """
        app = _CountingLedger(self.url, create=write, committed=self.committed)
        self.apps.append(app)
        if write and self.start is None:
            self.start = app.fingerprint()
        return app

    def who(self) -> str:
        """The actor for a write, or a usage error saying how to give one."""
        if not self.actor or not self.actor.strip():
            raise BadValueError(
                "who is recording this? give --actor NAME or set LEDGER_ACTOR")
        return self.actor

    def close(self) -> None:
        """Close every application opened."""
        for app in self.apps:
            app.close()
        self.apps.clear()

    def watch(self, url: str) -> None:
        """Note the head of the ledger at `url`, which this command writes other than through
        `ledger(write=True)` (demo, restore), so an interruption can be reported truthfully."""
        self.watched = url
        self.start = _head(url)

    def interrupted(self) -> str:
        """What an interrupted command says: whether it recorded anything, truthfully."""
        if self.committed:
            first, last = min(self.committed), max(self.committed)
            return (f"interrupted after {len(self.committed):,} events were recorded and "
                    f"committed (positions {first:,} to {last:,}; see ledger log)")
        if self.start is None:
            return "interrupted: nothing was recorded"
        now = _head(self.watched or self.url)
        if now == self.start:
            return "interrupted: nothing was recorded"
        return (f"interrupted: the ledger's head moved from position {self.start.position:,} "
                f"to {now.position:,} while this command ran (events it recorded, or another "
                "writer's; see ledger log)")


def _head(url: str) -> Fingerprint:
    """The head of the ledger at `url` now (the empty fingerprint if there is none)."""
    try:
        with Ledger(url, create=False) as app:
            return app.fingerprint()
    except LedgerError:
        return EMPTY


pass_session = click.make_pass_decorator(Session)


class IsoDate(click.ParamType):  # type: ignore[type-arg]
    """A calendar day in any form `ledger.domain.dates` accepts (the importer's too):
    2016-07-25, 25/07/2016 or 25 July 2016."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            return parse_day(text)
        except ValueError as e:
            self.fail(f"{text!r}: {e}", param, ctx)


class IsoDateTime(click.ParamType):  # type: ignore[type-arg]
    """An ISO 8601 time, or a day in any DATE form meaning the end of that day, UTC; a time
    without an offset is UTC."""

    name = "DATETIME"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        if text.lower() == "now":
            return datetime.now(UTC)
        if ":" not in text:  # a day, in any DATE form
            try:
                return end_of_day(parse_day(text))
            except ValueError as e:
                self.fail(f"{text!r}: {e}, or an ISO 8601 time (2016-07-25T17:00, "
                          "2016-07-25T17:00:00Z or with an offset)", param, ctx)
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[ -~]+", text):
                raise ValueError
            t = datetime.fromisoformat(text)
            t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
        except (ValueError, OverflowError):
            self.fail(
                f"{text!r} is not an ISO 8601 time (2016-07-25, 2016-07-25T17:00, "
                "2016-07-25T17:00:00Z or with an offset)", param, ctx)
        try:
            check_day(t.date())
        except ValueError as e:
            self.fail(str(e), param, ctx)
        return t


class Number(click.ParamType):  # type: ignore[type-arg]
    """A whole number written in ASCII digits, within [low, high] (int() also takes '٣')."""

    name = "NUMBER"

    def __init__(self, low: int = 1, high: int | None = None) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            if not re.fullmatch(r"[0-9]{1,9}", text):
                self.fail(f"{text!r} is not a whole number written in digits 0-9", param, ctx)
            number = int(text)
        if number < self.low or (self.high is not None and number > self.high):
            top = f" to {self.high}" if self.high is not None else " or more"
            self.fail(f"{number} is not in the range {self.low}{top}", param, ctx)
        return number


class RefType(click.ParamType):  # type: ignore[type-arg]
    """A record's ref, checked for shape before anything is looked up."""

    name = "REF"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return check_ref(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


DATE = IsoDate()
REF = RefType()
DATETIME = IsoDateTime()


def on_option(f: F) -> F:
    """--on DATE: the effective date (when it happened)."""
    return click.option("--on", "on", type=DATE, required=True,
                        help=f"When it happened (effective date): {FORMS}.")(f)


def format_option(*choices: str) -> Callable[[F], F]:
    """--format, text by default."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")


def echo_recorded(logged: Sequence[Logged], app: Ledger, *, err: bool = False) -> None:
    """Print what a write recorded, then the ledger's new fingerprint."""
    for item in logged:
        e = item.event
        click.echo(f"recorded #{item.position} {e.ref}: {summary(e)} "
                   f"(effective {e.effective}, by {e.actor})", err=err)
    click.echo(f"fingerprint {app.fingerprint()}", err=err)


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (gone when done), yielding a callback told how many are done."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def catch_up_bar(total: int) -> AbstractContextManager[Callable[[int], None]]:
    """A progress bar for catching the read model up with `total` events."""
    return progress_bar("catching up the read model", total)


def _warn(message: str) -> None:
    click.echo(message, err=True)


def report_source(app: Ledger) -> Source:
    """Where reports come from (`ledger.application.reporting.report_source`), with a progress
    bar on a terminal and notes on stderr."""
    from ledger.application import reporting

    return reporting.report_source(app, warn=_warn,
                                   progress=catch_up_bar if sys.stderr.isatty() else None)
