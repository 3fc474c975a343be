"""Stored values as plain data: the export file's records and their restore, and raw column
values (as a driver returns them) read as the typed row would give them."""

from __future__ import annotations

import base64
import re
from typing import Any
from uuid import UUID

from ledger.domain.errors import InvalidInput
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
