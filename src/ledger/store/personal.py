"""Personal values kept apart from the hashed payload: the side table, sealing an event (its
payload with commitments, the values and salts beside), reading values back into the payload,
checking them against their commitments, and erasing a data subject's values.

A side row per event holds `clear`, the personal fields as a JSON fragment (`"actor":"J Smith"`)
that, spliced at the end of the stored JSON object, overrides the commitments there (a later key
wins), and `salts`, `{"field": hex salt}` (null once the field is erased).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ledger.domain import events as ev
from ledger.domain.errors import InvalidInput
from ledger.domain.personal import (
    COMMITMENT_KEY,
    ERASED,
    SALT_BYTES,
    Subject,
    commitment,
    is_commitment,
    personal_fields,
    possible_fields,
)
from ledger.store.pgcopy import STAGED_FROM, copy_rows, fetch_all

Sealed = tuple[str, str]
"""A side row's values: the clear fragment and the salts (JSON)."""
_IDENTITY = ("originator_id", "originator_version")
_EXCLUDES: dict[tuple[str, ...], dict[str, bool]] = {}


def personal_name(events: str) -> str:
    """The side table of personal values of the events table `events`."""
    return f"{events}_personal"


def personal_table(metadata: sa.MetaData, events: str) -> sa.Table:
    """One row per event that has personal values: its position, values and salts."""
    return sa.Table(
        personal_name(events), metadata,
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=False),
        sa.Column("plain", sa.Text(), nullable=False),
        sa.Column("salts", sa.Text(), nullable=False),
    )


def _exclude(fields: tuple[str, ...]) -> dict[str, bool]:
    found = _EXCLUDES.get(fields)
    if found is None:
        found = _EXCLUDES[fields] = dict.fromkeys(_IDENTITY + fields, True)
    return found


def seal(event: ev.LedgerEvent,
         random_bytes: Callable[[int], bytes] = os.urandom) -> tuple[bytes, Sealed | None]:
    """The bytes the chain hashes (each personal value replaced by its commitment, at the end
    of the JSON object) and the side row's values; no side row if it has no personal value.
    Salts come from `random_bytes` (the system's randomness; a seeded one only for the demo)."""
    values = {f: v for f in personal_fields(event).all if (v := getattr(event, f)) is not None}
    state: bytes = event.__pydantic_serializer__.to_json(event, exclude=_exclude(tuple(values)))
    if not values:
        return state, None
    salts = random_bytes(SALT_BYTES * len(values))
    # The fragments are formatted directly (a bulk append seals every event): the bytes are
    # those of `json.dumps` (field names are ASCII identifiers), as a test holds.
    commits, clear, salted = [], [], []
    start = 0
    for field, value in values.items():
        salt = salts[start:start + SALT_BYTES]
        start += SALT_BYTES
        commits.append(f'"{field}":{{"{COMMITMENT_KEY}":"{commitment(salt, field, value)}"}}')
        text = (encode_basestring(value) if type(value) is str
                else json.dumps(value, ensure_ascii=False))
        clear.append(f'"{field}":{text}')
        salted.append(f'"{field}":"{salt.hex()}"')
    return (b"%b,%b}" % (state[:-1], ",".join(commits).encode()),
            (",".join(clear), "{" + ",".join(salted) + "}"))


def readable(state: bytes, clear: str | None) -> bytes:
    """A stored payload with its personal values read back in (the commitments stay, earlier
    keys that the values override); unchanged without a side row."""
    if clear is None or state[-1:] != b"}":
        return state
    return state[:-1] + b"," + clear.encode() + b"}"


def unsealed(cls: type[ev.LedgerEvent], data: dict[str, Any]) -> dict[str, Any]:
    """A decoded payload whose personal fields still hold commitments (no value beside them:
    erased, or restored without personal data) with those fields read as erased."""
    for field in possible_fields(cls).all:
        if is_commitment(data.get(field)):
            data[field] = ERASED
    return data


