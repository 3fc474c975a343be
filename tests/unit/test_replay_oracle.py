"""The pure replay against a separately written, deliberately naive oracle.

The oracle below knows nothing of `ledger.projections.replay`: for every question it filters the
whole list of events by recorded time (as known on K), then by effective date (as at D), sorts
what is left by (effective date, position) with plain `sorted()` and takes the last one.

Random logs are generated directly (so recorded order, effective order and position can disagree
arbitrarily: back-dated events, late recordings, same-day ties), and also produced by random
command sequences through the in-memory application on a moving clock.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.errors import LedgerError
from ledger.domain.values import Logged
from ledger.projections.render import to_json
from ledger.projections.replay import Timeline
from ledger.projections.report import build_report

# ============================================================================================
# The oracle
# ============================================================================================

STATUS_AFTER_NAME = {
    "ActionStarted": "in_progress",
    "ActionCompleted": "completed",
    "ActionReopened": "in_progress",
}


def oracle_known(log: list[Logged], known_on: datetime | None) -> list[Logged]:
    """Only the events recorded at or before K (everything when K is None)."""
    return [item for item in log if known_on is None or item.event.timestamp <= known_on]


def oracle_events(items: list[Logged], ref: str, *kinds: str) -> list[Logged]:
    """The events of one ref whose class is one of `kinds`."""
    return [item for item in items if item.event.ref == ref and type(item.event).__name__ in kinds]


def oracle_last(items: list[Logged], as_at: date) -> Logged | None:
    """The last of `items` with effective date <= D, by (effective date, position)."""
    in_time = [item for item in items if item.event.effective <= as_at]
    ordered = sorted(in_time, key=lambda item: (item.event.effective, item.position))
    if not ordered:
        return None
    return ordered[-1]


def oracle_added(items: list[Logged], ref: str, as_at: date) -> Any:
    """The ActionAdded of `ref`, if the action exists as at D."""
    added = [item for item in oracle_events(items, ref, "ActionAdded")
             if item.event.effective <= as_at]
    if not added:
        return None
    return added[-1].event


def oracle_status(items: list[Logged], ref: str, as_at: date) -> str | None:
    """An action's status as at D, or None if it does not exist then."""
    if oracle_added(items, ref, as_at) is None:
        return None
    last = oracle_last(oracle_events(items, ref, *STATUS_AFTER_NAME), as_at)
    if last is None:
        return "not_started"
    return STATUS_AFTER_NAME[type(last.event).__name__]


def oracle_dependency_done(items: list[Logged], ref: str, as_at: date) -> bool:
    """A dependency is done if it is a completed action or an achieved milestone, as at D."""
    if oracle_status(items, ref, as_at) == "completed":
        return True
    milestone_set = [i for i in oracle_events(items, ref, "MilestoneSet") if i.event.effective <= as_at]
    achieved = [i for i in oracle_events(items, ref, "MilestoneAchieved") if i.event.effective <= as_at]
    return len(milestone_set) > 0 and len(achieved) > 0


