"""Stored values as plain data: the export file's records, trailer and their restore, raw column
values (as a driver returns them) read as the typed row would give them, and the recorded time
inside a stored event's JSON."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.domain.chain import Fingerprint
from ledger.domain.errors import InvalidInput
from ledger.domain.values import EPOCH, MICROSECOND
from ledger.store.errors import one_line

HEX32 = re.compile(r"[0-9a-f]{32}")
"""An originator id as the store writes it on SQLite: 32 lower-case hex digits."""


def as_bytes(value: Any) -> bytes:
    """Stored state as bytes, even if someone rewrote the column as text."""
    return value.encode() if isinstance(value, str) else bytes(value)


def as_uuid(value: UUID | str) -> UUID:
    """An originator id as a UUID."""
    return value if isinstance(value, UUID) else UUID(str(value))


def uuid_text(value: Any) -> str:
    """A stored originator id in its canonical text, as `str()` of the typed row's UUID gives:
    sliced from the 32 lower-case hex digits the store writes on SQLite, else through UUID (which
    raises for a malformed id, as reading the typed row does)."""
    if type(value) is str and HEX32.fullmatch(value):
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value if isinstance(value, UUID) else UUID(value))


def stored_bytes(value: Any) -> bytes:
    """Stored state as the typed row gives it (`bytes(value)`, which refuses text)."""
    return value if type(value) is bytes else bytes(value)


STAMP_KEY = b'{"timestamp":"'
"""How the mapper's JSON of every ledger event begins: `timestamp` is its first field."""
STAMP_AT = len(STAMP_KEY)
"""Where the recorded time's text starts in such JSON."""


def stamp_text(state: bytes) -> bytes | None:
    """The text of the recorded time (`timestamp`) in a stored event's JSON, None if it has none.

    Sliced from the bytes where the JSON begins as the mapper writes it (no parse); else the
    top-level key of a JSON object is read (a full `json.loads`, no validation)."""
    if state.startswith(STAMP_KEY):
        end = state.find(b'"', STAMP_AT)
        return state[STAMP_AT:end] if end > 0 else None
    if not state.startswith(b"{"):
        return None
    try:
        value = json.loads(state).get("timestamp")
    except (ValueError, UnicodeDecodeError):
        return None
    return value.encode() if isinstance(value, str) else None


def stamp_micros(text: bytes | None) -> int | None:
    """A `stamp_text` as microseconds since the epoch (what the `recorded_at` column holds), None
    if it is not an ISO time with an offset."""
    if text is None:
        return None
    try:  # `micros` inline (verify calls this once per recorded time); naive times raise TypeError
        return (datetime.fromisoformat(text.decode("ascii")) - EPOCH) // MICROSECOND
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def export_record(row: Any) -> dict[str, Any]:
    """A stored row as one JSON-ready object of an export file."""
    state = as_bytes(row.state)
    try:
        text: dict[str, Any] = {"state": state.decode("utf-8")}
    except UnicodeDecodeError:
        text = {"state_base64": base64.b64encode(state).decode()}
    return {"position": row.position, "hash": row.hash, "originator_id": str(row.originator_id),
            "originator_version": row.originator_version, "topic": row.topic, **text}


def restored_row(line: int, record: dict[str, Any]) -> dict[str, Any]:
    """The stored row of an export file's record (`export_record` reversed); errors name the line."""
    try:
        if "state_base64" in record:
            state = base64.b64decode(record["state_base64"], validate=True)
        else:
            state = str(record["state"]).encode("utf-8")
        row = {
            "position": int(record["position"]),
            "originator_id": UUID(str(record["originator_id"])),
            "originator_version": int(record["originator_version"]),
            "topic": str(record["topic"]),
            "state": state,
            "hash": str(record["hash"]),
        }
    except KeyError as e:
        raise InvalidInput(f"line {line}: missing field {e.args[0]!r}") from None
    except (ValueError, TypeError) as e:
        raise InvalidInput(f"line {line}: bad value: {one_line(e)}") from None
    return row


TRAILER = "trailer"
"""The key of an export file's last line: `{"trailer": {"events": N, "head": "POS:HASH"}}`."""


def export_trailer(head: Fingerprint) -> dict[str, Any]:
    """The last line of an export file: how many events it holds and the chain's head."""
    return {TRAILER: {"events": head.position, "head": str(head)}}


def read_trailer(line: int, record: dict[str, Any]) -> Fingerprint:
    """The head an export file's trailer (`export_trailer`) declares; errors name the line."""
    body = record.get(TRAILER)
    try:
        if set(record) != {TRAILER} or not isinstance(body, dict) or set(body) != {"events", "head"}:
            raise ValueError('expected {"trailer": {"events": N, "head": "POSITION:HASH"}}')
        head = Fingerprint.parse(str(body["head"]))
        if type(body["events"]) is not int or body["events"] != head.position:
            raise ValueError(f"{body['events']!r} events but head {head}")
    except ValueError as e:
        raise InvalidInput(f"line {line}: bad trailer: {one_line(e)}") from None
    return head
