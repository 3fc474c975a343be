"""A read model killed mid-rebuild or mid-catch-up resumes to exactly what a clean rebuild gives."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from ledger.application import Ledger
from ledger.cli import scenario
from ledger.projections import readmodel
from ledger.projections.readmodel import ReadModel

WORKER = """
import sys
from ledger.application import Ledger
from ledger.projections.readmodel import ReadModel
with Ledger(sys.argv[1], create=False) as app:
    model = ReadModel(app)
    if sys.argv[2] == "rebuild":
        model.rebuild(batch=3)
    else:
        model.catch_up(batch=3)
print("done", flush=True)
"""


def dump(app: Ledger) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with app.store.engine.connect() as conn:
        for table in readmodel.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "id"]
            out[table.name] = sorted((tuple(r) for r in conn.execute(sa.select(*columns))), key=repr)
    return out


@pytest.fixture(scope="module")
def ledger_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('crash') / 'ledger.db'}"
    clock = scenario.SimulatedClock()
    with Ledger(url, clock=clock) as app:
        scenario.build(app, clock, say=lambda _: None)
    return url


def run_worker(url: str, mode: str, kill_after: float | None) -> bool:
    """Run the worker; SIGKILL it after `kill_after` seconds. True if it finished by itself."""
    proc = subprocess.Popen([sys.executable, "-c", WORKER, url, mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_after is None:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        return True
    time.sleep(kill_after)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    return proc.returncode == 0 and b"done" in out


@pytest.mark.parametrize("mode", ["rebuild", "catch_up"])
def test_killed_at_random_points_then_rerun_equals_a_clean_rebuild(ledger_file: str,
                                                                   mode: str) -> None:
    rng = random.Random(f"crash-{mode}")
    with Ledger(ledger_file, create=False) as app:
        ReadModel(app).rebuild()
        clean = dump(app)
        head = app.fingerprint().position
        if mode == "catch_up":  # start from nothing, so catching up has the whole log to do
            with app.store.write_engine.begin() as conn:
                readmodel.metadata.drop_all(conn)
                ReadModel(app).tracking.forget(readmodel.NAME, conn)
    kills = 0
    for _ in range(6):
        if not run_worker(ledger_file, mode, kill_after=rng.uniform(0.3, 1.5)):
            kills += 1
            with Ledger(ledger_file, create=False) as app:
                model = ReadModel(app)
                model.create()
                position = model.status().position
                assert 0 <= position <= head
    assert kills > 0, "no kill landed mid-work: the test did not test anything"
    run_worker(ledger_file, "catch_up", kill_after=None)
    with Ledger(ledger_file, create=False) as app:
        assert ReadModel(app).status().position == head
        assert dump(app) == clean
