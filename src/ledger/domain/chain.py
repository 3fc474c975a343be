"""The hash chain: one formula, and the fingerprint that names a point of it.

Every stored event's hash is SHA-256 over the previous hash, then its position, stream identity
and topic, then its stored bytes. The store's fast paths (append, verify, restore) call
`link` on pre-encoded parts; `chain_hash` is the same formula on plain values.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Fingerprint:
    """The ledger's identity at a point: the last position and the chain's hash there."""

    position: int
    hash: str

    def __str__(self) -> str:
        return f"{self.position}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        """Parse `POSITION:HASH` as printed by reports and `ledger verify`."""
        position, sep, digest = text.strip().partition(":")
        if not sep or not position.isdigit() or len(digest) != 64:
            raise ValueError(f"fingerprint {text!r} is not POSITION:HASH (64 hex digits)")
        try:
            bytes.fromhex(digest)
        except ValueError:
            raise ValueError(f"fingerprint {text!r} has a hash that is not hex") from None
        return cls(int(position), digest.lower())

    def as_dict(self) -> dict[str, Any]:
        """JSON form used in every report."""
        return {"position": self.position, "hash": self.hash}


EMPTY = Fingerprint(0, GENESIS_HASH)

_sha256 = hashlib.sha256


def link(previous: bytes, position: int, originator_id: bytes, version: int, topic: bytes,
         state: bytes) -> bytes:
    """The chain formula on encoded parts: the 32-byte digest that follows `previous`.

    `originator_id` is the id's canonical text (`str(UUID)`) as ASCII bytes."""
    h = _sha256(previous)
    h.update(b"%d\x00%b\x00%d\x00%b\x00" % (position, originator_id, version, topic))
    h.update(state)
    return h.digest()


def chain_hash(
    previous: str, position: int, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> str:
    """The chain formula on plain values: the hex hash that follows `previous`."""
    return link(bytes.fromhex(previous), position, str(originator_id).encode(), version,
                topic.encode(), state).hex()
