"""Commands that close or amend what was recorded: withdraw and supersede an action, correct or
retract any earlier event by its position in the trail.

A correction or retraction is a new event on the record's own stream; the earlier event stays in
the chain. Before it is saved, the whole log is read as it would be amended and checked under
the rules: a correction that would make any event illegal (complete before start, a start while
a dependency is open) is refused, naming that event, and nothing is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any, cast

from pydantic import ValidationError

from ledger.application.commands import command
from ledger.application.core import LedgerCore
from ledger.domain import events as ev
from ledger.domain.amend import (
    NOT_CORRECTABLE,
    amended,
    correctable_fields,
    family_of,
    live_versions,
)
from ledger.domain.errors import InvalidInput, RuleViolation, UnknownRef
from ledger.domain.personal import ERASED, personal_fields
from ledger.domain.records import Action, Record
from ledger.domain.values import Logged
from ledger.projections.legality import problems
from ledger.projections.trail import Links, links_of

PAGE = 1000
"""Amendments read per query when linking the trail."""


class Amending(LedgerCore):
    """The commands of `Ledger` that close an action or amend an earlier event."""

    @command
    def withdraw_action(self, ref: ev.Ref, *, on: date, reason: ev.Text,
                        actor: ev.Name) -> list[Logged]:
        """Withdraw an action (not accepted, or its risk accepted): counted apart from now on."""
        now, today = self._now()
        action = self.get(ref, Action)
        action.withdraw(on, today, actor=actor, timestamp=now, reason=reason)
        return self._save(action)

    @command
    def supersede_action(self, ref: ev.Ref, *, by: ev.Ref, on: date, actor: ev.Name,
                         reason: ev.Text | None = None) -> list[Logged]:
        """Mark an action superseded by another action, which carries its work on."""
        now, today = self._now()
        action = self.get(ref, Action)
        successor = self.get(by, Action)
        if not successor.status.live:
            raise RuleViolation(f"{by} is {successor.status}: it cannot carry on {ref}'s work")
        action.supersede(by, on, today, actor=actor, timestamp=now, reason=reason)
        return self._save(action)

    @command
    def correct(self, position: int, *, reason: ev.Text, actor: ev.Name,
                values: dict[str, Any]) -> list[Logged]:
        """Correct the event at `position` (or the family of events it corrects): from now on it
        reads as if recorded with `values` (field -> new value)."""
        now, today = self._now()
        target, record, current = self._family(position)
        allowed = correctable_fields(type(current))
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise InvalidInput(f"{_kind(current)} has no {', '.join(unknown)} to correct (it "
                               f"has {', '.join(sorted(allowed))})")
        changed = _changes(current, values, position)
        # New values of the event's personal fields are kept apart from the chain, as the
        # event's own were (`ledger.domain.personal`): `values` holds a placeholder.
        private = {k: v for k, v in changed.items()
                   if k in personal_fields(current).all and isinstance(v, str)}
        original_position = (target.original if isinstance(target, ev.EventCorrected)
                             else position)
        record.trigger(ev.EventCorrected, effective=today, actor=actor, timestamp=now,
                       corrects=position, corrects_version=target.originator_version,
                       original=original_position, original_version=current.originator_version,
                       values={**changed, **dict.fromkeys(private, ERASED)}, reason=reason,
                       personal=json.dumps(private, ensure_ascii=False) if private else None)
        self._check_amended(record, f"correcting position {position}")
        return self._save(record)

    def corrected_view(self, position: int) -> ev.LedgerEvent:
        """The event a correction of `position` would change, as it reads now (the first
        event of its family, with the corrections so far); refused as `correct` refuses."""
        return self._family(position)[2]

    def _family(self, position: int) -> tuple[ev.LedgerEvent, Record, ev.LedgerEvent]:
        """The event at `position`, its record, and its family's original as it reads now."""
        target, record = self._target(position)
        if isinstance(target, ev.EventRetracted):
            raise RuleViolation(f"position {position} is a retraction: undo it by retracting it "
                                "(ledger retract)")
        stream = record.events
        original_version = family_of(stream)[target.originator_version]
        original = stream[original_version - 1]
        if isinstance(original, NOT_CORRECTABLE):
            raise RuleViolation(f"position {position} is {_kind(original)}, which is never "
                                "corrected (retract it instead)")
        if original_version not in live_versions(stream):
            raise RuleViolation(f"position {position} was retracted: retract that retraction "
                                "to restore it first")
        current = next(v for v in amended(stream) if v.originator_version == original_version)
        return target, record, current

    @command
    def retract(self, position: int, *, reason: ev.Text, actor: ev.Name) -> list[Logged]:
        """Retract the event at `position`: from now on it reads as never recorded (retracting
        a correction undoes it; retracting a retraction restores what it retracted)."""
        now, today = self._now()
        target, record = self._target(position)
        if target.originator_version not in live_versions(record.events):
            raise RuleViolation(f"position {position} is already retracted")
        record.trigger(ev.EventRetracted, effective=today, actor=actor, timestamp=now,
                       retracts=position, retracts_version=target.originator_version,
                       reason=reason)
        self._check_amended(record, f"retracting position {position}")
        return self._save(record)

    # -- the trail's links ----------------------------------------------------------------------
    def trail_links(self, ref: str | None = None, *, page: int = PAGE) -> dict[int, Links]:
        """Position -> how that event is tied to corrections and retractions: for one record,
        or for every record that has any (found by one pass over the amendments alone, `page`
        at a time)."""
        refs = [ref] if ref is not None else list(dict.fromkeys(self._amended_refs(page)))
        links: dict[int, Links] = {}
        for each in refs:
            links.update(links_of(self.history(each)))
        return links

    def _amended_refs(self, size: int) -> Iterator[str]:
        """The ref of every stored correction and retraction, in position order."""
        topics = [f"{ev.TOPIC_MODULE}:{kind.__name__}" for kind in ev.AMENDMENTS]
        after: int | None = None
        while True:
            found = self.store.select_notifications(after, size, topics=topics,
                                                    inclusive_of_start=False)
            for notification in found:
                yield cast(ev.LedgerEvent, self.mapper.to_domain_event(notification)).ref
            if len(found) < size:
                return
            after = found[-1].id

    # -- helpers ------------------------------------------------------------------------------
    def _target(self, position: int) -> tuple[ev.LedgerEvent, Record]:
        """The event at a position and its record (loaded for the command)."""
        row = self.store.row_at(position) if position >= 1 else None
        if row is None:
            head = self.fingerprint().position
            raise UnknownRef(f"no event at position {position} (the trail runs from 1 to {head})")
        target = self._decode(row)
        record = self._work.find(target.ref, self._load)
        if record is None:  # pragma: no cover - a stored event always has its record
            raise UnknownRef(f"no record {target.ref}")
        return target, record

    def _check_amended(self, record: Record, doing: str) -> None:
        """Refuse an amendment under which any event of the log would be illegal and was not."""
        pending = [Logged(0, "", e) for e in record.pending_events]
        log = list(self.stream())
        head = log[-1].position if log else 0
        before = {p for _, p in problems(log)}
        tentative = [Logged(head + i, "", item.event) for i, item in enumerate(pending, 1)]
        for at, problem in problems(log + tentative):
            if problem not in before:
                where = f" at position {at}" if at <= head else ""
                raise RuleViolation(f"{doing} would make an event{where} illegal: {problem}")


def _changes(current: ev.LedgerEvent, values: dict[str, Any], position: int) -> dict[str, Any]:
    """The fields that change, in their JSON form, validated as new input."""
    fields = {k: getattr(current, k) for k in type(current).model_fields}
    fields.update(values)
    try:
        corrected = type(current)(**fields)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{where}: {first['msg']}") from None
    # .get: a serializer leaves some optional fields out when None (`risk_accepted_by`,
    # `approved_by`, `follows`), so a field may be missing on either side.
    after = corrected.model_dump(mode="json")
    before = current.model_dump(mode="json")
    changed = {k: after.get(k) for k in values if after.get(k) != before.get(k)}
    if not changed:
        raise RuleViolation(f"position {position} already reads so: nothing to correct")
    return changed


def _kind(e: ev.LedgerEvent) -> str:
    """`an ActionStarted` for messages."""
    name = type(e).__name__
    return f"{'an' if name[0] in 'AEIOU' else 'a'} {name}"
