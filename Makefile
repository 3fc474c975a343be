# Two commands for a fresh machine with python3 (>= 3.11) and make:
#   make demo   builds .venv with the runtime dependencies only, installs ledger, runs `ledger demo`
#   make test   adds the test extras, runs the whole suite, the layer contracts, mypy and ruff
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SOURCES := $(shell find src projections cli -name '*.py' 2>/dev/null) pyproject.toml
EDITABLE := --config-settings editable_mode=strict

.PHONY: demo test lint unit clean bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ledger needs Python >= 3.11; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Runtime dependencies: what `ledger` needs to run (no test tools, no browser driver).
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . $(EDITABLE)
	@touch $@

# Test extras on top: pytest, hypothesis, mypy, ruff, import-linter, playwright, build.
$(VENV)/.test: $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -e ".[test]" $(EDITABLE)
	@touch $@

# The strict editable install is a link tree: reinstall (without deps) when files come or go.
$(VENV)/.installed: $(VENV)/.runtime $(SOURCES)
	$(BIN)/python -m pip install --quiet --no-deps -e . $(EDITABLE)
	@touch $@

demo: $(VENV)/.installed
	$(BIN)/ledger demo
	@echo
	@echo "ledger is installed in $(BIN). To type 'ledger' in this shell:"
	@echo "  . $(BIN)/activate        (or: export PATH=\"$$PWD/$(BIN):\$$PATH\")"

test: $(VENV)/.test $(VENV)/.installed
	$(BIN)/python -m pytest -q
	$(MAKE) lint

lint: $(VENV)/.test $(VENV)/.installed
	$(BIN)/lint-imports
	$(BIN)/mypy -p ledger
	$(BIN)/ruff check .

# The fast tier: in-memory unit tests, no slow ones (under a minute).
unit: $(VENV)/.test $(VENV)/.installed
	$(BIN)/python -m pytest -q -m "not slow" tests/unit

# Benchmarks at scale (bench/README.md): make bench EVENTS=100000
# PostgreSQL too: make bench PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
# (or LEDGER_BENCH_PG_URL in the environment); the run makes its own schemas and drops them.
# More options of bench/run.py: make bench EVENTS=10000000 BENCH_ARGS="--replays 1 --dir DIR"
EVENTS ?= 1000000
PG_URL ?=
BENCH_ARGS ?=
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py --events $(EVENTS) $(if $(PG_URL),--pg-url '$(PG_URL)') $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info demo.db demo.db-wal demo.db-shm .pytest_cache .mypy_cache .ruff_cache
