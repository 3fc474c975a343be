"""Every fast path of the store computes the one chain formula, `ledger.domain.chain.chain_hash`.

The bulk append (`insert_batch` / `insert_events`, on pre-encoded parts), `verify` (on the raw
page reads) and `restore` (of an export file) are each checked against hashes computed here
with `chain_hash` on plain values, over varied events: non-ASCII topics and state bytes (valid
UTF-8 or not), ids given as UUIDs or as text in several spellings, recorded times or none, and
batches split at random points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.chain import GENESIS_HASH, Fingerprint, chain_hash
from ledger.domain.errors import InvalidInput
from ledger.store import EncodedBatch, LedgerRecorder, StampedEvent, export_record, make_engine


@dataclass(frozen=True)
class Event:
    originator_id: UUID | str  # as the caller gives it
    uuid: UUID
    version: int
    topic: str
    state: bytes
    recorded_at: int | None


def _spell(u: UUID, form: str) -> UUID | str:
    """The id as a caller may give it: a UUID, or its text in one of the spellings UUID reads."""
    if form == "uuid":
        return u
    return {"str": str(u), "upper": str(u).upper(), "hex": u.hex}[form]


_TOPIC_CHARS = st.characters(codec="utf-8", exclude_characters="\x00")
_TOPICS = st.one_of(
    st.sampled_from(["ledger.domain.events:ActionStarted", "événement:Noté", "記録:変更", "Ωmega"]),
    st.text(_TOPIC_CHARS, min_size=1, max_size=24),
)
_STATES = st.one_of(
    st.binary(max_size=80),  # often not UTF-8: exported as base64
    st.text(max_size=40).map(str.encode),  # UTF-8, often non-ASCII
    st.just('{"note":"café ☕","n":1}'.encode()),
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Event], list[int], list[bool]]:
    """Events (unique stream identities, rising recorded times where given), the points at which
    they are cut into batches, and per batch whether it goes through `insert_events`."""
    ids = draw(st.lists(st.uuids(), min_size=1, max_size=4, unique=True))
    topics = draw(st.lists(_TOPICS, min_size=1, max_size=3))
    versions = dict.fromkeys(ids, 0)
    events: list[Event] = []
    for n in range(draw(st.integers(1, 25))):
        u = draw(st.sampled_from(ids))
        versions[u] += draw(st.integers(1, 3))
        form = draw(st.sampled_from(["uuid", "str", "upper", "hex"]))
        stamp = 1_500_000_000_000_000 + n * 1000 if draw(st.booleans()) else None
        events.append(Event(_spell(u, form), u, versions[u], draw(st.sampled_from(topics)),
                            draw(_STATES), stamp))
    cuts = sorted(draw(st.sets(st.integers(1, len(events)), max_size=4)) | {len(events)})
    via_events = draw(st.lists(st.booleans(), min_size=len(cuts), max_size=len(cuts)))
    return events, cuts, via_events


def _expected(events: list[Event]) -> list[str]:
    """The chain by `chain_hash` on plain values (the id as its canonical UUID)."""
    digest, hashes = GENESIS_HASH, []
    for position, e in enumerate(events, start=1):
        digest = chain_hash(digest, position, e.uuid, e.version, e.topic, e.state)
        hashes.append(digest)
    return hashes


def _recorder() -> LedgerRecorder:
    recorder = LedgerRecorder(make_engine("sqlite://"))
    recorder.create_table()
    return recorder


def _append(recorder: LedgerRecorder, events: list[Event], cuts: list[int],
            via_events: list[bool]) -> None:
    start = 0
    for stop, stored in zip(cuts, via_events, strict=True):
        chunk = events[start:stop]
        if stored:
            recorder.insert_events([
                StampedEvent(originator_id=e.originator_id, originator_version=e.version,
                             topic=e.topic, state=e.state, recorded_at=e.recorded_at)
                for e in chunk])
        else:
            recorder.insert_batch(EncodedBatch(
                [e.originator_id for e in chunk], [e.version for e in chunk],
                [e.topic for e in chunk], [e.state for e in chunk],
                [e.recorded_at for e in chunk]))
        start = stop


def _records(events: list[Event], hashes: list[str]) -> list[tuple[int, dict[str, Any]]]:
    """An export file of the events, with the hashes given (not read from any store)."""
    rows = [
        export_record(_Row(position, h, str(e.originator_id), e.version, e.topic, e.state))
        for position, (e, h) in enumerate(zip(events, hashes, strict=True), start=1)
    ]
    return list(enumerate(rows, start=1))


@dataclass(frozen=True)
class _Row:
    position: int
    hash: str
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


@settings(max_examples=150, deadline=None)
@given(histories())
def test_the_bulk_append_chains_as_chain_hash(history: tuple[list[Event], list[int], list[bool]]) -> None:
    events, cuts, via_events = history
    expected = _expected(events)
    recorder = _recorder()
    _append(recorder, events, cuts, via_events)
    rows = list(recorder.iter_rows())
    assert [r.hash for r in rows] == expected
    assert [(r.originator_id, r.originator_version, r.topic, r.state) for r in rows] == [
        (e.uuid, e.version, e.topic, e.state) for e in events]
    assert recorder.head() == recorder.remembered_head() == Fingerprint(len(events), expected[-1])


@settings(max_examples=150, deadline=None)
@given(histories())
def test_verify_recomputes_chain_hash(history: tuple[list[Event], list[int], list[bool]]) -> None:
    events, cuts, via_events = history
    expected = _expected(events)
    recorder = _recorder()
    _append(recorder, events, cuts, via_events)
    head = Fingerprint(len(events), expected[-1])
    assert recorder.verify() == head
    middle = (len(events) + 1) // 2
    assert recorder.verify(expect=Fingerprint(middle, expected[middle - 1])) == head


@settings(max_examples=150, deadline=None)
@given(histories())
def test_restore_checks_the_chain_hash_chain(
        history: tuple[list[Event], list[int], list[bool]]) -> None:
    events, _, _ = history
    expected = _expected(events)
    head = Fingerprint(len(events), expected[-1])
    restored = _recorder()
    assert restored.restore(_records(events, expected)) == head
    assert [r.hash for r in restored.iter_rows()] == expected
    assert restored.verify() == head == restored.remembered_head()
    altered = _records(events, expected)
    line, record = altered[-1]
    altered[-1] = (line, {**record, "hash": chain_hash(GENESIS_HASH, 1, events[0].uuid, 0, "x", b"")})
    with pytest.raises(InvalidInput, match=f"line {line}: hash does not match the chain"):
        _recorder().restore(altered)
