# Two commands for a fresh machine with python3 (>= 3.11) and make:
#   make demo   builds .venv, installs the project, runs `ledger demo`
#   make test   builds .venv, installs with test extras, runs the whole suite, mypy and ruff
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SOURCES := $(shell find src projections cli -name '*.py' 2>/dev/null) pyproject.toml

.PHONY: demo test lint unit clean bench

$(VENV)/.deps: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ledger needs Python >= 3.11; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]" --config-settings editable_mode=strict
	@touch $@

# The strict editable install is a link tree: reinstall (without deps) when files come or go.
$(VENV)/.installed: $(VENV)/.deps $(SOURCES)
	$(BIN)/python -m pip install --quiet --no-deps -e . --config-settings editable_mode=strict
	@touch $@

demo: $(VENV)/.installed
	$(BIN)/ledger demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q
	$(MAKE) lint

lint: $(VENV)/.installed
	$(BIN)/mypy -p ledger
	$(BIN)/ruff check .

unit: $(VENV)/.installed
	$(BIN)/python -m pytest -q tests/unit

# Benchmarks at scale (bench/README.md): make bench EVENTS=100000
# PostgreSQL too: make bench PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
# (or LEDGER_BENCH_PG_URL in the environment); the run makes its own schemas and drops them.
EVENTS ?= 1000000
PG_URL ?=
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py --events $(EVENTS) $(if $(PG_URL),--pg-url '$(PG_URL)')

clean:
	rm -rf $(VENV) build dist *.egg-info demo.db demo.db-wal demo.db-shm .pytest_cache .mypy_cache .ruff_cache
