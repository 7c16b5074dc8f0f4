# Collegia: `make run` serves the demo, `make test` runs the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs on every core, a test file per worker at a time (module fixtures such as
# a live server or a browser are then made once per file). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
# `make run` is the laptop demo: debug on unless the caller says otherwise, and a key
# sealing secret ballots made once and kept in a git-ignored file, outside the database.
run: export DEBUG ?= true
# The demo's audit key lives in a git-ignored file beside the code, never in the database.
AUDIT_KEY_FILE ?= $(CURDIR)/.audit-keys
run: export AUDIT_KEY_FILE := $(AUDIT_KEY_FILE)
run: export BALLOT_SEAL_KEY ?= $(shell scripts/ballot-seal-key)
# Links in convocation emails and webhooks point at the address `make run` serves.
run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint format install bench bench-quick clean booth booth-test

$(VENV)/.installed: pyproject.toml
	@PYBIN="$$(scripts/find-python)" || exit 1; \
	  echo "Using $$PYBIN"; \
	  [ -x $(PY) ] || "$$PYBIN" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

$(AUDIT_KEY_FILE):
	umask 077 && $(PY) -c 'import secrets; print("demo-1:" + secrets.token_urlsafe(32))' > $@

run: install $(AUDIT_KEY_FILE)
	$(PY) manage.py compile_catalogs
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

lint: export DJANGO_SETTINGS_MODULE = config.settings_test
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: install lint
	DJANGO_SETTINGS_MODULE=config.settings_test $(PY) manage.py compile_catalogs
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The booth (booth/) is the only JavaScript built here; Node (>= 20) is needed to rebuild
# its committed bundle or to run its tests, never for `make run` or `make test`.
booth:
	cd booth && npm ci && npm run build

booth-test: install
	cd booth && npm ci && PYTHON=$(abspath $(PY)) npm test

bench: install
	$(PY) -m bench

bench-quick: install
	$(PY) -m bench --quick

clean:
	rm -rf $(VENV) db.sqlite3 bench/results
