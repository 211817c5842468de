# make run: serve the app for real with gunicorn on http://127.0.0.1:5000 (SQLite in instance/);
#           another address or port: make run HOST=0.0.0.0 PORT=8000
# make dev: Flask's debug server for development (reloads on changes; never for real data)
# make test: the whole test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app clinic
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run dev test bench bench-load lint screenshots clean

$(BIN)/flask: pyproject.toml
	@echo "Installing clinic and its packages into $(VENV) (a minute or two the first time)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip
	@$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test-extras: $(BIN)/flask
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/flask
	@$(FLASK) db-upgrade
	@$(FLASK) setup-link --base-url http://$(HOST):$(PORT)
	@$(BIN)/gunicorn --config python:clinic.serving --bind $(HOST):$(PORT)

dev: $(BIN)/flask
	@$(FLASK) db-upgrade
	@$(FLASK) setup-link --base-url http://$(HOST):$(PORT)
	@$(FLASK) run --debug --host $(HOST) --port $(PORT)

# Two workers: the browser tests on one (they share a Chromium), the unit tests on the other.
TEST_WORKERS ?= 2

test: $(VENV)/.test-extras
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.test-extras
	$(BIN)/ruff check clinic tests bench migrations
	$(BIN)/mypy

bench: $(VENV)/.test-extras
	$(BIN)/python bench/pdf.py
	$(BIN)/python bench/start.py

# make bench-load: autosave's cost one save at a time, then pages, autosave and exports under
# load against a hello-world baseline, on SQLite and PostgreSQL (needs Debian's wrk;
# BENCH_ARGS=--quick for a short SQLite-only run under load)
bench-load: $(VENV)/.test-extras
	$(BIN)/python bench/saves.py
	$(BIN)/python bench/load.py $(BENCH_ARGS)

# make screenshots: pictures of the main pages in docs/screenshots/ (needs Debian's chromium)
screenshots: $(VENV)/.test-extras
	$(BIN)/python -m tests.e2e.screenshots docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache
