"""The event store: engine, schema, the hash-chained recorder, tracking, mapper and codecs."""

from ledger.store.codecs import export_record
from ledger.store.mapper import EncodedBatch, PydanticMapper, StampedEvent
from ledger.store.recorder import (
    CACHE_KB,
    EVENTS_TABLE,
    LedgerInfrastructure,
    LedgerRecorder,
    LedgerTrackingRecorder,
    PollingSubscription,
    make_engine,
    sqlite_path,
)

__all__ = [
    "CACHE_KB", "EVENTS_TABLE", "EncodedBatch", "LedgerInfrastructure", "LedgerRecorder",
    "LedgerTrackingRecorder", "PollingSubscription", "PydanticMapper", "StampedEvent",
    "export_record", "make_engine", "sqlite_path",
]