def problem(state: bytes, clear: str, salts: str, topic: str) -> str | None:
    """What is wrong with a side row against the payload the chain hashed (None if it holds):
    every field it names must be a commitment there, and every value not erased must match."""
    try:
        data, values, salted = json.loads(state), json.loads("{" + clear + "}"), json.loads(salts)
        fields = possible_fields(ev.event_class(topic)).all
    except (ValueError, TypeError) as e:
        return f"its personal values do not read ({e})"
    if not isinstance(salted, dict) or set(salted) != set(values):
        return "its personal values and salts name different fields"
    for field, salt in salted.items():
        held = data.get(field) if isinstance(data, dict) else None
        if field not in fields or not is_commitment(held):
            return f"{field} is not a personal field committed to in the hashed event"
        if salt is None:
            if values[field] != ERASED:
                return f"{field} is marked erased but holds a value"
            continue
        value, committed = values[field], held.get(COMMITMENT_KEY) if isinstance(held, dict) else None
        if not (isinstance(value, str) and isinstance(salt, str) and _salted(salt, field, value)
                == committed):
            return f"the value of {field} is not the one the chain committed to"
    return None


def _salted(salt: str, field: str, value: str) -> str | None:
    try:
        return commitment(bytes.fromhex(salt), field, value)
    except ValueError:
        return None


PERSONAL_KEY = "personal"
"""The key of an export record's personal values: `{"clear": ..., "salts": ...}`."""


def exported(sealed: Sealed | None) -> dict[str, Any]:
    """An export record's personal part (nothing without a side row)."""
    return {} if sealed is None else {PERSONAL_KEY: {"clear": sealed[0], "salts": sealed[1]}}


def restored_personal(line: int, record: dict[str, Any], row: dict[str, Any]) -> Sealed | None:
    """The side row of an export record, checked against the commitments of its (restored)
    payload; errors name the line."""
    given = record.get(PERSONAL_KEY)
    if given is None:
        return None
    if (not isinstance(given, dict) or set(given) != {"clear", "salts"}
            or not all(isinstance(v, str) for v in given.values())):
        raise InvalidInput(f'line {line}: bad personal values (expected {{"clear": TEXT, '
                           '"salts": TEXT}})')
    why = problem(row["state"], given["clear"], given["salts"], row["topic"])
    if why is not None:
        raise InvalidInput(f"line {line}: personal values do not match the event: {why} (the "
                           "file was altered)")
    return given["clear"], given["salts"]


@dataclass
class Erasure:
    """What one erasure changed: the side rows rewritten and the count by field."""

    rows: dict[int, Sealed]
    fields: dict[str, int]

    @property
    def count(self) -> int:
        """How many values were put beyond use."""
        return sum(self.fields.values())


def erase_values(topic: str, clear: str, salts: str, subject: Subject,
                 found: dict[str, int]) -> Sealed | None:
    """A side row with every value about `subject` erased (counted in `found`), or None if it
    names the subject nowhere."""
    values, salted = json.loads("{" + clear + "}"), json.loads(salts)
    fields = possible_fields(ev.event_class(topic))
    hit = False
    for field, salt in salted.items():
        value = values.get(field)
        if salt is None or not isinstance(value, str) or not subject.named_by(field, value, fields):
            continue
        values[field], salted[field] = ERASED, None
        found[field] = found.get(field, 0) + 1
        hit = True
    if not hit:
        return None
    clear = ",".join(f'"{k}":{json.dumps(v, ensure_ascii=False)}' for k, v in values.items())
    return clear, json.dumps(salted, separators=(",", ":"))


def erase_texts(topic: str, plain: str, salts: str, found: dict[str, int]) -> Sealed | None:
    """A side row with every free text not yet erased erased (counted in `found`), or None."""
    values, salted = json.loads("{" + plain + "}"), json.loads(salts)
    texts = possible_fields(ev.event_class(topic)).texts
    hit = [f for f, salt in salted.items() if salt is not None and f in texts]
    if not hit:
        return None
    for field in hit:
        values[field], salted[field] = ERASED, None
        found[field] = found.get(field, 0) + 1
    plain = ",".join(f'"{k}":{json.dumps(v, ensure_ascii=False)}' for k, v in values.items())
    return plain, json.dumps(salted, separators=(",", ":"))