def oracle(log: list[Logged], as_at: date,
           known_on: datetime | None) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Per action (status, owner, due, overdue, blocked_by) and the totals, as at D, known on K."""
    items = oracle_known(log, known_on)
    refs = {item.event.ref for item in items if type(item.event).__name__ == "ActionAdded"}
    actions: dict[str, dict[str, Any]] = {}
    for ref in refs:
        status = oracle_status(items, ref, as_at)
        if status is None:
            continue
        added = oracle_added(items, ref, as_at)
        assigned = oracle_last(oracle_events(items, ref, "ActionAssigned"), as_at)
        owner = added.owner if assigned is None else assigned.event.owner
        rescheduled = oracle_last(oracle_events(items, ref, "ActionRescheduled"), as_at)
        due = added.due if rescheduled is None else rescheduled.event.due
        blocked = []
        if status != "completed":
            for dep in added.depends_on:
                if not oracle_dependency_done(items, dep, as_at):
                    blocked.append(dep)
        actions[ref] = {
            "status": status,
            "owner": owner,
            "due": due,
            "overdue": status != "completed" and due is not None and due < as_at,
            "blocked_by": blocked,
        }
    totals = {"actions": len(actions), "not_started": 0, "in_progress": 0, "completed": 0,
                  "withdrawn": 0, "superseded": 0}
    for a in actions.values():
        totals[a["status"]] += 1
    return actions, totals


def oracle_by_audit(log: list[Logged], as_at: date, known_on: datetime | None) -> dict[str, dict[str, int]]:
    """Totals per audit that exists as at D: actions serving any recommendation of that audit."""
    items = oracle_known(log, known_on)
    actions, _ = oracle(log, as_at, known_on)
    audit_of = {i.event.ref: i.event.audit for i in items
                if type(i.event).__name__ == "RecommendationMade"}
    out = {}
    for item in items:
        if type(item.event).__name__ != "AuditRecorded" or item.event.effective > as_at:
            continue
        counts = {"actions": 0, "not_started": 0, "in_progress": 0, "completed": 0,
                  "withdrawn": 0, "superseded": 0}
        for ref, a in actions.items():
            recs = oracle_added(items, ref, as_at).recommendations
            if any(audit_of.get(r) == item.event.ref for r in recs):
                counts["actions"] += 1
                counts[a["status"]] += 1
        out[item.event.ref] = counts
    return out


# ============================================================================================
# Random logs, generated directly
# ============================================================================================

DAY0 = date(2016, 1, 1)
LAST_DAY = 12
ACTION_REFS = ["X1", "X2", "X3", "X4", "X5"]
MILESTONE_REFS = ["M1", "M2"]
GHOST_REF = "M9"  # depended on, never set
AUDIT_OF = {"R1": "AU1", "R2": "AU2"}
OWNERS = ["Ann", "Bob", "Cy"]


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def eod(d: date) -> datetime:
    """The last instant of a day, UTC, written here independently of the code."""
    return datetime(d.year, d.month, d.day, 23, 59, 59, 999999, tzinfo=UTC)


effective_days = st.integers(0, LAST_DAY).map(day)
due_days = st.one_of(st.none(), st.integers(-2, LAST_DAY + 2).map(day))
seconds_in_day = st.one_of(
    st.sampled_from([0, 1, 12 * 3600, 86399]),
    st.integers(0, 86399),
)


@st.composite
def recorded_times(draw: st.DrawFn) -> datetime:
    """A recorded time in or just after the effective range; some exactly at the end of a day,
    some written with a +01:00 offset (the same instant, another representation)."""
    d = day(draw(st.integers(0, LAST_DAY + 3)))
    if draw(st.integers(0, 9)) == 0:
        t = eod(d)
    else:
        t = datetime.combine(d, time(0), tzinfo=UTC) + timedelta(seconds=draw(seconds_in_day))
    if draw(st.booleans()) and draw(st.integers(0, 4)) == 0:
        t = t.astimezone(timezone(timedelta(hours=1)))
    return t


Spec = tuple[type[ev.LedgerEvent], dict[str, Any]]


@st.composite
def follow_up(draw: st.DrawFn) -> Spec:
    """One later event of an action."""
    kind = draw(st.sampled_from(["start", "complete", "reopen", "assign", "reschedule"]))
    base = {"effective": draw(effective_days)}
    if kind == "start":
        return ev.ActionStarted, base
    if kind == "complete":
        return ev.ActionCompleted, base
    if kind == "reopen":
        return ev.ActionReopened, {**base, "reason": "not done after all"}
    if kind == "assign":
        return ev.ActionAssigned, {**base, "owner": draw(st.sampled_from(OWNERS))}
    return ev.ActionRescheduled, {**base, "due": draw(st.integers(-2, LAST_DAY + 2).map(day)),
                                  "reason": "moved"}


@st.composite
def record_specs(draw: st.DrawFn) -> list[tuple[str, list[Spec]]]:
    """Every record's events in its own order (creation first), before positions are given."""
    records: list[tuple[str, list[Spec]]] = []
    for audit in ("AU1", "AU2"):
        records.append((audit, [(ev.AuditRecorded, {"effective": draw(effective_days),
                                                    "title": f"Audit {audit}",
                                                    "kind": ev.AuditKind.OTHER})]))
    for rec, audit in AUDIT_OF.items():
        records.append((rec, [(ev.RecommendationMade, {"effective": draw(effective_days),
                                                       "audit": audit, "text": "Do it",
                                                       "priority": ev.Priority.HIGH})]))
    for m in MILESTONE_REFS:
        achieved = draw(st.lists(effective_days, max_size=2))
        records.append((m, [(ev.MilestoneSet, {"effective": draw(effective_days), "text": m})]
                        + [(ev.MilestoneAchieved, {"effective": d}) for d in achieved]))
    count = draw(st.integers(1, len(ACTION_REFS)))
    refs = ACTION_REFS[:count]
    for ref in refs:
        others = [r for r in refs if r != ref] + MILESTONE_REFS + [GHOST_REF]
        added = {
            "effective": draw(effective_days),
            "recommendations": tuple(draw(st.lists(st.sampled_from(list(AUDIT_OF)), min_size=1,
                                                   max_size=2, unique=True))),
            "text": f"Action {ref}",
            "owner": draw(st.one_of(st.none(), st.sampled_from(OWNERS))),
            "due": draw(due_days),
            "depends_on": tuple(draw(st.lists(st.sampled_from(others), max_size=3, unique=True))),
        }
        later = draw(st.lists(follow_up(), max_size=7))
        records.append((ref, [(ev.ActionAdded, added), *later]))
    return records


