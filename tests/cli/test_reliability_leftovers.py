"""Issue 12, leftovers: `restore` never deletes a database file; stored text is words on output.

* Restore into a new SQLite file goes to a private temporary file beside it, linked into place
  only once complete (a link never replaces a file): a failed restore creates nothing, and a
  file another process created meanwhile is never deleted or replaced. The races are driven with
  real processes reading the export through a named pipe, so each step happens in a known order.
* `show`, `requests` (text) and the import progress print stored text without rich markup (an
  owner `[/x]` once raised `MarkupError`) and with unprintable characters escaped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.events import AuditKind
from tests.cli.test_reliability_input import ACTOR, ok, run, store_as_before_the_rule, story

PYTHON_M_LEDGER = [sys.executable, "-m", "ledger"]
MARKUP = "[/x] [bold]b[/bold] [red"


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A valid export of a small ledger (4 events and the trailer)."""
    source = story(url_of(tmp_path / "source.db"))
    out = tmp_path / "backup.jsonl"
    ok(source, "export", str(out), actor=None)
    return out


def fingerprint(url: str) -> str:
    return str(json.loads(ok(url, "verify", "--format", "json", actor=None))["fingerprint"])


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# -- 1. restore never deletes a database file ---------------------------------------------------

def test_a_valid_restore_creates_the_file_whole(export: Path, tmp_path: Path) -> None:
    target = tmp_path / "restored" / "new.db"
    target.parent.mkdir()
    ok(url_of(target), "restore", str(export), actor=None)
    assert files(target.parent) == {"new.db"}  # no temporary file or log left beside it
    assert fingerprint(url_of(target)) == fingerprint(url_of(tmp_path / "source.db"))
    ok(url_of(target), "action", "start", "R1.1", "--on", "2016-02-01")  # a usable ledger


