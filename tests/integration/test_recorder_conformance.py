"""eventsourcing's own application-recorder conformance suite, run against the ledger's recorder
on a real SQLite file (a fresh temporary directory per test).

eventsourcing's test module imports `eventsourcing.cipher`, which needs pycryptodome (the
`eventsourcing[crypto]` extra). Without it this module fails one test saying so, rather than
aborting the whole run at collection or skipping the suite quietly.
"""

from __future__ import annotations

import shutil
import tempfile

import pytest
from sqlalchemy.engine import Engine

from ledger.store import LedgerRecorder, make_engine

try:
    from eventsourcing.tests import persistence as conformance
except ModuleNotFoundError as missing:  # pragma: no cover - depends on the environment
    _MISSING = str(missing)

    def test_conformance_suite_can_be_imported() -> None:
        pytest.fail(f"cannot import eventsourcing's conformance tests ({_MISSING}): "
                    "install pycryptodome (eventsourcing[crypto]) with the test extra")

else:

    class TestLedgerRecorderConformance(conformance.ApplicationRecorderTestCase[LedgerRecorder]):
        def setUp(self) -> None:
            super().setUp()
            self.tmpdir = tempfile.mkdtemp(prefix="ledger-conformance-")
            self.engines: list[Engine] = []

        def tearDown(self) -> None:
            for engine in self.engines:
                engine.dispose()
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            super().tearDown()

        def create_recorder(self) -> LedgerRecorder:
            engine = make_engine(f"sqlite:///{self.tmpdir}/events-{len(self.engines)}.db")
            self.engines.append(engine)
            recorder = LedgerRecorder(engine)
            recorder.create_table()
            return recorder

        def test_insert_subscribe(self) -> None:
            self.optional_test_insert_subscribe()
