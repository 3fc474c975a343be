"""Reliability of the read model and `verify --deep` (issue 12), on both backends: read-model rows
edited by hand and an illegal event appended with a valid chain are caught by `verify --deep`
while plain `verify` passes; a tracked position ahead of the log is an error; stale read models
caught up by several processes at once; a rebuild on a full disk."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlalchemy.pool import NullPool

from ledger.application import Ledger
from ledger.application.auditing import verify_deep
from ledger.cli import main
from ledger.domain import events as ev
from ledger.domain.chain import chain_hash
from ledger.domain.errors import Inconsistent
from ledger.domain.values import FOREVER, micros
from ledger.projections.readmodel import ReadModel
from ledger.store.schema import events_table, head_table

from ..conftest import Clock

PYTHON_M_LEDGER = [sys.executable, "-m", "ledger"]


def cli(db: str, *args: str) -> Result:
    runner = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None})
    result = runner.invoke(main, ["--db", db, *args])
    assert "Traceback" not in result.stdout + result.stderr, (args, result.stderr)
    return result


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def story(app: Ledger, clock: Clock) -> None:
    """Every kind of record and change, two meetings, a report requested and received, a
    target-date policy and a request awaiting approval, a follow-up audit's findings (one on
    work the officers had reported done) and a revised rating, each recorded on its effective
    day."""
    clock.set("2016-01-10")
    app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30", actor="a")
    app.add_recommendation("R1", audit="ICO", text="t", priority="high", on="2015-12-01",
                           actor="a")
    app.add_milestone("RM", text="Records Manager recruited", on="2016-01-01", actor="a")
    app.add_action("A1", recommendations=["R1"], text="Policy", owner="Bob", due="2016-09-01",
                   depends_on=["RM"], on="2016-01-10", actor="a")
    app.add_action("A2", recommendations=["R1"], text="Training", on="2016-01-10", actor="a")
    clock.set("2016-02-14")
    app.achieve_milestone("RM", on="2016-01-15", actor="a")
    app.start_action("A1", on="2016-01-20", actor="b")
    app.start_action("A2", on="2016-01-21", actor="b")
    app.assign_action("A1", owner="Dan", on="2016-02-01", actor="a")
    app.complete_action("A1", on="2016-02-10", evidence="v1", actor="d")
    app.add_meeting("M1", committee="ARAC", on="2016-02-15", actor="c")
    app.add_meeting("M2", committee="ARAC", on="2016-03-20", actor="c")
    clock.set("2016-02-15")
    app.add_resolution("M1", 1, text="Report at M2", report_due_at="M2", actor="c")
    clock.set("2016-02-20")
    app.reschedule_action("A2", due="2016-12-01", on="2016-02-20", reason="late", actor="a")
    clock.set("2016-03-20")
    app.add_resolution("M2", 1, text="Received", fulfils="M1/1", actor="c")
    clock.set("2016-03-21")
    app.set_target_policy(on="2016-03-21", max_revisions=2, approval_required=True, actor="a")
    app.reschedule_action("A2", due="2017-01-15", on="2016-03-21", reason="later", actor="a")
    clock.set("2016-03-22")
    app.add_audit("FU", title="Follow-up", kind="follow-up", follows="ICO", on="2016-03-22",
                  areas={"governance": "limited"}, actor="auditor")
    app.assess("A1", by="FU", outcome="partially-implemented", note="unsigned", on="2016-03-22",
               actor="auditor")
    app.assess("R1", by="FU", outcome="not-implemented", on="2016-03-22", actor="auditor")
    app.revise_assurance("FU", area="governance", rating="reasonable", on="2016-03-22",
                         actor="auditor")


@pytest.fixture
def told(ledger_url: str, clock: Clock) -> Ledger:
    """A ledger with the story, its read model caught up and agreeing with the log."""
    with Ledger(ledger_url, clock=clock) as app:
        story(app, clock)
        ReadModel(app).catch_up()
        verify_deep(app)
    return Ledger(ledger_url, create=False)


def run_sql(app: Ledger, statement: str, **params: object) -> None:
    """Raw SQL as the tables' owner, in its own transaction."""
    engine = sa.create_engine(app.store.engine.url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(statement), params)
    finally:
        engine.dispose()


