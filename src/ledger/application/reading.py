"""The ledger's log: its store opened (or refused), and what is read straight from it: the
fingerprint, the chain check, the event stream, export, restore and one record's history."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import InfrastructureFactory, IntegrityError
from eventsourcing.utils import Environment

from ledger.domain import events as ev
from ledger.domain.chain import EMPTY, Fingerprint
from ledger.domain.errors import InvalidInput, LedgerError, StoreError
from ledger.domain.values import Logged
from ledger.store import LedgerInfrastructure, LedgerRecorder, PydanticMapper, export_record, sqlite_path


class LedgerLog(Application[UUID]):
    """An eventsourcing application on the ledger's own store, and what is read straight from it."""

    def __init__(self, url: str, *, create: bool) -> None:
        """Open the store at `url`; without `create`, refuse a ledger that does not exist."""
        path = sqlite_path(url)
        if not create and path is not None and not os.path.exists(path):
            raise StoreError(f"no ledger at {path} (record something first, or run ledger demo)")
        self.url = url
        try:
            super().__init__()
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
        """The event of a stored row with typed attributes (from `rows_for`)."""
        decode = cast(PydanticMapper, self.mapper).from_row
        return cast(ev.LedgerEvent, decode(row.originator_id, row.originator_version, row.topic, row.state))