def candidates(conn: Connection, side: sa.Table, events: sa.Table,
               subject: Subject) -> Iterator[Any]:
    """The side rows that may name `subject` (position, topic, clear, salts): narrowed in SQL
    by `like_pattern`; each is then judged on its decoded values."""
    q = (sa.select(side.c.position, events.c.topic, side.c.plain, side.c.salts)
         .join(events, events.c.position == side.c.position))
    pattern = like_pattern(subject)
    if pattern is not None:
        q = q.where(_like(conn, side.c.plain, pattern))
    yield from conn.execute(q.order_by(side.c.position))


# ASCII letters some other character's case folds to (K, the Kelvin sign, to k; ß to ss; the
# ligature ﬁ to fi): a stored name may hold that other character where the subject has these.
_FOLDED_INTO = frozenset("afhijklnstwy")


def like_pattern(subject: Subject) -> str | None:
    """A LIKE pattern every stored text naming `subject` matches, whatever its case and however
    it is escaped (JSON, or a correction's JSON inside JSON); None if it would match anything.
    It keeps the subject's ASCII letters and digits, `%` for the rest: an encoder may escape
    any other character (`\\u00eb`, `\\"`), and `_FOLDED_INTO` may be stored otherwise."""
    kept = "".join(c if c.isascii() and c.isalnum() and c not in _FOLDED_INTO else "%"
                   for c in subject.key)
    pattern = re.sub("%+", "%", f"%{kept}%")
    return None if pattern == "%" else pattern


def _like(conn: Connection, column: Any, pattern: str) -> Any:
    """`column LIKE pattern`, ASCII letters matched without regard to case on both databases."""
    return column.ilike(pattern) if conn.dialect.name == "postgresql" else column.like(pattern)


def erase(conn: Connection, side: sa.Table, events: sa.Table, subject: Subject) -> Erasure:
    """Erase every value about `subject` in the side table, in `conn`'s transaction."""
    found: dict[str, int] = {}
    rows: dict[int, Sealed] = {}
    for position, topic, clear, salts in candidates(conn, side, events, subject):
        changed = erase_values(topic, clear, salts, subject, found)
        if changed is not None:
            rows[position] = changed
    _rewrite(conn, side, rows)
    return Erasure(rows, found)


def _rewrite(conn: Connection, side: sa.Table, rows: dict[int, Sealed]) -> None:
    if rows:
        conn.execute(side.update().where(side.c.position == sa.bindparam("p"))
                     .values(plain=sa.bindparam("c"), salts=sa.bindparam("s")),
                     [{"p": p, "c": c, "s": s} for p, (c, s) in rows.items()])


