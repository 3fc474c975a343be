"""The read model's tables: their shape, and how a database made by an earlier version is found.

Every table is bitemporal in recorded time: a row holds from its recorded-from column
(`RECORDED_FROM`) until `recorded_to` (FOREVER while current), so a correction or retraction
closes the rows of its record and opens fresh ones (see `amendments`). `rm_attrs` holds one
row per interval of an action's status, owner and target date: valid
from/to (effective dates) × recorded from/to (microseconds), so "as at D, as known on K" is one
indexed query. The starting value of an attribute (not started; the owner and target date the
action was added with, in `rm_actions`) is valid from the beginning of time and has no row of its
own: the first change to an attribute opens rows covering all of valid time, so an attribute with
no row recorded by K still has its starting value on K.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ledger.domain.errors import StoreError
from ledger.store import LedgerTrackingRecorder
from ledger.store.schema import create_missing

NAME = "readmodel"
"""The read model's name in the tracking table."""

BEGINNING = date(1, 1, 1)
"""Valid time's start: a starting value holds from here."""
END = date(9999, 12, 31)
"""Valid time's end: an interval open in valid time ends here."""


class Attr:
    """The codes of the attributes `rm_attrs.attr` stores (one letter each, as earlier versions
    wrote them: changing them would change the stored format)."""

    STATUS: Final = "s"
    OWNER: Final = "o"
    DUE: Final = "d"


CURRENT_COLUMN: Final = {Attr.STATUS: "status", Attr.OWNER: "owner", Attr.DUE: "due"}
"""The `rm_actions` column holding each attribute's current value (as at the latest date)."""

metadata = sa.MetaData()
ref_type = sa.String(64)
_FROM = sa.BigInteger()
"""Recorded from/to columns: microseconds since 1970 (UTC); `recorded_to` is FOREVER while the
row is current."""


def _recorded_to() -> sa.Column[int]:
    return sa.Column("recorded_to", sa.BigInteger(), nullable=False)


