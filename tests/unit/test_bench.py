"""The benchmark runs end to end on a tiny ledger and writes sane results (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
KEYS = ("events", "append_ratio_vs_raw", "append_eps", "rebuild_eps", "verify_eps",
        "asat_p50_ms", "asat_p99_ms", "asat_speedup_vs_replay", "peak_rss_mb")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    work = tmp_path_factory.mktemp("bench")
    out = work / "results.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--events", "2000", "--dir", str(work / "db"),
         "--out", str(out), "--questions", "10", "--replays", "2", "--batch", "500",
         "--per-txn", "2", "--save-events", "1000"],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ledger bench: 2,000 events" in done.stdout
    return dict(json.loads(out.read_text()))


def test_results_have_the_issue_keys_with_positive_values(results: dict[str, object]) -> None:
    for key in KEYS:
        value = results[key]
        assert isinstance(value, int | float) and value > 0, (key, value)
    assert results["events"] == 2000
    assert results["asat_p99_ms"] >= results["asat_p50_ms"]  # type: ignore[operator]


def test_every_step_ran_on_all_the_events(results: dict[str, object]) -> None:
    steps = results["steps"]
    assert isinstance(steps, dict)
    assert steps["append"]["head"].startswith("2000:")
    assert steps["verify"]["head"] == steps["append"]["head"]
    assert steps["rebuild"]["events"] == 2000
    assert 200 < steps["append"]["avg_state_bytes"] < 400  # ~300-byte events, as the baseline's
    assert all(step["rss_mb"] > 0 for step in steps.values())


def test_the_sql_answer_equals_the_replay(results: dict[str, object]) -> None:
    steps = results["steps"]
    assert isinstance(steps, dict)
    assert steps["replay"]["questions"] == 2
    assert steps["replay"]["matches"] == 2
    assert results["asat_matches_replay"] is True
    assert steps["asat"]["max_actions"] > 0


def test_the_generator_is_deterministic_and_streams_in_recorded_order() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from generate import batches, events  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(BENCH))
    first = [e.model_dump_json() for e in events(3000, seed=7)]
    assert first == [e.model_dump_json() for e in events(3000, seed=7)]
    stamps = [e.timestamp for batch in batches(3000, size=700, seed=7) for e in batch]
    assert len(stamps) == 3000 and stamps == sorted(stamps)
    everything = list(events(3000, seed=7))
    versions: dict[str, int] = {}
    for e in everything:
        assert e.originator_version == versions.get(e.ref, 0) + 1
        versions[e.ref] = e.originator_version
        assert e.effective <= e.timestamp.date()
