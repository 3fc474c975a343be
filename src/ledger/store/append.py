"""The bulk append's preparation: a batch of encoded events checked and chained after the log's
last row, as the columns a backend inserts (`ChainedRows`).

The chain is computed into a column: no object per event outlives its turn of the loop, so the
cyclic collector has nothing to scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import cast
from uuid import UUID

from pydantic import TypeAdapter

from ledger.domain.chain import link
from ledger.domain.errors import RecordedTimeBehind
from ledger.domain.values import from_micros
from ledger.store.codecs import as_uuid
from ledger.store.mapper import EncodedBatch


@dataclass(frozen=True, slots=True)
class ChainedRows:
    """A batch ready to insert, one list per column (the id both as UUIDs and as the 32 hex
    digits SQLAlchemy binds on SQLite), the hashes chained."""

    positions: range
    uuids: list[UUID]
    hexes: list[str]
    versions: list[int]
    topics: list[str]
    states: list[bytes]
    hashes: list[str]
    recorded_at: list[int | None]


def chain_batch(batch: EncodedBatch, position: int, digest: str,
                latest: int | None) -> ChainedRows | None:
    """`batch` chained after the row at `position` with hash `digest`, or None if it is empty.

    Refuses a batch whose recorded times go back from `latest` (the last row's) or each other."""
    ids, versions, topics, states = (batch.originator_ids, batch.originator_versions,
                                     batch.topics, batch.states)
    stamps = batch.recorded_at
    count = len(ids)
    if not len(versions) == len(topics) == len(states) == len(stamps) == count:
        raise ValueError("an encoded batch needs one value of each field per event")
    _check_recorded_times(latest, stamps)
    if not count:
        return None
    uuids, texts, hexes = _encode_ids(ids)
    hashes = _chain(bytes.fromhex(digest), position, texts, versions, topics, states)
    return ChainedRows(range(position + 1, position + count + 1), uuids, hexes, versions, topics,
                       states, hashes, stamps)


def _check_recorded_times(latest: int | None, stamps: list[int | None]) -> None:
    for stamp in stamps:  # all checked before anything is written
        if stamp is not None:
            if latest is not None and stamp < latest:
                raise RecordedTimeBehind(
                    f"recorded time {from_micros(stamp).isoformat()} is before the ledger's "
                    f"last ({from_micros(latest).isoformat()}); nothing recorded"
                )
            latest = stamp


@cache
def _uuid_list() -> TypeAdapter[list[UUID]]:
    """The adapter that writes a list of UUIDs as JSON, built when first used (building its
    schema costs a command line's start about 5 ms)."""
    return TypeAdapter(list[UUID])


def _encode_ids(ids: list[UUID | str]) -> tuple[list[UUID], list[bytes], list[str]]:
    """The ids as UUIDs, as their canonical text (what `str(UUID)` gives: the chain hashes it)
    and as their 32 hex digits (`UUID.hex`: how SQLAlchemy binds a UUID on SQLite)."""
    uuids = (cast(list[UUID], ids) if set(map(type, ids)) == {UUID}
             else [as_uuid(oid) for oid in ids])
    # All at once: pydantic writes a list of UUIDs as JSON from their 128-bit values,
    # `["8-4-4-4-12",...]`.
    listed = _uuid_list().dump_json(uuids)[2:-2]
    texts = listed.split(b'","')
    hexes = listed.replace(b"-", b"").decode().split('","')
    if not len(texts) == len(hexes) == len(ids):
        raise ValueError("an originator id did not encode as one UUID")
    return uuids, texts, hexes


def _chain(previous: bytes, position: int, texts: list[bytes], versions: list[int],
           topics: list[str], states: list[bytes]) -> list[str]:
    """The hex hashes of the events chained after `previous`, the hash at `position`."""
    digests: list[str] = []
    add_digest = digests.append
    topic_bytes: dict[str, bytes] = {}
    for text, version, topic, state in zip(texts, versions, topics, states, strict=True):
        position += 1
        encoded_topic = topic_bytes.get(topic)
        if encoded_topic is None:
            encoded_topic = topic_bytes[topic] = topic.encode()
        previous = link(previous, position, text, version, encoded_topic, state)
        add_digest(previous.hex())
    return digests
