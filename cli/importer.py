"""`ledger import`: bring the ledger to an action plan spreadsheet, all or nothing.

The command reads the file and shows progress; the use case is `ledger.application.importing`.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ledger.application.importing import ImportOptions, import_plan
from ledger.application.plan_file import COLUMNS, Plan, PlanFileError
from ledger.application.plan_headings import KNOWN, HeadingRules
from ledger.application.plan_profile import Profile, read_profile
from ledger.application.plan_reading import load_plan
from ledger.application.plan_words import parse_status_map
from ledger.application.reporting import bring_read_model_along
from ledger.application.update_sheets import update_sheets
from ledger.cli.common import (
    DATE,
    BadValueError,
    RefusedError,
    Session,
    catch_up_bar,
    echo_recorded,
    pass_session,
    report_source,
)
from ledger.cli.output import write_bytes
from ledger.domain import events as ev
from ledger.domain.values import LOCAL_TZ
from ledger.projections.describe import summary
from ledger.projections.report import build_report

PROGRESS_ROWS = 300
"""Files with more data rows than this get a progress bar (on a terminal)."""


def _columns_help() -> str:
    lines = ["\b", "Fields (a heading names one by its words, or its leading words; --map "
             "names any other; every other column is kept as a note):"]
    lines += [f"  {c.name}: {c.meaning} (headings: {', '.join(KNOWN[c.key][:6])})"
              for c in COLUMNS if c.key in KNOWN]
    return "\n".join(lines)


@click.command("import", epilog=_columns_help())
@click.argument("path", metavar="PLAN.xlsx|PLAN.csv")
@click.option("--audit", metavar="REF", help="The audit every row belongs to (it must exist), "
              "unless the file has an Audit column.")
@click.option("--sheet", metavar="NAME", help="The worksheet to read (default: the first).")
@click.option("--on", "on", type=DATE, help="Effective date of what the rows add, and of changes "
              "on rows without a status date (default: the status date, else today).")
@click.option("--dry-run", is_flag=True, help="Print the mapping, every reading made and the "
              "events it would record; record none.")
@click.option("--map", "maps", multiple=True, metavar="\"HEADING=FIELD\"",
              help="The field a column holds, by its heading (repeatable); FIELD 'note' keeps "
              "it as a note, 'ignore' leaves it out.")
@click.option("--ignore", "ignores", multiple=True, metavar="HEADING",
              help="Leave this column out (repeatable); every other column is used or kept.")
@click.option("--status-map", "status_maps", multiple=True, metavar="WORD=STATUS",
              help="What a status or delivered word means: not_started, in_progress or "
              "completed (repeatable).")
@click.option("--ref-prefix", metavar="TEXT",
              help="Put TEXT before every ref the file gives or that is generated.")
@click.option("--priority", type=click.Choice([p.value for p in ev.Priority]),
              help="The priority of recommendations the plan gives none for.")
@click.option("--status-as-at", type=DATE, help="The day the file's statuses describe: the "
              "effective date of status changes on rows without a status date (default: --on).")
@click.option("--profile", "profile_path", metavar="FILE.toml", help="Maps and options saved "
              "for this plan (audit, sheet, ref_prefix, priority, ignore, [map], [status_map]); "
              "the command line adds to them and wins.")
@click.option("--show-mapping", is_flag=True, help="Print which column went to which field "
              "and every reading made (dates, words, refs) before importing.")
@pass_session
def command(session: Session, path: str, audit: str | None, sheet: str | None,
            on: date | None, dry_run: bool, maps: tuple[str, ...], ignores: tuple[str, ...],
            status_maps: tuple[str, ...], ref_prefix: str | None, priority: str | None,
            status_as_at: date | None, profile_path: str | None, show_mapping: bool) -> None:
    """Bring the ledger to an action plan spreadsheet: one row per action, all or nothing.

    Adds the recommendations and actions the ledger lacks; records a changed status, owner or
    target date as its own event (reason "imported from FILE"); importing the same file again
    records nothing. Every error in the file is listed (sheet!cell, column, value, why), and
    then nothing is recorded.

    \b
    Examples:
      ledger --actor "J Smith" import plan.xlsx --audit IA-2016 --dry-run
      ledger --actor "J Smith" import plan.csv --audit IA-2016 --on 2016-07-01
    """
    actor = session.who()
    try:
        saved = read_profile(profile_path) if profile_path else Profile()
        audit, sheet = audit or saved.audit, sheet or saved.sheet
        ref_prefix = ref_prefix or saved.ref_prefix or ""
        rules = HeadingRules.parse([*saved.maps, *maps], [*saved.ignore, *ignores])
        options = _options(saved, status_maps, priority, status_as_at, ref_prefix)
    except ValueError as e:
        raise BadValueError(str(e)) from None
    try:
        plan = load_plan(path, sheet, rules, ref_prefix)
    except PlanFileError as e:
        _refuse(e.problems, os.path.basename(path))
    app = session.ledger(write=not dry_run)
    console = Console(stderr=True)
    show = len(plan.rows) > PROGRESS_ROWS and console.is_terminal
    with Progress(TextColumn("importing {task.description}", markup=False), BarColumn(),
                  MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=not show) as progress:
        task = progress.add_task(plan.name, total=2 * len(plan.rows))
        outcome = import_plan(app, plan, actor=actor, audit=audit, on=on, dry_run=dry_run,
                              tick=lambda: progress.advance(task), options=options)
    if show_mapping or dry_run:
        _show_mapping(plan, outcome.readings)
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    if outcome.errors:
        _refuse(outcome.errors, plan.name)
    if dry_run:
        for item in outcome.recorded:
            event = item.event
            click.echo(f"would record {event.ref}: {summary(event)} (effective "
                       f"{event.effective}, by {event.actor})")
        click.echo(f"dry run: {len(outcome.recorded)} events from {plan.name} "
                   f"({len(plan.rows)} rows); nothing recorded")
        return
    if not outcome.recorded:
        click.echo(f"nothing to record: the ledger already matches {plan.name} "
                   f"({len(plan.rows)} rows)")
    echo_recorded(outcome.recorded, app)
    # Right after the commit: the read model takes the import in now, so the next report
    # does not (a role that may not write it leaves it to the next report, which says why).
    bring_read_model_along(app, catch_up_bar if console.is_terminal else None)


def _show_mapping(plan: Plan, readings: list[str]) -> None:
    """Which column went to which field, then every reading the import made."""
    click.echo(f"{plan.name}: header at row {plan.header_row} of {plan.sheet}")
    for line in plan.mapping:
        click.echo(f"  column {line}")
    for line in [*plan.interpretations, *readings]:
        click.echo(f"  read {line}")


def _options(saved: Profile, status_maps: tuple[str, ...], priority: str | None,
             status_as_at: date | None, ref_prefix: str) -> ImportOptions:
    """The import's options: the command line's, added to the profile's (ValueError if bad)."""
    priority = priority or saved.priority
    if priority is not None and priority not in {p.value for p in ev.Priority}:
        raise ValueError(f"priority {priority!r} is not one of "
                         + ", ".join(p.value for p in ev.Priority))
    if ref_prefix:
        ev.check_ref(ref_prefix + "1")
    return ImportOptions(parse_status_map([*saved.status_maps, *status_maps]),
                         ev.Priority(priority) if priority else None, status_as_at)


