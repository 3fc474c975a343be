"""The layers hold: the domain and the pure replay load no database library, and the
import-linter contracts in pyproject.toml are kept."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "eventsourcing", "psycopg", "matplotlib", "openpyxl")


@pytest.mark.parametrize("module", ["ledger.domain", "ledger.domain.records",
                                    "ledger.domain.chain", "ledger.domain.values",
                                    "ledger.projections.replay", "ledger.projections.report",
                                    "ledger.projections.render"])
def test_importing_the_pure_layers_loads_no_database_library(module: str) -> None:
    code = (f"import importlib, json, sys; importlib.import_module({module!r}); "
            f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    loaded = set(json.loads(done.stdout))
    assert module.split(".")[0] in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_the_layer_contracts_are_kept() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    if not lint.exists():
        found = shutil.which("lint-imports")
        assert found, "import-linter is not installed (pip install -e '.[test]')"
        lint = Path(found)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([str(lint)], capture_output=True, text=True, cwd=root, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "BROKEN" not in done.stdout
