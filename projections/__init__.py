"""Read-side projections: the pure replay, the report model, the SQL read model, renderers."""
