"""Stored values as plain data: the export file's records, trailer and their restore, raw column
values (as a driver returns them) read as the typed row would give them, and the recorded time
inside a stored event's JSON."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.domain.chain import Fingerprint, chain_hash
from ledger.domain.errors import InvalidInput
from ledger.domain.values import EPOCH, MICROSECOND, from_micros, micros
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


FUTURE_SKEW_US = 5 * 60 * 1_000_000
"""How far ahead of this machine's clock a restored recorded time may be (clocks differ a little)."""


def rising(line: int, latest: int | None, stamp: int | None) -> int | None:
    """The latest recorded time after a restored row's `stamp`; refuses one that goes back."""
    if stamp is None:
        return latest
    if latest is not None and stamp < latest:
        raise InvalidInput(
            f"line {line}: recorded time {from_micros(stamp).isoformat()} goes back from the "
            f"previous event's {from_micros(latest).isoformat()} (the file was altered)")
    if stamp > micros(datetime.now(UTC)) + FUTURE_SKEW_US:
        raise InvalidInput(
            f"line {line}: recorded time {from_micros(stamp).isoformat()} is in the future "
            "(the file was altered, or made on a machine whose clock is wrong)")
    return stamp


def restored(line: int, record: dict[str, Any], after: Fingerprint,
              check: Callable[[StoredEvent], object] | None) -> dict[str, Any]:
    """The row of an export file's record, checked to follow `after` in the chain and, with
    `check` (which decodes it), to be a ledger event; its recorded time then set."""
    row = restored_row(line, record)
    position = after.position + 1
    if row["position"] != position:
        raise InvalidInput(
            f"line {line}: position {row['position']} where {position} was "
            "expected (events missing or out of order)"
        )
    digest = chain_hash(after.hash, position, row["originator_id"], row["originator_version"],
                        row["topic"], row["state"])
    if digest != row["hash"]:
        raise InvalidInput(
            f"line {line}: hash does not match the chain at position {position} "
            "(the file was altered)"
        )
    if check is not None:
        try:
            event = check(StoredEvent(originator_id=row["originator_id"],
                                      originator_version=row["originator_version"],
                                      topic=row["topic"], state=row["state"]))
        except Exception as e:
            raise InvalidInput(f"line {line}: not a ledger event: {one_line(e)}") from e
        stamp = getattr(event, "timestamp", None)
        row["recorded_at"] = micros(stamp) if isinstance(stamp, datetime) else None
    else:  # as the append path does: the recorded time the event's JSON holds, if any
        row["recorded_at"] = stamp_micros(stamp_text(row["state"]))
    return row
