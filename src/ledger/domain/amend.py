"""Corrections and retractions: how a record's events read once later events amend them.

The rule, for one record's stream in version order (the order the ledger learned its events):

* An event is *live* unless a live `EventRetracted` retracts it (retracting a retraction
  restores what it retracted; a later retraction is judged first).
* Each `EventCorrected` belongs to the family of the first event it (or the correction it
  corrects) amends. A live original event reads as itself, updated by the `values` of each
  live correction of its family in version order; its version, position and actor stay its
  own, its recorded time becomes that of the last correction applied.
* A retracted original event, and every amendment, take no part in the record's state.

Every reader applies this one function: the records (for the rules), the pure replay, the SQL
read model and the legality check, so "as known after a correction" means the same everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from ledger.domain import events as ev
from ledger.domain.values import Logged

E = TypeVar("E", bound=ev.LedgerEvent)

FIXED = frozenset({"originator_id", "originator_version", "timestamp", "ref", "actor"})
"""Fields no correction changes: the event's identity, its recorded time and who recorded it."""
DERIVED = frozenset({"previous"})
"""Fields copied from the record when the event was recorded, never typed."""
NOT_CORRECTABLE: tuple[type[ev.LedgerEvent], ...] = (ev.ReportPresented, *ev.AMENDMENTS)
"""Events corrected only by retracting them: a presented paper is pinned to its fingerprint,
and an amendment is corrected by correcting its family or retracting the amendment."""


def correctable_fields(cls: type[ev.LedgerEvent]) -> frozenset[str]:
    """The fields of an event class that a correction may change."""
    return frozenset(cls.model_fields) - FIXED - DERIVED


def family_of(events: Sequence[ev.LedgerEvent]) -> dict[int, int]:
    """Version -> the version of the original event its family starts from."""
    family: dict[int, int] = {}
    for e in events:
        v = e.originator_version
        if isinstance(e, ev.EventCorrected):
            family[v] = family.get(e.corrects_version, e.original_version)
        elif isinstance(e, ev.EventRetracted):
            family[v] = v  # a retraction is its own family: it is retracted, never corrected
        else:
            family[v] = v
    return family


def live_versions(events: Sequence[ev.LedgerEvent]) -> set[int]:
    """The versions not retracted by a live retraction (judged latest first)."""
    retracted: set[int] = set()
    for e in reversed(events):
        if isinstance(e, ev.EventRetracted) and e.originator_version not in retracted:
            retracted.add(e.retracts_version)
    return {e.originator_version for e in events} - retracted


def corrected(original: E, corrections: Iterable[ev.EventCorrected]) -> E:
    """An event as it reads after the given corrections (in order); itself if there are none."""
    merged: dict[str, Any] | None = None
    timestamp = original.timestamp
    for c in corrections:
        if merged is None:
            merged = original.model_dump(mode="json")
        merged.update(c.new_values)
        timestamp = max(timestamp, c.timestamp)
    if merged is None:
        return original
    merged["timestamp"] = timestamp.isoformat()
    # JSON mode: the values were checked as input when the correction was recorded.
    return type(original).model_validate_json(json.dumps(merged))


def amended(events: Sequence[E]) -> list[E]:
    """A stream's events (version order) as they read after its amendments: every live event
    that is not itself an amendment, corrected, in version order."""
    if not any(isinstance(e, ev.AMENDMENTS) for e in events):
        return list(events)
    live = live_versions(events)
    family = family_of(events)
    by_family: dict[int, list[ev.EventCorrected]] = {}
    for e in events:
        if isinstance(e, ev.EventCorrected) and e.originator_version in live:
            by_family.setdefault(family[e.originator_version], []).append(e)
    return [corrected(e, by_family.get(e.originator_version, ()))
            for e in events
            if not isinstance(e, ev.AMENDMENTS) and e.originator_version in live]


def is_amended(events: Iterable[ev.LedgerEvent]) -> bool:
    """Whether any event of a stream amends another."""
    return any(isinstance(e, ev.AMENDMENTS) for e in events)


def check_amendment(stream: Sequence[ev.LedgerEvent], amendment: ev.LedgerEvent) -> None:
    """Raise ValueError unless an amendment names an earlier event of its own stream that it
    may amend (`stream`: the events before it, version order)."""
    by_version = {e.originator_version: e for e in stream}
    if isinstance(amendment, ev.EventCorrected):
        target = by_version.get(amendment.corrects_version)
        original = by_version.get(amendment.original_version)
        if target is None or original is None:
            raise ValueError(f"corrects version {amendment.corrects_version} of {amendment.ref}, "
                             "which it does not have")
        if isinstance(original, NOT_CORRECTABLE):
            raise ValueError(f"corrects a {type(original).__name__}, which is not corrected")
        family = family_of([*stream, amendment])
        if family[amendment.originator_version] != amendment.original_version:
            raise ValueError("names an original event that is not the first of its family")
        extra = set(amendment.values) - correctable_fields(type(original))
        if extra:
            raise ValueError(f"changes {', '.join(sorted(extra))}, which a correction of "
                             f"{type(original).__name__} may not change")
    elif (isinstance(amendment, ev.EventRetracted)
          and amendment.retracts_version not in by_version):
        raise ValueError(f"retracts version {amendment.retracts_version} of {amendment.ref}, "
                         "which it does not have")


def amended_log(items: Iterable[Logged]) -> list[Logged]:
    """A whole log as it reads after its amendments: each record's events amended, each
    keeping its position, in position order."""
    streams: dict[str, list[Logged]] = {}
    for item in items:
        streams.setdefault(item.event.ref, []).append(item)
    out: list[Logged] = []
    for stream in streams.values():
        events = [i.event for i in stream]
        if not is_amended(events):
            out.extend(stream)
            continue
        at = {i.event.originator_version: i for i in stream}
        for view in amended(events):
            item = at[view.originator_version]
            out.append(Logged(item.position, item.hash, view, item.database_role))
    out.sort(key=lambda i: i.position)
    return out
