"""Coventry City Council's 2016 story (the seed), recorded through the application layer.

The figures the minutes quote are not typed in anywhere: each action gets a life (when it
started, when it finished) and the reports count them. The plan below is what produces them:

* 8 ICO actions completed by 25 July 2016;
* 38 more in progress in July and completed by 24 October;
* 11 in progress at both meetings (one of them completed on 20 July, recorded only on
  3 November: the back-dated correction, so "as known then" and "as known now" differ);
* 16 not started in July (most waiting on actions that finished in August), started by October;
* 4 not started at either meeting: the final stages, waiting on a Records Manager.

After the October meeting (effective in November, so neither meeting's figures change, as
known then or now) the story closes two In-Form Consult actions undone: one withdrawn (the risk
accepted), whose recorded reason is then corrected, and one superseded by a new action; and a
note typed on the wrong action is retracted. Every kind of amendment is in the demo's trail.

Recorded times come from a simulated clock set to 2016, so the as-known-on questions have
answers; the command line never lets a user set a recorded time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ledger.application.ledger import Ledger
from ledger.application.presenting import present as present_paper
from ledger.domain.events import Assurance, AuditKind, Priority
from ledger.projections.report import build_meeting_report

DEMO_SUFFIX = "(demo)"
OFFICER = f"IG Manager {DEMO_SUFFIX}"
CLERK = f"Committee Clerk {DEMO_SUFFIX}"
ICO = "ICO-2015"
IFC = "IFC-2016"
COMMITTEE = "Audit and Procurement Committee"
JULY, OCTOBER, FEBRUARY = "2016-07-25", "2016-10-24", "2017-02-20"
MEETING_DAYS = {m: date.fromisoformat(m) for m in (JULY, OCTOBER, FEBRUARY)}
RM = "RM-RECRUITED"
CORRECTION_RECORDED = date(2016, 11, 3)
AFTERMATH = date(2016, 11, 21)
"""When the demo closes two In-Form Consult actions undone (after the October meeting)."""
PAPER_FORMAT = "markdown"

# (recommendation, scope area, priority, words, number of actions): 77 actions in all.
ICO_RECOMMENDATIONS = [
    ("A1", "governance", "urgent", "Establish an Information Governance Board chaired by the SIRO", 5),
    ("A2", "governance", "high", "Appoint a Records Manager within the Information Governance Team", 4),
    ("A3", "governance", "high", "Review and approve the data protection policy framework", 4),
    ("A4", "governance", "medium", "Create and maintain an information asset register", 4),
    ("A5", "governance", "medium", "Develop an information risk register and risk policy", 4),
    ("A6", "governance", "medium", "Define retention schedules for every service area", 3),
    ("A7", "governance", "high", "Put data protection compliance checks into internal audit", 4),
    ("A8", "governance", "low", "Publish a privacy notice framework", 4),
    ("B1", "training and awareness", "urgent", "Make data protection e-learning mandatory", 4),
    ("B2", "training and awareness", "high", "Track completion of training by service area", 4),
    ("B3", "training and awareness", "medium", "Assemble policies and guidance into a staff handbook", 4),
    ("B4", "training and awareness", "medium", "Provide specialist training for information asset owners", 3),
    ("B5", "training and awareness", "low", "Run awareness campaigns across the council", 4),
    ("B6", "training and awareness", "medium", "Refresh training annually and test understanding", 3),
    ("C1", "data sharing", "high", "Keep a register of data sharing agreements", 4),
    ("C2", "data sharing", "high", "Adopt a data sharing agreement template and sign-off", 4),
    ("C3", "data sharing", "medium", "Carry out privacy impact assessments for new sharing", 4),
    ("C4", "data sharing", "medium", "Review existing sharing with partners", 4),
    ("C5", "data sharing", "low", "Secure transfer methods for shared personal data", 4),
    ("C6", "data sharing", "medium", "Monitor compliance with data sharing agreements", 3),
]

IFC_RECOMMENDATIONS = [
    ("R1", "high", "Adopt an information management strategy road map beyond the ICO plan", 3),
    ("R2", "medium", "Introduce an electronic document and records management approach", 3),
    ("R3", "medium", "Align information management with the Digital Strategy", 2),
    ("R4", "low", "Measure information management maturity yearly", 2),
]

OWNERS = ["Information Governance Manager", "Head of Legal Services", "Head of ICT",
          "HR Learning and Development", "Information Governance Team", "Internal Audit Manager"]


class SimulatedClock:
    """A clock the demo moves forward: recorded times fall in 2016."""

    def __init__(self) -> None:
        self.now = datetime(2016, 3, 14, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def on(self, day: date, hour: int = 17) -> None:
        """Move to `day` at `hour`; the clock never goes backwards."""
        target = datetime.combine(day, time(hour), tzinfo=UTC)
        if target > self.now:
            self.now = target


@dataclass
class Life:
    """One action's story: when it was started and completed, if ever."""

    ref: str
    started: date | None = None
    completed: date | None = None
    completed_recorded: date | None = None
    depends_on: tuple[str, ...] = ()


