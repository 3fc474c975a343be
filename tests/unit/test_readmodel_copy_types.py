"""The binary COPY of the read model's rows on PostgreSQL sends each value in its column's own
type: every column of every table must have one (a binary int8 is refused by an INTEGER column)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ledger.projections.readmodel import bulk, schema


def test_every_read_model_column_has_its_own_binary_copy_type() -> None:
    expected = {"BIGINT": "int8", "INTEGER": "int4", "DATE": "date", "TEXT": "text"}
    for table in schema.metadata.sorted_tables:
        names = tuple(c.name for c in table.columns)
        for column, sent in zip(table.columns, bulk.copy_types(table, names), strict=True):
            kind = column.type.compile(dialect=postgresql.dialect())
            assert sent == expected.get(kind, "text" if kind.startswith("VARCHAR") else kind), (
                table.name, column.name, kind)


def test_a_column_of_another_type_is_refused() -> None:
    table = sa.Table("t", sa.MetaData(), sa.Column("flag", sa.Boolean()))
    with pytest.raises(TypeError, match="no binary COPY type"):
        bulk.copy_types(table, ("flag",))
