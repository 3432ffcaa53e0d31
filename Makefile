# Sanbao: `make run` serves the API and the app on SQLite; `make test` runs the whole suite.
# Both set everything up from nothing: system library, virtualenv, packages, database.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NPM_STAMP := pwa/node_modules/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast fuzz bench lint format setup system-deps db seed clean

# The app's address as a browser opens it (a server listening on every interface is also on this machine's).
URL = http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)/

# The scheduler (SLA escalation, reminders) runs as its own process beside the web server,
# never inside it; both stop together. Once the server answers, the app's address and the demo
# sign-ins are printed last, after all the set-up output (every time, loaded now or before).
run: setup db
	$(BIN)/flask --app server seed-demo --if-empty --no-sign-ins
	@$(BIN)/flask --app server scheduler & SCHEDULER=$$!; \
	$(BIN)/flask --app server run --host $(HOST) --port $(PORT) & SERVER=$$!; \
	trap 'kill $$SCHEDULER $$SERVER 2>/dev/null; wait' EXIT INT TERM; \
	$(BIN)/flask --app server demo-sign-ins --url $(URL) --wait 60 --pid $$SERVER; \
	wait $$SERVER

# The PostgreSQL tier needs a server: the local one unless TEST_DATABASE_URL names another.
export TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

# Every tier (unit, sqlite, postgres, browser; see tests/conftest.py), two workers on two cores;
# loadgroup keeps each browser module on one worker, beside its one live server.
test: setup
	$(BIN)/pytest -n 2 --dist loadgroup

# The inner loop: pure rules and the SQLite tier, no PostgreSQL, no browser.
test-fast: setup
	$(BIN)/pytest -n 2 -m "unit or sqlite"

# A longer hunt than make test's: every boundary case of every operation, and fresh random examples each run.
fuzz: setup
	FUZZ_ALL_ROLES=1 FUZZ_SHARE=1 FUZZ_SHARE_VALID=1 FUZZ_EXAMPLES=30 FUZZ_EXAMPLES_RANDOM=1 $(BIN)/pytest -n 2 tests/test_api_fuzz.py

bench: setup
	$(BIN)/pytest tests/bench -m bench -s -q

# Style, the layers (.importlinter: a new import cycle or an upward import fails here), then the types
# of the packages pyproject.toml lists for mypy.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

setup: system-deps $(STAMP) $(NPM_STAMP)

# libzbar0 is the C library pyzbar reads barcodes with; chromium the browser tests/e2e drives.
system-deps:
	@bash .ci/system-deps

$(STAMP): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $(STAMP)

# The app's JavaScript packages exactly as locked: idb, the barcode-detector ponyfill (with zxing-wasm),
# Apache ECharts for the dashboard's charts, and axe-core and fake-indexeddb for its tests.
$(NPM_STAMP): pwa/package.json pwa/package-lock.json
	npm ci --prefix pwa --no-audit --no-fund
	@touch $(NPM_STAMP)

db: setup
	$(BIN)/flask --app server db upgrade

seed: db
	$(BIN)/flask --app server seed-demo

clean:
	rm -rf $(VENV) pwa/node_modules instance/sanbao.db .pytest_cache