@st.composite
def logs(draw: st.DrawFn, creation_recorded_first: bool = True,
         distinct_hashes: bool = False) -> list[Logged]:
    """A log with positions 1..N.

    Each record's events keep their own order in the global sequence (as the store guarantees),
    but records interleave at random, and recorded times are drawn independently of position.
    With `creation_recorded_first`, a record's creating event is recorded no later than its
    other events (what a clock that never steps back gives); without it, anything goes.
    """
    records = draw(record_specs())
    slotted = []
    for index, (ref, specs) in enumerate(records):
        slots = sorted(draw(st.lists(st.integers(0, 40), min_size=len(specs), max_size=len(specs))))
        times = [draw(recorded_times()) for _ in specs]
        if creation_recorded_first:
            times[0] = min(times)
        for version, (spec, slot, t) in enumerate(zip(specs, slots, times, strict=True), start=1):
            slotted.append((slot, index, version, ref, spec, t))
    slotted.sort(key=lambda s: (s[0], s[1], s[2]))
    log = []
    for position, (_, _, version, ref, (cls, fields), t) in enumerate(slotted, start=1):
        event = cls(originator_id=ev.record_id(ref), originator_version=version, timestamp=t,
                    ref=ref, actor="tester", **fields)
        digest = f"{position:064x}" if distinct_hashes else "0" * 64
        log.append(Logged(position, digest, event))
    return log


@st.composite
def horizons(draw: st.DrawFn, log: list[Logged]) -> datetime | None:
    """K: everything, the end of a day, an event's exact recorded time (+/- a microsecond), or any
    recorded time."""
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return None
    if choice == 1:
        return eod(day(draw(st.integers(-1, LAST_DAY + 3))))
    if choice == 2 and log:
        t = draw(st.sampled_from([item.event.timestamp for item in log]))
        return t + timedelta(microseconds=draw(st.sampled_from([-1, 0, 0, 1])))
    return draw(recorded_times())


def as_at_dates(log: list[Logged]) -> st.SearchStrategy[date]:
    """D: any day around the range, or exactly an event's effective date."""
    exact = [item.event.effective for item in log]
    return st.one_of(st.integers(-1, LAST_DAY + 3).map(day), st.sampled_from(exact))


def check_against_oracle(log: list[Logged], known_on: datetime | None, dates: list[date]) -> None:
    timeline = Timeline.build(log, known_on)
    for as_at in dates:
        want_actions, want_totals = oracle(log, as_at, known_on)
        position = timeline.position(as_at)
        got_actions = {
            a.ref: {"status": a.status.value, "owner": a.owner, "due": a.due,
                    "overdue": a.overdue, "blocked_by": list(a.blocked_by)}
            for a in position.actions
        }
        assert set(got_actions) == set(want_actions), f"existence as at {as_at}, known on {known_on}"
        for ref, want in want_actions.items():
            assert got_actions[ref] == want, f"{ref} as at {as_at}, known on {known_on}"
        assert position.totals().as_dict() == want_totals


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_replay_agrees_with_the_naive_oracle(data: st.DataObject) -> None:
    log = data.draw(logs())
    known_on = data.draw(horizons(log))
    dates = data.draw(st.lists(as_at_dates(log), min_size=1, max_size=3))
    check_against_oracle(log, known_on, dates)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_replay_agrees_with_the_oracle_when_recorded_times_ignore_creation_order(
        data: st.DataObject) -> None:
    """A record's later event may carry an earlier recorded time than its creation (a clock that
    stepped back). As known on a K between the two, the record was not yet known: by the rules it
    does not exist, and its orphaned later events count for nothing."""
    log = data.draw(logs(creation_recorded_first=False))
    known_on = data.draw(horizons(log))
    dates = data.draw(st.lists(as_at_dates(log), min_size=1, max_size=3))
    check_against_oracle(log, known_on, dates)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fingerprint_is_the_highest_position_counted(data: st.DataObject) -> None:
    log = data.draw(logs(distinct_hashes=True))
    known_on = data.draw(horizons(log))
    as_at = data.draw(as_at_dates(log))
    counted = [item for item in log if known_on is None or item.event.timestamp <= known_on]
    if counted:
        top = max(counted, key=lambda item: item.position)
        want = (top.position, top.hash)
    else:
        want = (0, "0" * 64)
    timeline = Timeline.build(log, known_on)
    assert (timeline.fingerprint.position, timeline.fingerprint.hash) == want
    fp = timeline.position(as_at).fingerprint
    assert (fp.position, fp.hash) == want


