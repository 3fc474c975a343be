"""The ledger application: typed commands that validate, apply the rules and save atomically.

Each command loads the records it needs, checks every rule, and saves all resulting events in one
`save()`: one transaction, so a refused or failed command records nothing. Library errors are
re-raised as `LedgerError`s here; only the CLI turns those into exit codes.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, ParamSpec, TextIO, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import InfrastructureFactory, IntegrityError, OperationalError
from eventsourcing.utils import Environment
from pydantic import ValidationError, validate_call

from ledger.domain import events as ev
from ledger.domain.chain import EMPTY, Fingerprint
from ledger.domain.errors import (
    ConcurrentChange,
    DependenciesNotMet,
    DuplicateRef,
    InvalidInput,
    LedgerError,
    RecordedTimeBehind,
    RuleViolation,
    StoreError,
    UnknownRef,
)
from ledger.domain.records import (
    Action,
    Audit,
    Meeting,
    Milestone,
    Recommendation,
    Record,
    project_record,
)
from ledger.domain.values import LOCAL_TZ, Logged
from ledger.store import (
    LedgerInfrastructure,
    LedgerRecorder,
    PydanticMapper,
    export_record,
    sqlite_path,
)

Clock = Callable[[], datetime]
DEFAULT_URL = "sqlite:///ledger.db"
P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R", bound=Record)


def system_clock() -> datetime:
    """The recorded-time clock: now, in UTC."""
    return datetime.now(UTC)


def explain(error: ValidationError, names: Sequence[str] = ()) -> str:
    """One line naming the first invalid field and what is wrong with it."""
    first = error.errors()[0]
    parts = [names[p] if isinstance(p, int) and p < len(names) and i == 0 else str(p)
             for i, p in enumerate(first["loc"])]
    where = ".".join(parts) or "input"
    msg = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    shown = f" {value!r}" if isinstance(value, str | int | float) and len(repr(value)) < 60 else ""
    if shown and repr(value) in msg:
        shown = ""
    return f"invalid {where}{shown}: {msg}"


RETRIES = 5
LATE_RETRIES = 50


def _in_transaction(args: Any) -> bool:
    return bool(args) and getattr(args[0], "_pending", None) is not None


def command(fn: Callable[P, T]) -> Callable[P, T]:
    """Validate a command's arguments with pydantic; invalid values become `InvalidInput`."""
    validated = validate_call(fn)
    names = list(inspect.signature(fn).parameters)

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        conflict: ConcurrentChange | None = None
        attempt = late = 0
        while True:
            try:
                return validated(*args, **kwargs)
            except ValidationError as e:
                raise InvalidInput(explain(e, names)) from None
            except RecordedTimeBehind:
                # Another writer committed a later time between our reading and our append:
                # nothing conflicts, so re-stamp and go again (on a budget of its own).
                late += 1
                if late >= LATE_RETRIES or _in_transaction(args):
                    raise
                time.sleep(random.uniform(0, 0.005))
            except ConcurrentChange as e:
                # Another writer changed what we read: read again and, if still valid, retry.
                attempt += 1
                if attempt >= RETRIES or _in_transaction(args):
                    raise
                conflict = e
                time.sleep(random.uniform(0, 0.01 * attempt))
            except RuleViolation as e:
                if conflict is not None:  # valid when read, no longer valid after the change
                    raise conflict from e
                raise
        raise AssertionError("unreachable")

    return run


