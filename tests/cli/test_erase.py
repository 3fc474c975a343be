"""`ledger erase` from the command line: one line out, "[erased]" in history and reports with
the same counts, the published fingerprint still checks, and a presented paper says why it no
longer reproduces byte-identical."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main

OWNER = "Head of ICT"


def run(db: Path, *args: str, actor: str | None = None) -> Result:
    env = {"LEDGER_ACTOR": actor} if actor else {}
    return CliRunner().invoke(main, ["--db", str(db), *args], env=env)


def ok(db: Path, *args: str, actor: str | None = None) -> Result:
    result = run(db, *args, actor=actor)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    ok(db, "demo")
    return db


def report(db: Path) -> dict[str, object]:
    doc: dict[str, object] = json.loads(ok(db, "report", "as-at", "2016-10-24", "--format",
                                           "json").stdout)
    return doc


def test_erase_from_the_command_line(demo: Path) -> None:
    published = json.loads(ok(demo, "verify", "--format", "json").stdout)["fingerprint"]
    before = report(demo)
    result = ok(demo, "erase", OWNER, "--reason", "erasure request ER-7", actor="DPO")
    assert result.stdout.startswith("erased ") and "owner" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1
    ok(demo, "verify", "--expect", f"{published['position']}:{published['hash']}")
    after = report(demo)
    assert after["totals"] == before["totals"]
    owners = {a["owner"] for a in after["actions"]}  # type: ignore[attr-defined, index]
    assert "[erased]" in owners and OWNER not in owners
    log = ok(demo, "log").stdout
    assert OWNER not in log and "personal data erased" in log and "ER-7" in log


def test_as_presented_says_the_trail_is_intact_but_values_were_erased(demo: Path) -> None:
    ok(demo, "report", "as-presented", "2016-10-24")
    ok(demo, "erase", OWNER, "--reason", "ER-7", actor="DPO")
    result = run(demo, "report", "as-presented", "2016-10-24")
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "the trail is intact" in message and "cannot be reproduced byte-identical" in message
    assert "values were erased" in message and "owner" in message and OWNER not in message


def test_erase_refuses_bad_input_in_one_line(demo: Path) -> None:
    head = json.loads(ok(demo, "verify", "--format", "json").stdout)["fingerprint"]
    missing = run(demo, "erase", OWNER, actor="DPO")
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    nobody = run(demo, "erase", "Nobody At All", "--reason", "x", actor="DPO")
    assert nobody.exit_code == 1 and len(nobody.stderr.strip().splitlines()) == 1
    assert "nothing erased" in nobody.stderr
    no_actor = run(demo, "erase", OWNER, "--reason", "x")
    assert no_actor.exit_code != 0 and "Traceback" not in no_actor.output
    assert json.loads(ok(demo, "verify", "--format", "json").stdout)["fingerprint"] == head


def _one_action(tmp_path: Path, *options: str) -> Path:
    """A new ledger holding audit A1, recommendation R1 and action X1 (position 3)."""
    db = tmp_path / "l.db"
    ok(db, "audit", "add", "A1", "--title", "Audit", "--kind", "ico-audit", "--on", "2016-01-04",
       actor="J Smith")
    ok(db, "recommendation", "add", "R1", "--audit", "A1", "--text", "Do", "--priority", "high",
       "--on", "2016-01-05", actor="J Smith")
    ok(db, "action", "add", "X1", "--recommendation", "R1", "--text", "Write", *options,
       "--on", "2016-01-06", actor="J Smith")
    return db


def test_a_personal_note_is_erased_with_the_people_it_names(tmp_path: Path) -> None:
    db = _one_action(tmp_path)
    ok(db, "action", "note", "X1", "Zoë Brown off sick", "--personal", "--on", "2016-01-07",
       actor="J Smith")
    ok(db, "erase", "ZOË BROWN", "--reason", "ER-8", actor="DPO")
    history = ok(db, "history", "X1").stdout
    assert "Zoë" not in history and "note: [erased]" in history


def test_retention_from_the_command_line(demo: Path) -> None:
    plan = run(demo, "retention", "plan")
    assert plan.exit_code == 1 and "no retention schedule" in plan.stderr
    bad = run(demo, "retention", "set", "--years", "0", "--basis", "x", actor="DPO")
    assert bad.exit_code == 2 and "range" in bad.stderr
    ok(demo, "retention", "set", "--years", "6", "--basis", "TNA retention scheduling 11",
       actor="DPO")
    early = ok(demo, "retention", "plan", "--on", "2017-01-01").stdout
    assert early.strip().endswith("0 actions; 0 free texts to erase")
    listed = ok(demo, "retention", "plan").stdout
    assert "completed on 2016-" in listed
    done = ok(demo, "retention", "apply", actor="DPO")
    assert done.stdout.startswith("erased ")
    ok(demo, "verify")
    again = run(demo, "retention", "apply", actor="DPO")
    assert again.exit_code == 1 and "nothing falls due" in again.stderr


@pytest.mark.parametrize("name", ['Ann "Nan" Lee', "Ann \\ Lee", "Zoë Lee"])
def test_a_name_given_by_a_correction_is_erased(tmp_path: Path, name: str) -> None:
    db = _one_action(tmp_path, "--owner", "Placeholder")
    ok(db, "correct", "3", "--owner", name, "--reason", "typo", actor="J Smith")
    assert name in ok(db, "history", "X1").stdout
    result = ok(db, "erase", name, "--reason", "ER-9", actor="DPO")
    assert result.stdout.startswith("erased ")
    history = ok(db, "history", "X1").stdout
    assert name not in history and "[erased]" in history
    ok(db, "verify", "--deep")
