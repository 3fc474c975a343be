"""`ledger demo`: the seed's story, recorded and reported from its events."""

from __future__ import annotations

import functools
import os
import shlex

import click

from ledger.application import Ledger, scenario
from ledger.cli.common import LedgerClickError, Session, db_url, pass_session, read_model
from ledger.domain.errors import StoreError
from ledger.domain.records import Meeting
from ledger.projections.report import Report, build_meeting_report, digest, render, reproduce
from ledger.store import sqlite_path


def _is_demo(url: str) -> bool | None:
    """True for a demo ledger, False for any other ledger, None when there is none."""
    path = sqlite_path(url)
    if path is not None and not os.path.exists(path):
        return None
    try:
        with Ledger(url, create=False) as app:
            first = next(iter(app.stream(upto=1)), None)
    except StoreError:
        return None if path is None else False
    if first is None:
        return None
    return first.event.actor.endswith(scenario.DEMO_SUFFIX)


def _reset(url: str) -> None:
    path = sqlite_path(url)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    with Ledger(url, create=False) as app:
        app.store.drop_table()


def _figures(report: Report, audit: str) -> str:
    t = report.position.totals(audit)
    return f"{t.completed} completed, {t.in_progress} in progress, {t.not_started} not started"


@click.command("demo")
@click.option("--db", "db", metavar="URL",
              help="Where to build the demo ledger (a SQLite path or a URL); default demo.db, "
                   "or the global --db when one is given.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="How to print the two meeting reports.")
@pass_session
def command(session: Session, db: str | None, fmt: str) -> None:
    """Build a fresh demo ledger with Coventry City Council's 2016 story and print the
    committee's two meeting reports, computed from the events alone.

    Refuses to overwrite a ledger that is not a demo ledger.

    \b
    Examples:
      ledger demo
      ledger demo --db /tmp/demo.db --format markdown
    """
    parent = click.get_current_context().parent
    global_db = parent is not None and (
        parent.get_parameter_source("db") is click.core.ParameterSource.COMMANDLINE)
    if db is None:
        db = str(parent.params["db"]) if global_db and parent is not None else "demo.db"
    url = db_url(db)
    state = _is_demo(url)
    if state is False:
        raise LedgerClickError(f"{db} holds a ledger that is not a demo; refusing to overwrite "
                               "it (choose another --db)", 1)
    if state:
        _reset(url)
    clock = scenario.SimulatedClock()
    click.echo(f"Building the demo ledger in {db}. Recorded times are simulated (a clock set "
               "to 2016); the CLI never lets a user set a recorded time.")
    with Ledger(url, clock=clock) as app:
        scenario.build(app, clock, say=click.echo)
        head = app.verify()
        click.echo(f"Recorded {head.position} events; chain verified.")
        model = read_model(app)
        click.echo(f"Read model caught up to position {model.status().position}; the reports "
                   "below are read from it.\n")
        reports = {}
        for meeting in (scenario.JULY, scenario.OCTOBER):
            reports[meeting] = build_meeting_report(model, meeting)
            click.echo(render(reports[meeting], fmt))
            click.echo("-" * 100)
        click.echo("The two clocks (ICO actions):")
        for meeting in (scenario.JULY, scenario.OCTOBER):
            now = build_meeting_report(model, meeting, as_known_on=clock.now)
            click.echo(f"  as at {meeting}, as known then: {_figures(reports[meeting], scenario.ICO)}")
            click.echo(f"  as at {meeting}, as known now:  {_figures(now, scenario.ICO)}")
        click.echo("\nThe papers presented to each meeting, reproduced from the trail after the "
                   "correction:")
        for meeting in (scenario.JULY, scenario.OCTOBER):
            paper = app.get(meeting, Meeting).presented[-1]
            again = reproduce(functools.partial(app.stream, upto=paper.position),
                              paper.parameters)
            verdict = "byte-identical" if digest(again) == paper.sha256 else "DIFFERENT"
            click.echo(f"  {meeting}: report {paper.number} from {paper.position}:"
                       f"{paper.chain_hash[:12]}…, sha256 {paper.sha256[:16]}… {verdict}")
            if verdict != "byte-identical":
                raise LedgerClickError(f"the paper presented to {meeting} did not reproduce", 1)
        click.echo(f"\nFingerprint {head}. Check it any time with:\n"
                   f"  ledger --db {shlex.quote(db)} verify --expect {head}")
