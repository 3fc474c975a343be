"""The audit trail as rows: who recorded what, when, with what effect and why."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TextIO

from ledger.domain import events as ev
from ledger.domain.amend import amended
from ledger.domain.values import Logged
from ledger.projections.describe import details, summary
from ledger.projections.render.safe import csv_cell, one_line
from ledger.projections.report import iso_utc

COLUMNS = ["position", "recorded", "effective", "actor", "ref", "event", "change", "why", "hash",
           "links"]
WHY_FIELDS = ("reason", "evidence", "note")


@dataclass(frozen=True)
class Links:
    """How one event of the trail is tied to corrections and retractions: what it amends (and,
    for a correction, the values it replaced) and which later events amend it."""

    corrects: int | None = None
    retracts: int | None = None
    was: Mapping[str, Any] | None = None
    corrected_by: tuple[int, ...] = ()
    retracted_by: tuple[int, ...] = ()

    def words(self) -> str:
        """`corrected by #57; retracted by #60` (empty when nothing amends the event)."""
        parts = [f"{verb} by {', '.join(f'#{p}' for p in by)}"
                 for verb, by in (("corrected", self.corrected_by),
                                  ("retracted", self.retracted_by)) if by]
        return "; ".join(parts)


NO_LINKS = Links()


def links_of(history: Sequence[Logged]) -> dict[int, Links]:
    """The links of each position of one record's events (in version order): a correction
    links to the event it names and to the first of its family, and says what it replaced."""
    events = [item.event for item in history]
    position = {e.originator_version: item.position for e, item in zip(events, history, strict=True)}
    corrected: dict[int, list[int]] = {}
    retracted: dict[int, list[int]] = {}
    own: dict[int, Links] = {}
    for i, (e, item) in enumerate(zip(events, history, strict=True)):
        at = item.position
        if isinstance(e, ev.EventCorrected):
            targets = dict.fromkeys((position.get(e.corrects_version, e.corrects),
                                     position.get(e.original_version, e.original)))
            for target in targets:
                corrected.setdefault(target, []).append(at)
            own[at] = Links(corrects=e.corrects, was=_was(events[:i], e))
        elif isinstance(e, ev.EventRetracted):
            retracted.setdefault(position.get(e.retracts_version, e.retracts), []).append(at)
            own[at] = Links(retracts=e.retracts)
    out = {}
    for item in history:
        at = item.position
        base = own.get(at, NO_LINKS)
        if at in corrected or at in retracted or at in own:
            out[at] = Links(base.corrects, base.retracts, base.was,
                            tuple(corrected.get(at, ())), tuple(retracted.get(at, ())))
    return out


def _was(before: Sequence[ev.LedgerEvent], c: ev.EventCorrected) -> dict[str, Any] | None:
    """The values of the fields a correction changes, as the stream read just before it."""
    view = next((v for v in amended(before) if v.originator_version == c.original_version), None)
    if view is None:
        return None
    data = view.model_dump(mode="json")
    return {k: data.get(k) for k in c.new_values}


def trail_row(item: Logged, links: Links = NO_LINKS) -> dict[str, Any]:
    """One event as a flat row (the same keys in every format), with its links to the
    corrections and retractions that amend it, or that it is."""
    e = item.event
    why = "; ".join(f"{k}: {getattr(e, k)}" for k in WHY_FIELDS if getattr(e, k, None))
    return {
        "position": item.position, "recorded": iso_utc(e.timestamp),
        "effective": e.effective.isoformat(), "actor": e.actor, "ref": e.ref,
        "event": type(e).__name__, "change": summary(e, None if links.was is None
                                                      else dict(links.was)),
        "why": why, "hash": item.hash, "details": details(e),
        "database_role": item.database_role, "corrects": links.corrects,
        "retracts": links.retracts, "corrected_by": list(links.corrected_by),
        "retracted_by": list(links.retracted_by), "links": links.words(),
    }


def trail_line(row: dict[str, Any]) -> str:
    """A row as one line of text, the database's role beside the actor when it noted one and
    its amendments after it; unprintable characters (a CR, a newline, an escape sequence
    stored before input refused them) are escaped, so no event can print a forged line."""
    role = row.get("database_role")
    by = f"{row['actor']} (role {role})" if role else row["actor"]
    links = f" [{row['links']}]" if row.get("links") else ""
    return one_line(f"#{row['position']} {row['recorded']} (effective {row['effective']}) "
                    f"{by}: {row['ref']} {row['change']}{links}")


def trail_csv(row: dict[str, Any]) -> list[Any]:
    """A row's CSV cells, in COLUMNS order; text that a spreadsheet would run as a formula is
    defused (`csv_cell`), numbers stay numbers."""
    return [csv_cell(v) if isinstance(v, str) else v for v in (row[c] for c in COLUMNS)]


def select(log: Iterable[Logged], *, recorded_from: date | None = None,
           recorded_to: date | None = None, actor: str | None = None,
           ref: str | None = None) -> Iterator[Logged]:
    """Filter the trail lazily: recorded between two dates (inclusive), by actor, by ref."""
    for item in log:
        e: ev.LedgerEvent = item.event
        day = e.timestamp.date()
        if recorded_from and day < recorded_from:
            continue
        if recorded_to and day > recorded_to:
            continue
        if actor and e.actor != actor:
            continue
        if ref and e.ref != ref:
            continue
        yield item


def write_trail(items: Iterable[Logged], fmt: str, out: TextIO,
                links: Mapping[int, Links] | None = None) -> int:
    """Write the trail to `out` as text, JSON or CSV as it comes (never the whole trail in
    memory), each event with its `links` (by position); return how many events were written."""
    count = 0
    known = links or {}

    def rows() -> Iterator[dict[str, Any]]:
        for item in items:
            yield trail_row(item, known.get(item.position, NO_LINKS))

    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows():
            writer.writerow(trail_csv(row))
            count += 1
        return count
    if fmt == "json":
        out.write("[")
        for row in rows():
            out.write(("," if count else "") + "\n  " + json.dumps(row))
            count += 1
        out.write("\n]\n" if count else "]\n")
        return count
    for row in rows():
        out.write(trail_line(row) + "\n")  # the change carries its reason or note
        count += 1
    return count
