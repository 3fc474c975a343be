"""PostgreSQL's bulk paths: binary `COPY` through psycopg, and the staged append.

A large batch is chained in Python under the append lock (`append.chain_batch`, SQLite's code:
`chain.link`), copied into a session temporary table that the ledger's owner made (by the
definer function `<events>_stage()`), then moved into the log by the definer function
`<events>_append_staged()`, which checks every row before inserting any (one INSERT): positions follow
the log's last, every hash is `chain.link` of the hash before it (the first of the log's own
head), topics are the ledger's, recorded times never go back and, for a caller who is not the
owner, are each event's own and near the database's clock. Officers still hold no INSERT on the
log: they may only fill their session's staging table, which no other session can see.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

STAGED_FROM = 64
"""Batches of at least this many events take the staged path (fewer: the array call, one round
trip)."""
SORT_MEMORY = "64MB"
"""The staged append's `work_mem` (its own, while it runs): its loop reads the staged rows in
position order, and a batch of 10,000 events (about 5 MB to sort) would otherwise spill to disk
at PostgreSQL's default 4 MB."""
STAGED_COLUMNS = ("position", "originator_id", "originator_version", "topic", "state", "hash",
                  "recorded_at")
STAGED_TYPES = ("int8", "uuid", "int4", "text", "bytea", "text", "int8")


def staged_name(events: str) -> str:
    """The session temporary table that stages a bulk append to the events table `events`."""
    return f"{events}_staged"


def stage_function(events: str) -> str:
    """The signature of the function that makes the staging table of `events`."""
    return f"{events}_stage()"


def staged_append_function(events: str) -> str:
    """The signature of the function that moves the staged rows into `events`."""
    return f"{events}_append_staged()"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def copy_rows(conn: Connection, table: str, columns: Sequence[str], types: Sequence[str] | None,
              rows: Iterable[Sequence[Any]]) -> None:
    """`COPY` of `rows` into `table` (a name, quoted here unless it is `pg_temp.`-qualified) in
    `conn`'s transaction: binary with the column `types` given, else text (the server converts
    each value); a driver error comes back as SQLAlchemy's."""
    import psycopg  # here, not at the top: a SQLite ledger's commands never load it

    raw = conn.connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError("binary COPY needs a psycopg 3 connection")
    target = (f"pg_temp.{_q(table.removeprefix('pg_temp.'))}" if table.startswith("pg_temp.")
              else _q(table))
    statement = (f"COPY {target} ({', '.join(map(_q, columns))}) FROM STDIN"
                 + (" (FORMAT BINARY)" if types is not None else ""))
    try:
        with raw.cursor() as cur, cur.copy(statement) as copy:
            if types is not None:
                copy.set_types(list(types))
            write = copy.write_row
            for row in rows:
                write(row)
    except psycopg.Error as e:
        raise sa.exc.DBAPIError.instance(statement, None, e, psycopg.Error) from e


def fetch_all(conn: Connection, statement: str, params: Sequence[Any], *,
              binary: bool = False) -> list[tuple[Any, ...]]:
    """The rows of `statement` (`%s` placeholders) as psycopg returns them, fetched at once
    through the driver (no per-row work by SQLAlchemy), in `conn`'s transaction; `binary` asks
    the server for its binary format (a bytea as its bytes, not hex text to decode)."""
    import psycopg

    raw = conn.connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError("fetch_all needs a psycopg 3 connection")
    try:
        with raw.cursor() as cur:
            return cur.execute(statement, params, binary=binary).fetchall()
    except psycopg.Error as e:
        raise sa.exc.DBAPIError.instance(statement, params, e, psycopg.Error) from e


LOCKED_HEAD = """\
  PERFORM 1 FROM {s}.{h} WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION '{events}: the head row is missing'; END IF;
  SELECT t.position, decode(t.hash, 'hex'), t.recorded_at INTO pos, prev, latest
    FROM {s}.{e} t ORDER BY t.position DESC LIMIT 1;
  IF NOT FOUND THEN
    pos := 0;
    prev := decode(repeat('0', 64), 'hex');
  END IF;
  first := pos + 1;
  trusted := pg_has_role(session_user, current_user, 'USAGE');
  now_us := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;"""
"""The start of both append functions (`postgresql.py`'s array one and the staged one): lock
the head row, read the chain's last position, hash and recorded time, and who is appending
(format it with `s`, `e`, `h` and `events` before its body is formatted)."""


def staged_ddl(s: str, events: str, definer: str, topics: frozenset[str] | None,
               codes: dict[str, str | int]) -> list[str]:
    """The two definer functions of the staged append, in schema `s` (quoted), for the events
    table `events`; `codes` gives the SQLSTATEs and the clock's limits (`postgresql.py`)."""
    stage = f"{s}.{_q(events + '_stage')}"
    append = f"{s}.{_q(events + '_append_staged')}"
    names = {"s": s, "e": _q(events), "h": _q(f"{events}_head"), "a": _q(f"{events}_appenders"),
             "x": "pg_temp." + _q(staged_name(events)), "name": staged_name(events),
             "table": _q(staged_name(events)), "events": events, "stage": stage,
             "topic_check": _topic_check(topics, str(codes["refused"])), **codes}
    names["locked_head"] = LOCKED_HEAD.format(**names)
    return [
        f"CREATE OR REPLACE FUNCTION {stage}() RETURNS void {definer} AS $fn$"
        + _STAGE_BODY.format(**names) + "$fn$",
        f"CREATE OR REPLACE FUNCTION {append}() RETURNS bigint {definer} "
        f"SET work_mem = '{SORT_MEMORY}' AS $fn$"
        + _APPEND_STAGED_BODY.format(**names) + "$fn$",
        f"REVOKE ALL ON FUNCTION {stage}(), {append}() FROM PUBLIC",
    ]


