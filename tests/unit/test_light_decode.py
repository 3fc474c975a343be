"""The rebuild's light decode (`readmodel.light`) gives every field the writer reads equal to the
validated decode's, for every class it decodes light, with personal values kept apart, read
back, or erased; odd rows go to the full decode; events no row shows are not decoded at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.domain import events as ev
from ledger.domain.errors import StoreError
from ledger.projections.readmodel.light import READS, LightDecoder
from ledger.projections.readmodel.writer import IGNORED, TAKEN
from ledger.store import PydanticMapper
from ledger.store.personal import readable
from tests.unit.test_trusted_decode import _added, _mapper, events

LIGHT = sorted(READS, key=lambda c: c.__name__)


def apart(mapper: PydanticMapper, event: ev.LedgerEvent, erased: bool,
          as_uuid: bool) -> tuple[tuple[Any, int, str, bytes], str | None]:
    """The row `iter_pages_apart` gives for the stored event, and its side row's fragment (None
    when it has none, or its values were erased)."""
    stored = mapper.to_stored_event(event)
    personal = getattr(stored, "personal", None)
    clear = None if erased or personal is None else personal[0]
    oid = stored.originator_id if as_uuid else stored.originator_id.hex
    return (oid, stored.originator_version, stored.topic, stored.state), clear


def test_every_class_is_taken_ignored_or_an_amendment() -> None:
    sets = [TAKEN, IGNORED, frozenset(ev.AMENDMENTS)]
    assert frozenset().union(*sets) == frozenset(ev.ALL_EVENTS)
    assert sum(map(len, sets)) == len(ev.ALL_EVENTS)  # no class in two of them
    assert set(READS) <= TAKEN


@pytest.mark.parametrize("cls", LIGHT, ids=lambda c: c.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.filter_too_much])
@given(data=st.data(), erased=st.booleans(), as_uuid=st.booleans())
def test_light_fields_equal_the_validated_decode(cls: type[ev.LedgerEvent], data: st.DataObject,
                                                 erased: bool, as_uuid: bool) -> None:
    mapper = _mapper()
    (oid, version, topic, state), clear = apart(mapper, data.draw(events(cls)), erased, as_uuid)
    expected = mapper.from_row(oid, version, topic, readable(state, clear))
    fallbacks: list[object] = []

    def full(*args: Any) -> Any:
        fallbacks.append(args)
        return mapper.from_row(*args)

    decoded = LightDecoder(full, IGNORED).from_row(oid, version, topic, state, clear)
    assert decoded is not None
    kind, light = decoded
    assert kind is cls
    assert light.originator_version == expected.originator_version
    for name in READS[cls]:
        got, want = getattr(light, name), getattr(expected, name)
        assert got == want, name
        assert type(got) is type(want), name
        if isinstance(got, tuple):
            assert [type(v) for v in got] == [type(v) for v in want], name
    if clear is not None or b'"$c"' not in state:
        assert not fallbacks  # decoded light, not handed to the full decode


@pytest.mark.parametrize("cls", sorted(IGNORED, key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_an_event_no_row_shows_is_not_decoded(cls: type[ev.LedgerEvent]) -> None:
    def full(*args: Any) -> Any:
        raise AssertionError("decoded")

    assert LightDecoder(full, IGNORED).from_row("0" * 32, 1, ev.topic_of(cls), b"{}") is None


@pytest.mark.parametrize("change", [
    {"text": "  padded\t"}, {"owner": "Ann   Other "},  # as an earlier version may have stored
    {"colour": "red"}, {"text": ""}, {"text": 5}, {"effective": "2016-13-01"},
    {"effective": 20160101}, {"recommendations": "R1"}, {"ref": None}, {"due": "2016-07-25"},
    {"depends_on": ["A0", "A2"]}, {"owner": {"$c": "0" * 64}},
], ids=repr)
def test_odd_rows_read_alike_or_are_refused_alike(change: dict[str, Any]) -> None:
    oid, version, topic, data = _added()
    state = json.dumps({**data, **change}).encode()
    mapper = _mapper()
    decode = LightDecoder(mapper.from_row, IGNORED).from_row
    try:
        expected = mapper.from_row(oid, version, topic, state)
    except StoreError as e:
        with pytest.raises(StoreError) as info:
            decode(oid, version, topic, state)
        assert str(info.value) == str(e)
    else:
        decoded = decode(oid, version, topic, state)
        assert decoded is not None
        for name in READS[ev.ActionAdded]:
            assert getattr(decoded[1], name) == getattr(expected, name), name