def _refuse(errors: list[str], name: str) -> NoReturn:
    if len(errors) == 1:
        raise RefusedError(f"{errors[0]}; nothing recorded")
    for line in errors:
        click.echo(line, err=True)
    raise RefusedError(f"{name}: {len(errors)} errors (listed above); nothing recorded")


@click.command("update-sheets")
@click.argument("directory", metavar="DIR")
@click.option("--owner", metavar="NAME", help="Only this owner's sheet.")
@click.option("--as-at", "as_at", type=DATE, help="The day the sheets show (default: today).")
@pass_session
def update_sheets_command(session: Session, directory: str, owner: str | None,
                          as_at: date | None) -> None:
    """Write one .xlsx per owner with their open actions, for the owners' update round.

    Each sheet has the action's audit, recommendation, words, target date and status, empty
    Status date and Note columns to fill in, and (hidden) the action's ledger version. Import a
    returned sheet with `ledger import SHEET.xlsx`: only what the owner changed is recorded, and
    a row whose action changed in the ledger since the sheet was written is refused.

    \b
    Examples:
      ledger update-sheets sheets/
      ledger update-sheets sheets/ --owner "Head of ICT"
    """
    app = session.ledger(write=False)
    day = as_at or datetime.now(LOCAL_TZ).date()
    report = build_report(report_source(app), day, as_known_on=datetime.now(UTC))
    sheets = update_sheets(app, report.actions, owner)
    if not sheets:
        raise RefusedError(f"no open actions{f' owned by {owner!r}' if owner else ''} as at "
                           f"{day}: no sheet written")
    os.makedirs(directory, exist_ok=True)
    for sheet in sheets:
        write_bytes(sheet.data, os.path.join(directory, sheet.name), session.url)
        click.echo(f"{sheet.name}: {sheet.actions} open action"
                   f"{'s' if sheet.actions != 1 else ''} of {sheet.owner or 'no owner'}")