class Ledger(Application[UUID]):
    """The record of audits, recommendations, actions, milestones, meetings and resolutions."""

    name = "Ledger"

    def __init__(self, url: str = DEFAULT_URL, *, clock: Clock = system_clock,
                 create: bool = True) -> None:
        path = sqlite_path(url)
        if not create and path is not None and not os.path.exists(path):
            raise StoreError(f"no ledger at {path} (record something first, or run ledger demo)")
        self.url = url
        self.clock = clock
        self._pending: dict[str, Record] | None = None
        self._ordered: list[ev.LedgerEvent] = []
        self._ordered_ids: set[int] = set()
        # Inside a transaction: records read from the store (None: not there) and the ledger's
        # last recorded time, read once. Nothing of ours is saved until the end, and a change by
        # another writer is still caught then, by the store's version and recorded-time checks.
        self._read: dict[str, Record | None] = {}
        self._last: list[datetime | None] = []
        try:
            super().__init__(env={"PERSISTENCE_MODULE": "ledger.store"})
            if not create and not self.store.has_table():
                raise StoreError(f"no ledger in {url}")
            self.store.create_table()  # idempotent; adds tables a newer version introduced
        except LedgerError:
            raise
        except Exception as e:
            raise StoreError(f"cannot open ledger {url}: {str(e).splitlines()[0]}") from e

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        """Wire in the ledger's own SQLAlchemy Core store."""
        return LedgerInfrastructure(env, url=self.url)

    @property
    def store(self) -> LedgerRecorder:
        """The hash-chained recorder."""
        return cast(LedgerRecorder, self.recorder)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ------------------------------------------------------------------------------
    def _now(self) -> tuple[datetime, date]:
        """The recorded time for a command: the clock, but never before the ledger's last event,
        so recorded times rise with position and "as known on" is always a prefix of the log."""
        now = self.clock()
        if now.tzinfo is None:
            raise InvalidInput("the clock must give timezone-aware times")
        now = now.astimezone(UTC)
        if self._pending is None:
            last = self.store.last_recorded_at()
        else:
            if not self._last:
                self._last.append(self.store.last_recorded_at())
            last = self._last[0]
        if last is not None and now < last:
            now = last
        return now, now.astimezone(LOCAL_TZ).date()

    @contextmanager
    def transaction(self, *, dry_run: bool = False) -> Iterator[list[Logged]]:
        """Run several commands as one: all their events are saved together at the end, or none.

        Inside, commands see each other's changes. Yields the list that receives what was
        recorded (positions 0 while pending, or throughout with `dry_run`, which saves nothing).
        """
        if self._pending is not None:
            raise RuntimeError("transactions do not nest")
        self._pending = {}
        self._ordered = []
        self._ordered_ids = set()
        self._read = {}
        self._last = []
        recorded: list[Logged] = []
        try:
            yield recorded
            records = list(self._pending.values())
            events = list(self._ordered)  # in the order the commands ran: recorded times rise
            self._pending = None
            if dry_run:
                recorded[:] = [Logged(0, "", e) for e in events]
            elif events:
                for r in records:
                    r.collect_events()
                recorded[:] = self._save_events(records, events)
        finally:
            self._pending = None
            self._ordered = []
            self._ordered_ids = set()
            self._read = {}
            self._last = []

    def find(self, ref: str) -> Record | None:
        """The record with this ref, of whatever kind, or None."""
        try:
            ev.check_ref(ref)
        except ValueError as e:
            raise InvalidInput(str(e)) from None
        if self._pending is not None:
            if ref in self._pending:
                return self._pending[ref]
            if ref in self._read:
                return self._read[ref]
        try:
            record: Record | None = self.repository.get(ev.record_id(ref),
                                                        projector_func=project_record)
        except AggregateNotFoundError:
            record = None
        except OperationalError as e:
            raise StoreError(f"cannot read the ledger: {e}") from e
        if self._pending is not None:
            self._read[ref] = record
        return record

    def get(self, ref: str, kind: type[R]) -> R:
        """The record with this ref, which must be of `kind`."""
        record = self.find(ref)
        if record is None:
            raise UnknownRef(f"no {kind.kind} {ref}")
        if not isinstance(record, kind):
            raise UnknownRef(f"{ref} is {_article(record.kind)} {record.kind}, not {_article(kind.kind)} {kind.kind}")
        return record

    def _check_new(self, ref: str) -> None:
        existing = self.find(ref)
        if existing is not None:
            raise DuplicateRef(f"ref {ref} is already used by {_article(existing.kind)} {existing.kind}")

    def _save(self, *records: Record) -> list[Logged]:
        if self._pending is not None:
            fresh = []
            for r in records:
                self._pending[r.ref] = r
                fresh += [e for e in r._pending if id(e) not in self._ordered_ids]
            self._ordered += fresh
            self._ordered_ids.update(id(e) for e in fresh)
            return [Logged(0, "", e) for e in fresh]
        events = [e for r in records for e in r.collect_events()]
        return self._save_events(records, events)

    def _save_events(self, records: Sequence[Record], events: Sequence[ev.LedgerEvent]) -> list[Logged]:
        pending = {r.ref: r.version for r in records}
        try:
            recordings = self.save(*events)
        except RecordedTimeBehind:
            raise RecordedTimeBehind(f"{', '.join(pending)}: another officer recorded first; "
                                     "nothing recorded") from None
        except IntegrityError:
            for ref, version in pending.items():
                current = self.find(ref)
                if current is not None and version == 1:
                    raise DuplicateRef(f"ref {ref} was taken by another writer; nothing recorded") from None
                if current is not None and current.version >= version:
                    now = f" (now {current.status})" if isinstance(current, Action | Milestone) else ""
                    raise ConcurrentChange(
                        f"{ref} changed since it was read{now}; nothing recorded") from None
            raise ConcurrentChange("the ledger changed during the command; nothing recorded") from None
        except OperationalError as e:
            raise StoreError(f"cannot write to the ledger: {str(e).splitlines()[0]}") from e
        return [
            Logged(r.notification.id, "", cast(ev.LedgerEvent, r.domain_event)) for r in recordings
        ]

    # -- commands -----------------------------------------------------------------------------
    @command
    def add_audit(self, ref: ev.Ref, *, title: ev.Text, kind: ev.AuditKind, on: date,
                  areas: dict[ev.Name, ev.Assurance] | None = None, actor: ev.Name) -> list[Logged]:
        """Record an audit or assessment (its date is `on`) with its scope areas and ratings."""
        now, today = self._now()
        if on > today:
            raise RuleViolation(f"{ref}: audit date {on} is in the future (today is {today})")
        self._check_new(ref)
        audit = Audit.create(ref, effective=on, actor=actor, timestamp=now, title=title,
                             kind=kind, areas=areas or {})
        return self._save(audit)

    @command
    def add_recommendation(self, ref: ev.Ref, *, audit: ev.Ref, text: ev.Text,
                           priority: ev.Priority, on: date, actor: ev.Name,
                           area: ev.Name | None = None,
                           response: ev.Response = ev.Response.ACCEPTED) -> list[Logged]:
        """Record a recommendation made by an audit."""
        now, today = self._now()
        source = self.get(audit, Audit)
        self._check_new(ref)
        if on > today:
            raise RuleViolation(f"{ref}: effective date {on} is in the future (today is {today})")
        if on < source.created_on:
            raise RuleViolation(
                f"{ref}: effective date {on} is before audit {audit} ({source.created_on})"
            )
        if area is not None and source.areas and area not in source.areas:
            raise RuleViolation(
                f"{ref}: area {area!r} is not a scope area of {audit} "
                f"({', '.join(source.areas)})"
            )
        rec = Recommendation.create(ref, effective=on, actor=actor, timestamp=now, audit=audit,
                                    text=text, priority=priority, area=area, response=response)
        return self._save(rec)

    @command
    def add_action(self, ref: ev.Ref, *, recommendations: Sequence[ev.Ref], text: ev.Text,
                   on: date, actor: ev.Name, owner: ev.Name | None = None,
                   due: date | None = None, depends_on: Sequence[ev.Ref] = ()) -> list[Logged]:
        """Add an action for one or more recommendations, with its dependencies."""
        now, today = self._now()
        if not recommendations:
            raise InvalidInput(f"{ref}: an action needs at least one recommendation")
        recs = [self.get(r, Recommendation) for r in dict.fromkeys(recommendations)]
        self._check_new(ref)
        for dep in dict.fromkeys(depends_on):
            if dep == ref:
                raise RuleViolation(f"{ref} cannot depend on itself")
            target = self.find(dep)
            if target is None:
                raise UnknownRef(f"{ref} depends on {dep}, which does not exist")
            if not isinstance(target, Action | Milestone):
                raise UnknownRef(
                    f"{ref} depends on {dep}, which is {_article(target.kind)} {target.kind}, "
                    "not an action or a milestone"
                )
        if on > today:
            raise RuleViolation(f"{ref}: effective date {on} is in the future (today is {today})")
        for rec in recs:
            if on < rec.created_on:
                raise RuleViolation(
                    f"{ref}: effective date {on} is before recommendation {rec.ref} was made "
                    f"({rec.created_on})"
                )
        action = Action.create(ref, effective=on, actor=actor, timestamp=now,
                               recommendations=tuple(dict.fromkeys(recommendations)), text=text,
                               owner=owner, due=due, depends_on=tuple(dict.fromkeys(depends_on)))
        return self._save(action)

    def blockers(self, action: Action, on: date) -> list[str]:
        """What `action` still waits on at `on`: each unmet dependency with its state."""
        waiting = []
        for dep in action.depends_on:
            target = self.find(dep)
            if isinstance(target, Action):
                if target.completed_on is None:
                    waiting.append(f"{dep} ({target.status})")
                elif target.completed_on > on:
                    waiting.append(f"{dep} (completed only on {target.completed_on})")
            elif isinstance(target, Milestone):
                if target.achieved_on is None:
                    waiting.append(f"{dep} (pending)")
                elif target.achieved_on > on:
                    waiting.append(f"{dep} (achieved only on {target.achieved_on})")
        return waiting

    @command
    def start_action(self, ref: ev.Ref, *, on: date, actor: ev.Name,
                     note: ev.Text | None = None) -> list[Logged]:
        """Start an action; refused while anything it depends on is unfinished."""
        now, today = self._now()
        action = self.get(ref, Action)
        waiting = self.blockers(action, on)
        if waiting and action.status is ev.Status.NOT_STARTED:
            raise DependenciesNotMet(f"cannot start {ref}: it waits on {', '.join(waiting)}")
        action.start(on, today, actor=actor, timestamp=now, note=note)
        return self._save(action)

    @command
    def complete_action(self, ref: ev.Ref, *, on: date, actor: ev.Name,
                        evidence: ev.Text | None = None) -> list[Logged]:
        """Complete an action that is in progress."""
        now, today = self._now()
        action = self.get(ref, Action)
        action.complete(on, today, actor=actor, timestamp=now, evidence=evidence)
        return self._save(action)

    @command
    def reopen_action(self, ref: ev.Ref, *, on: date, reason: str, actor: ev.Name) -> list[Logged]:
        """Reopen a completed action, with a reason."""
        now, today = self._now()
        action = self.get(ref, Action)
        action.reopen(on, today, actor=actor, timestamp=now, reason=reason)
        return self._save(action)

    @command
    def assign_action(self, ref: ev.Ref, *, owner: ev.Name, on: date, actor: ev.Name,
                      reason: ev.Text | None = None) -> list[Logged]:
        """Give an action a new owner."""
        now, today = self._now()
        action = self.get(ref, Action)
        action.assign(owner, on, today, actor=actor, timestamp=now, reason=reason)
        return self._save(action)

    @command
    def reschedule_action(self, ref: ev.Ref, *, due: date, on: date, reason: str,
                          actor: ev.Name) -> list[Logged]:
        """Change an action's target date, with a reason."""
        now, today = self._now()
        action = self.get(ref, Action)
        action.reschedule(due, on, today, actor=actor, timestamp=now, reason=reason)
        return self._save(action)

    @command
    def note_action(self, ref: ev.Ref, text: ev.Text, *, on: date, actor: ev.Name) -> list[Logged]:
        """Add a note to an action."""
        now, today = self._now()
        action = self.get(ref, Action)
        action.note(text, on, today, actor=actor, timestamp=now)
        return self._save(action)

    @command
    def add_milestone(self, ref: ev.Ref, *, text: ev.Text, on: date,
                      actor: ev.Name) -> list[Logged]:
        """Record a milestone that actions may wait on."""
        now, today = self._now()
        if on > today:
            raise RuleViolation(f"{ref}: effective date {on} is in the future (today is {today})")
        self._check_new(ref)
        return self._save(Milestone.create(ref, effective=on, actor=actor, timestamp=now,
                                           text=text))

    @command
    def achieve_milestone(self, ref: ev.Ref, *, on: date, actor: ev.Name,
                          note: ev.Text | None = None) -> list[Logged]:
        """Mark a milestone achieved."""
        now, today = self._now()
        milestone = self.get(ref, Milestone)
        milestone.achieve(on, today, actor=actor, timestamp=now, note=note)
        return self._save(milestone)

    @command
    def add_meeting(self, ref: ev.Ref, *, committee: ev.Name, on: date,
                    actor: ev.Name) -> list[Logged]:
        """Record a committee meeting, held on `on` (a future date schedules it)."""
        now, today = self._now()
        self._check_new(ref)
        meeting = Meeting.create(ref, effective=min(on, today), actor=actor, timestamp=now,
                                 committee=committee, held_on=on)
        return self._save(meeting)

    @command
    def add_resolution(self, meeting: ev.Ref, number: int, *, text: ev.Text, actor: ev.Name,
                       kind: ev.ResolutionKind | None = None,
                       minute: ev.Minute | None = None, further_to: ev.Minute | None = None,
                       report_due_at: ev.Ref | None = None, report_due_by: date | None = None,
                       report_after: ev.Text | None = None,
                       fulfils: str | None = None) -> list[Logged]:
        """Record a resolution of a meeting; a requested report is due at, by or after something.

        With `fulfils=MEETING/NUMBER` it records that an earlier request's report was received.
        """
        now, today = self._now()
        held = self.get(meeting, Meeting)
        where = f"resolution {meeting}/{number}"
        dues = [x for x in (report_due_at, report_due_by, report_after) if x is not None]
        if len(dues) > 1:
            raise InvalidInput(f"{where}: give one of report due at, due by or after, not several")
        if kind is None:
            kind = ev.ResolutionKind.REPORT_REQUESTED if dues else ev.ResolutionKind.NOTED
        if kind is ev.ResolutionKind.REPORT_REQUESTED and not dues:
            raise InvalidInput(f"{where}: a requested report needs a meeting, a date or an event "
                               "it is due at, by or after")
        if dues and kind is not ev.ResolutionKind.REPORT_REQUESTED:
            raise InvalidInput(f"{where}: only a report-requested resolution has a due report")
        if report_due_at is not None:
            later = self.get(report_due_at, Meeting)
            if later.held_on <= held.held_on:
                raise RuleViolation(
                    f"{where}: report due at {report_due_at} ({later.held_on}), which is not "
                    f"after {meeting} ({held.held_on})"
                )
        if report_due_by is not None and report_due_by <= held.held_on:
            raise RuleViolation(f"{where}: report due by {report_due_by}, not after the meeting")
        source = self._fulfilled_request(fulfils, held, where) if fulfils else None
        held.pass_resolution(
            number, today, actor=actor, timestamp=now, text=text, kind=kind, minute=minute,
            further_to=further_to, report_due_at=report_due_at, report_due_by=report_due_by,
            report_after=report_after, fulfils=fulfils,
        )
        if source is None:
            return self._save(held)
        source.receive_report(int(str(fulfils).partition("/")[2]), f"{meeting}/{number}",
                              held.held_on, actor=actor, timestamp=now)
        return self._save(held, source)

    @command
    def present_report(self, meeting: ev.Ref, *, parameters: dict[str, str | None],
                       fingerprint: Fingerprint, sha256: str, actor: ev.Name,
                       fulfils: str | None = None) -> list[Logged]:
        """Record that a report (its parameters, source fingerprint and digest) went to a meeting."""
        now, today = self._now()
        held = self.get(meeting, Meeting)
        where = f"report presented to {meeting}"
        source = self._fulfilled_request(fulfils, held, where) if fulfils else None
        event = held.present_report(today, actor=actor, timestamp=now, parameters=parameters,
                                    position=fingerprint.position, chain_hash=fingerprint.hash,
                                    sha256=sha256, fulfils=fulfils)
        if source is None:
            return self._save(held)
        source.receive_report(int(str(fulfils).partition("/")[2]),
                              f"{meeting} (report {event.number})", held.held_on, actor=actor,
                              timestamp=now)
        return self._save(held, source)

    def _fulfilled_request(self, fulfils: str, held: Meeting, where: str) -> Meeting:
        target, sep, num = fulfils.partition("/")
        if not sep or not re.fullmatch(r"[1-9][0-9]{0,2}", num):
            raise InvalidInput(f"{where}: fulfils {fulfils!r} is not MEETING/NUMBER")
        source = self.get(target, Meeting)
        request = source.resolutions.get(int(num))
        if request is None:
            raise UnknownRef(f"{where}: fulfils {fulfils}, which does not exist")
        if request.kind is not ev.ResolutionKind.REPORT_REQUESTED:
            raise RuleViolation(f"{where}: {fulfils} did not request a report")
        if source.ref == held.ref or source.held_on >= held.held_on:
            raise RuleViolation(f"{where}: {fulfils} is not from an earlier meeting")
        if int(num) in source.received:
            raise RuleViolation(
                f"{where}: {fulfils} was already fulfilled by {source.received[int(num)]}"
            )
        return source

    # -- reading ------------------------------------------------------------------------------
    def fingerprint(self) -> Fingerprint:
        """The ledger's fingerprint now."""
        return self.store.head()

    def verify(self, expect: Fingerprint | None = None,
               progress: Callable[[int], None] | None = None) -> Fingerprint:
        """Recompute the hash chain; raise `ChainBroken` at the first bad position."""
        return self.store.verify(expect=expect, progress=progress)

    def stream(self, *, upto: int | None = None, batch: int = 2000) -> Iterator[Logged]:
        """Every event in position order, streamed a page at a time."""
        decode = cast(PydanticMapper, self.mapper).from_row
        for page in self.store.iter_pages(stop=upto, batch=batch):
            for position, oid, version, topic, state, digest, _ in page:
                yield Logged(position, digest, cast(ev.LedgerEvent, decode(oid, version, topic, state)))

    def export(self, out: TextIO) -> Fingerprint:
        """Write every stored event, in order, with its position and hash, one JSON per line."""
        head = EMPTY
        for row in self.store.iter_rows():
            out.write(json.dumps(export_record(row), separators=(",", ":")) + "\n")
            head = Fingerprint(row.position, row.hash)
        return head

    def restore(self, lines: Iterable[str]) -> Fingerprint:
        """Load an export into this (empty) ledger, verifying the chain; all or nothing."""

        def records() -> Iterator[tuple[int, dict[str, Any]]]:
            for n, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InvalidInput(f"line {n}: not JSON ({e.msg})") from None
                if not isinstance(record, dict):
                    raise InvalidInput(f"line {n}: not a JSON object")
                yield n, record

        try:
            return self.store.restore(records(), check=self.mapper.to_domain_event)
        except IntegrityError as e:
            raise InvalidInput(f"the file repeats an event: {e}") from None

    def history(self, ref: str) -> list[Logged]:
        """Every event of one record, in order."""
        try:
            ev.check_ref(ref)
        except ValueError as e:
            raise InvalidInput(str(e)) from None
        return [Logged(r.position, r.hash, self._decode(r))
                for r in self.store.rows_for(ev.record_id(ref))]

    def _decode(self, row: Any) -> ev.LedgerEvent:
        """The event of a stored row (typed, from `iter_rows`, or a tuple from `iter_pages`)."""
        if isinstance(row, tuple) and not hasattr(row, "_fields"):
            _, oid, version, topic, state, *_ = row
        else:
            oid, version, topic, state = row.originator_id, row.originator_version, row.topic, row.state
        return cast(ev.LedgerEvent, cast(PydanticMapper, self.mapper).from_row(oid, version, topic, state))


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