def test_same_day_ties_resolve_by_position_not_recorded_time() -> None:
    """A fixed case of the tie rule: completed then reopened on one effective date, the reopen
    recorded first in time but later in position: position wins, so it is in progress."""
    rid = ev.record_id("X1")
    t = datetime(2016, 1, 5, 12, tzinfo=UTC)
    stamp = {"originator_id": rid, "ref": "X1", "actor": "tester"}
    log = [
        Logged(1, "0" * 64, ev.ActionAdded(**stamp, originator_version=1, timestamp=t,
                                           effective=day(0), recommendations=("R1",), text="x")),
        Logged(2, "0" * 64, ev.ActionStarted(**stamp, originator_version=2,
                                             timestamp=t + timedelta(hours=3), effective=day(2))),
        Logged(3, "0" * 64, ev.ActionCompleted(**stamp, originator_version=3,
                                               timestamp=t + timedelta(hours=2), effective=day(3))),
        Logged(4, "0" * 64, ev.ActionReopened(**stamp, originator_version=4,
                                              timestamp=t + timedelta(hours=1), effective=day(3),
                                              reason="r")),
    ]
    position = Timeline.build(log).position(day(3))
    assert [a.status for a in position.actions] == [ev.Status.IN_PROGRESS]
    assert oracle(log, day(3), None)[0]["X1"]["status"] == "in_progress"
    # Known only up to half past twelve, nothing but the action itself is known.
    early = Timeline.build(log, t + timedelta(minutes=30)).position(day(3))
    assert [a.status for a in early.actions] == [ev.Status.NOT_STARTED]
    # As at the day before the tie, only the start counts.
    assert [a.status for a in Timeline.build(log).position(day(2)).actions] == [ev.Status.IN_PROGRESS]
    assert [a.status for a in Timeline.build(log).position(day(1)).actions] == [ev.Status.NOT_STARTED]


# ============================================================================================
# Random command sequences through the application
# ============================================================================================

START = date(2016, 7, 1)
APP_ACTIONS = ["A1", "A2", "A3", "A4"]
APP_MILESTONES = ["MS1", "MS2"]
APP_RECS = {"REC1": "AUD1", "REC2": "AUD2"}

# How far back a command's effective date is from today: mostly today (same-day ties), sometimes
# back-dated, sometimes tomorrow (refused as in the future, unless London is already there).
backs = st.sampled_from([0, 0, 0, 1, 1, 2, 5, -1])

adds = st.tuples(st.just("add"), st.sampled_from(APP_ACTIONS),
                 st.lists(st.sampled_from(list(APP_RECS)), min_size=1, max_size=2, unique=True),
                 st.one_of(st.none(), st.sampled_from(OWNERS)),
                 st.one_of(st.none(), st.integers(-5, 20)),
                 st.lists(st.sampled_from(APP_ACTIONS + APP_MILESTONES), max_size=2, unique=True),
                 backs)
status_changes = st.tuples(st.sampled_from(["start", "complete", "reopen", "advance", "advance"]),
                           st.sampled_from(APP_ACTIONS), backs)
