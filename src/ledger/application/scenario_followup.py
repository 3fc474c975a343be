"""The demo's next chapter, after the seed: invented, and said so wherever it is shown.

The seed ends at the October 2016 meeting, which asked for "a further report back to the
Committee on the outcome of the follow-up audit by the Information Commissioner" (resolution 2
of minute 36/16). This chapter imagines it: officers finish the plan over the winter, the
Records Manager arrives in December, the ICO's follow-up (a desk review dated 30 January 2017)
assesses each of the 20 recommendations and revises the assurance ratings, and the clerk presents
its report to the February 2017 meeting. Nothing here changes the seed's own figures: every
event is effective after 24 October 2016.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from ledger.application.followup import follow_up, present_follow_up
from ledger.application.ledger import Ledger
from ledger.application.scenario import (
    CLERK,
    DEMO_SUFFIX,
    FEBRUARY,
    ICO,
    ICO_RECOMMENDATIONS,
    MEETING_DAYS,
    OCTOBER,
    OFFICER,
    PAPER_FORMAT,
    RM,
    SimulatedClock,
)
from ledger.domain import events as ev
from ledger.domain.records import Action

FOLLOW_UP = "ICO-FU-2017"
AUDITOR = f"ICO auditor {DEMO_SUFFIX}"
REVIEWED = date(2017, 1, 30)
RM_IN_POST = date(2016, 12, 5)
INVENTED = ("invented for the demo: the seed ends at the October 2016 meeting, so the "
            "follow-up audit, its findings and ratings, and the February paper are made up")

FINDINGS: dict[str, tuple[ev.Outcome, str | None, bool]] = {
    "ICO-A3": (ev.Outcome.PARTIALLY_IMPLEMENTED,
               "The policy framework awaits the Records Manager's review", False),
    "ICO-B1": (ev.Outcome.PARTIALLY_IMPLEMENTED,
               "E-learning is mandatory but completion is not yet enforced", False),
    "ICO-C1": (ev.Outcome.PARTIALLY_IMPLEMENTED,
               "The register of sharing agreements is incomplete", False),
    "ICO-C5": (ev.Outcome.SUPERSEDED,
               "Superseded by the council's secure e-mail gateway", False),
    "ICO-A6": (ev.Outcome.PARTIALLY_IMPLEMENTED,
               "Retention schedules are not yet approved for two service areas", True),
    "ICO-B6": (ev.Outcome.NOT_IMPLEMENTED,
               "No annual refresh of training has taken place yet", False),
}
"""The auditor's findings that are not `implemented` (outcome, note, reopen the actions)."""


def build(app: Ledger, clock: SimulatedClock, say: Callable[[str], None] = print) -> None:
    """Record the chapter in `app` (after the seed's story), moving `clock` as it goes."""
    say(f"Recording the next chapter ({INVENTED}) ...")
    _winter(app, clock)
    clock.on(REVIEWED + timedelta(days=1), hour=10)
    app.add_audit(FOLLOW_UP, title="ICO follow-up audit", kind=ev.AuditKind.FOLLOW_UP,
                  follows=ICO, on=REVIEWED, actor=AUDITOR,
                  areas={"governance": ev.Assurance.REASONABLE})
    for code in _ico_recommendations(app):
        outcome, note, reopen = FINDINGS.get(code, (ev.Outcome.IMPLEMENTED, None, False))
        app.assess(code, by=FOLLOW_UP, outcome=outcome, on=REVIEWED, note=note, reopen=reopen,
                   actor=AUDITOR)
    app.assess("ICO-A3.2", by=FOLLOW_UP, outcome=ev.Outcome.NOT_IMPLEMENTED, on=REVIEWED,
               note="Not begun until the Records Manager was in post", actor=AUDITOR)
    app.revise_assurance(FOLLOW_UP, area="training and awareness",
                         rating=ev.Assurance.REASONABLE, on=REVIEWED, actor=AUDITOR)
    app.revise_assurance(FOLLOW_UP, area="data sharing", rating=ev.Assurance.REASONABLE,
                         on=REVIEWED, actor=AUDITOR)
    clock.on(MEETING_DAYS[FEBRUARY])
    say(f"Recording the {FEBRUARY} meeting: the follow-up report, answering {OCTOBER}/2 ...")
    present_february(app)
    app.add_resolution(FEBRUARY, 1, minute="48/17", further_to="36/16",
                       text="The outcome of the ICO follow-up audit be noted, and officers "
                            "complete the actions the auditor found short.", actor=CLERK)


def present_february(app: Ledger) -> None:
    """Present the follow-up report to the February meeting, fulfilling resolution 2 of
    minute 36/16: as at the meeting's date, computed from the trail so far."""
    report = follow_up(app, FOLLOW_UP, as_at=None, as_known_on=app.clock(), meeting=FEBRUARY)
    present_follow_up(app, FEBRUARY, report, PAPER_FORMAT, actor=CLERK,
                      fulfils=f"{OCTOBER}/2")


def _ico_recommendations(app: Ledger) -> list[str]:
    return [f"ICO-{code}" for code, *_ in ICO_RECOMMENDATIONS]


def _winter(app: Ledger, clock: SimulatedClock) -> None:
    """The officers finish every ICO action but the four that waited on the Records Manager,
    who is in post on 5 December; those four start a week later."""
    waiting, going = [], []
    for code in _ico_recommendations(app):
        for action in app.actions_of(code):
            if RM in action.depends_on:
                waiting.append(action.ref)
            elif action.status is ev.Status.IN_PROGRESS:
                going.append(action.ref)
    first = date(2016, 11, 7)
    steps = [(first + timedelta(days=(i * 74) // max(len(going), 1)), 1, ref)
             for i, ref in enumerate(going)]
    steps.append((RM_IN_POST, 0, RM))
    steps += [(RM_IN_POST + timedelta(days=7), 2, ref) for ref in waiting
              if app.get(ref, Action).status is ev.Status.NOT_STARTED]
    for day, kind, ref in sorted(steps):
        clock.on(day)
        if kind == 0:
            app.achieve_milestone(RM, on=day, note="Records Manager in post", actor=OFFICER)
        elif kind == 1:
            app.complete_action(ref, on=day, actor=OFFICER)
        else:
            app.start_action(ref, on=day, actor=OFFICER)
