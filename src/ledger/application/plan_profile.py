"""A saved import profile: the maps and options a council's monthly re-import repeats.

A TOML file (`--profile FILE.toml`); options given on the command line add to it and win:

    audit = "IMA-DFT"
    sheet = "Action plan"
    ref_prefix = "DFT-"
    priority = "medium"
    ignore = ["Internal notes"]

    [map]
    "Where we are" = "status"

    [status_map]
    No = "not_started"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

KEYS = ("audit", "sheet", "ref_prefix", "priority", "ignore", "map", "status_map")


@dataclass(frozen=True)
class Profile:
    """What a profile holds, as the command line would give it."""

    audit: str | None = None
    sheet: str | None = None
    ref_prefix: str | None = None
    priority: str | None = None
    ignore: tuple[str, ...] = ()
    maps: tuple[str, ...] = ()
    status_maps: tuple[str, ...] = ()


def _text(doc: dict[str, Any], key: str, where: str) -> str | None:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{where}: {key} must be text, not {type(value).__name__}")
    return value


def _table(doc: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    table = doc.get(key, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ValueError(f"{where}: [{key}] must be a table of \"WORD\" = \"VALUE\" lines")
    return tuple(f"{k}={v}" for k, v in table.items())


def read_profile(path: str) -> Profile:
    """The profile at `path`; ValueError names the file and what is wrong in it."""
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except OSError as e:
        raise ValueError(f"--profile {path}: cannot be read ({e.strerror})") from None
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"--profile {path}: not TOML ({e})") from None
    unknown = sorted(set(doc) - set(KEYS))
    if unknown:
        raise ValueError(f"--profile {path}: unknown key {unknown[0]!r} (the keys are: "
                         f"{', '.join(KEYS)})")
    ignore = doc.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(v, str) for v in ignore):
        raise ValueError(f"--profile {path}: ignore must be a list of headings")
    where = f"--profile {path}"
    return Profile(_text(doc, "audit", where), _text(doc, "sheet", where),
                   _text(doc, "ref_prefix", where), _text(doc, "priority", where),
                   tuple(ignore), _table(doc, "map", where), _table(doc, "status_map", where))
