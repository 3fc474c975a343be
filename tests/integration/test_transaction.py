"""`Ledger.transaction()` reads each record once, yet a change by another writer in the meantime
is still refused at the end, with nothing of the transaction recorded (on every backend)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.errors import ConcurrentChange, DuplicateRef, RecordedTimeBehind
from ledger.domain.records import Action
from tests.conftest import Clock


@pytest.fixture
def two(ledger_url: str, clock: Clock) -> Iterator[tuple[Ledger, Ledger]]:
    """Two officers' applications on one ledger, with an audit, a recommendation and an action."""
    with Ledger(ledger_url, clock=clock) as mine, Ledger(ledger_url, clock=clock) as theirs:
        mine.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30", actor="a")
        mine.add_recommendation("R1", audit="ICO", text="t", priority="high", on="2015-12-01",
                                actor="a")
        mine.add_action("A1", recommendations=["R1"], text="Write it", on="2016-01-04", actor="a")
        yield mine, theirs


def counting_reads(app: Ledger, monkeypatch: pytest.MonkeyPatch) -> Counter[Any]:
    """Count the store reads of each stream the application makes from now on."""
    reads: Counter[Any] = Counter()
    select = app.store.select_events

    def counted(originator_id: Any, *args: Any, **kwargs: Any) -> Any:
        reads[originator_id] += 1
        return select(originator_id, *args, **kwargs)

    monkeypatch.setattr(app.store, "select_events", counted)
    return reads


def test_a_transaction_reads_each_record_from_the_store_once(
        two: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch) -> None:
    mine, _ = two
    reads = counting_reads(mine, monkeypatch)
    with mine.transaction() as recorded:
        for i in range(5):
            mine.add_action(f"B{i}", recommendations=["R1"], text="More", depends_on=["A1"],
                            on="2016-01-05", actor="b")
        mine.start_action("A1", on="2016-01-06", actor="b")
        assert mine.find("NOPE") is None and mine.find("NOPE") is None
    assert len(recorded) == 6
    assert reads[ev.record_id("R1")] == 1
    assert reads[ev.record_id("A1")] == 1
    assert reads[ev.record_id("NOPE")] == 1
    # Outside a transaction every command reads afresh (another writer may have moved on).
    mine.complete_action("A1", on="2016-01-07", actor="b")
    assert reads[ev.record_id("A1")] == 2


def test_a_record_changed_by_another_writer_after_it_was_read_is_refused(
        two: tuple[Ledger, Ledger]) -> None:
    """The transaction works on what it read: if that changed before the end, nothing is saved
    (the import that decided on it must be run again), rather than applied to the new state."""
    mine, theirs = two
    before = mine.fingerprint()
    with pytest.raises(ConcurrentChange, match=r"^A1 changed since it was read \(now in_progress\); "
                                               r"nothing recorded$"), mine.transaction():
        assert mine.get("A1", Action).status is ev.Status.NOT_STARTED
        theirs.start_action("A1", on="2016-01-06", actor="c")
        mine.add_action("B1", recommendations=["R1"], text="More", on="2016-01-05",
                        actor="b")
        mine.assign_action("A1", owner="Bob", on="2016-01-05", reason="r", actor="b")
    assert theirs.fingerprint().position == before.position + 1  # nothing of the transaction
    assert mine.find("B1") is None
    action = mine.get("A1", Action)
    assert (action.status, action.owner) == (ev.Status.IN_PROGRESS, None)


def test_another_writer_recording_during_the_transaction_refuses_it_whole(
        two: tuple[Ledger, Ledger]) -> None:
    mine, theirs = two
    before = mine.fingerprint()
    with pytest.raises(RecordedTimeBehind, match=r"^B1, A1: another officer recorded first; "
                                                 r"nothing recorded$"), mine.transaction():
        mine.add_action("B1", recommendations=["R1"], text="More", on="2016-01-05",
                        actor="b")
        mine.assign_action("A1", owner="Bob", on="2016-01-05", reason="r", actor="b")
        theirs.start_action("A1", on="2016-01-06", actor="c")
    assert theirs.fingerprint().position == before.position + 1
    assert mine.find("B1") is None


def test_a_ref_found_free_then_taken_by_another_writer_is_refused(
        two: tuple[Ledger, Ledger]) -> None:
    mine, theirs = two
    before = mine.fingerprint()
    taken = "ref B1 was taken by another writer; nothing recorded"
    with pytest.raises(DuplicateRef, match=taken), mine.transaction():
        assert mine.find("B1") is None
        theirs.add_milestone("B1", text="Their milestone", on="2016-01-05", actor="c")
        mine.add_action("B1", recommendations=["R1"], text="Mine", on="2016-01-05", actor="b")
    assert theirs.fingerprint().position == before.position + 1
    assert mine.find("B1") is not None and mine.find("B1").kind == "milestone"  # type: ignore[union-attr]
