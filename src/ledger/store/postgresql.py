"""PostgreSQL: appends go through the database. `SECURITY DEFINER` functions owned by the
ledger's owner are the only way to write the log: `<events>_lock()` locks the head row, and
`<events>_append(...)` chains and inserts a batch (the hash computed in SQL by `chain.link`'s
formula), checking recorded times; a large batch is chained in Python under the lock, copied
into a staging table, then checked and moved in one INSERT by two more (`pgcopy.py`). Officers get
EXECUTE on them, never INSERT or UPDATE on the tables; an append-only trigger (which also
refuses TRUNCATE) guards the events. The append functions also note, in `<events>_appenders`
(append-only too, outside the hash), the role the database authenticated (`session_user`) and
its clock for each position they append.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ledger.domain.chain import GENESIS_HASH
from ledger.domain.errors import RecordedTimeBehind, StoreError
from ledger.domain.values import from_micros
from ledger.store.append import chain_batch
from ledger.store.backend import Backend
from ledger.store.errors import one_line
from ledger.store.mapper import EncodedBatch
from ledger.store.pgcopy import (
    LOCKED_HEAD,
    STAGED_COLUMNS,
    STAGED_FROM,
    STAGED_TYPES,
    copy_rows,
    fetch_all,
    stage_function,
    staged_append_function,
    staged_ddl,
    staged_name,
)
from ledger.store.schema import head_name

AHEAD_MINUTES = 5
"""How far ahead of the database's clock a recorded time may be, unless the ledger's owner
appends (restores, demos and tests record the past on purpose)."""
BEHIND_MINUTES = 60
"""How far behind it: one import is recorded at the instant it started."""

_TOPIC_CHECK = """
    IF NOT (topics[i] = ANY({allowed})) THEN
      RAISE EXCEPTION USING ERRCODE = '{refused}', MESSAGE = 'event ' || i::text
        || ' of the batch has a type the ledger does not define: ' || coalesce(topics[i], 'none');
    END IF;"""


def function_tag(topics: frozenset[str] | None) -> str:
    """Marks the append function's version and the event types it accepts: a ledger whose
    function is older, or knows other types, gets it replaced by the owner's next open."""
    known = "any" if topics is None else hashlib.sha256(
        "\n".join(sorted(topics)).encode()).hexdigest()[:16]
    return f"ledger append v4 {known}"


def _topic_check(topics: frozenset[str] | None) -> str:
    if topics is None:
        return ""
    allowed = "ARRAY[" + ", ".join(f"'{t}'" for t in sorted(topics)) + "]::text[]"
    return _TOPIC_CHECK.format(allowed=allowed, refused=_REFUSED)
_BEHIND = "LG001"
"""SQLSTATE of a recorded time earlier than the ledger's last (the application retries)."""
_REFUSED = "LG002"
"""SQLSTATE of a recorded time the database refuses (off its clock, or not the event's own)."""

APPEND_ARGS = "uuid[], integer[], text[], bytea[], bigint[]"


def append_function(events: str) -> str:
    """The signature of the append function of the events table `events`."""
    return f"{events}_append({APPEND_ARGS})"


def lock_function(events: str) -> str:
    """The signature of the append-lock function of the events table `events`."""
    return f"{events}_lock()"


def append_functions(events: str) -> list[str]:
    """The signatures of every definer function an officer calls to append to `events`."""
    return [append_function(events), lock_function(events), stage_function(events),
            staged_append_function(events)]