def _day(rng: random.Random, first: str, last: str) -> date:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return a + timedelta(days=rng.randrange((b - a).days + 1))


def _ico_lives(refs: list[str], rng: random.Random) -> list[Life]:
    """Give the 77 ICO actions the lives that produce the seed's figures."""
    order = refs[:]
    rng.shuffle(order)
    done_by_july, done_by_october, still_going = order[:8], order[8:46], order[46:57]
    started_after_july, waiting = order[57:73], order[73:77]
    lives: dict[str, Life] = {}
    for ref in done_by_july:
        start = _day(rng, "2016-03-21", "2016-05-31")
        lives[ref] = Life(ref, start, _day(rng, str(start + timedelta(days=14)), "2016-07-20"))
    august_finishers = []
    for ref in done_by_october:
        start = _day(rng, "2016-04-01", "2016-07-15")
        done = _day(rng, "2016-07-27", "2016-10-14")
        lives[ref] = Life(ref, start, done)
        if done <= date(2016, 8, 31):
            august_finishers.append(lives[ref])
    for ref in still_going:
        lives[ref] = Life(ref, _day(rng, "2016-04-01", "2016-07-15"))
    late = lives[still_going[0]]
    late.completed, late.completed_recorded = date(2016, 7, 20), CORRECTION_RECORDED
    for i, ref in enumerate(started_after_july):
        if i < 10 and august_finishers:
            dep = august_finishers[i % len(august_finishers)]
            assert dep.completed is not None
            start = _day(rng, str(dep.completed + timedelta(days=1)), "2016-10-21")
            lives[ref] = Life(ref, start, depends_on=(dep.ref,))
        else:
            lives[ref] = Life(ref, _day(rng, "2016-07-27", "2016-10-21"))
    finished = [lives[r] for r in done_by_july + done_by_october[:3]]
    for i, ref in enumerate(waiting):
        lives[ref] = Life(ref, depends_on=(RM, finished[i % len(finished)].ref))
    return [lives[r] for r in refs]


def build(app: Ledger, clock: SimulatedClock, say: Callable[[str], None] = print) -> None:
    """Record the whole story in `app`, moving `clock` as it goes."""
    rng = random.Random(2016)
    say("Recording the ICO data protection audit and its action plan (March 2016) ...")
    lives = _ico_plan(app, clock, rng)
    ifc_lives = _ifc_plan(app, rng)
    _status_changes(app, clock, lives, ifc_lives, say)
    late = next(life for life in lives if life.completed_recorded)
    assert late.completed is not None
    clock.on(CORRECTION_RECORDED, hour=10)
    say(f"Recording a back-dated correction on {CORRECTION_RECORDED.day} {CORRECTION_RECORDED:%B %Y}: {late.ref} "
        f"was in fact completed on {late.completed.day} {late.completed:%B %Y} ...")
    app.complete_action(late.ref, on=late.completed, actor=OFFICER,
                        evidence="Completion certificate found on file after the October meeting")
    _aftermath(app, clock, lives, ifc_lives, say)


