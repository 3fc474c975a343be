"""The demo use case: build the seed's story in a ledger of its own and tell it from the events.

The story itself (who did what, when) is `ledger.application.scenario`; this module builds it
into a fresh ledger, refuses to overwrite a ledger that is not a demo, and reports on it.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import cast

from ledger.application import scenario, scenario_followup
from ledger.application.ledger import Ledger
from ledger.application.presenting import rerender
from ledger.application.reporting import open_read_model
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import RuleViolation, StoreError
from ledger.domain.records import Meeting
from ledger.projections.render import render
from ledger.projections.report import Report, build_meeting_report
from ledger.store import PydanticMapper, sqlite_path

DEMO_SEED = 20161024
"""Seeds the salts of the demo's invented personal data (real ledgers use the system's)."""


class NotADemo(RuleViolation):
    """The database holds a ledger that the demo did not build."""


def is_demo(url: str) -> bool | None:
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
    """Remove an earlier demo ledger (its file, or its tables on a server)."""
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


def run_demo(url: str, *, name: str, fmt: str, say: Callable[[str], None]) -> Fingerprint:
    """Build a fresh demo ledger at `url` (`name` is how the user wrote it), tell its story
    through `say`, and return its fingerprint; refuses a database holding another ledger."""
    state = is_demo(url)
    if state is False:
        raise NotADemo(f"{name} holds a ledger that is not a demo; refusing to overwrite it "
                       "(choose another --db)")
    if state:
        _reset(url)
    clock = scenario.SimulatedClock()
    say(f"Building the demo ledger in {name}. Recorded times are simulated (a clock set "
        "to 2016); the CLI never lets a user set a recorded time.")
    with Ledger(url, clock=clock) as app:
        # Invented people, so seeded salts: the demo's fingerprint is the same on every run.
        cast(PydanticMapper, app.mapper).random_bytes = random.Random(DEMO_SEED).randbytes
        scenario.build(app, clock, say=say)
        scenario_followup.build(app, clock, say=say)
        head = app.verify()
        say(f"Recorded {head.position} events; chain verified.")
        model = open_read_model(app)
        say(f"Read model caught up to position {model.status().position}; the reports "
            "below are read from it.\n")
        reports = {}
        for meeting in (scenario.JULY, scenario.OCTOBER):
            reports[meeting] = build_meeting_report(model, meeting)
            say(render(reports[meeting], fmt))
            say("-" * 100)
        say("The two clocks (ICO actions):")
        for meeting in (scenario.JULY, scenario.OCTOBER):
            now = build_meeting_report(model, meeting, as_known_on=clock.now)
            say(f"  as at {meeting}, as known then: {_figures(reports[meeting], scenario.ICO)}")
            say(f"  as at {meeting}, as known now:  {_figures(now, scenario.ICO)}")
        say("\nThe papers presented to each meeting, reproduced from the trail after the "
            "correction:")
        for meeting in (scenario.JULY, scenario.OCTOBER):
            again = rerender(app, app.get(meeting, Meeting).presented[-1])
            paper = again.paper
            verdict = "byte-identical" if again.identical else "DIFFERENT"
            say(f"  {meeting}: report {paper.number} from {paper.position}:"
                f"{paper.chain_hash[:12]}…, sha256 {paper.sha256[:16]}… {verdict}")
            if not again.identical:
                raise RuleViolation(f"the paper presented to {meeting} did not reproduce")
        _follow_up_chapter(app, say)
        return head


def _follow_up_chapter(app: Ledger, say: Callable[[str], None]) -> None:
    """The paper presented to the February 2017 meeting (the invented chapter), reproduced."""
    say(f"\nThe next chapter ({scenario_followup.INVENTED}). The paper presented to the "
        f"{scenario.FEBRUARY} meeting, answering resolution 2 of minute 36/16, reproduced "
        "from the trail:\n")
    again = rerender(app, app.get(scenario.FEBRUARY, Meeting).presented[-1])
    if not again.identical:
        raise RuleViolation(f"the paper presented to {scenario.FEBRUARY} did not reproduce")
    say(again.text)
    say(f"  {scenario.FEBRUARY}: report {again.paper.number} from {again.paper.position}:"
        f"{again.paper.chain_hash[:12]}…, sha256 {again.paper.sha256[:16]}… byte-identical")
