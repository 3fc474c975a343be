"""Least privilege on PostgreSQL as a use case: every table of the ledger and its read model
granted to the officer, auditor and projection-writer roles (the store does the granting)."""

from __future__ import annotations

from ledger.application.ledger import Ledger
from ledger.projections.readmodel import ReadModel, metadata
from ledger.store.roles import Granted, grant


def grant_roles(app: Ledger, *, officer: str, auditor: str, writer: str | None,
                erasure: str | None = None) -> Granted:
    """Create the read model's tables if missing, then grant each role what it needs on the
    ledger's tables and functions and on the read model's; refused unless that is what they hold."""
    model = ReadModel(app)
    model.create()
    return grant(
        app.store.engine, officer=officer, auditor=auditor, writer=writer, erasure=erasure,
        event_tables=[app.store.table.name], head_table=app.store.head_table.name,
        model_tables=[*(t.name for t in metadata.sorted_tables), model.tracking.table.name])
