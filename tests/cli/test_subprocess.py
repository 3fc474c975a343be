"""The installed `ledger` console script and `python -m ledger`, run as real processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import __version__

SCRIPT = Path(sys.executable).parent / "ledger"
ENTRIES = {
    "console-script": [str(SCRIPT)],
    "python-m": [sys.executable, "-m", "ledger"],
}


def run(entry: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([*entry, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture(params=sorted(ENTRIES))
def entry(request: pytest.FixtureRequest) -> list[str]:
    if request.param == "console-script" and not SCRIPT.exists():
        pytest.fail(f"the console script is not installed at {SCRIPT}")
    return ENTRIES[request.param]


def test_version(entry: list[str], tmp_path: Path) -> None:
    done = run(entry, "--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"version {__version__}")
    assert done.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_write_then_verify_json(entry: list[str], tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    done = run(entry, "--db", str(db), "--actor", "J Smith", "milestone", "add", "RM-FUNDED",
               "--text", "Records Manager post funded", "--on", "2016-01-10", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"recorded #1 RM-FUNDED: .*\(effective 2016-01-10, by J Smith\)", lines[0])
    m = re.fullmatch(r"fingerprint 1:([0-9a-f]{64})", lines[-1])
    assert m, lines

    done = run(entry, "--db", str(db), "verify", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["ok"] is True
    assert doc["fingerprint"] == {"position": 1, "hash": m.group(1)}


@pytest.mark.parametrize(("args", "code"), [
    (["--actor", "J Smith", "action", "start", "NOPE", "--on", "2016-01-01"], 1),
    (["--actor", "J Smith", "action", "start", "A1", "--on", "2016-13-01"], 2),
    (["--actor", "J Smith", "action", "start", "bad ref!", "--on", "2016-01-01"], 2),
    (["action", "note", "A1", "hi", "--on", "2016-01-01"], 2),
    (["show", "A1"], 1),
    (["verify", "--expect", "1:abc"], 2),
], ids=["unknown-ref", "bad-date", "bad-ref", "no-actor", "show-missing", "bad-expect"])
def test_user_error_is_one_line_without_traceback(entry: list[str], tmp_path: Path,
                                                   args: list[str], code: int) -> None:
    db = tmp_path / "ledger.db"
    if args[0] != "show":
        seeded = run(entry, "--db", str(db), "--actor", "J Smith", "audit", "add", "AUD",
                     "--title", "t", "--kind", "other", "--on", "2016-01-01", cwd=tmp_path)
        assert seeded.returncode == 0, seeded.stderr
    done = run(entry, "--db", str(db), *args, cwd=tmp_path)
    assert done.returncode == code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), done.stderr
    assert done.stdout == ""
    if args[0] == "show":
        assert not db.exists()


def test_non_ascii_digit_in_fulfils_is_not_a_traceback(entry: list[str], tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    for args in (["meeting", "add", "2016-07-25", "--committee", "C", "--on", "2016-07-25"],
                 ["meeting", "add", "2016-10-24", "--committee", "C", "--on", "2016-10-24"]):
        assert run(entry, "--db", str(db), "--actor", "Clerk", *args, cwd=tmp_path).returncode == 0
    done = run(entry, "--db", str(db), "--actor", "Clerk", "resolution", "add", "2016-10-24", "1",
               "--text", "t", "--fulfils", "2016-07-25/²", cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (1, 2)
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("Error:")