def appenders_name(events: str) -> str:
    """The side table of the events table `events` naming who appended each position."""
    return f"{events}_appenders"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PostgreSQLBackend(Backend):
    """Appends and their lock through the ledger's definer functions; the append-only trigger."""

    records_appenders = True
    staged_from = STAGED_FROM
    """Batches of at least this many events are copied, then checked and inserted in one statement (`pgcopy.py`)."""

    def __init__(self, table: sa.Table, topics: frozenset[str] | None = None) -> None:
        super().__init__(table, topics)
        name = table.name
        self._lock = sa.text(f"SELECT {_q(name + '_lock')}()")
        self._append = sa.text(
            f"SELECT {_q(name + '_append')}(CAST(:ids AS uuid[]), CAST(:versions AS integer[]), "
            "CAST(:topics AS text[]), CAST(:states AS bytea[]), CAST(:stamps AS bigint[]))")
        self._installed = sa.text(
            "SELECT to_regprocedure(:fn) IS NOT NULL AND to_regclass(:side) IS NOT NULL "
            "AND obj_description(to_regprocedure(:fn), 'pg_proc') IS NOT DISTINCT FROM :tag")
        self._appenders = sa.text(
            f"SELECT position, role FROM {_q(appenders_name(name))} "
            "WHERE position = ANY(CAST(:positions AS bigint[]))")
        self._stage = sa.text(f"SELECT {_q(name + '_stage')}()")
        self._append_staged = sa.text(f"SELECT {_q(name + '_append_staged')}()")
        self._last = (sa.select(table.c.position, table.c.hash, table.c.recorded_at)
                      .order_by(table.c.position.desc()).limit(1))
        page = (f"SELECT {', '.join(_q(c.name) for c in table.columns)} FROM {_q(name)} "
                "WHERE position > %s")
        self._page_sql = f"{page} ORDER BY position LIMIT %s"
        self._page_upto_sql = f"{page} AND position <= %s ORDER BY position LIMIT %s"

    def lock(self, conn: Connection) -> None:
        """Lock the head row until the transaction ends (only a caller of the function can)."""
        # A row lock taken by a definer function: the auditor, who may only SELECT, can neither
        # call it nor lock the row itself (FOR UPDATE needs UPDATE rights), and each ledger,
        # whatever its schema, has its own head row.
        conn.execute(self._lock)

    def append(self, conn: Connection, batch: EncodedBatch) -> list[int] | None:
        """Chain and insert the batch in the database, in one call; return its positions."""
        count = len(batch)
        if not len(batch.originator_versions) == len(batch.topics) == len(batch.states) == len(
                batch.recorded_at) == count:
            raise ValueError("an encoded batch needs one value of each field per event")
        if not count:
            return []
        if count >= self.staged_from:
            return self._append_copied(conn, batch)
        try:
            last = conn.execute(self._append, {
                "ids": batch.originator_ids, "versions": batch.originator_versions,
                "topics": batch.topics, "states": batch.states, "stamps": batch.recorded_at,
            }).scalar_one()
        except sa.exc.DBAPIError as e:
            _translate(e)
            raise
        return list(range(last - count + 1, last + 1))

    def _append_copied(self, conn: Connection, batch: EncodedBatch) -> list[int]:
        """The staged append: chain the batch here under the lock, COPY it into the session's
        staging table, and let the definer function check it and move it into the log."""
        conn.execute(self._lock)
        last = conn.execute(self._last).first()
        rows = (chain_batch(batch, last.position, last.hash, last.recorded_at) if last
                else chain_batch(batch, 0, GENESIS_HASH, None))
        if rows is None:
            return []
        try:
            conn.execute(self._stage)
            copy_rows(conn, "pg_temp." + staged_name(self.table.name), STAGED_COLUMNS,
                      STAGED_TYPES, zip(rows.positions, rows.uuids, rows.versions, rows.topics,
                                        rows.states, rows.hashes, rows.recorded_at, strict=True))
            end = conn.execute(self._append_staged).scalar_one()
        except sa.exc.DBAPIError as e:
            _translate(e)
            raise
        if end != rows.positions[-1]:
            raise StoreError(f"the database appended up to {end}, not {rows.positions[-1]}")
        return list(rows.positions)

    def read_page(self, conn: Connection, after: int, stop: int | None,
                  limit: int) -> list[tuple[Any, ...]]:
        """The rows as psycopg returns them (the id a UUID, the state bytes), fetched at once
        in binary (the states' bytes as stored: half the transfer of hex, and no decoding)."""
        if stop is None:
            return fetch_all(conn, self._page_sql, (after, limit), binary=True)
        return fetch_all(conn, self._page_upto_sql, (after, stop, limit), binary=True)

    def installed(self, engine: Engine) -> bool:
        """True if the append function (of this version: it knows the ledger's event types) and
        the appenders table exist; an older ledger lacks them, and the owner's next open adds them."""
        name = self.table.name
        with engine.connect() as conn:
            return bool(conn.execute(self._installed, {
                "fn": append_function(name), "side": _q(appenders_name(name)),
                "tag": function_tag(self.topics)}).scalar_one())

    def install(self, conn: Connection) -> None:
        """Create the triggers, the appenders table, the head row and the definer functions (as
        the ledger's owner)."""
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        side = appenders_name(self.table.name)
        for statement in [
            f"CREATE TABLE IF NOT EXISTS {_q(side)} (position BIGINT PRIMARY KEY, "
            "role TEXT NOT NULL, appended_at TIMESTAMPTZ NOT NULL)",
            f"REVOKE ALL ON {_q(side)} FROM PUBLIC",
            *self.append_only_ddl(), *_append_only_ddl(side),
            *_functions_ddl(schema, self.table.name, self.topics),
        ]:
            conn.exec_driver_sql(statement)

    def scrub(self, engine: Engine) -> None:
        """Reclaim the dead row versions of the personal values an erasure rewrote (`VACUUM`,
        outside a transaction; PostgreSQL only warns, and skips, for a role that does not own
        the table)."""
        side = f"{self.table.name}_personal"
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM {_q(side)}")

    def uninstall(self, conn: Connection) -> None:
        """Drop the appenders table (with the events table, to rebuild a demo ledger)."""
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_q(appenders_name(self.table.name))}")

    def appenders(self, conn: Connection, positions: Sequence[int]) -> dict[int, str]:
        """The role the database saw append each of `positions` (restored ones have none)."""
        rows = conn.execute(self._appenders, {"positions": list(positions)})
        return {int(position): str(role) for position, role in rows}

    def append_only_ddl(self) -> list[str]:
        """A statement-level trigger refusing UPDATE, DELETE and TRUNCATE."""
        return _append_only_ddl(self.table.name)


