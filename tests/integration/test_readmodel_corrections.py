"""Corrections and retractions in the SQL read model, on both backends: each kind of correction
reads as recorded before it was made and as corrected after it, the same as the replay's, and
`verify --deep` passes on a ledger holding them (a rebuild gives the same rows)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from ledger.application import Ledger
from ledger.application.auditing import verify_deep
from ledger.domain.errors import Inconsistent, UnknownRef
from ledger.domain.values import FOREVER
from ledger.projections.readmodel import ReadModel, metadata
from ledger.projections.render import to_json
from ledger.projections.report import build_meeting_report, build_report

from ..conftest import Clock


def at(position: list[Any]) -> int:
    """The position of the single event a command recorded."""
    (logged,) = position
    return int(logged.position)


def story(app: Ledger, clock: Clock) -> dict[str, int]:
    """A small plan, then one correction of each kind; the positions named by the corrections,
    and the recorded day of each correction (as `clock.set` days) are in the returned dict."""
    clock.set("2016-01-10")
    app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30", actor="a")
    app.add_audit("IA", title="Internal audit", kind="internal-audit", on="2015-11-01",
                  actor="a")
    app.add_recommendation("R1", audit="ICO", text="t", priority="high", on="2015-12-01",
                           actor="a")
    app.add_recommendation("R2", audit="ICO", text="t", priority="low", on="2015-12-01",
                           actor="a")
    app.add_milestone("RM", text="Records Manager recruited", on="2016-01-01", actor="a")
    added = at(app.add_action("A1", recommendations=["R1"], text="Policy", owner="Bob",
                              due="2016-09-01", on="2016-01-10", actor="a"))
    app.add_action("A2", recommendations=["R2"], text="Training", on="2016-01-10", actor="a")
    app.add_action("A3", recommendations=["R2"], text="Spare", on="2016-01-10", actor="a")
    app.add_meeting("M1", committee="ARAC", on="2016-02-15", actor="c")
    app.add_meeting("M2", committee="ARAC", on="2016-06-30", actor="c")
    clock.set("2016-02-20")
    achieved = at(app.achieve_milestone("RM", on="2016-02-01", actor="a"))
    app.start_action("A1", on="2016-02-01", actor="b")
    assigned = at(app.assign_action("A2", owner="Dan", on="2016-02-01", actor="a"))
    resolution = at(app.add_resolution("M1", 1, text="Report at M2", report_due_at="M2",
                                       actor="c"))
    clock.set("2016-06-21")
    completed = at(app.complete_action("A1", on="2016-06-20", evidence="v1", actor="d"))
    positions = dict(added=added, achieved=achieved, assigned=assigned, completed=completed,
                     resolution=resolution)
    # The corrections, each recorded on a day of its own.
    clock.set("2016-06-22")  # the example: completed on 10 June, not 20 June
    positions["fix_date"] = at(app.correct(completed, reason="typo", actor="d",
                                           values={"effective": date(2016, 6, 10)}))
    clock.set("2016-06-23")
    positions["fix_added"] = at(app.correct(added, reason="wording", actor="a", values={
        "text": "Policy (revised)", "owner": "Ann", "due": date(2016, 7, 1),
        "recommendations": ["R1", "R2"], "depends_on": ["RM"]}))
    clock.set("2016-06-24")
    positions["fix_fix"] = at(app.correct(positions["fix_added"], reason="owner", actor="a",
                                          values={"owner": "Cy"}))
    positions["fix_owner"] = at(app.correct(assigned, reason="who", actor="a",
                                            values={"owner": "Eve"}))
    rec = app.history("R1")[0].position
    positions["fix_rec"] = at(app.correct(rec, reason="moved", actor="a",
                                          values={"priority": "urgent", "audit": "IA"}))
    clock.set("2016-06-25")
    meeting = app.history("M2")[0].position
    positions["fix_meeting"] = at(app.correct(meeting, reason="moved", actor="c",
                                              values={"held_on": date(2016, 7, 7)}))
    positions["fix_achieved"] = at(app.correct(achieved, reason="earlier", actor="a",
                                               values={"effective": date(2016, 1, 20)}))
    clock.set("2016-06-26")
    positions["retract_resolution"] = at(app.retract(resolution, reason="never passed",
                                                     actor="c"))
    positions["retract_a3"] = at(app.retract(app.history("A3")[0].position, reason="dup",
                                             actor="a"))
    clock.set("2016-06-27")
    positions["restore_a3"] = at(app.retract(positions["retract_a3"], reason="not a dup",
                                             actor="a"))
    positions["undo_owner"] = at(app.retract(positions["fix_owner"], reason="it was Dan",
                                             actor="a"))
    return positions


def report(source: Any, as_at: str, known: str, audit: str | None = None) -> dict[str, Any]:
    horizon = datetime.fromisoformat(known).replace(tzinfo=UTC)
    try:
        return dict(json.loads(to_json(build_report(source, date.fromisoformat(as_at),
                                                    as_known_on=horizon, audit=audit))))
    except UnknownRef as e:  # an audit not known yet: both must say so
        return {"error": str(e)}


def action(found: dict[str, Any], ref: str) -> dict[str, Any]:
    return next(dict(a) for a in found["actions"] if a["ref"] == ref)


def test_each_correction_reads_as_recorded_before_and_as_corrected_after(
        app: Ledger, clock: Clock) -> None:
    story(app, clock)
    model = ReadModel(app)
    model.catch_up(batch=4)  # corrections fall inside batches and on their edges
    before, after = "2016-06-21T23:00:00", "2016-06-28T00:00:00"
    for source in (model, app.stream):
        old, new = report(source, "2016-06-15", before), report(source, "2016-06-15", after)
        # The completion's date: in progress on 15 June as known before, completed after.
        assert action(old, "A1")["status"] == "in_progress"
        assert action(new, "A1")["status"] == "completed"
        # The action as added: its words, owner and target date; its second recommendation.
        assert (action(old, "A1")["text"], action(old, "A1")["owner"]) == ("Policy", "Bob")
        assert (action(new, "A1")["text"], action(new, "A1")["owner"]) == (
            "Policy (revised)", "Cy")
        assert action(new, "A1")["due"] == "2016-07-01"
        assert action(new, "A1")["recommendations"] == ["R1", "R2"]
        # A correction undone by retracting it: Dan again (Eve only between 24 and 27 June).
        assert action(old, "A2")["owner"] == action(new, "A2")["owner"] == "Dan"
        assert action(report(source, "2016-06-15", "2016-06-25T00:00:00"), "A2")["owner"] == "Eve"
        # An action retracted, then restored.
        assert "A3" in {a["ref"] for a in report(source, "2016-06-15", after)["actions"]}
        assert "A3" not in {a["ref"] for a in
                            report(source, "2016-06-15", "2016-06-26T23:00:00")["actions"]}
        # The recommendation moved to the internal audit, as urgent.
        assert action(new, "A1")["priority"] == "urgent"
        assert [a["ref"] for a in report(source, "2016-06-15", after, "IA")["actions"]] == ["A1"]


def test_the_read_model_agrees_with_the_replay_on_every_horizon(app: Ledger,
                                                                clock: Clock) -> None:
    story(app, clock)
    model = ReadModel(app)
    model.catch_up(batch=3)
    stamps = sorted({i.event.timestamp for i in app.stream()})
    for known in stamps:
        for as_at in ("2016-01-25", "2016-02-16", "2016-06-15", "2016-07-08", "2016-12-31"):
            for audit in (None, "ICO", "IA"):
                horizon = known.replace(tzinfo=None).isoformat()
                assert report(model, as_at, horizon, audit) == report(
                    app.stream, as_at, horizon, audit), (as_at, known, audit)
        for meeting in ("M1", "M2"):
            assert to_json(build_meeting_report(model, meeting, as_known_on=known)) == to_json(
                build_meeting_report(app.stream, meeting, as_known_on=known)), (meeting, known)


@pytest.mark.parametrize("batch", [1, 2, 3, 5])
def test_changes_after_a_correction_agree_with_the_replay_whatever_the_batches(
        app: Ledger, clock: Clock, batch: int) -> None:
    """A batch keeps the open intervals the one before left; a correction between them derives
    its record's rows again, and the changes after it must close those rows, not the old ones."""
    story(app, clock)
    clock.set("2016-07-02")
    app.reopen_action("A1", on=date(2016, 7, 1), reason="not done", actor="d")
    app.assign_action("A1", owner="Flo", on=date(2016, 6, 30), actor="a")
    app.reschedule_action("A1", due=date(2016, 9, 30), on=date(2016, 7, 1), reason="later",
                          actor="a")
    app.start_action("A2", on=date(2016, 6, 30), actor="b")
    app.assign_action("A2", owner="Gus", on=date(2016, 7, 1), actor="a")
    model = ReadModel(app)
    model.rebuild(batch=batch)
    in_batches = dump(app)
    for known in ("2016-06-23T12:00:00", "2016-06-25T12:00:00", "2016-07-03T00:00:00"):
        for as_at in ("2016-06-15", "2016-06-30", "2016-07-08"):
            assert report(model, as_at, known) == report(app.stream, as_at, known), (as_at, known)
    model.rebuild(batch=1000)
    assert in_batches == dump(app)