def _topic_check(topics: frozenset[str] | None, refused: str) -> str:
    if topics is None:
        return ""
    allowed = "ARRAY[" + ", ".join(f"'{t}'" for t in sorted(topics)) + "]::text[]"
    return f"""
    IF NOT (r.topic = ANY({allowed})) THEN
      RAISE EXCEPTION USING ERRCODE = '{refused}', MESSAGE = 'event ' || (pos - first + 2)::text
        || ' of the batch has a type the ledger does not define: ' || r.topic;
    END IF;"""


# The staging table belongs to the ledger's owner (a table of that name the caller made would
# have the owner's functions read what the caller controls, so it is refused); rows stay in it
# only until the append moves them, or the transaction ends.
_STAGE_BODY = """
DECLARE
  ours boolean;
BEGIN
  SELECT c.relkind = 'r' AND c.relowner = current_user::regrole INTO ours
    FROM pg_class c WHERE c.oid = to_regclass('pg_temp.{table}');
  IF ours IS NULL THEN
    CREATE TEMP TABLE {table} (position bigint NOT NULL, originator_id uuid NOT NULL,
      originator_version integer NOT NULL, topic text NOT NULL, state bytea NOT NULL,
      hash text NOT NULL, recorded_at bigint) ON COMMIT DELETE ROWS;
    GRANT INSERT ON {x} TO PUBLIC;
  ELSIF NOT ours THEN
    RAISE EXCEPTION USING ERRCODE = '{refused}',
      MESSAGE = '{name} is not the ledger''s own staging table';
  END IF;
END
"""

# The checks of `postgresql._APPEND_BODY`, in one pass over the staged rows in position order
# (a gap or a repeated position is refused), then one INSERT. Over 60 lines of SQL as one unit:
# with the array function, the one place the database writes the log.
_APPEND_STAGED_BODY = """
DECLARE
  nul constant bytea := '\\x00'::bytea;
  r record;
  first bigint;
  pos bigint;
  prev bytea;
  latest bigint;
  now_us bigint;
  trusted boolean;
BEGIN
  PERFORM {stage}();
{locked_head}
  FOR r IN SELECT x.position, x.originator_id, x.originator_version, x.topic, x.state, x.hash,
                  x.recorded_at FROM {x} x ORDER BY x.position LOOP
    IF r.position IS DISTINCT FROM pos + 1 THEN
      RAISE EXCEPTION USING ERRCODE = '{refused}', MESSAGE = 'staged event '
        || (pos - first + 2)::text || ' is not at position ' || (pos + 1)::text;
    END IF;{topic_check}
    IF r.recorded_at IS NOT NULL THEN
      IF latest IS NOT NULL AND r.recorded_at < latest THEN
        RAISE EXCEPTION 'recorded time going back' USING ERRCODE = '{behind}',
          DETAIL = r.recorded_at::text || ' ' || latest::text;
      END IF;
      latest := r.recorded_at;
    END IF;
    IF NOT trusted THEN
      IF r.recorded_at IS NULL OR r.recorded_at > now_us + {ahead}::bigint * 60000000
         OR r.recorded_at < now_us - {behind_minutes}::bigint * 60000000 THEN
        RAISE EXCEPTION USING ERRCODE = '{refused}', MESSAGE = 'recorded time '
          || coalesce(to_timestamp(r.recorded_at / 1000000.0)::text, 'missing')
          || ' is not within {ahead} minutes ahead or {behind_minutes} behind the database '
          || 'clock (' || clock_timestamp()::text || ')';
      END IF;
      IF (extract(epoch FROM (convert_from(r.state, 'UTF8')::jsonb ->> 'timestamp')
                  ::timestamptz) * 1000000)::bigint IS DISTINCT FROM r.recorded_at THEN
        RAISE EXCEPTION USING ERRCODE = '{refused}', MESSAGE = 'the recorded time of event '
          || (pos - first + 2)::text || ' of the batch is not its own timestamp';
      END IF;
    END IF;
    pos := pos + 1;
    prev := sha256(prev || convert_to(pos::text, 'UTF8') || nul
                   || convert_to(r.originator_id::text, 'UTF8') || nul
                   || convert_to(r.originator_version::text, 'UTF8') || nul
                   || convert_to(r.topic, 'UTF8') || nul || r.state);
    IF r.hash IS DISTINCT FROM encode(prev, 'hex') THEN
      RAISE EXCEPTION USING ERRCODE = '{refused}', MESSAGE = 'the hash of event '
        || (pos - first + 1)::text || ' of the batch does not follow the one before it';
    END IF;
  END LOOP;
  IF pos < first THEN RETURN pos; END IF;
  INSERT INTO {s}.{e} (position, originator_id, originator_version, topic, state, hash,
                       recorded_at)
    SELECT x.position, x.originator_id, x.originator_version, x.topic, x.state, x.hash,
           x.recorded_at FROM {x} x;
  INSERT INTO {s}.{a} (position, role, appended_at)
    SELECT p, session_user::text, clock_timestamp() FROM generate_series(first, pos) AS p;
  UPDATE {s}.{h} SET position = pos, hash = encode(prev, 'hex') WHERE id = 1;
  TRUNCATE {x};
  RETURN pos;
END
"""