def _append_only_ddl(table: str) -> list[str]:
    """A statement-level trigger on `table` refusing UPDATE, DELETE and TRUNCATE."""
    return [
        f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{table} is append-only: %% refused', "
        f"TG_OP; END $$",
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()",
    ]


def _translate(e: sa.exc.DBAPIError) -> None:
    """Raise the domain's error for the append function's own refusals (else return)."""
    code = getattr(e.orig, "sqlstate", None)
    diag = getattr(e.orig, "diag", None)
    if code == _BEHIND:
        stamp, latest = (int(v) for v in str(getattr(diag, "message_detail", "")).split())
        raise RecordedTimeBehind(
            f"recorded time {from_micros(stamp).isoformat()} is before the ledger's "
            f"last ({from_micros(latest).isoformat()}); nothing recorded") from e
    if code == _REFUSED:
        raise StoreError(f"the database refused the write: {one_line(e)}") from e


def _functions_ddl(schema: str, events: str, topics: frozenset[str] | None) -> list[str]:
    """The head row and the two definer functions, each callable by no one but its owner until
    `ledger db grant` grants EXECUTE."""
    s, e, h, a = _q(schema), _q(events), _q(head_name(events)), _q(appenders_name(events))
    lock, append = f"{s}.{_q(events + '_lock')}", f"{s}.{_q(events + '_append')}"
    definer = f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = {s}, pg_temp"
    return [
        f"INSERT INTO {s}.{h} (id, position, hash) "
        f"SELECT 1, coalesce(max(position), 0), coalesce((SELECT hash FROM {s}.{e} "
        f"ORDER BY position DESC LIMIT 1), repeat('0', 64)) FROM {s}.{e} "
        "ON CONFLICT (id) DO NOTHING",
        f"CREATE OR REPLACE FUNCTION {lock}() RETURNS void {definer} AS $fn$ BEGIN "
        f"PERFORM 1 FROM {s}.{h} WHERE id = 1 FOR UPDATE; "
        f"IF NOT FOUND THEN RAISE EXCEPTION '{events}: the head row is missing'; END IF; "
        "END $fn$",
        f"CREATE OR REPLACE FUNCTION {append}(ids uuid[], versions integer[], topics text[], "
        f"states bytea[], stamps bigint[]) RETURNS bigint {definer} AS $fn$"
        + _APPEND_BODY.format(s=s, e=e, h=h, a=a, events=events, ahead=AHEAD_MINUTES,
                              behind=BEHIND_MINUTES, behind_code=_BEHIND, refused=_REFUSED,
                              topic_check=_topic_check(topics),
                              locked_head=LOCKED_HEAD.format(s=s, e=e, h=h, events=events))
        + "$fn$",
        f"REVOKE ALL ON FUNCTION {lock}(), {append}({APPEND_ARGS}) FROM PUBLIC",
        *staged_ddl(s, events, definer, topics, {
            "refused": _REFUSED, "behind": _BEHIND, "ahead": AHEAD_MINUTES,
            "behind_minutes": BEHIND_MINUTES}),
        # Last: the tag says every function of this version is there (`installed`).
        f"COMMENT ON FUNCTION {append}({APPEND_ARGS}) IS '{function_tag(topics)}'",
    ]


