"""The bind parameters every read-model question shares, and what "as known on K" means for a
table's rows (one definition for the position, governance and follow-up queries)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ledger.projections.readmodel.schema import RECORDED_FROM, ref_type

AS_AT = sa.bindparam("as_at", type_=sa.Date())
"""The effective date asked about."""
K = sa.bindparam("k", type_=sa.BigInteger())
"""The recorded-time horizon, in microseconds."""
AUDIT = sa.bindparam("audit", type_=ref_type)
"""One audit's ref."""
REFS = sa.bindparam("refs", expanding=True, type_=ref_type)
"""A list of refs."""


def known(table: sa.Table) -> Any:
    """A table's rows as known on the horizon: recorded by it, not yet replaced by it."""
    return sa.and_(RECORDED_FROM[table] <= K, table.c.recorded_to > K)
