"""The mapper: frozen pydantic events to stored bytes (their JSON, personal values replaced by
commitments, the values beside: `store.personal`) and back, one at a time (`StampedEvent`) or as
the columns of a bulk append (`EncodedBatch`)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from ledger.domain import events as ev
from ledger.domain.errors import StoreError
from ledger.domain.values import EPOCH, MICROSECOND
from ledger.store.codecs import HEX32, as_bytes, stamp_micros, stamp_text, stored_bytes
from ledger.store.errors import one_line
from ledger.store.personal import Sealed, readable, seal, unsealed


@dataclass(frozen=True)
class StampedEvent(StoredEvent):
    """A stored event that also says when it was recorded (microseconds since the epoch)."""

    recorded_at: int | None = None
    personal: Sealed | None = None
    """The personal values and salts kept beside the hashed bytes (`store.personal`)."""


_new_object = object.__new__
_set_attribute = object.__setattr__


def _stamped(originator_id: UUID, originator_version: int, topic: str, state: bytes,
             recorded_at: int | None, personal: Sealed | None = None) -> StampedEvent:
    """`StampedEvent(...)` without the frozen dataclass's `__init__` (one `object.__setattr__`
    per field): the instance's `__dict__` is set in one go, to the same fields and values."""
    stored: StampedEvent = _new_object(StampedEvent)
    _set_attribute(stored, "__dict__", {
        "originator_id": originator_id, "originator_version": originator_version,
        "topic": topic, "state": state, "recorded_at": recorded_at, "personal": personal})
    return stored


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """Events encoded for a bulk append (`PydanticMapper.encode_batch`), one list per field of
    their `StampedEvent`s, in the same order: what `LedgerRecorder.insert_batch` appends."""

    originator_ids: list[UUID | str]
    originator_versions: list[int]
    topics: list[str]
    states: list[bytes]
    recorded_at: list[int | None]
    personal: list[Sealed | None] | None = None
    """Each event's personal values and salts, to keep beside it (None: none in the batch)."""

    def __len__(self) -> int:
        return len(self.originator_ids)

    @classmethod
    def of(cls, stored_events: Sequence[StoredEvent]) -> EncodedBatch:
        """The columns of stored events; an event without a `recorded_at` (eventsourcing's own
        `StoredEvent`) gets the recorded time its JSON holds, if any, which `verify` checks."""
        return cls([e.originator_id for e in stored_events],
                   [e.originator_version for e in stored_events],
                   [e.topic for e in stored_events], [e.state for e in stored_events],
                   [_recorded_at(e) for e in stored_events],
                   [getattr(e, "personal", None) for e in stored_events])


def _recorded_at(stored: StoredEvent) -> int | None:
    """A stored event's recorded time: its own, else the one in its JSON (None if neither)."""
    stamp: int | None = getattr(stored, "recorded_at", None)
    return stamp if stamp is not None else stamp_micros(stamp_text(as_bytes(stored.state)))


def _why(e: BaseException) -> str:
    """A validation error's first problem (field: message), else the error's first line."""
    errors = getattr(e, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return one_line(e)


class PydanticMapper(Mapper[UUID]):
    """Maps frozen pydantic events to stored bytes (their JSON) and back, types intact."""

    random_bytes: Callable[[int], bytes] = staticmethod(os.urandom)
    """Where the salts of personal values come from (a seeded source only for the demo, whose
    fingerprint is then the same on every backend and every run)."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        """Encode an event's fields, except its stream identity, as compact JSON."""
        state, personal = seal(domain_event, self.random_bytes)
        return _stamped(
            domain_event.originator_id, domain_event.originator_version,
            ev.topic_of(type(domain_event)), state,
            (domain_event.timestamp - EPOCH) // MICROSECOND,  # micros(timestamp), inline
            personal)

    def encode_batch(self, domain_events: Sequence[Any]) -> EncodedBatch:
        """`to_stored_event` for a batch, as the columns `LedgerRecorder.insert_batch` appends:
        the same fields and bytes, without a `StoredEvent` object per event."""
        sealed = [seal(e, self.random_bytes) for e in domain_events]
        return EncodedBatch(
            [e.originator_id for e in domain_events],
            [e.originator_version for e in domain_events],
            [ev.topic_of(type(e)) for e in domain_events],
            [state for state, _ in sealed],
            [(e.timestamp - EPOCH) // MICROSECOND for e in domain_events],
            [personal for _, personal in sealed])

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        """Validate stored JSON back into its event class (dates, enums and tuples restored)."""
        try:
            cls = ev.event_class(stored_event.topic)
            state = stored_event.state
            personal: Sealed | None = getattr(stored_event, "personal", None)
            if personal is not None:  # as encoded here: the values still beside the payload
                state = readable(state, personal[0])
            if (type(state) is bytes and state[:1] == b"{" and state[-1:] == b"}"
                    and type(stored_event.originator_id) is UUID
                    and type(stored_event.originator_version) is int):
                # Fast path: the stream identity is appended to the stored JSON object (a later
                # key wins, as the assignment below does) and pydantic parses and validates the
                # bytes in one pass. Anything unusual takes the general path, which also gives
                # the error message.
                try:
                    return cls.model_validate_json(
                        b'%s,"originator_id":"%s","originator_version":%d}' % (
                            state[:-1], str(stored_event.originator_id).encode(),
                            stored_event.originator_version))
                except Exception:  # the general path below decides, and words the error
                    pass
            data = unsealed(cls, json.loads(state))
            data["originator_id"] = stored_event.originator_id
            data["originator_version"] = stored_event.originator_version
            return cls.model_validate(data)
        except Exception as e:
            raise StoreError(
                f"cannot decode stored event {stored_event.originator_id} "
                f"v{stored_event.originator_version} ({stored_event.topic}): {_why(e)}"
            ) from e

    def from_row(self, originator_id: Any, originator_version: Any, topic: str, state: Any) -> Any:
        """`to_domain_event` for a stored row's values as the driver returns them (`iter_pages`).

        On SQLite the id is the stored 32 hex digits: it goes into the JSON as it is (pydantic
        parses it), so no UUID object is made twice. The result, and any error, is the one
        `to_domain_event` gives for the typed row."""
        if (type(originator_id) is str and type(state) is bytes and type(originator_version) is int
                and state[:1] == b"{" and state[-1:] == b"}" and HEX32.fullmatch(originator_id)):
            try:
                return ev.event_class(topic).model_validate_json(
                    b'%s,"originator_id":"%s","originator_version":%d}' % (
                        state[:-1], originator_id.encode(), originator_version))
            except Exception:  # the general path below decides, and words the error
                pass
        oid = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        return self.to_domain_event(StoredEvent(
            originator_id=oid, originator_version=originator_version, topic=topic,
            state=stored_bytes(state)))