class Vault:
    """The side table of one events table: keeping, reading, checking and erasing its values."""

    def __init__(self, engine: Engine, side: sa.Table, events: sa.Table) -> None:
        self.engine = engine
        self.side = side
        self.events = events

    def keep(self, conn: Connection, rows: Iterable[tuple[int, Sealed | None]]) -> None:
        """Insert the side rows of the events at these positions (in the append's transaction):
        on PostgreSQL, many of them by binary COPY."""
        kept = [(p, s[0], s[1]) for p, s in rows if s is not None]
        if len(kept) >= STAGED_FROM and conn.dialect.name == "postgresql":
            copy_rows(conn, self.side.name, ("position", "plain", "salts"),
                      ("int8", "text", "text"), kept)
        elif kept:
            conn.execute(self.side.insert(),
                         [{"position": p, "plain": c, "salts": s} for p, c, s in kept])

    def clears(self, conn: Connection, first: int, last: int) -> dict[int, str]:
        """The personal values (clear fragments) of the events from `first` to `last`."""
        p = self.side
        if conn.dialect.name == "postgresql":  # a page of them: fetched at once by the driver
            return dict(fetch_all(conn, f'SELECT position, plain FROM "{p.name}" '
                                        "WHERE position BETWEEN %s AND %s", (first, last)))
        if conn.dialect.name == "sqlite":  # every event has one (its actor): no row processing
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                return dict(cursor.execute(f'SELECT position, plain FROM "{p.name}" '
                                           "WHERE position BETWEEN ? AND ?", (first, last)))
            finally:
                cursor.close()
        q = sa.select(p.c.position, p.c.plain).where(p.c.position.between(first, last))
        return dict(conn.execute(q).tuples().all())

    def clears_for(self, positions: Sequence[int]) -> dict[int, str]:
        """The personal values of the events at `positions` (one query)."""
        if not positions:
            return {}
        with self.engine.connect() as conn:
            return self.clears(conn, min(positions), max(positions))

    def sealed(self, conn: Connection, first: int, last: int) -> dict[int, Sealed]:
        """The side rows (values and salts) of the events from `first` to `last`."""
        p = self.side
        q = (sa.select(p.c.position, p.c.plain, p.c.salts)
             .where(p.c.position.between(first, last)))
        return {int(pos): (str(clear), str(salts)) for pos, clear, salts in conn.execute(q)}

    def check(self, batch: int = 5000) -> tuple[int, str] | None:
        """The first side row whose values are not those the chain committed to, and why; None
        if every value not erased matches its commitment."""
        p, t = self.side, self.events
        after = 0
        while True:
            q = (sa.select(p.c.position, t.c.topic, t.c.state, p.c.plain, p.c.salts)
                 .join(t, t.c.position == p.c.position, isouter=True)
                 .where(p.c.position > after).order_by(p.c.position).limit(batch))
            with self.engine.connect() as conn:
                rows = conn.execute(q).all()
            for position, topic, state, clear, salts in rows:
                if state is None:
                    return position, "personal values are kept for an event the log lacks"
                why = problem(bytes(state), clear, salts, topic)
                if why is not None:
                    return position, why
            if len(rows) < batch:
                return None
            after = rows[-1][0]

    def erase(self, conn: Connection, subject: Subject) -> Erasure:
        """Erase every value about `subject`, in `conn`'s (write) transaction."""
        return erase(conn, self.side, self.events, subject)

    def inside_the_chain(self, conn: Connection, subject: Subject) -> int:
        """How many values about `subject` events stored by an earlier version hold inside their
        hashed payload (no side row): those no erasure can reach without breaking the chain."""
        p, t = self.side, self.events
        q = (sa.select(t.c.topic, t.c.state).outerjoin(p, p.c.position == t.c.position)
             .where(p.c.position.is_(None)))
        pattern = like_pattern(subject)
        if pattern is not None:
            postgres = conn.dialect.name == "postgresql"
            text = sa.func.convert_from(t.c.state, "UTF8") if postgres else sa.cast(t.c.state,
                                                                                      sa.Text)
            q = q.where(_like(conn, text, pattern))
        count = 0
        for topic, state in conn.execute(q):
            try:
                data, fields = json.loads(bytes(state)), possible_fields(ev.event_class(topic))
            except (ValueError, TypeError):
                continue
            count += sum(1 for f in fields.all if isinstance(value := data.get(f), str)
                         and subject.named_by(f, value, fields))
        return count

    def erase_texts(self, conn: Connection, positions: Sequence[int]) -> Erasure:
        """Erase every free text of the events at `positions` (retention), in `conn`'s (write)
        transaction."""
        erasure = self.texts_of(conn, positions)
        _rewrite(conn, self.side, erasure.rows)
        return erasure

    def texts_of(self, conn: Connection, positions: Sequence[int]) -> Erasure:
        """What `erase_texts` would erase (nothing written)."""
        found: dict[str, int] = {}
        rows: dict[int, Sealed] = {}
        wanted = set(positions)
        if wanted:
            p, t = self.side, self.events
            q = (sa.select(p.c.position, t.c.topic, p.c.plain, p.c.salts)
                 .join(t, t.c.position == p.c.position)
                 .where(p.c.position.between(min(wanted), max(wanted))))
            for position, topic, plain, salts in conn.execute(q):
                if position in wanted:
                    changed = erase_texts(topic, plain, salts, found)
                    if changed is not None:
                        rows[int(position)] = changed
        return Erasure(rows, found)

    def erased(self, upto: int) -> dict[int, list[str]]:
        """The fields erased in each event up to position `upto` (position → field names)."""
        p = self.side
        q = (sa.select(p.c.position, p.c.salts)
             .where(p.c.position <= upto, p.c.salts.like('%:null%')).order_by(p.c.position))
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        found = {}
        for position, salts in rows:
            fields = [f for f, salt in json.loads(salts).items() if salt is None]
            if fields:
                found[int(position)] = fields
        return found