actions = sa.Table(
    "rm_actions", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("added_on", sa.Date(), nullable=False),
    sa.Column("added_at", sa.BigInteger(), primary_key=True),  # this row's recorded from
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("original_due", sa.Date()),
    sa.Column("original_owner", sa.Text()),
    sa.Column("recommendations", sa.Text(), nullable=False),
    sa.Column("depends_on", sa.Text(), nullable=False),
    # Current state: as at the latest date, as known now.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("owner", sa.Text()),
    sa.Column("due", sa.Date()),
    _recorded_to(),
)
action_recs = sa.Table(
    "rm_action_recommendations", metadata,
    sa.Column("action_ref", ref_type, primary_key=True),
    sa.Column("rec_ref", ref_type, primary_key=True),
    sa.Column("recorded_from", sa.BigInteger(), primary_key=True),
    _recorded_to(),
    sa.Index("rm_action_recommendations_rec", "rec_ref"),
)
attrs = sa.Table(
    "rm_attrs", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("action_ref", ref_type, nullable=False),
    sa.Column("attr", sa.String(1), nullable=False),
    sa.Column("value", sa.Text()),
    sa.Column("valid_from", sa.Date(), nullable=False),
    sa.Column("valid_to", sa.Date(), nullable=False),
    sa.Column("recorded_from", sa.BigInteger(), nullable=False),
    sa.Column("recorded_to", sa.BigInteger(), nullable=False),
    sa.Index("rm_attrs_asat", "action_ref", "recorded_to", "valid_from"),
)
recommendations = sa.Table(
    "rm_recommendations", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("audit", ref_type, nullable=False, index=True),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("made_on", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), primary_key=True),
    sa.Column("event", sa.Text(), nullable=False),  # the whole event's JSON (its response)
    _recorded_to(),
)
audits = sa.Table(
    "rm_audits", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("audit_date", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), primary_key=True),
    sa.Column("event", sa.Text(), nullable=False),
    _recorded_to(),
)
milestones = sa.Table(
    "rm_milestones", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("set_on", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), primary_key=True),
    sa.Column("achieved_on", sa.Date()),
    _recorded_to(),
)
achievements = sa.Table(
    "rm_achievements", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("ref", ref_type, nullable=False, index=True),
    sa.Column("effective", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    _recorded_to(),
)
meetings = sa.Table(
    "rm_meetings", metadata,
    sa.Column("ref", ref_type, primary_key=True),
    sa.Column("committee", sa.Text(), nullable=False),
    sa.Column("held_on", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), primary_key=True),
    _recorded_to(),
)
resolutions = sa.Table(
    "rm_resolutions", metadata,
    sa.Column("meeting", ref_type, primary_key=True),
    sa.Column("number", sa.Integer(), primary_key=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), primary_key=True),
    sa.Column("event", sa.Text(), nullable=False),
    _recorded_to(),
)
received = sa.Table(
    "rm_received", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("meeting", ref_type, nullable=False),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("effective", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    _recorded_to(),
    sa.Index("rm_received_request", "meeting", "number"),
)

requests = sa.Table(
    "rm_requests", metadata,
    sa.Column("meeting", ref_type, primary_key=True),
    sa.Column("number", sa.Integer(), primary_key=True),
    sa.Column("held_on", sa.Date(), nullable=True),
    sa.Column("state", sa.Integer(), nullable=False),
    sa.Index("rm_requests_state_held", "state", "held_on"),
)
"""Not bitemporal, an index: each report requested, and whether it was settled soon after
(`requests`): the outstanding requests as at D are then found among the few held shortly before
D and those not settled so, not among every request ever made."""

due_changes = sa.Table(
    "rm_due_changes", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("action_ref", ref_type, nullable=False),
    sa.Column("kind", sa.String(1), nullable=False),  # DueChange
    sa.Column("effective", sa.Date(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),  # order in the action's stream
    sa.Column("due", sa.Date(), nullable=False),
    sa.Column("reason", sa.Text()),  # a request's (a move's is not read)
    sa.Column("recorded_from", sa.BigInteger(), nullable=False),
    _recorded_to(),
    sa.Index("rm_due_changes_action", "action_ref", "recorded_to"),
)
"""Each reschedule of an action (moved) and each request for a new date awaiting approval
(requested): the revisions and the pending request as at a date are counted from them."""
policies = sa.Table(
    "rm_policies", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("ref", ref_type, nullable=False),
    sa.Column("effective", sa.Date(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("event", sa.Text(), nullable=False),  # the `TargetPolicySet`'s JSON
    sa.Column("recorded_from", sa.BigInteger(), nullable=False),
    _recorded_to(),
)
"""The target-date policies set (the policy in force as at a date is the latest effective)."""


findings = sa.Table(
    "rm_findings", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("ref", ref_type, nullable=False),  # the recommendation or action assessed
    sa.Column("by_audit", ref_type, nullable=False),
    sa.Column("outcome", sa.String(24), nullable=False),
    sa.Column("note", sa.Text()),
    sa.Column("effective", sa.Date(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("position", sa.BigInteger(), nullable=False),
    sa.Column("recorded_from", sa.BigInteger(), nullable=False),
    _recorded_to(),
    sa.Index("rm_findings_by", "by_audit", "recorded_to"),
)
"""A follow-up audit's findings (`ImplementationAssessed`), with their place in the log."""
assurance = sa.Table(
    "rm_assurance", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("audit", ref_type, nullable=False),
    sa.Column("area", sa.Text(), nullable=False),
    sa.Column("rating", sa.String(24), nullable=False),
    sa.Column("effective", sa.Date(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("recorded_from", sa.BigInteger(), nullable=False),
    _recorded_to(),
)
"""A follow-up audit's revised ratings (`AssuranceRevised`)."""
status_log = sa.Table(
    "rm_status_log", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("action_ref", ref_type, nullable=False),
    sa.Column("effective", sa.Date(), nullable=False),
    sa.Column("position", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("recorded_from", sa.BigInteger(), nullable=False),
    _recorded_to(),
    sa.Index("rm_status_log_action", "action_ref", "recorded_to"),
)
"""Each status change of an action with its position in the log: what the officers had reported
before a finding was recorded (`rm_attrs` keeps the intervals, not the order of recording)."""


class DueChange:
    """The codes of `rm_due_changes.kind`."""

    MOVED: Final = "m"
    REQUESTED: Final = "r"


RECORDED_FROM: Final = {
    actions: actions.c.added_at, action_recs: action_recs.c.recorded_from,
    attrs: attrs.c.recorded_from, recommendations: recommendations.c.recorded_at,
    audits: audits.c.recorded_at, milestones: milestones.c.recorded_at,
    achievements: achievements.c.recorded_at, meetings: meetings.c.recorded_at,
    resolutions: resolutions.c.recorded_at, received: received.c.recorded_at,
    due_changes: due_changes.c.recorded_from, policies: policies.c.recorded_from,
    findings: findings.c.recorded_from, assurance: assurance.c.recorded_from,
    status_log: status_log.c.recorded_from,
}
"""Each table's recorded-from column: a row holds as known on K when it is <= K and
`recorded_to` > K."""
RECORD_KEY: Final = {
    actions: actions.c.ref, action_recs: action_recs.c.action_ref, attrs: attrs.c.action_ref,
    recommendations: recommendations.c.ref, audits: audits.c.ref, milestones: milestones.c.ref,
    achievements: achievements.c.ref, meetings: meetings.c.ref,
    resolutions: resolutions.c.meeting, received: received.c.meeting,
    due_changes: due_changes.c.action_ref, policies: policies.c.ref,
    findings: findings.c.ref, assurance: assurance.c.audit, status_log: status_log.c.action_ref,
}
"""Each table's column naming the record (the event stream) a row was derived from."""


def is_from_earlier_version(engine: Engine) -> bool:
    """Whether the read model's tables were made by an earlier version: `rm_actions` (made with
    the others) exists but a table of this version is missing (`rm_due_changes`, `rm_policies`:
    target dates were not governed; `rm_findings`, `rm_assurance`, `rm_status_log`: no follow-up
    audits; `rm_requests`: outstanding requests were found among all) or lacks a column this
    version has (`original_owner`:
    starting values were rows; `recorded_to`: rows were never replaced, corrections unknown;
    `rm_recommendations.event`: no management response). False when `rm_actions` is missing."""
    inspector = sa.inspect(engine)
    try:
        columns = {c["name"] for c in inspector.get_columns(actions.name)}
    except sa.exc.NoSuchTableError:
        return False
    if {c.name for c in actions.columns} - columns:
        return True
    for table in (recommendations, due_changes, policies, findings, assurance, status_log,
                  requests):
        try:
            found = {c["name"] for c in inspector.get_columns(table.name)}
        except sa.exc.NoSuchTableError:
            return True
        if {c.name for c in table.columns} - found:
            return True
    return False


def create(engine: Engine, write_engine: Engine, tracking: LedgerTrackingRecorder) -> None:
    """Create the tables if missing (needing no write access when they all exist; safe when
    processes race to first use). A read model made by an earlier version is dropped and made
    again, empty (its privileges granted again on PostgreSQL), so catching up refills it."""
    try:
        tracking.create_table()
        if is_from_earlier_version(engine):
            _make_again(write_engine, tracking)
        create_missing(engine, write_engine, metadata.sorted_tables)
    except sa.exc.DBAPIError as e:
        raise StoreError(f"cannot create the read model's tables: {e.orig}") from e


def _make_again(write_engine: Engine, tracking: LedgerTrackingRecorder) -> None:
    """Drop the tables of an earlier version and make them again, empty, privileges kept."""
    try:
        with write_engine.begin() as conn:
            granted = privileges(conn)
            metadata.drop_all(conn, checkfirst=True)
            metadata.create_all(conn)
            for statement in granted:
                conn.exec_driver_sql(statement)
            tracking.forget(NAME, conn)
    except sa.exc.DBAPIError as e:
        raise StoreError(f"the read model was made by an earlier version of ledger and this role "
                         f"cannot make it again ({e.orig}): the owner of its tables must (ledger "
                         "projections rebuild)") from e


def privileges(conn: Connection) -> list[str]:
    """The GRANT statements that give again what the read model's tables and their id
    sequences grant now (PostgreSQL; none elsewhere), to be run once they are made again."""
    if conn.dialect.name != "postgresql":
        return []
    names = [t.name for t in metadata.sorted_tables]
    names += [f"{t.name}_id_seq" for t in metadata.sorted_tables if "id" in t.c]
    rows = conn.execute(sa.text(
        "SELECT c.relname, c.relkind, a.privilege_type, "
        "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee "
        "FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a "
        "LEFT JOIN pg_roles r ON r.oid = a.grantee "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(:names) "
        "AND a.grantee <> c.relowner"), {"names": names}).all()
    found = [tuple(r) for r in rows]
    existing = set(sa.inspect(conn).get_table_names())
    for table in metadata.sorted_tables:  # new in this version: granted as `rm_attrs` is
        if table.name not in existing:
            for name, kind, privilege, grantee in rows:
                if name == attrs.name or (name == f"{attrs.name}_id_seq" and "id" in table.c):
                    found.append((name.replace(attrs.name, table.name), kind, privilege,
                                  grantee))
    return [f"GRANT {privilege} ON {'SEQUENCE' if kind == 'S' else 'TABLE'} "
            f"{conn.dialect.identifier_preparer.quote(name)} TO {grantee}"
            for name, kind, privilege, grantee in found]


def empty(conn: Connection, tracking: LedgerTrackingRecorder) -> None:
    """Delete every row of the read model and its tracked position (tables and grants kept)."""
    for table in reversed(metadata.sorted_tables):
        conn.execute(table.delete())
    tracking.forget(NAME, conn)


def table_names() -> list[str]:
    """The read model's tables, in dependency order."""
    return [t.name for t in metadata.sorted_tables]
