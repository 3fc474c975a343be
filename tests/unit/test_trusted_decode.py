"""The rebuild's trusted decode (`ledger.store.trusted`) gives the very event the validated decode
gives, for every event type, whatever its fields hold: dates, enums, tuples, optional fields
absent and present, corrections' payloads, personal values read back from the side table or
erased, and rows the validated decode refuses (refused alike)."""

from __future__ import annotations

import json
import types
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

import annotated_types
import pytest
from eventsourcing.persistence import JSONTranscoder
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, ValidationError
from pydantic.functional_validators import AfterValidator

from ledger.domain import events as ev
from ledger.domain import vocabulary
from ledger.domain.errors import StoreError
from ledger.store import PydanticMapper
from ledger.store.personal import readable
from ledger.store.trusted import DECODERS, TrustedDecoder

ALL = sorted(ev.ALL_EVENTS, key=lambda c: c.__name__)
PRINTABLE = st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"))
WORDS = st.text(PRINTABLE, min_size=1, max_size=12).filter(lambda s: s.strip())
TEXT = st.builds(lambda a, b, pad: pad + a + b + pad, WORDS,
                 st.text(st.sampled_from("ab \n\t"), max_size=4), st.sampled_from(["", " ", "\n"]))
NAME = st.builds(lambda words, gap: gap.join(words), st.lists(WORDS, min_size=1, max_size=3),
                 st.sampled_from([" ", "  "]))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(PRINTABLE, max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(PRINTABLE, max_size=5), inner, max_size=3), max_leaves=6)
BY_VALIDATOR: dict[Any, st.SearchStrategy[Any]] = {
    vocabulary.check_ref: st.from_regex(vocabulary.REF_PATTERN, fullmatch=True),
    vocabulary.check_minute: st.from_regex(vocabulary.MINUTE_PATTERN, fullmatch=True),
    vocabulary._name: NAME,
    vocabulary._day: st.dates(vocabulary.FIRST_DAY, vocabulary.LAST_DAY),
}
for _meta in get_args(vocabulary.Text)[1:]:
    BY_VALIDATOR[_meta.func] = TEXT
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))])


