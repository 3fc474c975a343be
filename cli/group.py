"""The root group: commands loaded only when run, and every error turned into one line.

`ledger --help` lists the commands from `COMMANDS` without importing them, so it costs little
more than importing click; a command's own module (and SQLAlchemy, pydantic, the application)
is imported when that command runs or shows its own help. A test checks each entry's words
against the command's docstring, so the listing cannot drift from the help.
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

import click

from ledger.domain.errors import LedgerError


class Entry(NamedTuple):
    """Where a command lives, and its one-line help for the listing."""

    module: str
    attribute: str
    help: str


COMMANDS: dict[str, Entry] = {
    "action": Entry("action", "command", "Actions: add them, move them not_started → "
                    "in_progress → completed, withdraw or supersede them, and more."),
    "assess": Entry("assess", "command", "Record the follow-up audit's finding on recommendation "
                    "or action REF, beside the officers' own statuses (it never changes them; "
                    "--reopen reopens the completed actions)."),
    "audit": Entry("audit", "command", "Audits and assessments that make recommendations."),
    "chart": Entry("chart", "command", "Draw the burn-up chart (actions completed, in progress "
                   "and not started over time, with the committee's meetings marked) from "
                   "--from to --to."),
    "correct": Entry("correct", "correct", "Correct the event at POSITION of the trail (see "
                     "ledger history / log): from now on it reads as if it had been recorded "
                     "with the new values."),
    "db": Entry("db", "command", "Database administration."),
    "demo": Entry("demo", "command", "Build a fresh demo ledger with Coventry City Council's "
                  "2016 story and print the committee's two meeting reports, computed from the "
                  "events alone."),
    "erase": Entry("erase", "command", "Put every personal value about SUBJECT beyond use: "
                   "where SUBJECT is the actor, an owner or who accepted a risk, and every note, "
                   "evidence, reason or resolution wording (kept apart from the chain) that "
                   "names SUBJECT."),
    "export": Entry("backup", "export", "Write every stored event in order, with its position "
                    "and hash, one JSON object per line (streamed), each with its personal values "
                    "beside the hashed payload."),
    "history": Entry("trail", "history", "Every event about REF: position, recorded time, "
                     "effective date, actor, what changed from → to, and the reason or "
                     "evidence."),
    "import": Entry("importer", "command", "Bring the ledger to an action plan spreadsheet: one "
                    "row per action, all or nothing."),
    "list": Entry("listing", "command", "List actions, recommendations, audits or meetings, as "
                  "at any date, filtered."),
    "log": Entry("trail", "log", "The trail across the whole ledger in recorded order, "
                 "streamed (a million events print without being loaded into memory)."),
    "meeting": Entry("meeting", "command", "Committee meetings and their reports."),
    "milestone": Entry("milestone", "command", "Milestones that actions can depend on."),
    "policy": Entry("targets", "policy", "The ledger's policy on target dates."),
    "projections": Entry("projections_cmd", "command", "The read models: where they stand, and "
                         "rebuilding them from the log."),
    "recommendation": Entry("recommendation", "command", "Recommendations made by audits."),
    "report": Entry("report", "command", "Reports for committees and auditors."),
    "requests": Entry("requests", "command", "Reports the committee asked for and has not yet "
                      "received: what, when asked, when due."),
    "resolution": Entry("resolution", "command", "Committee resolutions, including requests "
                        "for reports."),
    "restore": Entry("backup", "restore", "Load an export into an empty ledger, verifying the "
                     "hash chain line by line and the trailer that ends the file."),
    "retention": Entry("retention", "command", "Keep free-text personal data only so long "
                       "after an action closes."),
    "retract": Entry("correct", "retract", "Retract the event at POSITION: from now on it reads "
                     "as never recorded (it stays in the chain)."),
    "show": Entry("show", "command", "Show record REF (of any kind): its state now in words, "
                  "the actions of an audit or a recommendation, and every event about it."),
    "update-sheets": Entry("importer", "update_sheets_command", "Write one .xlsx per owner with "
                           "their open actions, for the owners' update round."),
    "verify": Entry("verify", "command", "Check that no stored event was changed, removed, "
                    "inserted or reordered."),
}
"""Every command of `ledger`, by name: its module under `ledger.cli`, the attribute holding
the click command there, and its help's first sentence."""


EXTENSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "report": (("followup", "command"), ("targets", "report_targets")),
    "action": (("targets", "approve_reschedule"),),
}
"""Subcommands that live in another module than their group's: (module, attribute) each."""


def _attribute(module: str, attribute: str) -> click.Command:
    command = getattr(importlib.import_module(f"ledger.cli.{module}"), attribute)
    assert isinstance(command, click.Command)
    return command


def load(name: str) -> click.Command:
    """Import the command `name` from its module (a group with its subcommands from others)."""
    entry = COMMANDS[name]
    command = _attribute(entry.module, entry.attribute)
    if isinstance(command, click.Group):
        for module, attribute in EXTENSIONS.get(name, ()):
            command.add_command(_attribute(module, attribute))
    return command


def load_frozen(name: str) -> click.Command:
    """`load`, with the cyclic garbage collector paused while the modules load, and what they
    made then frozen (`gc.freeze`): module objects live as long as the process, and a command
    line's process ends with its command. Unpaused, collections scan the hundred thousand new
    objects a write command's imports make several times over (about 25 ms of its start)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return load(name)
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


class LedgerGroup(click.Group):
    """The root group: lazy commands, and LedgerErrors and usage errors as one line on stderr."""

    own_process = False
    """Set when `main` runs for the process's own command line (not a test's `CliRunner`): then
    a command is loaded with `load_frozen`, never in a process that goes on to other work."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        loader = load_frozen if self.own_process else load
        command = self.commands[cmd_name] = loader(cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The listing, from `COMMANDS` (no command module is imported to write it)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [(n, self.commands[n].get_short_help_str(limit) if n in self.commands
                 else click.Command(n, help=COMMANDS[n].help).get_short_help_str(limit))
                for n in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as e:
            # The CLI's one mapping of domain errors to exit codes (cli.common.click_error).
            from ledger.cli.common import click_error

            raise click_error(str(e), e.exit_code) from None
        except KeyboardInterrupt:
            from ledger.cli.common import InterruptedCommand, Session

            session = ctx.obj if isinstance(ctx.obj, Session) else None
            raise InterruptedCommand(session.interrupted() if session is not None
                                     else "interrupted: nothing was recorded") from None

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        self.own_process = args is None and standalone_mode  # its own command line: load_frozen
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as e:
            where = e.ctx.command_path + ": " if e.ctx else ""
            click.echo(f"Error: {where}{_one_line(e.format_message())} "
                       f"(see --help)", err=True)
            sys.exit(2)
        except click.ClickException as e:
            click.echo(f"Error: {_one_line(e.format_message())}", err=True)
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        except OSError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


def _one_line(text: str) -> str:
    return " ".join(text.split())