EDITS = {
    "rm_actions": "UPDATE rm_actions SET owner = 'Eve' WHERE ref = 'A1'",
    "rm_attrs": "UPDATE rm_attrs SET value = 'completed' WHERE action_ref = 'A2' AND attr = 's' "
                "AND recorded_to = :forever AND value = 'in_progress'",
    "rm_recommendations": "UPDATE rm_recommendations SET priority = 'low'",
    "rm_action_recommendations": "DELETE FROM rm_action_recommendations WHERE action_ref = 'A2'",
    "rm_audits": "UPDATE rm_audits SET audit_date = '2016-03-01'",
    "rm_milestones": "UPDATE rm_milestones SET text = 'Nobody recruited'",
    "rm_achievements": "DELETE FROM rm_achievements",
    "rm_meetings": "UPDATE rm_meetings SET held_on = '2016-02-16' WHERE ref = 'M1'",
    "rm_resolutions": "UPDATE rm_resolutions SET kind = 'noted'",
    "rm_received": "DELETE FROM rm_received",
    "rm_recommendations (response)": "UPDATE rm_recommendations SET event = "
                                     "replace(event, 'accepted', 'not-accepted')",
    "rm_due_changes (moved)": "DELETE FROM rm_due_changes WHERE kind = 'm'",
    "rm_due_changes (requested)": "UPDATE rm_due_changes SET due = '2017-02-01' WHERE kind = 'r'",
    "rm_policies": "DELETE FROM rm_policies",
    "rm_findings": "UPDATE rm_findings SET outcome = 'implemented' WHERE ref = 'A1'",
    "rm_findings (note)": "UPDATE rm_findings SET note = 'signed' WHERE ref = 'A1'",
    "rm_assurance": "UPDATE rm_assurance SET rating = 'high'",
    "rm_status_log": "DELETE FROM rm_status_log WHERE action_ref = 'A1' AND status = 'completed'",
}


@pytest.mark.parametrize("table", sorted(EDITS))
def test_a_hand_edited_read_model_row_is_caught_by_verify_deep(told: Ledger, table: str) -> None:
    with told as app:
        run_sql(app, EDITS[table], forever=FOREVER)
        assert app.verify() == app.fingerprint()  # the chain is intact
        with pytest.raises(Inconsistent) as info:
            verify_deep(app)
    assert "read model disagrees with the log" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_finding_shown_wrongly_as_known_at_a_later_meeting_is_caught(told: Ledger,
                                                                        clock: Clock) -> None:
    """The follow-up's findings are compared on both clocks: a finding corrected after a
    meeting reads as first recorded as known on that meeting's day, so a read model that lost
    the row it held then disagrees there, and only there."""
    with told as app:
        app.clock = clock
        clock.set("2016-03-25")
        app.add_meeting("M3", committee="ARAC", on="2016-03-25", actor="c")
        clock.set("2016-03-28")
        found = next(i.position for i in app.history("A1")
                     if isinstance(i.event, ev.ImplementationAssessed))
        app.correct(found, reason="signed after all", actor="auditor",
                    values={"outcome": "implemented"})
        ReadModel(app).catch_up()
        assert verify_deep(app).meeting_dates == 3
        run_sql(app, "DELETE FROM rm_findings WHERE ref = 'A1' AND recorded_to <> :forever",
                forever=FOREVER)
        with pytest.raises(Inconsistent) as info:
            verify_deep(app)
    assert ("A1: as at 2016-03-25, as known on 2016-03-25T23:59:59.999999Z, follow-up audit FU: "
            "finding missing from the read model") in str(info.value)


def test_verify_deep_on_the_command_line(told: Ledger, ledger_url: str) -> None:
    db = ledger_url.removeprefix("sqlite:///")
    ok = cli(db, "verify", "--deep")
    assert ok.exit_code == 0 and "every event legal; the read model agrees" in ok.stdout
    with told as app:
        run_sql(app, EDITS["rm_actions"])
    assert cli(db, "verify").exit_code == 0
    bad = cli(db, "verify", "--deep")
    assert bad.exit_code == 1
    assert bad.stderr.count("\n") == 1 and "A1" in bad.stderr and "'Eve'" in bad.stderr
    as_json = cli(db, "verify", "--deep", "--format", "json")
    assert as_json.exit_code == 1 and '"ref": "A1"' in as_json.stdout


