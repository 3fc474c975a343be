"""The `ledger` command line: officers record, auditors verify, clerks report.

One module per command group; every command's docstring is its help, with an example.
"""

from __future__ import annotations

import click

from ledger import __version__
from ledger.cli.common import LedgerGroup, Session, db_url


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", envvar="LEDGER_DB", default="ledger.db", show_default=True,
              metavar="URL",
              help="Database URL (sqlite:///file.db, postgresql+psycopg://...) or a SQLite path. "
                   "Also LEDGER_DB.")
@click.option("--actor", envvar="LEDGER_ACTOR", metavar="NAME",
              help="Who is recording (required for every write). Also LEDGER_ACTOR.")
@click.version_option(__version__, prog_name="ledger")
@click.pass_context
def main(ctx: click.Context, db: str, actor: str | None) -> None:
    """Record audit recommendations, actions and committee resolutions as an immutable,
    hash-chained ledger, and report the position as at any date.

    \b
    Examples:
      ledger --actor "J Smith" action start ICO-12 --on 2016-07-01
      ledger report as-at 2016-07-25 --as-known-on 2016-07-25 --format markdown
      ledger verify
    """
    session = Session(url=db_url(db), actor=actor)
    ctx.obj = session
    ctx.call_on_close(session.close)


def _register() -> None:
    from ledger.cli import (
        action,
        assess,
        audit,
        backup,
        chart,
        db,
        demo,
        followup,
        importer,
        meeting,
        milestone,
        projections_cmd,
        recommendation,
        report,
        requests,
        resolution,
        show,
        targets,
        trail,
        verify,
    )

    for module in (audit, recommendation, action, milestone, meeting, resolution, show, verify,
                   report, requests, projections_cmd, importer, chart, db, demo, assess):
        main.add_command(module.command)
    report.command.add_command(followup.command)
    report.command.add_command(targets.report_targets)
    action.command.add_command(targets.approve_reschedule)
    main.add_command(targets.policy)
    for extra in (*trail.commands, *backup.commands):
        main.add_command(extra)


_register()
