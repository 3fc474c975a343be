"""The SQL read model: tables, the batch writer that keeps them, and the questions they answer."""

from ledger.projections.readmodel.model import ReadModel, Status
from ledger.projections.readmodel.schema import NAME, metadata
from ledger.projections.readmodel.writer import ANALYZE_AFTER

__all__ = ["ANALYZE_AFTER", "NAME", "ReadModel", "Status", "metadata"]
