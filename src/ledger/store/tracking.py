"""Tracking: where each downstream reader (a read model) got to in the log, and a polling
subscription to the log's notifications."""

from __future__ import annotations

import time
from collections.abc import Sequence

import sqlalchemy as sa
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    Notification,
    Subscription,
    Tracking,
    TrackingRecorder,
)
from sqlalchemy.engine import Connection, Engine

from ledger.store.engine import for_writing
from ledger.store.schema import TRACKING_TABLE, create_missing, tracking_table


class LedgerTrackingRecorder(TrackingRecorder):
    """Remembers, per downstream name, the last notification processed (one row each).

    `insert_tracking(..., conn=)` writes in the caller's transaction, so a read model's rows and
    its position commit together; a position at or below the recorded one is refused.
    """

    def __init__(self, engine: Engine, table_name: str = TRACKING_TABLE) -> None:
        self.engine = engine
        self.write_engine = for_writing(engine)
        self.metadata = sa.MetaData()
        self.table = tracking_table(self.metadata, table_name)

    def create_table(self) -> None:
        """Create the tracking table if missing (safe when processes race to first use)."""
        create_missing(self.engine, self.write_engine, [self.table])

    def insert_tracking(self, tracking: Tracking, *, conn: Connection | None = None) -> None:
        """Record that `tracking.notification_id` was processed; refuse going back or repeating."""
        if conn is None:
            with self.write_engine.begin() as c:
                self.insert_tracking(tracking, conn=c)
            return
        t = self.table
        current = conn.execute(sa.select(t.c.notification_id).where(
            t.c.application_name == tracking.application_name)).scalar_one_or_none()
        if current is not None and tracking.notification_id <= current:
            raise IntegrityError(
                f"{tracking.application_name} already tracked {current}; "
                f"{tracking.notification_id} would go back or repeat"
            )
        if current is None:
            conn.execute(t.insert().values(application_name=tracking.application_name,
                                           notification_id=tracking.notification_id))
        else:
            conn.execute(t.update().where(t.c.application_name == tracking.application_name)
                         .values(notification_id=tracking.notification_id))

    def max_tracking_id(self, application_name: str,
                        conn: Connection | None = None) -> int | None:
        """The last position processed by `application_name`, or None."""
        if conn is None:
            with self.engine.connect() as c:
                return self.max_tracking_id(application_name, c)
        t = self.table
        value = conn.execute(sa.select(t.c.notification_id).where(
            t.c.application_name == application_name)).scalar_one_or_none()
        return None if value is None else int(value)

    def forget(self, application_name: str, conn: Connection) -> None:
        """Drop the tracking row (used when a read model is rebuilt from scratch)."""
        conn.execute(self.table.delete().where(self.table.c.application_name == application_name))


class PollingSubscription(Subscription[ApplicationRecorder]):
    """Yields notifications after `gt`, polling for new ones until stopped."""

    def __init__(
        self, recorder: ApplicationRecorder, gt: int | None = None, topics: Sequence[str] = (),
        interval: float = 0.05,
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._buffer: list[Notification] = []
        self._interval = interval

    def __next__(self) -> Notification:
        while not self._has_been_stopped:
            if self._buffer:
                n = self._buffer.pop(0)
                self._last_notification_id = n.id
                return n
            self._buffer = list(
                self._recorder.select_notifications(
                    start=self._last_notification_id or 0, limit=500, topics=self._topics,
                    inclusive_of_start=False,
                )
            )
            if not self._buffer:
                time.sleep(self._interval)
        raise StopIteration
