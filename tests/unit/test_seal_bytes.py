"""`personal.seal`, which formats its JSON fragments directly (a bulk append seals every event),
gives byte for byte what the formula it replaced gave (`json.dumps` of each value and of the
salts), for every event type and every field's values: the chain hashes these bytes, and the
stored ledgers were written by the old formula."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.domain import events as ev
from ledger.domain.personal import COMMITMENT_KEY, SALT_BYTES, commitment, personal_fields
from ledger.store.mapper import EncodedBatch
from ledger.store.personal import _exclude, seal
from tests.unit.test_trusted_decode import ALL, _mapper, events


def sealed_before(event: ev.LedgerEvent,
                  random_bytes: Callable[[int], bytes]) -> tuple[bytes, tuple[str, str] | None]:
    """`seal` as it was written before (commit b68c113): the reference."""
    values = {f: v for f in personal_fields(event).all if (v := getattr(event, f)) is not None}
    state: bytes = event.__pydantic_serializer__.to_json(event, exclude=_exclude(tuple(values)))
    if not values:
        return state, None
    salts = random_bytes(SALT_BYTES * len(values))
    commits, clear, salted = [], [], {}
    for i, (field, value) in enumerate(values.items()):
        salt = salts[i * SALT_BYTES:(i + 1) * SALT_BYTES]
        commits.append(f'"{field}":{{"{COMMITMENT_KEY}":"{commitment(salt, field, value)}"}}')
        clear.append(f'"{field}":{json.dumps(value, ensure_ascii=False)}')
        salted[field] = salt.hex()
    return (state[:-1] + b"," + ",".join(commits).encode() + b"}",
            (",".join(clear), json.dumps(salted, separators=(",", ":"))))


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.filter_too_much])
@given(data=st.data(), seed=st.integers(0, 2**32))
def test_seal_gives_the_bytes_of_the_formula_before(cls: type[ev.LedgerEvent],
                                                    data: st.DataObject, seed: int) -> None:
    event = data.draw(events(cls))
    assert seal(event, random.Random(seed).randbytes) == sealed_before(
        event, random.Random(seed).randbytes)


ODD = ['He said "no"', "back\\slash", "tab\there\nnewline", "\u2028\u2029 line separators",
       "caf\u00e9 \U0001f600", "\x00\x1f\x7f control", "</script>"]


@pytest.mark.parametrize("text", ODD)
def test_odd_characters_are_escaped_as_json_dumps_escapes_them(text: str) -> None:
    """Quotes, backslashes, control characters and non-ASCII (kept as UTF-8, as
    `ensure_ascii=False` keeps them) in a personal value."""
    event = ev.ActionNoted.model_validate({
        "originator_id": "00000000-0000-4000-8000-000000000001", "originator_version": 3,
        "timestamp": "2016-07-25T10:00:00+00:00", "actor": "J Smith", "ref": "R1.1",
        "effective": "2016-07-25", "text": "plain", "personal": True})
    # Set without validation: the domain refuses most control characters, `seal` must not
    # depend on it.
    event = event.model_copy(update={"text": text, "actor": text})
    ours, theirs = seal(event, random.Random(1).randbytes), sealed_before(
        event, random.Random(1).randbytes)
    assert ours == theirs
    assert ours[1] is not None and json.loads("{" + ours[1][0] + "}")["text"] == text


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.filter_too_much])
@given(st.tuples(*(events(cls) for cls in ALL)))
def test_the_mappers_batch_encodes_as_one_event_at_a_time(
        batch: tuple[ev.LedgerEvent, ...]) -> None:
    """`encode_batch` and `to_stored_event` over events of every type: the same columns."""
    one, many = _mapper(), _mapper()
    one.random_bytes = random.Random(7).randbytes  # type: ignore[method-assign]
    many.random_bytes = random.Random(7).randbytes  # type: ignore[method-assign]
    stored = [one.to_stored_event(e) for e in batch]
    encoded = many.encode_batch(batch)
    expected = EncodedBatch.of(stored)
    assert encoded == expected
