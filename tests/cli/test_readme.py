"""Every `ledger …` line in the README's shell examples runs, in order, against one ledger."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def _examples() -> list[tuple[str, dict[str, str]]]:
    lines: list[tuple[str, dict[str, str]]] = []
    env: dict[str, str] = {}
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S):
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("export "):
                for assignment in shlex.split(line)[1:]:
                    key, _, value = assignment.partition("=")
                    env[key] = value
            elif line.startswith("ledger "):
                lines.append((line, dict(env)))
    return lines


def test_readme_has_examples() -> None:
    assert len(_examples()) >= 15


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    db = str(tmp_path / "readme.db")
    shutil.copytree(README.parent / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)  # examples write files (exports, restored copies) here
    for line, env in _examples():
        env = {**env, "LEDGER_DB": db}
        command, _, comment = line.partition("#")
        args = shlex.split(command)[1:]
        result = runner.invoke(main, args, env=env)
        expected = 1 if "refused" in comment else 0
        assert result.exit_code == expected, (line, result.stdout, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr
        if expected:
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("target", ["demo", "test"])
def test_readme_opens_with_make_targets(target: str) -> None:
    head = README.read_text()[:800]
    assert f"make {target}" in head
