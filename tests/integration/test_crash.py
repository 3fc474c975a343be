"""A read model killed mid-rebuild or mid-catch-up resumes to exactly what a clean rebuild gives."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from ledger.application import Ledger, scenario
from ledger.projections import readmodel
from ledger.projections.readmodel import ReadModel

WORKER = """
import sys
from ledger.application import Ledger
from ledger.projections.readmodel import ReadModel
with Ledger(sys.argv[1], create=False) as app:
    model = ReadModel(app)
    report = lambda n: print(n, flush=True)  # after each batch has committed
    if sys.argv[2] == "rebuild":
        model.rebuild(batch=3, progress=report)
    else:
        model.catch_up(batch=3, progress=report)
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


def run_worker(url: str, mode: str, kill_after: int | None) -> tuple[bool, int]:
    """Run the worker and SIGKILL it once `kill_after` batches have committed (plus a random
    moment inside the next one). Returns (finished by itself, last committed position seen)."""
    proc = subprocess.Popen([sys.executable, "-c", WORKER, url, mode],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    committed = 0
    for seen, line in enumerate(proc.stdout, start=1):
        if line.strip() == "done":
            break
        committed = int(line)
        if kill_after is not None and seen >= kill_after:
            time.sleep(random.uniform(0, 0.01))
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=120)
    return proc.returncode == 0, committed


@pytest.mark.slow
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
        finished, committed = run_worker(ledger_file, mode, kill_after=rng.randint(1, 40))
        if not finished:
            kills += 1
            with Ledger(ledger_file, create=False) as app:
                model = ReadModel(app)
                model.create()
                # Whatever committed before the kill is kept; nothing past the log's head.
                assert committed <= model.status().position <= head
    assert kills > 0, "no kill landed mid-work: the test did not test anything"
    run_worker(ledger_file, "catch_up", kill_after=None)
    with Ledger(ledger_file, create=False) as app:
        assert ReadModel(app).status().position == head
        assert dump(app) == clean
