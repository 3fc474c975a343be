"""The infrastructure factory that wires the ledger's recorders and mapper into an
eventsourcing application."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    JSONTranscoder,
    Mapper,
    ProcessRecorder,
    TrackingRecorder,
    Transcoder,
)
from eventsourcing.utils import Environment, EnvType

from ledger.domain import events as ev
from ledger.store.engine import make_engine
from ledger.store.mapper import PydanticMapper
from ledger.store.recorder import LedgerRecorder
from ledger.store.tracking import LedgerTrackingRecorder


class LedgerInfrastructure(InfrastructureFactory[TrackingRecorder]):
    """Wires the ledger's recorder and mapper into an eventsourcing application."""

    def __init__(self, env: Environment | EnvType | None, *, url: str) -> None:
        super().__init__(env)
        self.engine = make_engine(url)
        self.recorder = LedgerRecorder(self.engine, topics=ev.TOPICS)

    def mapper(
        self, transcoder: Transcoder | None = None, mapper_class: Any = None
    ) -> Mapper[Any]:
        """The pydantic mapper (the JSON transcoder is unused: pydantic encodes)."""
        return PydanticMapper(transcoder=transcoder or JSONTranscoder())

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        """The one recorder: the ledger keeps no snapshots."""
        return self.recorder

    def application_recorder(self) -> ApplicationRecorder:
        """The hash-chained recorder."""
        return self.recorder

    def tracking_recorder(self, tracking_recorder_class: Any = None) -> TrackingRecorder:
        """The tracking recorder the read models use."""
        return LedgerTrackingRecorder(self.engine)

    def process_recorder(self) -> ProcessRecorder:
        """Not used: the ledger is one application."""
        raise NotImplementedError("the ledger has no process recorder")

    def is_snapshotting_enabled(self) -> bool:
        """Snapshots are off: streams are short and tuples would not survive them."""
        return False

    def close(self) -> None:
        """Dispose of the engine's connections."""
        self.engine.dispose()
