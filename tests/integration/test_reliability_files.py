"""Issue 12, data loss: nothing acknowledged is lost, and no output overwrites the ledger.

* Racing first writes: valid and refused commands, as real processes, on a ledger that does not
  exist yet. A refused command once deleted the database file it had "created" while the others
  were writing to it; now no database file is ever deleted and table creation is race-safe.
* Outputs (`export`, `report … -o`, `meeting report -o`, `chart -o`): never the ledger's own
  database or its -wal/-shm file, never through a symbolic link, written atomically (an output
  that fails half-way leaves the earlier file intact), and exports are readable by the owner only.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.application import Ledger
from ledger.cli import main
from ledger.domain.events import AuditKind

PYTHON_M_LEDGER = [sys.executable, "-m", "ledger"]
ACTOR = "R"
ROUNDS = 4
PAIRS = 4


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def invoke(db: Path | str, *args: str) -> Result:
    """`ledger --db DB --actor R ARGS...` in process; never a traceback."""
    result = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None}).invoke(
        main, ["--db", str(db), "--actor", ACTOR, *args])
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def verified(db: Path | str) -> str:
    """`ledger verify` passes; the fingerprint line it prints."""
    result = invoke(db, "verify")
    assert result.exit_code == 0, result.stderr
    return result.stdout


# -- racing first writes on a new ledger --------------------------------------------------------

def fresh_urls(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new ledger for each round: a SQLite file not yet created, or an empty schema."""
    new_schema: Callable[[], str] | None = (
        request.getfixturevalue("pg_schemas") if backend == "postgresql" else None)
    for n in range(ROUNDS):
        yield new_schema() if new_schema else str(tmp_path / f"round{n}.db")


