"""Property: with erasures anywhere in a random history, the SQL read model still answers exactly
as the pure replay of the log does (both read "[erased]" where a value was), and a rebuild gives
the same rows as catching up did."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.application.erasing import erase
from ledger.domain.errors import LedgerError
from ledger.projections.readmodel import ReadModel
from tests.integration.test_readmodel import (
    START,
    Clock,
    Step,
    _dump,
    _tables,
    reports_agree,
    run,
    seed,
    step,
)

SUBJECTS = ["Ann", "Bob", "Cy", "o", "c"]  # owners and actors of the random histories


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=2, max_size=20),
       erased=st.lists(st.sampled_from(SUBJECTS), min_size=1, max_size=2),
       dates=st.lists(st.integers(0, 500), min_size=1, max_size=2))
def test_sql_equals_replay_with_erasures(steps: list[Step], erased: list[str],
                                         dates: list[int]) -> None:
    with Ledger("sqlite://", clock=Clock()) as app:
        seed(app)
        model = ReadModel(app)
        run(app, model, steps)
        for subject in erased:
            with contextlib.suppress(LedgerError):  # nothing about them
                erase(app, subject, reason="request", actor="DPO")
        # Commands go on after an erasure, on records whose values read "[erased]".
        for ref in ("A0", "A1"):
            with contextlib.suppress(LedgerError):
                app.assign_action(ref, owner="Dee", on=date(2016, 12, 1), actor="o")
        model.catch_up()
        known = [datetime(2016, 1, 1, tzinfo=UTC) + timedelta(days=d) for d in dates]
        reports_agree(app, model, [START + timedelta(days=d) for d in dates],
                      [*known, datetime.now(UTC)])
        app.verify()
        incremental = {t.name: _dump(app, t) for t in _tables()}  # type: ignore[attr-defined]
        model.rebuild(batch=7)
        assert {t.name: _dump(app, t) for t in _tables()} == incremental  # type: ignore[attr-defined]


def test_an_erased_owner_counts_under_erased_in_both(tmp_path: object) -> None:
    with Ledger("sqlite://", clock=Clock()) as app:
        seed(app)
        model = ReadModel(app)
        run(app, model, [("add", 0, 1, 0, 0, 0), ("assign", 0, 1, 1, 0, 0)])
        erase(app, "Ann", reason="request", actor="DPO")
        reports_agree(app, model, [date(2016, 2, 1)], [datetime.now(UTC)])
