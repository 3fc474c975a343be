"""The SQL read model: tables, the batch writer that keeps them, and the questions they answer."""

from ledger.projections.readmodel.model import ReadModel, Status
from ledger.projections.readmodel.schema import NAME, metadata

__all__ = ["NAME", "ReadModel", "Status", "metadata"]