def test_a_broken_restore_creates_nothing(export: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text("".join(export.read_text().splitlines(keepends=True)[:-1]))  # no trailer
    folder = tmp_path / "restored"
    folder.mkdir()
    result = run(url_of(folder / "new.db"), "restore", str(broken), actor=None)
    assert result.exit_code != 0 and "nothing was restored" in result.stderr, result.stderr
    assert files(folder) == set()


def test_a_restore_into_an_existing_empty_ledger_fills_it_in_place(export: Path,
                                                                   tmp_path: Path) -> None:
    target = url_of(tmp_path / "empty.db")
    assert run(target, "action", "start", "NOPE", "--on", "2016-02-01").exit_code == 1
    ok(target, "restore", str(export), actor=None)
    assert fingerprint(target) == fingerprint(url_of(tmp_path / "source.db"))


def start_restore(pipe: Path, target: Path) -> subprocess.Popen[str]:
    os.mkfifo(pipe)
    return subprocess.Popen([*PYTHON_M_LEDGER, "--db", str(target), "restore", str(pipe)],
                            cwd=pipe.parent, env=environment(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def write_to_the_target(target: Path) -> None:
    """Another officer's first write to the target, acknowledged."""
    with Ledger(url_of(target)) as app:
        app.add_audit("OTHER", title="written meanwhile", kind=AuditKind.OTHER,
                      on=date(2016, 1, 1), actor=ACTOR)


def assert_the_write_survived(target: Path) -> None:
    assert target.exists(), "the target, holding an acknowledged write, was deleted"
    with Ledger(url_of(target), create=False) as app:
        app.verify()
        assert app.find("OTHER") is not None, "an acknowledged write was lost"
    assert not [n for n in files(target.parent) if n.endswith(".restoring")]


def test_a_failed_restore_keeps_a_file_another_process_wrote_meanwhile(tmp_path: Path) -> None:
    target = tmp_path / "new.db"
    restore = start_restore(tmp_path / "pipe.jsonl", target)
    with open(tmp_path / "pipe.jsonl", "w") as pipe:  # the restore has opened its input
        # In a thread: restoring in place holds the write lock while it reads the pipe.
        writer = threading.Thread(target=write_to_the_target, args=(target,))
        writer.start()
        time.sleep(0.3)
        pipe.write("not json\n")
    _out, err = restore.communicate(timeout=120)
    writer.join(timeout=120)
    assert_the_write_survived(target)
    assert restore.returncode != 0 and "nothing was restored" in err, err


def test_a_restore_never_replaces_a_file_created_while_it_ran(export: Path,
                                                               tmp_path: Path) -> None:
    target = tmp_path / "new.db"
    restore = start_restore(tmp_path / "pipe.jsonl", target)
    lines = export.read_text().splitlines(keepends=True)
    with open(tmp_path / "pipe.jsonl", "w") as pipe:
        pipe.write(lines[0])
        pipe.flush()
        deadline = time.monotonic() + 60
        while not [n for n in files(tmp_path) if n.endswith(".restoring")]:
            assert time.monotonic() < deadline and restore.poll() is None, "no temporary file"
            time.sleep(0.02)
        write_to_the_target(target)  # after the restore began, before it finished
        pipe.writelines(lines[1:])
    _out, err = restore.communicate(timeout=120)
    assert restore.returncode == 1 and "created by another process" in err, err
    assert_the_write_survived(target)
    with Ledger(url_of(target), create=False) as app:
        assert app.fingerprint().position == 1  # nothing of the export was mixed in


# -- 2. stored text is words, not markup, and unprintable characters are escaped ----------------

@pytest.fixture
def marked(ledger_url: str) -> str:
    """A ledger (either backend) whose owner, text, committee and resolution look like markup or
    hold control characters stored before input refused them."""
    story(ledger_url)
    ok(ledger_url, "action", "add", "R1.2", "--recommendation", "R1", "--text", MARKUP,
       "--owner", "[/x]", "--on", "2016-02-01", actor="[/actor]")
    ok(ledger_url, "meeting", "add", "2016-08-01", "--committee", MARKUP, "--on", "2016-08-01")
    ok(ledger_url, "resolution", "add", "2016-08-01", "1", "--text", f"report {MARKUP}",
       "--report-due-by", "2016-12-01")
    store_as_before_the_rule(ledger_url, ev.ActionAssigned, "R1.1", owner="Eve\x1b[31m\r#9",
                             previous="IG Manager", reason="take\x08over")
    store_as_before_the_rule(ledger_url, ev.ResolutionPassed, "2016-07-25", number=1,
                             text="due\r#2 FORGED", kind="report-requested",
                             report_due_by="2016-12-01")
    return ledger_url


def assert_words(text: str) -> None:
    for char in ("\r", "\x1b", "\x08"):
        assert char not in text, (char, text)


def test_show_prints_markup_as_words(marked: str) -> None:
    out = ok(marked, "show", "R1.2", actor=None)
    assert "owner: [/x]" in out and f"text: {MARKUP}" in out, out
    assert "[/actor]" in out and "owner [/x]" in out  # the history table too
    meeting = ok(marked, "show", "2016-08-01", actor=None)
    assert MARKUP in meeting, meeting


def test_show_escapes_stored_control_characters(marked: str) -> None:
    out = ok(marked, "show", "R1.1", actor=None)
    assert_words(out)
    assert "owner: Eve\\x1b[31m" in out and "take\\x08over" in out, out


def test_requests_text_prints_markup_as_words_and_escapes(marked: str) -> None:
    out = ok(marked, "requests", "--as-at", "2016-08-02", actor=None)
    assert_words(out)
    lines = out.splitlines()
    assert len(lines) == 2, out  # one line per request: nothing forged
    assert any(f"{MARKUP} on 2016-08-01: report {MARKUP}" in line for line in lines), out
    assert any("due\\r#2 FORGED" in line for line in lines), out


def test_a_broken_read_model_table_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """A read-model table altered by hand (a renamed column): reports and requests say so in one
    line, exit 1; `run` itself asserts there is no traceback."""
    db = str(tmp_path / "broken.db")
    story(db)
    ok(db, "report", "as-at", "2016-07-25", actor=None)  # the read model is made and caught up
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE rm_attrs RENAME COLUMN value TO v")
    for args in (("report", "as-at", "2016-07-25"), ("requests", "--as-at", "2016-07-26")):
        result = run(db, *args, actor=None)
        assert result.exit_code == 1, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot read the read model" in lines[0], result.stderr
