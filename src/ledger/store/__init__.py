"""The event store: engine, schema, the hash-chained recorder, tracking, mapper and codecs.

One module per concept: `engine` (connecting), `backend`, `sqlite` and `postgresql` (what differs
per database), `schema` (the tables), `recorder` (append and read), `append` (a batch chained),
`verify` (the chain checked), `tracking`, `mapper`, `trusted` (the rebuild's decode), `codecs`,
`errors`, `factory` and `roles`.
"""

from ledger.store.codecs import export_record
from ledger.store.engine import CACHE_KB, make_engine, sqlite_path
from ledger.store.factory import LedgerInfrastructure
from ledger.store.mapper import EncodedBatch, PydanticMapper, StampedEvent
from ledger.store.recorder import LedgerRecorder
from ledger.store.schema import EVENTS_TABLE
from ledger.store.tracking import LedgerTrackingRecorder, PollingSubscription

__all__ = [
    "CACHE_KB", "EVENTS_TABLE", "EncodedBatch", "LedgerInfrastructure", "LedgerRecorder",
    "LedgerTrackingRecorder", "PollingSubscription", "PydanticMapper", "StampedEvent",
    "export_record", "make_engine", "sqlite_path",
]
