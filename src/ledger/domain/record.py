"""The base of every record: identity, version, the two clocks of its creation, the events it
was folded from (amendments included, `ledger.domain.amend`) and the effective-date rule."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

from ledger.domain import events as ev
from ledger.domain.amend import amended
from ledger.domain.errors import RuleViolation

R = TypeVar("R", bound="Record")


class Record:
    """Base of every aggregate: identity, version, the two clocks of its creation, pending events."""

    kind: ClassVar[str] = "record"
    created_by: ClassVar[type[ev.LedgerEvent]]

    def __init__(self, first: ev.LedgerEvent) -> None:
        self.id = first.originator_id
        self.ref = first.ref
        self.version = 0
        self.created_on: date = first.effective
        self.created_at: datetime = first.timestamp
        self._pending: list[ev.LedgerEvent] = []
        self._stream: list[ev.LedgerEvent] = []
        self._retracted = False

    @property
    def events(self) -> list[ev.LedgerEvent]:
        """Every event of the stream applied so far, amendments included, in version order."""
        return self._stream

    @property
    def retracted(self) -> bool:
        """Whether the record's creating event was retracted: it reads as never recorded."""
        return self._retracted

    # -- eventsourcing protocol -----------------------------------------------------------
    @property
    def pending_events(self) -> tuple[ev.LedgerEvent, ...]:
        """The events triggered on this record and not yet saved, oldest first."""
        return tuple(self._pending)

    def collect_events(self) -> list[ev.LedgerEvent]:
        """Hand over the events not yet saved."""
        collected, self._pending = self._pending, []
        return collected

    def apply(self, event: ev.LedgerEvent) -> None:
        """Evolve the state by one event (dispatch on the event's class name); an amendment
        rebuilds the state from the stream's events as amended (`ledger.domain.amend`)."""
        self._stream.append(event)
        if isinstance(event, ev.AMENDMENTS):
            self._refold()
        else:
            self._handle(event)
        self.version = event.originator_version

    def _handle(self, event: ev.LedgerEvent) -> None:
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is None:
            raise TypeError(f"{type(self).__name__} cannot apply {type(event).__name__}")
        handler(event)

    def _refold(self) -> None:
        """Rebuild the state from the amended stream (identity, version and history kept)."""
        views = amended(self.events)
        keep = {"id": self.id, "ref": self.ref, "_pending": self._pending,
                "_stream": self._stream}
        if not views or type(views[0]) is not self.created_by:
            self._retracted = True
            return
        fresh = type(self)(views[0])
        for view in views:
            fresh._handle(view)
        self.__dict__.clear()
        self.__dict__.update(fresh.__dict__)
        self.__dict__.update(keep)

    @classmethod
    def create(cls: type[R], ref: str, **fields: Any) -> R:
        """Start a new record from its creation event (fields validated by the event model)."""
        event = cls.created_by(
            originator_id=ev.record_id(ref), originator_version=1, ref=ref, **fields
        )
        record = cls(event)
        record.apply(event)
        record._pending.append(event)
        return record

    def trigger(self, event_class: type[ev.LedgerEvent], **fields: Any) -> ev.LedgerEvent:
        """Record a new event on this record: validate it, apply it, keep it pending."""
        event = event_class(
            originator_id=self.id, originator_version=self.version + 1, ref=self.ref, **fields
        )
        self.apply(event)
        self._pending.append(event)
        return event

    def check_effective(self, on: date, today: date, *, after: date | None = None,
                        after_what: str = "") -> None:
        """Refuse an effective date in the future or before the record (or `after`) existed."""
        if on > today:
            raise RuleViolation(
                f"{self.ref}: effective date {on} is in the future (today is {today})"
            )
        if on < self.created_on:
            raise RuleViolation(
                f"{self.ref}: effective date {on} is before {self.ref} was added ({self.created_on})"
            )
        if after is not None and on < after:
            raise RuleViolation(f"{self.ref}: effective date {on} is before {after_what} ({after})")
