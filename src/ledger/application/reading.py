"""The ledger's log: its store opened (or refused), and what is read straight from it: the
fingerprint, the chain check, the event stream, export, restore and one record's history."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
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
from ledger.store.codecs import TRAILER, export_trailer, read_trailer
from ledger.store.personal import exported, readable

MAX_LINE = 16 * 1024 * 1024
"""The longest line `restore` reads (characters): an export's lines are a few hundred."""


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
        """Every event in position order, streamed a page at a time, each with the role the
        database noted appending it (one query per page, on PostgreSQL only)."""
        decode = cast(PydanticMapper, self.mapper).from_row
        for page in self.store.iter_pages(stop=upto, batch=batch):
            roles = self.store.appenders([row[0] for row in page])
            for position, oid, version, topic, state, digest, _ in page:
                try:
                    event = cast(ev.LedgerEvent, decode(oid, version, topic, state))
                except StoreError as e:  # say where: the log cannot be read past this position
                    raise StoreError(f"position {position}: {e} (run ledger verify)") from e
                yield Logged(position, digest, event, roles.get(position))

    def export(self, out: TextIO, *, personal: bool = True, batch: int = 5000) -> Fingerprint:
        """Write every stored event, in order, with its position and hash, one JSON per line,
        then a trailer line with the count and the head (`restore` refuses a file without it).
        Each line carries its personal values apart from the hashed payload, unless `personal`
        is False: then the file restores to a ledger whose personal data is beyond use."""
        head = EMPTY
        rows: list[Any] = []
        for row in self.store.iter_rows(batch=batch):
            rows.append(row)
            if len(rows) >= batch:
                self._export_rows(out, rows, personal)
                rows = []
            head = Fingerprint(row.position, row.hash)
        self._export_rows(out, rows, personal)
        out.write(json.dumps(export_trailer(head), separators=(",", ":")) + "\n")
        return head

    def _export_rows(self, out: TextIO, rows: list[Any], personal: bool) -> None:
        if not rows:
            return
        sealed = {}
        if personal:
            with self.store.engine.connect() as conn:
                sealed = self.store.vault.sealed(conn, rows[0].position, rows[-1].position)
        for row in rows:
            record = {**export_record(row), **exported(sealed.get(row.position))}
            out.write(json.dumps(record, separators=(",", ":")) + "\n")

    def restore(self, source: TextIO, max_line: int = MAX_LINE) -> Fingerprint:
        """Load an export into this (empty) ledger, verifying the chain, the recorded times and
        the trailer; all or nothing. Errors name the line; a line over `max_line` is refused."""

        def records() -> Iterator[tuple[int, dict[str, Any]]]:
            n, last, trailer = 0, EMPTY, None
            while line := source.readline(max_line + 1):
                n += 1
                if len(line) > max_line and not line.endswith("\n"):
                    raise InvalidInput(f"line {n}: longer than {max_line:,} characters")
                if not line.strip():
                    continue
                if trailer is not None:
                    raise InvalidInput(f"line {n}: more after the trailer line {trailer}")
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InvalidInput(f"line {n}: not JSON ({e.msg})") from None
                if not isinstance(record, dict):
                    raise InvalidInput(f"line {n}: not a JSON object")
                if TRAILER in record:
                    _check_trailer(n, read_trailer(n, record), last)
                    trailer = n
                    continue
                yield n, record
                # The store checked this record follows `last` in the chain, or raised.
                last = Fingerprint(int(record["position"]), str(record["hash"]))
            if trailer is None:
                raise InvalidInput(f"line {n + 1}: the file ends without its trailer line: "
                                   "cut short, or not written by ledger export")

        try:
            return self.store.restore(records(), check=self.mapper.to_domain_event)
        except IntegrityError as e:
            raise InvalidInput(f"the file repeats an event: {e}") from None

    def history(self, ref: str) -> list[Logged]:
        """Every event of one record, in order, with the role the database noted appending it."""
        try:
            ev.check_ref(ref)
        except ValueError as e:
            raise InvalidInput(str(e)) from None
        rows = self.store.rows_for(ev.record_id(ref))
        roles = self.store.appenders([r.position for r in rows])
        clears = self.store.vault.clears_for([r.position for r in rows])
        return [Logged(r.position, r.hash, self._decode(r, clears.get(r.position)),
                       roles.get(r.position)) for r in rows]

    def _decode(self, row: Any, clear: str | None = None) -> ev.LedgerEvent:
        """The event of a stored row with typed attributes (from `rows_for`), with its personal
        values `clear` (read here by position if not given)."""
        if clear is None:
            clear = self.store.vault.clears_for([row.position]).get(row.position)
        decode = cast(PydanticMapper, self.mapper).from_row
        return cast(ev.LedgerEvent, decode(row.originator_id, row.originator_version, row.topic,
                                           readable(bytes(row.state), clear)))


def _check_trailer(line: int, declared: Fingerprint, last: Fingerprint) -> None:
    """Refuse a trailer whose count or head is not the chain's that the file's events gave."""
    if declared != last:
        raise InvalidInput(
            f"line {line}: the trailer says {declared.position} events ending at {declared} but "
            f"the file holds {last.position} ending at {last}: events were added or removed")