@pytest.mark.slow
def test_racing_valid_and_refused_first_writes_lose_nothing(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    for url in fresh_urls(backend, tmp_path, request):
        valid = {f"A{i}": ["audit", "add", f"A{i}", "--title", "t", "--kind", "other",
                           "--on", "2024-01-01"] for i in range(1, PAIRS + 1)}
        bad = [["action", "start", "NOPE", "--on", "2024-01-01"]] * PAIRS
        commands = [args for pair in zip(valid.values(), bad, strict=True) for args in pair]
        running = [subprocess.Popen([*PYTHON_M_LEDGER, "--db", url, "--actor", ACTOR, *args],
                                    cwd=tmp_path, env=environment(), text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                   for args in commands]
        done = []
        for args, process in zip(commands, running, strict=True):
            out, err = process.communicate(timeout=300)
            done.append((args, process.returncode, out, err))
        acknowledged = [args[2] for args, code, _, _ in done if args[0] == "audit" and code == 0]
        for args, code, _out, err in done:
            assert "Traceback" not in err, err
            if args[0] == "action":
                assert code == 1 and "NOPE" in err, (code, err)
            else:  # distinct refs: every valid command succeeds
                assert code == 0, (args, err)
        if backend == "sqlite":
            assert os.path.exists(url), f"the ledger file {url} was deleted"
        with Ledger(url if "://" in url else f"sqlite:///{url}", create=False) as app:
            app.verify()
            lost = [ref for ref in acknowledged if app.find(ref) is None]
            assert not lost, f"acknowledged writes lost: {lost}"
            assert app.fingerprint().position == len(acknowledged)


def test_a_refused_first_write_leaves_an_empty_valid_ledger(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    result = invoke(db, "action", "start", "NOPE", "--on", "2024-01-01")
    assert result.exit_code == 1 and "NOPE" in result.stderr
    assert db.exists()
    assert "OK: 0 events" in verified(db)
    assert invoke(db, "audit", "add", "A1", "--title", "t", "--kind", "other",
                  "--on", "2024-01-01").exit_code == 0
    assert "OK: 1 events" in verified(db)


# -- outputs ----------------------------------------------------------------------------------

@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "self.db"
    for args in (["audit", "add", "A1", "--title", "t", "--kind", "other", "--on", "2024-01-01"],
                 ["meeting", "add", "2024-02-01", "--committee", "C", "--on", "2024-02-01"]):
        assert invoke(path, *args).exit_code == 0
    return path


@pytest.fixture
def held_open(db: Path) -> Iterator[Path]:
    """The ledger open in this process, so its -wal and -shm files exist during the test."""
    with Ledger(f"sqlite:///{db}", create=False) as app:
        app.fingerprint()
        assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
        yield db


OUTPUT_COMMANDS = {
    "export": lambda out: ["export", out],
    "report": lambda out: ["report", "as-at", "2024-03-01", "-o", out],
    "report-html": lambda out: ["report", "as-at", "2024-03-01", "--format", "html", "-o", out],
    "report-xlsx": lambda out: ["report", "as-at", "2024-03-01", "--format", "xlsx", "-o", out],
    "present": lambda out: ["report", "as-at", "2024-03-01", "--present-at", "2024-02-01",
                            "-o", out],
    "meeting-report": lambda out: ["meeting", "report", "2024-02-01", "-o", out],
    "chart": lambda out: ["chart", "--from", "2024-01-01", "--to", "2024-03-01", "-o", out],
}


def snapshot(db: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(db.parent.glob(db.name + "*"))}


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_no_output_may_overwrite_the_ledger(held_open: Path, command: str, suffix: str) -> None:
    db = held_open
    before, fingerprint = snapshot(db), verified(db)
    target = str(db) + suffix
    result = invoke(db, *OUTPUT_COMMANDS[command](target))
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error:") and len(result.stderr.splitlines()) == 1
    assert f"{target} is this ledger's database" in result.stderr, result.stderr
    assert snapshot(db) == before
    assert verified(db) == fingerprint


@pytest.mark.parametrize("spelling", ["relative", "dotted", "hard-link"])
def test_the_ledger_is_recognised_however_it_is_named(db: Path, spelling: str) -> None:
    target = {"relative": db.name, "dotted": f"./sub/../{db.name}",
              "hard-link": "copy.html"}[spelling]
    (db.parent / "sub").mkdir()
    if spelling == "hard-link":
        os.link(db, db.parent / target)
    before = db.read_bytes()
    for args in (["export", target], ["report", "as-at", "2024-03-01", "-o", target]):
        done = subprocess.run([*PYTHON_M_LEDGER, "--db", db.name, *args], cwd=db.parent,
                              env=environment(), capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 2 and "this ledger's database" in done.stderr, done.stderr
    assert db.read_bytes() == before


@pytest.mark.parametrize("command", ["export", "report", "chart"])
def test_an_output_through_a_symlink_is_refused(db: Path, command: str) -> None:
    victim = db.parent / "victim.txt"
    victim.write_text("precious\n")
    link = db.parent / "out.svg"
    os.symlink(victim, link)
    dangling = db.parent / "dangling.svg"
    os.symlink(db.parent / "nowhere", dangling)
    for path in (link, dangling):
        result = invoke(db, *OUTPUT_COMMANDS[command](str(path)))
        assert result.exit_code == 2 and "symbolic link" in result.stderr, result.stderr
    assert victim.read_text() == "precious\n"
    assert not (db.parent / "nowhere").exists()
    assert os.path.islink(link) and os.path.islink(dangling)


def test_an_export_is_readable_by_its_owner_only(db: Path) -> None:
    out = db.parent / "backup.jsonl"
    out.write_text("an older backup\n")
    out.chmod(0o644)
    assert invoke(db, "export", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text().count("\n") == 3  # two events and the trailer
    fresh = db.parent / "fresh.jsonl"
    assert invoke(db, "export", str(fresh)).exit_code == 0
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_a_failed_output_leaves_the_earlier_file_intact(tmp_path: Path) -> None:
    from ledger.cli.output import output_file  # the one writer every output goes through

    earlier = tmp_path / "report.md"
    earlier.write_text("the earlier report\n")
    with pytest.raises(RuntimeError), output_file(str(earlier), None) as fh:
        fh.write("half a report")
        raise RuntimeError("the renderer failed")
    assert earlier.read_text() == "the earlier report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE as on Linux")
def test_an_export_cut_short_by_a_full_disk_leaves_the_earlier_export(db: Path) -> None:
    import resource
    import signal

    with Ledger(f"sqlite:///{db}", create=False) as app, app.transaction():
        for n in range(200):
            app.add_audit(f"B{n}", title="x" * 400, kind=AuditKind.OTHER, on=date(2024, 1, 1),
                          actor=ACTOR)
    out = db.parent / "backup.jsonl"
    out.write_text("the earlier backup\n")
    # Above SQLite's 32 KiB -shm file, below the export: its write fails half-way, as on a full
    # disk, with EFBIG.
    limit = 65536

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run([*PYTHON_M_LEDGER, "--db", str(db), "export", str(out)],
                          cwd=db.parent, env=environment(), capture_output=True, text=True,
                          preexec_fn=small_files, timeout=120, check=False)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("Error: cannot write") and "Traceback" not in done.stderr
    assert out.read_text() == "the earlier backup\n"
    assert not [p.name for p in db.parent.iterdir() if p.name.endswith(".tmp")]
    assert "OK: 202 events" in verified(db)