def dump(app: Ledger) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with app.store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "id"]
            out[table.name] = sorted((tuple(r) for r in conn.execute(sa.select(*columns))),
                                     key=repr)
    return out


def test_verify_deep_passes_with_corrections_and_rebuild_gives_the_same_rows(
        app: Ledger, clock: Clock) -> None:
    story(app, clock)
    model = ReadModel(app)
    model.catch_up(batch=5)
    found = verify_deep(app)
    assert found.compared_to == app.fingerprint().position
    caught_up = dump(app)
    model.rebuild(batch=1000)
    assert dump(app) == caught_up
    verify_deep(app)


def test_verify_deep_catches_a_read_model_that_kept_a_corrected_date(
        app: Ledger, clock: Clock) -> None:
    """The current status row of A1 put back on the date the correction replaced."""
    story(app, clock)
    ReadModel(app).catch_up()
    with app.store.write_engine.begin() as conn:
        changed = conn.execute(sa.text(
            "UPDATE rm_attrs SET valid_from = '2016-06-20' WHERE action_ref = 'A1' AND attr = 's' "
            "AND recorded_to = :forever AND valid_from = '2016-06-10'"), {"forever": FOREVER})
        assert changed.rowcount == 1
    with pytest.raises(Inconsistent, match=r"A1: .*status_on is 2016-06-20 in the read model, "
                       r"2016-06-10 in the log"):
        verify_deep(app)