def _aftermath(app: Ledger, clock: SimulatedClock, lives: list[Life], ifc_lives: list[Life],
               say: Callable[[str], None]) -> None:
    """November: an action withdrawn (its reason then corrected), one superseded by a new
    action, a misplaced note retracted. All effective after the October meeting."""
    clock.on(AFTERMATH, hour=11)
    say(f"Recording what followed on {AFTERMATH.day} {AFTERMATH:%B %Y}: an In-Form Consult "
        "action withdrawn, another superseded, a correction and a retraction ...")
    open_ifc = [life.ref for life in ifc_lives if life.completed is None]
    withdrawn, superseded = open_ifc[-1], open_ifc[0]
    (closed,) = app.withdraw_action(withdrawn, on=AFTERMATH, actor=OFFICER,
                                    reason="Risk accepted by the Board")
    app.correct(closed.position, actor=OFFICER, reason="It was the SIRO who accepted the risk",
                values={"reason": "Risk accepted by the SIRO"})
    rec = superseded.rsplit(".", 1)[0]
    successor = f"{rec}.{sum(life.ref.startswith(rec + '.') for life in ifc_lives) + 1}"
    app.add_action(successor, recommendations=[rec], text=f"Deliver {rec} through the "
                   "Digital Strategy programme", owner=OWNERS[0], due=date(2017, 6, 30),
                   on=AFTERMATH, actor=OFFICER)
    app.supersede_action(superseded, by=successor, on=AFTERMATH, actor=OFFICER,
                         reason="Folded into the Digital Strategy programme")
    waiting = next(life.ref for life in lives if RM in life.depends_on)
    (note,) = app.note_action(waiting, "Interview panel booked for 5 December", on=AFTERMATH,
                              actor=OFFICER)
    app.retract(note.position, actor=OFFICER, reason="Noted on the wrong action")


def _ico_plan(app: Ledger, clock: SimulatedClock, rng: random.Random) -> list[Life]:
    """The two audits, the milestone, and the ICO recommendations and actions; their lives."""
    app.add_audit(ICO, title="ICO data protection audit", kind=AuditKind.ICO_AUDIT, on=date(2015, 10, 30),
                  areas={"governance": Assurance.LIMITED,
                         "training and awareness": Assurance.LIMITED,
                         "data sharing": Assurance.REASONABLE}, actor=OFFICER)
    app.add_audit(IFC, title="In-Form Consult information management maturity assessment",
                  kind=AuditKind.MATURITY_ASSESSMENT, on=date(2016, 2, 29), actor=OFFICER)
    app.add_milestone(RM, text="Records Manager recruited", on=date(2016, 3, 14), actor=OFFICER)
    ico_refs: list[str] = []
    owners: dict[str, str] = {}
    for n, (code, area, priority, words, count) in enumerate(ICO_RECOMMENDATIONS):
        rec = f"ICO-{code}"
        app.add_recommendation(rec, audit=ICO, text=words, priority=Priority(priority), area=area,
                               on=date(2015, 12, 14), actor=OFFICER)
        for k in range(1, count + 1):
            ico_refs.append(f"{rec}.{k}")
            owners[f"{rec}.{k}"] = OWNERS[(n + k) % len(OWNERS)]
    lives = _ico_lives(ico_refs, rng)
    clock.on(date(2016, 3, 15))
    for life in sorted(lives, key=lambda life: bool(life.depends_on)):
        due = date(2016, 9, 30) if life.completed is None else date(2016, 12, 31)
        app.add_action(life.ref, recommendations=[life.ref.rsplit(".", 1)[0]],
                       text=f"Deliver step {life.ref.rsplit('.', 1)[1]} of "
                            f"{life.ref.rsplit('.', 1)[0]}",
                       owner=owners[life.ref], due=due, depends_on=list(life.depends_on),
                       on=date(2016, 3, 15), actor=OFFICER)
    return lives


def _ifc_plan(app: Ledger, rng: random.Random) -> list[Life]:
    """The In-Form Consult recommendations and actions; their lives."""
    ifc_lives = []
    for code, priority, words, count in IFC_RECOMMENDATIONS:
        rec = f"IFC-{code}"
        app.add_recommendation(rec, audit=IFC, text=words, priority=Priority(priority),
                               on=date(2016, 3, 10), actor=OFFICER)
        for k in range(1, count + 1):
            ref = f"{rec}.{k}"
            app.add_action(ref, recommendations=[rec], text=f"Deliver step {k} of {rec}",
                           owner=OWNERS[k % len(OWNERS)], due=date(2017, 3, 31),
                           on=date(2016, 3, 15), actor=OFFICER)
            start = _day(rng, "2016-05-01", "2016-10-20") if rng.random() < 0.6 else None
            done = (start + timedelta(days=40)) if start and rng.random() < 0.4 else None
            ifc_lives.append(Life(ref, start, done if done and done < date(2016, 10, 22) else None))
    return ifc_lives


