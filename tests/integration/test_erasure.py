"""Personal data kept apart from the chain and erased, on both backends: the chain and an earlier
fingerprint still verify, history and reports read "[erased]" with the same counts, exports
carry (or leave out) the values, and a restored ledger verifies to the same fingerprint."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.application import Ledger
from ledger.application.erasing import erase
from ledger.domain import events as ev
from ledger.domain.errors import ChainBroken, InvalidInput, RuleViolation
from ledger.domain.personal import ERASED
from ledger.projections.readmodel import ReadModel
from ledger.projections.replay import replay
from ledger.store.personal import readable
from tests.conftest import Clock

ANN = "Ann Other"


def story(app: Ledger) -> None:
    """An action owned by Ann, a note and evidence naming her, and others not about her."""
    app.add_audit("A1", title="ICO audit", kind=ev.AuditKind.ICO_AUDIT, on=date(2016, 1, 4),
                  actor="J Smith")
    app.add_recommendation("R1", audit="A1", text="Appoint a Records Manager",
                           priority=ev.Priority.HIGH, on=date(2016, 1, 5), actor="J Smith")
    app.add_action("X1", recommendations=["R1"], text="Write the schedule", owner=ANN,
                   on=date(2016, 1, 6), actor="J Smith")
    app.add_action("X2", recommendations=["R1"], text="Train owners", owner="Bob Jones",
                   on=date(2016, 1, 6), actor=ANN)
    app.start_action("X1", on=date(2016, 1, 7), actor="J Smith", note="ann other began drafting")
    app.note_action("X1", "Ann Other on leave until March", on=date(2016, 1, 8),
                    actor="J Smith", personal=True)
    app.note_action("X2", "Annex B attached", on=date(2016, 1, 8), actor="J Smith")
    app.start_action("X2", on=date(2016, 1, 8), actor="J Smith")
    app.complete_action("X2", on=date(2016, 1, 9), actor="J Smith", evidence="Signed by Bob Jones")


@pytest.fixture
def told(app: Ledger) -> Ledger:
    story(app)
    return app


@pytest.fixture
def target_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second, empty ledger on the backend, to restore into."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/restored.db"
    return str(request.getfixturevalue("pg_schemas")())


def totals(app: Ledger) -> dict[str, int]:
    model = ReadModel(app)
    model.catch_up()
    position = model.position(date(2016, 2, 1), app.clock())
    return {"actions": len(position.actions),
            "completed": sum(a.status is ev.Status.COMPLETED for a in position.actions)}


def test_erase_puts_every_value_about_the_subject_beyond_use_and_keeps_the_chain(told: Ledger) -> None:
    published = told.verify()
    before = totals(told)
    done = erase(told, "ann  OTHER", reason="erasure request ER-1", actor="DPO")
    assert done.fields == {"owner": 1, "actor": 1, "note": 1, "text": 1}
    assert told.verify(expect=published).position == published.position + 1
    x1 = [item.event for item in told.history("X1")]
    assert getattr(x1[0], "owner", None) == ERASED
    assert [e.note for e in x1 if isinstance(e, ev.ActionStarted)] == [ERASED]
    assert [e.text for e in x1 if isinstance(e, ev.ActionNoted)] == [ERASED]
    x2 = [item.event for item in told.history("X2")]
    assert x2[0].actor == ERASED and x2[0].owner == "Bob Jones"  # type: ignore[attr-defined]
    assert [e.text for e in x2 if isinstance(e, ev.ActionNoted)] == ["Annex B attached"]
    assert totals(told) == before
    owners = {a.owner for a in ReadModel(told).position(date(2016, 2, 1), told.clock()).actions}
    assert owners == {ERASED, "Bob Jones"}
    (recorded,) = [item.event for item in told.stream() if isinstance(item.event, ev.PersonalDataErased)]
    assert recorded.actor == "DPO" and recorded.count == 4 and recorded.reason == "erasure request ER-1"
    assert ANN.casefold() not in recorded.model_dump_json().casefold()


def test_records_read_erased_values_and_commands_go_on(told: Ledger) -> None:
    erase(told, ANN, reason="ER-1", actor="DPO")
    told.assign_action("X1", owner="Carol King", on=date(2016, 1, 10), actor="J Smith")
    history = [item.event for item in told.history("X1")]
    assert isinstance(history[-1], ev.ActionAssigned)
    assert history[-1].previous == ERASED and history[-1].owner == "Carol King"
    told.verify()


def test_an_erasure_that_finds_nothing_is_refused_and_records_nothing(told: Ledger) -> None:
    head = told.fingerprint()
    with pytest.raises(RuleViolation, match="no personal data about 'Nobody Here'"):
        erase(told, "Nobody Here", reason="ER-2", actor="DPO")
    with pytest.raises(InvalidInput, match="subject"):
        erase(told, "  ", reason="ER-2", actor="DPO")
    assert told.fingerprint() == head


def test_a_second_erasure_of_the_same_subject_finds_nothing(told: Ledger) -> None:
    erase(told, ANN, reason="ER-1", actor="DPO")
    with pytest.raises(RuleViolation):
        erase(told, ANN, reason="ER-1 again", actor="DPO")


def test_an_altered_personal_value_is_caught_by_verify(told: Ledger) -> None:
    side = told.store.personal
    with told.store.write_engine.begin() as conn:
        plain = conn.execute(sa.select(side.c.plain).where(side.c.position == 3)).scalar_one()
        conn.execute(side.update().where(side.c.position == 3)
                     .values(plain=plain.replace(ANN, "Eve Forger")))
    with pytest.raises(ChainBroken, match="personal data altered at position 3"):
        told.verify()


def exported(app: Ledger, *, personal: bool = True) -> str:
    out = io.StringIO()
    app.export(out, personal=personal)
    return out.getvalue()


def test_an_export_after_erasure_holds_no_trace_and_restores_to_the_same_fingerprint(
        told: Ledger, target_url: str) -> None:
    erase(told, ANN, reason="ER-1", actor="DPO")
    text = exported(told)
    assert ANN.casefold() not in text.casefold()
    with Ledger(target_url) as restored:
        assert restored.restore(io.StringIO(text)) == told.fingerprint()
        assert restored.verify() == told.fingerprint()
        owners = [e.owner for e in (i.event for i in restored.stream())
                  if isinstance(e, ev.ActionAdded)]
        assert owners == [ERASED, "Bob Jones"]


def test_an_export_without_personal_values_restores_with_them_beyond_use(
        told: Ledger, target_url: str) -> None:
    published = told.verify()
    text = exported(told, personal=False)
    assert "Bob Jones" not in text and "J Smith" not in text
    with Ledger(target_url) as restored:
        restored.restore(io.StringIO(text))
        assert restored.verify(expect=published) == published
        events = [i.event for i in restored.stream()]
        assert {e.actor for e in events} == {ERASED}
        assert totals(restored)["actions"] == 2


def test_a_restore_refuses_personal_values_that_do_not_match_the_chain(
        told: Ledger, target_url: str) -> None:
    lines = exported(told).splitlines()
    record = json.loads(lines[2])
    record["personal"]["plain" if "plain" in record["personal"] else "clear"] = '"actor":"Eve Forger"'
    lines[2] = json.dumps(record)
    with Ledger(target_url) as restored, pytest.raises(InvalidInput, match="line 3: personal values"):
        restored.restore(io.StringIO("\n".join(lines) + "\n"))


def test_events_stored_before_personal_data_was_kept_apart_still_read_and_verify(
        backend: str, ledger_url: str, clock: Clock) -> None:
    with Ledger(ledger_url, clock=clock) as app:
        story(app)
        legacy = ev.MilestoneSet(originator_id=ev.record_id("OLD"), originator_version=1,
                                 timestamp=clock(), ref="OLD", actor=ANN,
                                 effective=date(2016, 1, 10), text="Old style")
        state = legacy.model_dump_json(exclude={"originator_id", "originator_version"}).encode()
        assert ANN.encode() in state  # the value inside the hashed payload, as before
        with app.store.transaction() as conn:
            stored = app.mapper.encode_batch([legacy])
            stored.states[0] = state
            stored.personal[0] = None  # type: ignore[index]
            app.store.insert_batch(stored, conn=conn)
        assert app.verify().position == 10
        assert [i.event.actor for i in app.history("OLD")] == [ANN]
        done = erase(app, ANN, reason="ER-1", actor="DPO")
        assert done.count == 4  # what is kept apart; the old value stays in the chain
        assert done.inside_the_chain == 1
        assert [i.event.actor for i in app.history("OLD")] == [ANN]
        app.verify()


def test_no_trace_of_an_erased_value_is_left_in_the_sqlite_files(file_app: Ledger,
                                                                  sqlite_url: str) -> None:
    story(file_app)
    file_app.assign_action("X1", owner="Bob Jones", on=date(2016, 1, 10), actor="J Smith",
                           reason="Ann Other moved on")
    ReadModel(file_app).catch_up()  # the read model copies owners and wording
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]

    def traces() -> list[str]:
        found = []
        for f in files:
            data = f.read_bytes().lower() if f.exists() else b""
            found += [f"{f.name}: {word}" for word in (b"ann other", b"ann\\nother")
                      if word in data]
        return found

    assert traces()  # the test can see the values before the erasure
    erase(file_app, ANN, reason="ER-1", actor="DPO")
    assert traces() == []
    assert ANN.casefold() not in exported(file_app).casefold()
    file_app.verify()


def test_a_name_typed_into_a_correction_is_kept_apart_and_erased(file_app: Ledger,
                                                                 sqlite_url: str) -> None:
    story(file_app)
    added = next(i for i in file_app.history("X2") if isinstance(i.event, ev.ActionAdded))
    (fixed,) = file_app.correct(added.position, reason="wrong owner typed", actor="J Smith",
                                values={"owner": "Cy Zed-Walker"})
    model = ReadModel(file_app)
    model.catch_up()
    owners = {a.ref: a.owner for a in model.position(date(2016, 2, 1), file_app.clock()).actions}
    assert owners["X2"] == "Cy Zed-Walker"  # the correction reads as typed, in SQL and replay
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    files = [path, path.with_name(path.name + "-wal")]

    def traces() -> bool:
        return any(b"zed-walker" in f.read_bytes().lower() for f in files if f.exists())

    stored = file_app.store.row_at(fixed.position)
    assert b"zed-walker" not in bytes(stored.state).lower()  # not inside the hashed payload
    assert traces()  # the side table holds it until erased
    erase(file_app, "Cy Zed-Walker", reason="ER-2", actor="DPO")
    assert not traces()
    file_app.verify()
    model.catch_up()
    owners = {a.ref: a.owner for a in model.position(date(2016, 2, 1), file_app.clock()).actions}
    assert owners["X2"] == ERASED
    assert {a.ref: a.owner for a in replay(file_app.stream(), date(2016, 2, 1)).actions} == owners


def test_who_accepted_a_risk_named_by_a_correction_is_erased(told: Ledger) -> None:
    """A name a correction gives a recommendation stored without one (`risk_accepted_by` is
    then left out of its payload) is kept apart and erased: SQL and the replay read "[erased]"."""
    (made,) = told.add_recommendation("R2", audit="A1", text="Encrypt laptops", priority="low",
                                      response=ev.Response.NOT_ACCEPTED, on=date(2016, 1, 5),
                                      actor="J Smith")
    (fixed,) = told.correct(made.position, reason="named late", actor="J Smith",
                            values={"risk_accepted_by": "Cy Zed-Walker"})
    assert b"zed-walker" not in bytes(told.store.row_at(fixed.position).state).lower()
    model = ReadModel(told)

    def risk() -> tuple[str | None, str | None]:
        model.catch_up()
        got = model.position(date(2016, 2, 1), told.clock()).recommendations["R2"]
        return got.risk_accepted_by, replay(told.stream(), date(2016, 2, 1)).recommendations[
            "R2"].risk_accepted_by

    assert risk() == ("Cy Zed-Walker", "Cy Zed-Walker")
    published = told.verify()
    done = erase(told, "cy zed-walker", reason="ER-3", actor="DPO")
    assert done.fields == {"personal": 1}
    assert risk() == (ERASED, ERASED)
    assert told.verify(expect=published).position == published.position + 1
    history = [item.event for item in told.history("R2")]
    assert all("zed-walker" not in e.model_dump_json().lower() for e in history)


@pytest.mark.parametrize("erased", [False, True])
def test_pages_with_personal_values_apart_read_back_as_the_readable_pages(
        told: Ledger, erased: bool) -> None:
    """The rebuild reads pages with their side rows apart (`iter_pages_apart`) and reads each
    value back only where it needs it: merged, they are the pages every other reader gets."""
    if erased:
        erase(told, "Bob Jones", reason="request", actor="DPO")
    merged = [(*row[:4], readable(row[4], clears.get(row[0])), *row[5:])
              for rows, clears in told.store.iter_pages_apart(batch=4) for row in rows]
    assert merged == [row for page in told.store.iter_pages(batch=4) for row in page]
    bare = [row for rows, _ in told.store.iter_pages_apart(batch=4) for row in rows]
    assert bare == [row for page in told.store.iter_pages(batch=4, personal=False)
                    for row in page]
    assert any(clears for _, clears in told.store.iter_pages_apart(batch=4))