# The hash is `chain.link`: sha256(previous digest || "position\0id\0version\0topic\0" || state),
# the id as its canonical text, the numbers in decimal, all UTF-8. Recorded times must not go
# back; a caller who is not the ledger's owner must also give each event's own recorded time
# (its JSON `timestamp`), within minutes of the database's clock. Beside the hashed rows, each
# position's authenticated role and database time go to the appenders table. Over 60 lines of SQL as one
# unit: it is the one place the database writes the log.
_APPEND_BODY = """
DECLARE
  n integer := coalesce(array_length(ids, 1), 0);
  nul constant bytea := '\\x00'::bytea;
  pos bigint;
  first bigint;
  prev bytea;
  latest bigint;
  stamp bigint;
  own bigint;
  now_us bigint;
  trusted boolean;
  hashes text[] := array_fill(NULL::text, ARRAY[n]);
BEGIN
  IF coalesce(array_length(versions, 1), 0) <> n OR coalesce(array_length(topics, 1), 0) <> n
     OR coalesce(array_length(states, 1), 0) <> n OR coalesce(array_length(stamps, 1), 0) <> n
  THEN
    RAISE EXCEPTION 'an append needs one value of each field per event' USING ERRCODE = '22023';
  END IF;
{locked_head}
  FOR i IN 1 .. n LOOP{topic_check}
    stamp := stamps[i];
    IF stamp IS NOT NULL THEN
      IF latest IS NOT NULL AND stamp < latest THEN
        RAISE EXCEPTION 'recorded time going back' USING ERRCODE = '{behind_code}',
          DETAIL = stamp::text || ' ' || latest::text;
      END IF;
      latest := stamp;
    END IF;
    IF NOT trusted THEN
      IF stamp IS NULL OR stamp > now_us + {ahead}::bigint * 60000000
         OR stamp < now_us - {behind}::bigint * 60000000 THEN
        RAISE EXCEPTION USING ERRCODE = '{refused}', MESSAGE = 'recorded time '
          || coalesce(to_timestamp(stamp / 1000000.0)::text, 'missing') || ' is not within '
          || '{ahead} minutes ahead or {behind} behind the database clock ('
          || clock_timestamp()::text || ')';
      END IF;
      own := (extract(epoch FROM (convert_from(states[i], 'UTF8')::jsonb ->> 'timestamp')
                               ::timestamptz) * 1000000)::bigint;
      IF own IS DISTINCT FROM stamp THEN
        RAISE EXCEPTION USING ERRCODE = '{refused}', MESSAGE = 'the recorded time of event '
          || i::text || ' of the batch is not its own timestamp';
      END IF;
    END IF;
    pos := pos + 1;
    prev := sha256(prev || convert_to(pos::text, 'UTF8') || nul
                   || convert_to(ids[i]::text, 'UTF8') || nul
                   || convert_to(versions[i]::text, 'UTF8') || nul
                   || convert_to(topics[i], 'UTF8') || nul || states[i]);
    hashes[i] := encode(prev, 'hex');
  END LOOP;
  INSERT INTO {s}.{e} (position, originator_id, originator_version, topic, state, hash,
                       recorded_at)
    SELECT first + u.ord - 1, u.id, u.version, u.topic, u.state, u.hash, u.stamp
      FROM unnest(ids, versions, topics, states, hashes, stamps)
           WITH ORDINALITY AS u(id, version, topic, state, hash, stamp, ord);
  INSERT INTO {s}.{a} (position, role, appended_at)
    SELECT p, session_user::text, clock_timestamp() FROM generate_series(first, pos) AS p;
  UPDATE {s}.{h} SET position = pos, hash = encode(prev, 'hex') WHERE id = 1;
  RETURN pos;
END
"""
