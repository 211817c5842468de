# make run: serve the app on http://127.0.0.1:5000 (SQLite in instance/)
# make test: the whole test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app clinic

.PHONY: run test bench lint screenshots clean

$(BIN)/flask: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-extras: $(BIN)/flask
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/flask
	$(FLASK) db-upgrade
	$(FLASK) setup-link
	$(FLASK) run --host 127.0.0.1 --port 5000

# Two workers: the browser tests on one (they share a Chromium), the unit tests on the other.
TEST_WORKERS ?= 2

test: $(VENV)/.test-extras
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.test-extras
	$(BIN)/ruff check clinic tests bench migrations
	$(BIN)/mypy

bench: $(VENV)/.test-extras
	$(BIN)/python bench/pdf.py

# make screenshots: pictures of the main pages in docs/screenshots/ (needs Debian's chromium)
screenshots: $(VENV)/.test-extras
	$(BIN)/python -m tests.e2e.screenshots docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache
