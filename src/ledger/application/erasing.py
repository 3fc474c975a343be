"""Erasing a data subject's personal data: every value about them put beyond use in one
transaction with the `PersonalDataErased` event that records it, then the read model rebuilt
and the database's own copies scrubbed, so no trace is left when `erase` returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.engine import Connection

from ledger.application.ledger import Ledger
from ledger.application.store_errors import database_errors
from ledger.domain import events as ev
from ledger.domain.errors import InvalidInput, RuleViolation
from ledger.domain.personal import Subject
from ledger.domain.values import Logged
from ledger.projections.readmodel import ReadModel
from ledger.store.personal import Erasure, Vault

_NAME = TypeAdapter(ev.Name)


@dataclass(frozen=True)
class Erased:
    """What an erasure did: the event recording it, and the values put beyond use by field."""

    recorded: Logged
    fields: dict[str, int]
    inside_the_chain: int = 0
    """Values about the subject in events stored by an earlier version, inside the hashed
    payload: out of erasure's reach."""

    @property
    def count(self) -> int:
        """How many values were erased."""
        return sum(self.fields.values())


def erase(app: Ledger, subject: str, *, reason: str, actor: str) -> Erased:
    """Put every personal value about `subject` beyond use and record that it was done (who,
    when, why, how many by field; never the values); refused if nothing names the subject."""
    try:
        name = _NAME.validate_python(subject)
        found = Subject(name)
    except (ValidationError, ValueError) as e:
        raise InvalidInput(f"subject {subject!r}: {_first(e)}") from None
    with database_errors("read personal data"), app.store.engine.connect() as conn:
        kept = app.store.vault.inside_the_chain(conn, found)
    inside = (f" ({kept} values about them are inside events stored by an earlier version, "
              "which cannot be erased without breaking the chain)") if kept else ""
    done = erase_with(app, lambda vault, conn: vault.erase(conn, found), reason=reason,
                      actor=actor, nothing=f"no personal data about {name!r} is kept apart "
                                           f"from the chain: nothing erased{inside}")
    return Erased(done.recorded, done.fields, kept)


def erase_with(app: Ledger, erasing: Callable[[Vault, Connection], Erasure], *, reason: str,
               actor: str, nothing: str) -> Erased:
    """Run `erasing` under the append lock and record what it erased in the same transaction;
    refused with `nothing` if it erased nothing; then scrub the copies (`scrub`)."""
    store = app.store

    def attempt() -> tuple[int, ev.PersonalDataErased, Erasure]:
        now, today = app._now()  # read again if another writer recorded a later time first
        with database_errors("erase personal data"), store.transaction() as conn:
            erasure = erasing(store.vault, conn)
            if not erasure.count:
                raise RuleViolation(nothing)
            event = ledger_wide(app, conn, ev.PersonalDataErased, timestamp=now, actor=actor,
                                effective=today, fields=erasure.fields, reason=reason)
            (position,) = store.insert_batch(app.mapper.encode_batch([event]), conn=conn)  # type: ignore[attr-defined]
        return position, event, erasure

    position, event, erasure = app.retry.run(attempt)
    scrub(app)
    return Erased(Logged(position, store.fingerprint_at(position).hash, event), erasure.fields)


E = TypeVar("E", bound=ev.LedgerEvent)


def ledger_wide(app: Ledger, conn: Connection, cls: type[E], **fields: Any) -> E:
    """The next event of a ledger-wide stream (its version read in `conn`'s transaction, which
    holds the append lock); a malformed field is `InvalidInput`."""
    ref = cls.model_fields["ref"].default
    stream = ev.record_id(ref)
    t = app.store.table
    version = conn.execute(sa.select(sa.func.max(t.c.originator_version))
                           .where(t.c.originator_id == stream)).scalar_one_or_none() or 0
    try:
        return cls(originator_id=stream, originator_version=version + 1, **fields)
    except ValidationError as e:
        raise InvalidInput(f"{ref.lstrip('~')}: {_first(e)}") from None


def scrub(app: Ledger) -> None:
    """Rebuild the read model (which copied the values) and empty the database's write-ahead
    log, so no copy of an erased value is left in the database files."""
    with database_errors("rebuild the read model"):
        ReadModel(app).rebuild()
    app.store.backend.scrub(app.store.engine)


def _first(e: Exception) -> str:
    errors = getattr(e, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where + ': ' if where else ''}{first['msg']}"
    return str(e)


def erased_at(app: Ledger, upto: int) -> dict[int, list[str]]:
    """The fields erased in each event up to position `upto` (position → field names)."""
    return app.store.vault.erased(upto)