def _status_changes(app: Ledger, clock: SimulatedClock, lives: list[Life], ifc_lives: list[Life],
                    say: Callable[[str], None]) -> None:
    """Every status change, reschedule and meeting, each recorded on its day."""
    # Every status change, in effective-date order, recorded on its day (the correction later).
    changes: list[tuple[date, int, str, str]] = []
    for life in lives + ifc_lives:
        if life.started:
            changes.append((life.started, 0, "start", life.ref))
        if life.completed and life.completed_recorded is None:
            changes.append((life.completed, 1, "complete", life.ref))
    meetings = {date.fromisoformat(JULY): _july, date.fromisoformat(OCTOBER): _october}
    for d in meetings:
        changes.append((d, 2, "meeting", str(d)))
    changes.append((date(2016, 9, 12), 1, "reschedule", ""))
    for day, _, what, ref in sorted(changes):
        clock.on(day)
        if what == "start":
            app.start_action(ref, on=day, actor=OFFICER)
        elif what == "complete":
            evidence = ("Handbook launched at the Council's Data Day on 19 October 2016"
                        if ref.startswith("ICO-B3") else None)
            app.complete_action(ref, on=day, evidence=evidence, actor=OFFICER)
        elif what == "reschedule":
            for life in lives:
                if RM in life.depends_on:
                    app.reschedule_action(life.ref, due=date(2017, 3, 1), on=day,
                                          reason="Waiting on the Records Manager's recruitment",
                                          actor=OFFICER)
        else:
            say(f"Recording the {COMMITTEE} meeting of {day.day} {day:%B %Y} ...")
            meetings[day](app)


def present(app: Ledger, meeting: str, fulfils: str | None = None) -> None:
    """Record the meeting's paper as presented: computed now, from the trail so far."""
    report = build_meeting_report(app.stream, meeting, as_known_on=app.clock())
    present_paper(app, meeting, report, PAPER_FORMAT, actor=CLERK, fulfils=fulfils)


def _july(app: Ledger) -> None:
    app.add_meeting(JULY, committee=COMMITTEE, on=MEETING_DAYS[JULY], actor=CLERK)
    app.add_meeting(OCTOBER, committee=COMMITTEE, on=MEETING_DAYS[OCTOBER], actor=CLERK)
    present(app, JULY)
    app.add_resolution(JULY, 1, minute="12/16", text="The progress with the Information "
                       "Management Strategy action plans be noted.", actor=CLERK)
    app.add_resolution(JULY, 2, minute="12/16", text="Officers be requested to report further "
                       "progress to the October meeting of the Committee.",
                       report_due_at=OCTOBER, actor=CLERK)


def _october(app: Ledger) -> None:
    app.add_meeting(FEBRUARY, committee=COMMITTEE, on=MEETING_DAYS[FEBRUARY], actor=CLERK)
    present(app, OCTOBER, fulfils=f"{JULY}/2")
    app.add_resolution(OCTOBER, 1, minute="36/16", further_to="12/16",
                       text="The progress to date against the ICO and In-form Consult action "
                            "plans be noted.", actor=CLERK)
    app.add_resolution(OCTOBER, 2, minute="36/16", further_to="12/16",
                       text="Officers be requested to bring a further report back to the "
                            "Committee on the outcome of the follow-up audit by the "
                            "Information Commissioner.",
                       report_after="the outcome of the ICO follow-up audit", actor=CLERK)
    app.add_resolution(OCTOBER, 3, minute="36/16", further_to="12/16",
                       text="Officers be requested to submit a progress report on action plans "
                            "to the February meeting of the Committee.",
                       report_due_at=FEBRUARY, actor=CLERK)