def values(annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    """Values a field of this annotation accepts; a type it does not know fails the test, so a
    new kind of field cannot go untested."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *inner = get_args(annotation)
        return values(base, [*inner, *metadata])
    for meta in metadata:
        if isinstance(meta, AfterValidator):
            return BY_VALIDATOR[meta.func]
    sizes = {"min_size": 0, "max_size": 4}
    for meta in metadata:
        if isinstance(meta, annotated_types.MinLen):
            sizes["min_size"] = meta.min_length
        if isinstance(meta, annotated_types.MaxLen):
            sizes["max_size"] = meta.max_length
    args = get_args(annotation)
    if origin in (Union, types.UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        return st.none() | values(inner, [])
    if origin is tuple:
        return st.lists(values(args[0], []), min_size=max(1, sizes["min_size"]),
                        max_size=3).map(tuple) if sizes["min_size"] else st.lists(
            values(args[0], []), max_size=3).map(tuple)
    if origin is dict:
        return st.dictionaries(values(args[0], []), values(args[1], []), max_size=3)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from(list(annotation))
    if annotation is Any:
        return JSON
    simple: dict[Any, st.SearchStrategy[Any]] = {
        bool: st.booleans(), int: st.integers(1, 99), date: st.dates(),
        AwareDatetime: st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=ZONES),
        str: (st.text("0123456789abcdef", min_size=sizes["min_size"], max_size=sizes["max_size"])
              if sizes["min_size"] else st.text(PRINTABLE, max_size=10))}
    return simple[annotation]


@st.composite
def events(draw: st.DrawFn, cls: type[ev.LedgerEvent]) -> ev.LedgerEvent:
    """An event of `cls` as a command makes it (validated from Python values), each optional
    field absent or present."""
    data: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        if name == "originator_id":
            data[name] = draw(st.uuids())
        elif name == "originator_version":
            data[name] = draw(st.integers(1, 10**6))
        elif info.is_required() or draw(st.booleans()):
            data[name] = draw(values(info.annotation, info.metadata))
    try:
        return cls.model_validate(data)
    except ValidationError:
        assume(False)
        raise


def _mapper() -> PydanticMapper:
    return PydanticMapper(transcoder=JSONTranscoder())


def row(mapper: PydanticMapper, event: ev.LedgerEvent, erased: bool,
        as_uuid: bool) -> tuple[Any, int, str, bytes]:
    """The row `iter_pages` gives for the stored event: SQLite's hex id (or PostgreSQL's UUID),
    the payload with its personal values read back from the side row, or without (erased)."""
    stored = mapper.to_stored_event(event)
    personal = getattr(stored, "personal", None)
    state = stored.state if erased or personal is None else readable(stored.state, personal[0])
    oid = stored.originator_id if as_uuid else stored.originator_id.hex
    return oid, stored.originator_version, stored.topic, state


def same(a: Any, b: Any, decoded: bool = True) -> None:
    """Equal events, field by field and type by type, serialised alike (`decoded`: both read
    from the same stored row, so the same fields were set)."""
    assert type(a) is type(b)
    assert a == b
    if decoded:
        assert a.model_fields_set == b.model_fields_set
        assert type(a.model_fields_set) is type(b.model_fields_set)
    for name in type(a).model_fields:
        x, y = getattr(a, name), getattr(b, name)
        assert type(x) is type(y), name
        if isinstance(x, datetime):
            assert x.utcoffset() == y.utcoffset()
        if isinstance(x, tuple | list):
            assert [type(v) for v in x] == [type(v) for v in y], name
    assert a.model_dump_json() == b.model_dump_json()
    assert a.model_dump() == b.model_dump()


def test_every_event_type_has_a_trusted_decode() -> None:
    missing = [c.__name__ for c in ev.ALL_EVENTS if ev.topic_of(c) not in DECODERS]
    assert not missing, f"no trusted decode (always validated): {missing}"


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.filter_too_much])
@given(data=st.data(), erased=st.booleans(), as_uuid=st.booleans())
def test_trusted_decode_equals_the_validated_decode(cls: type[ev.LedgerEvent], data: st.DataObject,
                                                    erased: bool, as_uuid: bool) -> None:
    mapper = _mapper()
    event = data.draw(events(cls))
    stored = row(mapper, event, erased, as_uuid)
    fallbacks: list[object] = []

    def validated(*args: Any) -> Any:
        fallbacks.append(args)
        return mapper.from_row(*args)

    same(TrustedDecoder(validated).from_row(*stored), mapper.from_row(*stored))
    if not erased or b'"$c"' not in stored[3]:
        assert not fallbacks  # decoded by the trusted path itself, not handed back
    if not erased:
        same(TrustedDecoder(validated).from_row(*stored), event, decoded=False)


def _added() -> tuple[str, int, str, dict[str, Any]]:
    mapper = _mapper()
    event = ev.ActionAdded(originator_id=UUID(int=7), originator_version=1,
                           timestamp=datetime(2016, 7, 25, 9, tzinfo=UTC), ref="A1", actor="Ann",
                           effective=date(2016, 7, 25), recommendations=("R1",), text="Do it")
    oid, version, topic, state = row(mapper, event, erased=False, as_uuid=False)
    return oid, version, topic, json.loads(state)


@pytest.mark.parametrize("change", [
    {"text": "  padded\t"}, {"actor": "Ann   Other "},  # as an earlier version may have stored
    {"colour": "red"}, {"text": ""}, {"text": 5}, {"effective": "2016-13-01"},
    {"effective": 20160101}, {"recommendations": "R1"}, {"timestamp": "2016-07-25T09:00:00"},
    {"ref": None}, {"due": "2016-07-25"}, {"depends_on": ["A0", "A2"]},
], ids=repr)
def test_odd_rows_decode_or_are_refused_alike(change: dict[str, Any]) -> None:
    oid, version, topic, data = _added()
    state = json.dumps({**data, **change}).encode()
    mapper = _mapper()
    try:
        expected = mapper.from_row(oid, version, topic, state)
    except StoreError as e:
        with pytest.raises(StoreError) as info:
            TrustedDecoder(mapper.from_row).from_row(oid, version, topic, state)
        assert str(info.value) == str(e)
    else:
        same(TrustedDecoder(mapper.from_row).from_row(oid, version, topic, state), expected)


def test_a_missing_required_field_is_refused_alike() -> None:
    oid, version, topic, data = _added()
    del data["text"]
    state = json.dumps(data).encode()
    mapper = _mapper()
    with pytest.raises(StoreError) as info:
        TrustedDecoder(mapper.from_row).from_row(oid, version, topic, state)
    with pytest.raises(StoreError) as expected:
        mapper.from_row(oid, version, topic, state)
    assert str(info.value) == str(expected.value)
