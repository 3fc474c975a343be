"""eventsourcing's own conformance suites, run against the ledger's recorders on each backend:
the application recorder (hash chain and all) and the tracking recorder the read models use.

One abstract base per suite says how to make a recorder from a fresh database URL; one subclass
per backend says where that URL comes from: a new SQLite file in a temporary directory, or a new
PostgreSQL schema (the `pg_schemas` fixture, which skips the PostgreSQL classes, with the suite's
one reason, when LEDGER_TEST_PG_URL is unset, and drops the schemas afterwards).

eventsourcing's test module imports `eventsourcing.cipher`, which needs pycryptodome (the
`eventsourcing[crypto]` extra). Without it this module fails one test saying so, rather than
aborting the whole run at collection or skipping the suite quietly.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from ledger.store import LedgerRecorder, LedgerTrackingRecorder, make_engine

try:
    from eventsourcing.tests import persistence as conformance
except ModuleNotFoundError as missing:  # pragma: no cover - depends on the environment
    _MISSING = str(missing)

    def test_conformance_suite_can_be_imported() -> None:
        pytest.fail(f"cannot import eventsourcing's conformance tests ({_MISSING}): "
                    "install pycryptodome (eventsourcing[crypto]) with the test extra")

else:

    class _Databases:
        """Hands out fresh database URLs for one test and disposes of the engines made on them."""

        engines: list[Engine]

        def new_url(self) -> str:
            raise NotImplementedError

        def new_engine(self) -> Engine:
            engine = make_engine(self.new_url())
            self.engines.append(engine)
            return engine

        def dispose_engines(self) -> None:
            for engine in self.engines:
                engine.dispose()
            self.engines.clear()

    class _SQLiteFiles(_Databases):
        def setUp(self) -> None:
            super().setUp()  # type: ignore[misc]
            self.tmpdir = tempfile.mkdtemp(prefix="ledger-conformance-")
            self.engines = []

        def tearDown(self) -> None:
            self.dispose_engines()
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            super().tearDown()  # type: ignore[misc]

        def new_url(self) -> str:
            return f"sqlite:///{self.tmpdir}/db-{len(self.engines)}.db"

    class _PostgresSchemas(_Databases):
        @pytest.fixture(autouse=True)
        def _schemas(self, pg_schemas: Callable[[], str]) -> None:
            # Runs before setUp; the schemas are dropped after tearDown has disposed the engines.
            self._new_schema = pg_schemas

        def setUp(self) -> None:
            super().setUp()  # type: ignore[misc]
            self.engines = []

        def tearDown(self) -> None:
            self.dispose_engines()
            super().tearDown()  # type: ignore[misc]

        def new_url(self) -> str:
            return self._new_schema()

    # -- the application recorder ---------------------------------------------------------------

    class LedgerRecorderConformance(
        _Databases, conformance.ApplicationRecorderTestCase[LedgerRecorder]
    ):
        __test__ = False  # abstract: one subclass per backend below

        def create_recorder(self) -> LedgerRecorder:
            recorder = LedgerRecorder(self.new_engine())
            recorder.create_table()
            self.recorders.append(recorder)
            return recorder

        def setUp(self) -> None:
            super().setUp()
            self.recorders: list[LedgerRecorder] = []

        def test_insert_subscribe(self) -> None:
            self.optional_test_insert_subscribe()

        def test_concurrent_no_conflicts(self, initial_position: int = 0) -> None:
            """eventsourcing's test (10 threads append 100 writes of 100 events, while two
            threads read), then the chain: gap-free, in order, every hash verifying."""
            super().test_concurrent_no_conflicts(initial_position)
            (recorder,) = self.recorders
            head = recorder.verify()
            assert head.position == 100 * 100
            assert recorder.remembered_head() == head
            positions = [n.id for n in recorder.select_notifications(start=1, limit=20_000)]
            assert positions == list(range(1, 100 * 100 + 1))

    class TestLedgerRecorderOnSQLite(_SQLiteFiles, LedgerRecorderConformance):
        __test__ = True

    class TestLedgerRecorderOnPostgreSQL(_PostgresSchemas, LedgerRecorderConformance):
        __test__ = True

    # -- the tracking recorder ------------------------------------------------------------------

    class TrackingRecorderConformance(_Databases, conformance.TrackingRecorderTestCase):
        __test__ = False  # abstract: one subclass per backend below

        def create_recorder(self) -> LedgerTrackingRecorder:
            recorder = LedgerTrackingRecorder(self.new_engine())
            recorder.create_table()
            return recorder

    class TestTrackingRecorderOnSQLite(_SQLiteFiles, TrackingRecorderConformance):
        __test__ = True

    class TestTrackingRecorderOnPostgreSQL(_PostgresSchemas, TrackingRecorderConformance):
        __test__ = True
