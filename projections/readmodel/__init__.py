"""The SQL read model of a ledger, in the ledger's own database: `ReadModel` keeps it and asks it.

`schema` has the tables, `writer` folds the log into them a batch at a time, `queries` answers
the as-at questions; `ReadModel` is the one door to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Connection

from ledger.domain.chain import Fingerprint
from ledger.domain.errors import Inconsistent, StoreError
from ledger.domain.values import micros
from ledger.projections.followup import FollowUpFacts
from ledger.projections.readmodel import catchup, followup, schema
from ledger.projections.readmodel.catchup import ANALYZE_AFTER, BATCH
from ledger.projections.readmodel.protocol import LedgerLike
from ledger.projections.readmodel.queries import Current, Queries
from ledger.projections.readmodel.schema import NAME, metadata
from ledger.projections.replay import MeetingInfo, Position
from ledger.store import LedgerTrackingRecorder
from ledger.store.errors import database_errors

__all__ = ["ANALYZE_AFTER", "NAME", "Current", "LedgerLike", "ReadModel", "Status", "metadata"]


@dataclass(frozen=True)
class Status:
    """Where the read model stands against the log."""

    position: int
    head: int

    @property
    def lag(self) -> int:
        """Events in the log not yet in the read model."""
        return self.head - self.position


class ReadModel:
    """The SQL read models of one ledger, in the ledger's own database."""

    def __init__(self, app: LedgerLike) -> None:
        self.app = app
        self.engine = app.store.engine
        self.write_engine = app.store.write_engine
        self.tracking = LedgerTrackingRecorder(self.engine)
        self.queries = Queries(app.store, self.tracking)
        self._format_known = False  # whether its tables were found made by this version

    # -- maintenance --------------------------------------------------------------------------
    def create(self) -> None:
        """Create the tables if missing (needing no write access when they all exist)."""
        schema.create(self.engine, self.write_engine, self.tracking)
        self._format_known = True

    def status(self) -> Status:
        """The read model's position and the log's head; a position ahead of the log (a
        truncated log, or an edited tracking row) raises `Inconsistent`."""
        with database_errors("read the read model's position"):
            self._check_format()
            state = Status(self.tracking.max_tracking_id(NAME) or 0,
                           self.app.fingerprint().position)
        if state.position > state.head:
            raise Inconsistent(
                f"the read model is at position {state.position}, ahead of the log's last event "
                f"{state.head}: the log was cut short or the read model edited (run ledger "
                "verify --deep, then ledger projections rebuild)", state.head + 1, None)
        return state

    def _check_format(self) -> None:
        """Refuse a read model made by an earlier version (its rows cannot answer this
        version's questions) until a role that owns its tables opens it and makes it again."""
        if self._format_known:
            return
        if schema.is_from_earlier_version(self.engine):
            raise StoreError("the read model was made by an earlier version of ledger: the "
                             "owner of its tables must make it again (ledger projections rebuild)")
        self._format_known = True

    def catch_up(self, batch: int = BATCH, progress: Callable[[int], None] | None = None) -> int:
        """Apply every event after the tracked position, a batch per transaction."""
        self.create()
        self.status()  # refuses a read model ahead of the log
        with database_errors("update the read model"):
            # ANALYZE_AFTER is read from this package at each call (tests lower it here).
            return catchup.catch_up(self.app, self.tracking, batch=batch, progress=progress,
                                   analyze_after=ANALYZE_AFTER)

    def rebuild(self, progress: Callable[[int], None] | None = None, batch: int = BATCH) -> int:
        """Empty the read models and replay the whole log into them (tables and their grants
        are kept, so a rebuild needs no more rights than catching up)."""
        self.create()
        with database_errors("rebuild the read model"), self.write_engine.begin() as conn:
            schema.empty(conn, self.tracking)
        return self.catch_up(batch=batch, progress=progress)

    # -- questions ----------------------------------------------------------------------------
    def fingerprint_known_on(self, known: datetime, conn: Connection | None = None) -> Fingerprint:
        """The last event counted on this horizon (recorded times rise with position)."""
        with database_errors("read the read model"):
            return self.queries.fingerprint_known_on(known, conn)

    def meetings(self, known: datetime) -> list[MeetingInfo]:
        """Meetings known on the horizon, with their resolutions, in date order."""
        with database_errors("read the read model"):
            return self.queries.meetings(known)

    def current(self) -> Current:
        """The latest state of every action and milestone, as the read model's rows keep it."""
        with database_errors("read the read model"):
            return self.queries.current()

    def follow_up_facts(self, audit: str, follows: str, as_at: date,
                        known: datetime) -> FollowUpFacts:
        """Follow-up audit `audit`'s findings and revised ratings as at `as_at`, as known on
        `known`, and what the officers had reported before each finding, from SQL."""
        with database_errors("read the read model"), self.engine.connect() as conn:
            return followup.follow_up_facts(conn, audit, follows, as_at, micros(known))

    def position(self, as_at: date, known: datetime, audit: str | None = None) -> Position:
        """Everything a report needs, as at `as_at`, as known on `known`, from SQL."""
        with database_errors("read the read model"):
            return self.queries.position(as_at, known, audit)
