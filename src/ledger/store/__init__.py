"""The event store: engine, schema, the hash-chained recorder, tracking, mapper and codecs."""

from ledger.store.recorder import (
    CACHE_KB,
    EVENTS_TABLE,
    EncodedBatch,
    LedgerInfrastructure,
    LedgerRecorder,
    LedgerTrackingRecorder,
    PollingSubscription,
    PydanticMapper,
    StampedEvent,
    export_record,
    make_engine,
    sqlite_path,
)

__all__ = [
    "CACHE_KB", "EVENTS_TABLE", "EncodedBatch", "LedgerInfrastructure", "LedgerRecorder",
    "LedgerTrackingRecorder", "PollingSubscription", "PydanticMapper", "StampedEvent",
    "export_record", "make_engine", "sqlite_path",
]
