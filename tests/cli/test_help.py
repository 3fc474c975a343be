"""Every command and group has help with a description and an example.

The commands are found by walking `main` (click's Group.commands, recursively), so a command
added without an example makes this fail.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.cli.group import COMMANDS as LISTED


def walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under `group`, depth first, with the words that invoke it (the root's
    commands are loaded only when asked for, so they are asked for by name)."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))


COMMANDS = [((), main), *walk(main)]


def test_the_walk_finds_the_known_commands() -> None:
    found = {" ".join(path) for path, _ in COMMANDS}
    expected = {"", "audit", "audit add", "recommendation", "recommendation add", "action",
                "action add", "action start", "action complete", "action reopen",
                "action assign", "action reschedule", "action note", "milestone",
                "milestone add", "milestone achieve", "meeting", "meeting add", "meeting report",
                "resolution", "resolution add", "show", "verify", "report", "report as-at",
                "requests", "demo"}
    assert expected <= found, expected - found


@pytest.mark.parametrize(("path", "command"), COMMANDS,
                         ids=[" ".join(("ledger", *p)) for p, _ in COMMANDS])
def test_help_has_description_and_example(path: tuple[str, ...], command: click.Command) -> None:
    runner = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None})
    result = runner.invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.stderr
    assert result.exception is None, repr(result.exception)
    out = result.stdout
    assert out.startswith("Usage: "), out
    assert " ".join(path) in out.splitlines()[0]
    # A non-empty description, shown in the help.
    assert command.help and command.help.strip(), f"{path} has no description"
    first_line = command.help.strip().splitlines()[0]
    assert " ".join(first_line.split()[:4]) in " ".join(out.split()), (first_line, out)
    assert "Example" in out, f"`ledger {' '.join(path)} --help` gives no example"


@pytest.mark.parametrize(("path", "command"), [(p, c) for p, c in COMMANDS if p],
                         ids=[" ".join(("ledger", *p)) for p, _ in COMMANDS if p])
def test_short_help_option_works(path: tuple[str, ...], command: click.Command) -> None:
    runner = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None})
    result = runner.invoke(main, [*path, "-h"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Usage: "), result.stdout


@pytest.mark.parametrize("name", sorted(LISTED))
def test_the_listing_says_what_each_command_help_says(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None
    assert command.name == name
    assert LISTED[name].help == command.get_short_help_str(limit=300)


def test_help_imports_no_command_and_no_heavy_library() -> None:
    import subprocess
    import sys

    probe = ("import sys\nfrom click.testing import CliRunner\nfrom ledger.cli import main\n"
             "r = CliRunner().invoke(main, ['--help'])\nassert r.exit_code == 0, r.output\n"
             "print(' '.join(sorted(m for m in sys.modules if m.startswith(('ledger.', "
             "'sqlalchemy', 'pydantic', 'eventsourcing', 'matplotlib', 'openpyxl', 'rich')))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()
    assert set(out) <= {"ledger.cli", "ledger.cli.group", "ledger.domain",
                        "ledger.domain.errors"}, out


def test_a_write_command_imports_no_renderer_read_model_or_rich() -> None:
    """`action note` (the write bench/cli.py times) loads neither the read model, nor the
    reporting and presenting use cases, nor rich, matplotlib or openpyxl: its officer waits for
    every import."""
    import subprocess
    import sys

    probe = ("import sys\nfrom ledger.cli.group import load\nload('action')\n"
             "print(' '.join(sorted(m for m in sys.modules if m.startswith(("
             "'ledger.projections.readmodel', 'ledger.application.reporting', "
             "'ledger.application.presenting', 'ledger.projections.render.html', "
             "'matplotlib', 'openpyxl', 'rich')))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [], out


def test_the_command_line_loads_its_command_with_the_collector_paused_then_frozen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as a process (`main()` on its own command line), the command's modules are loaded
    with the cyclic collector paused, then frozen (`gc.freeze`), and the collector is on again
    for the command; under a `CliRunner` (a test's process), nothing is frozen."""
    import subprocess
    import sys

    probe = ("import gc, sys\nimport ledger.cli.group as g\nfrom ledger.cli import main\n"
             "seen = []\nload = g.load\n"
             "def spy(name):\n    seen.append(gc.isenabled())\n    return load(name)\n"
             "g.load = spy\n"
             "sys.argv = ['ledger', '--db', sys.argv[1], 'verify', '--format', 'json']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(seen, gc.get_freeze_count() > 0, gc.isenabled())")
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "none.db")],
                         capture_output=True, text=True, check=True).stdout.split("\n")[-2]
    assert out == "[False] True True", out
    monkeypatch.delitem(main.commands, "verify", raising=False)  # so that it loads again
    before = gc.get_freeze_count()
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "none.db"), "verify"])
    assert "no ledger at" in result.output
    assert "verify" in main.commands
    assert gc.get_freeze_count() == before
