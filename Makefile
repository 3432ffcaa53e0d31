# Sanbao: `make run` serves the API and the app on SQLite; `make test` runs the whole suite.
# Both set everything up from nothing: system library, virtualenv, packages, database.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NPM_STAMP := pwa/node_modules/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench lint format setup system-deps db seed clean

# The scheduler (SLA escalation, reminders) runs as its own process beside the web server,
# never inside it; it stops when the server does.
run: setup db
	$(BIN)/flask --app server seed-demo --if-empty
	@$(BIN)/flask --app server scheduler & SCHEDULER=$$!; \
	trap 'kill $$SCHEDULER 2>/dev/null; wait $$SCHEDULER' EXIT INT TERM; \
	$(BIN)/flask --app server run --host $(HOST) --port $(PORT)

# Two workers: the suite is database-bound and the machine has two cores.
test: setup
	$(BIN)/pytest -n 2

bench: setup
	$(BIN)/pytest tests/bench -m bench -s -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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
# and fake-indexeddb for its tests.
$(NPM_STAMP): pwa/package.json pwa/package-lock.json
	npm ci --prefix pwa --no-audit --no-fund
	@touch $(NPM_STAMP)

db: setup
	$(BIN)/flask --app server db upgrade

seed: db
	$(BIN)/flask --app server seed-demo

clean:
	rm -rf $(VENV) pwa/node_modules instance/sanbao.db .pytest_cache