other_commands = [
    st.tuples(st.just("clock"), st.integers(0, 3), st.sampled_from([0, 9, 12, 23])),
    adds,
    st.tuples(st.just("assign"), st.sampled_from(APP_ACTIONS), st.sampled_from(OWNERS), backs),
    st.tuples(st.just("reschedule"), st.sampled_from(APP_ACTIONS), st.integers(-5, 20), backs),
    st.tuples(st.just("achieve"), st.sampled_from(APP_MILESTONES), backs),
]
# Status changes are half of all commands; the rest share the other half.
commands = st.booleans().flatmap(
    lambda status: status_changes if status else st.one_of(*other_commands))


def prologue_add(index: int) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Usually add the index-th action, waiting only on earlier actions or on milestones."""
    ref = APP_ACTIONS[index]
    add = st.tuples(st.just("add"), st.just(ref),
                    st.lists(st.sampled_from(list(APP_RECS)), min_size=1, max_size=2, unique=True),
                    st.one_of(st.none(), st.sampled_from(OWNERS)),
                    st.one_of(st.none(), st.integers(-5, 20)),
                    st.lists(st.sampled_from(APP_ACTIONS[:index] + APP_MILESTONES), max_size=2,
                             unique=True),
                    backs)
    return st.one_of(st.just([]), add.map(lambda step: [step]), add.map(lambda step: [step]))


# A sequence begins by adding most actions, so that the later commands have something to act on.
command_lists = st.tuples(*(prologue_add(i) for i in range(len(APP_ACTIONS))),
                          st.lists(commands, min_size=10, max_size=50)).map(
    lambda parts: [step for part in parts for step in part])


def run_commands(app: Ledger, clock: Any, steps: list[tuple[Any, ...]]) -> None:
    """Apply the steps, moving the clock forwards only; refused commands are skipped."""
    actor = "tester"
    clock.set(START, hour=9)
    for audit in sorted(set(APP_RECS.values())):
        app.add_audit(audit, title=f"Audit {audit}", kind=ev.AuditKind.OTHER,
                      on=START - timedelta(days=20), actor=actor)
    for rec, audit in APP_RECS.items():
        app.add_recommendation(rec, audit=audit, text="Do it", priority=ev.Priority.HIGH,
                               on=START - timedelta(days=10), actor=actor)
    for m in APP_MILESTONES:
        app.add_milestone(m, text=f"Milestone {m}", on=START - timedelta(days=5), actor=actor)
    today = START
    for step in steps:
        kind = step[0]
        if kind == "clock":
            _, days, hour = step
            target = datetime.combine(today + timedelta(days=days), time(hour), tzinfo=UTC)
            if target > clock.now:
                clock.set(target.date(), hour=hour)
                today = target.date()
            continue
        on = today - timedelta(days=step[-1])  # back-dated, or (-1) in the future: refused
        try:
            if kind == "add":
                _, ref, recs, owner, due, deps, _ = step
                app.add_action(ref, recommendations=recs, text=f"Action {ref}", on=on,
                               actor=actor, owner=owner,
                               due=None if due is None else START + timedelta(days=due),
                               depends_on=deps)
            elif kind == "advance":  # the next step of the life cycle, whichever it is
                for attempt in (app.start_action, app.complete_action):
                    try:
                        attempt(step[1], on=on, actor=actor)
                        break
                    except LedgerError:
                        continue
                else:
                    app.reopen_action(step[1], on=on, reason="not done after all", actor=actor)
            elif kind == "start":
                app.start_action(step[1], on=on, actor=actor)
            elif kind == "complete":
                app.complete_action(step[1], on=on, actor=actor)
            elif kind == "reopen":
                app.reopen_action(step[1], on=on, reason="not done after all", actor=actor)
            elif kind == "assign":
                app.assign_action(step[1], owner=step[2], on=on, actor=actor)
            elif kind == "reschedule":
                app.reschedule_action(step[1], due=START + timedelta(days=step[2]), on=on,
                                      reason="moved", actor=actor)
            elif kind == "achieve":
                app.achieve_milestone(step[1], on=on, actor=actor)
        except LedgerError:
            pass


@pytest.mark.slow
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_report_through_the_application_agrees_with_the_oracle(clock: Any,
                                                               data: st.DataObject) -> None:
    steps = data.draw(command_lists)
    with Ledger("sqlite://", clock=clock) as app:
        run_commands(app, clock, steps)
        log = list(app.stream())
    last_day = clock.now.date()
    first = START - timedelta(days=25)
    span = (last_day - first).days + 2
    as_at = data.draw(st.one_of(
        st.integers(0, span).map(lambda n: first + timedelta(days=n)),
        st.sampled_from([item.event.effective for item in log]),
    ))
    known_on = data.draw(st.one_of(
        st.none(),
        st.integers(-1, (last_day - START).days + 1).map(lambda n: eod(START + timedelta(days=n))),
        st.sampled_from([item.event.timestamp for item in log]),
        st.sampled_from([item.event.timestamp - timedelta(microseconds=1) for item in log]),
    ))

    def source() -> list[Logged]:
        return log

    doc = json.loads(to_json(build_report(source, as_at, as_known_on=known_on)))
    want_actions, want_totals = oracle(log, as_at, known_on)
    assert doc["totals"] == want_totals
    got = {a["ref"]: {k: a[k] for k in ("status", "owner", "due", "overdue", "blocked_by")}
           for a in doc["actions"]}
    want = {ref: {**a, "due": a["due"].isoformat() if a["due"] else None}
            for ref, a in want_actions.items()}
    assert got == want
    assert doc["by_audit"] == oracle_by_audit(log, as_at, known_on)
    assert doc["as_at"] == as_at.isoformat()
    if known_on is not None:
        assert doc["as_known_on"] == known_on.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") \
            .replace(".000000Z", "Z")


def test_report_after_the_clock_stepped_back(app: Ledger, clock: Any) -> None:
    """A clock that steps back (the fixture's can; so can a real one): an action created at noon
    on 5 July, then started with the clock at noon on 3 July. Whatever recorded time the start
    gets, each horizon K must give the oracle's answer, and before the action's own recording the
    action does not exist."""
    clock.set("2016-07-01", hour=9)
    app.add_audit("AUD1", title="Audit", kind=ev.AuditKind.OTHER, on=date(2016, 6, 1), actor="t")
    app.add_recommendation("REC1", audit="AUD1", text="Do it", priority=ev.Priority.HIGH,
                           on=date(2016, 6, 2), actor="t")
    clock.set("2016-07-05")
    app.add_action("A1", recommendations=["REC1"], text="Act", on=date(2016, 6, 3), actor="t")
    clock.set("2016-07-03")
    app.start_action("A1", on=date(2016, 6, 4), actor="t")
    log = list(app.stream())
    for known_on in (eod(date(2016, 7, 2)), eod(date(2016, 7, 3)), eod(date(2016, 7, 4)),
                     eod(date(2016, 7, 5)), None):
        for as_at in (date(2016, 6, 3), date(2016, 6, 4), date(2016, 6, 30)):
            want_actions, want_totals = oracle(log, as_at, known_on)
            doc = json.loads(to_json(build_report(app.stream, as_at, as_known_on=known_on)))
            assert doc["totals"] == want_totals, (as_at, known_on)
            assert {a["ref"]: a["status"] for a in doc["actions"]} == {
                ref: a["status"] for ref, a in want_actions.items()}, (as_at, known_on)
    before = json.loads(to_json(build_report(app.stream, date(2016, 6, 30),
                                             as_known_on=eod(date(2016, 7, 4)))))
    assert before["actions"] == []


@pytest.mark.parametrize("as_at", [date(2016, 6, 2), date(2016, 6, 3), date(2016, 6, 4)])
def test_report_through_the_application_on_fixed_back_dated_case(app: Ledger, clock: Any,
                                                                 as_at: date) -> None:
    """A small fixed case: recorded on 1 July, back-dated into June, compared with the oracle
    on both sides of each effective date."""
    clock.set("2016-07-01")
    app.add_audit("AUD1", title="Audit", kind=ev.AuditKind.OTHER, on=date(2016, 6, 1), actor="t")
    app.add_recommendation("REC1", audit="AUD1", text="Do it", priority=ev.Priority.HIGH,
                           on=date(2016, 6, 1), actor="t")
    app.add_action("A1", recommendations=["REC1"], text="Act", on=date(2016, 6, 3), actor="t",
                   due=date(2016, 6, 3))
    app.start_action("A1", on=date(2016, 6, 4), actor="t")
    log = list(app.stream())
    doc = json.loads(to_json(build_report(app.stream, as_at, as_known_on=None)))
    want_actions, want_totals = oracle(log, as_at, None)
    assert doc["totals"] == want_totals
    assert [a["ref"] for a in doc["actions"]] == sorted(want_actions)
    for a in doc["actions"]:
        assert a["status"] == want_actions[a["ref"]]["status"]
        assert a["overdue"] == want_actions[a["ref"]]["overdue"]