def append_forged(app: Ledger, event: ev.LedgerEvent) -> int:
    """Append an event by raw insertion, as the tables' owner, with a valid chain and head."""
    stored = app.mapper.to_stored_event(event)
    head = app.fingerprint()
    position = head.position + 1
    digest = chain_hash(head.hash, position, stored.originator_id, stored.originator_version,
                        stored.topic, stored.state)
    meta = sa.MetaData()
    events, heads = events_table(meta), head_table(meta)
    engine = sa.create_engine(app.store.engine.url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(events.insert().values(
                position=position, originator_id=stored.originator_id,
                originator_version=stored.originator_version, topic=stored.topic,
                state=stored.state, hash=digest, recorded_at=micros(event.timestamp)))
            conn.execute(heads.update().values(position=position, hash=digest))
    finally:
        engine.dispose()
    return position


def forgeries(app: Ledger) -> dict[str, ev.LedgerEvent]:
    recorded = datetime(2016, 6, 1, 12, tzinfo=UTC)
    a2 = app.history("A2")[-1].event.originator_version
    m1 = app.history("M1")[-1].event.originator_version
    return {
        "completed, never started": ev.ActionCompleted(
            originator_id=ev.record_id("A3"), originator_version=2, timestamp=recorded,
            ref="A3", actor="Chief Executive", effective=date(2016, 5, 1)),
        "started while waiting": ev.ActionStarted(
            originator_id=ev.record_id("A3"), originator_version=2, timestamp=recorded,
            ref="A3", actor="Chief Executive", effective=date(2016, 5, 1)),
        "before it existed": ev.ActionAssigned(
            originator_id=ev.record_id("A2"), originator_version=a2 + 1, timestamp=recorded,
            ref="A2", actor="x", owner="Eve", effective=date(2015, 1, 1)),
        "in the recorded future": ev.ActionNoted(
            originator_id=ev.record_id("A2"), originator_version=a2 + 1, timestamp=recorded,
            ref="A2", actor="x", text="n", effective=date(2016, 7, 1)),
        "a resolution numbered twice": ev.ResolutionPassed(
            originator_id=ev.record_id("M1"), originator_version=m1 + 1, timestamp=recorded,
            ref="M1", actor="x", number=1, text="Forged", effective=date(2016, 2, 15)),
    }


@pytest.mark.parametrize("kind", ["completed, never started", "started while waiting",
                                  "before it existed", "in the recorded future",
                                  "a resolution numbered twice"])
def test_an_illegal_event_with_a_valid_chain_is_caught_by_verify_deep(
        told: Ledger, clock: Clock, kind: str) -> None:
    with told as app:
        # A3 waits on A2 (in progress); the forged events come after it.
        app.clock = clock
        clock.set("2016-05-01")
        app.add_action("A3", recommendations=["R1"], text="Audit", depends_on=["A2"],
                       on="2016-03-01", actor="a")
        position = append_forged(app, forgeries(app)[kind])
        assert app.verify().position == position  # the chain verifies
        with pytest.raises(Inconsistent) as info:
            verify_deep(app)
    assert info.value.position == position
    assert f"position {position}" in str(info.value) and "is illegal" in str(info.value)


def test_a_tracked_position_ahead_of_the_log_is_an_error(told: Ledger, ledger_url: str) -> None:
    with told as app:
        run_sql(app, "UPDATE ledger_tracking SET notification_id = 99999")
    db = ledger_url.removeprefix("sqlite:///")
    for args in (["projections", "status"], ["report", "as-at", "2016-03-20", "--as-known-on", "2020-01-01"],
                 ["verify", "--deep"]):
        result = cli(db, *args)
        assert result.exit_code == 1, (args, result.stdout)
        assert result.stderr.count("\n") == 1 and "ahead of the log" in result.stderr
        assert "behind" not in result.stdout + result.stderr
    assert cli(db, "projections", "rebuild").exit_code == 0
    assert cli(db, "verify", "--deep").exit_code == 0


@pytest.mark.slow
def test_concurrent_reports_catch_up_a_stale_read_model(ledger_url: str, clock: Clock) -> None:
    """Each round makes the read model stale with changes only (no new rows with a key of their
    own, so only the tracking row can clash), then 8 processes report at once."""
    with Ledger(ledger_url, clock=clock) as app:
        with app.transaction():
            story(app, clock)
            for n in range(ACTIONS):
                app.add_action(f"B{n}", recommendations=["R1"], text="x", on="2016-01-10",
                               actor="a")
        ReadModel(app).catch_up()
        for round_ in range(3):
            with app.transaction():
                for n in range(ACTIONS):
                    app.assign_action(f"B{n}", owner=f"Owner {round_}", on="2016-03-01",
                                      actor="a")
            running = [subprocess.Popen([*PYTHON_M_LEDGER, "--db", ledger_url, "report", "as-at",
                                         "2016-03-20", "--as-known-on", "2020-01-01"],
                                        env=environment(), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True) for _ in range(8)]
            outputs = [p.communicate(timeout=120) for p in running]
            codes = [p.returncode for p in running]
            assert codes == [0] * 8, [err for _, err in outputs]
            assert len({out for out, _ in outputs}) == 1
            assert not any(err for _, err in outputs)
            verify_deep(app)  # nothing applied twice


ACTIONS = 1000


def test_a_rebuild_on_a_full_disk_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    with Ledger(f"sqlite:///{db}") as app, app.transaction():
        for n in range(200):
            app.add_audit(f"B{n}", title="x" * 400, kind=ev.AuditKind.OTHER,
                          on=date(2024, 1, 1), actor="a")
    limit = db.stat().st_size + 4096  # the read model's rows need more than this

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run([*PYTHON_M_LEDGER, "--db", str(db), "projections", "rebuild"],
                          cwd=tmp_path, env=environment(), capture_output=True, text=True,
                          preexec_fn=small_files, timeout=120, check=False)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("Error: cannot ") and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert cli(str(db), "verify").exit_code == 0
