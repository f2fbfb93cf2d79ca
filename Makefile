# OncoNet — the two commands: `make run` (demo on SQLite, no servers) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint typecheck pytest messages vendor openapi bench clean help lock

help:
	@echo "make run    — set up and run OncoNet with demo data on http://127.0.0.1:8000 (SQLite, embedded worker)"
	@echo "make test   — set up and run ruff, mypy, the migrations check and the whole pytest suite"
	@echo "make bench  — run the benchmarks and write bench/results/*.json"
	@echo "make lock   — re-resolve requirements/*.lock (pinned, hashed) from pyproject.toml's ranges"

$(VENV)/bin/python:
	@test -n "$(PYTHON)" || { echo "OncoNet needs Python 3.11 or newer (python3.11, python3.12 or python3.13 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Installs come from the lock files (exact versions with their hashes), then OncoNet itself without dependencies.
$(VENV)/.runtime: pyproject.toml requirements/runtime.lock | $(VENV)/bin/python
	$(PIP) install --require-hashes -r requirements/runtime.lock
	$(PIP) install --no-deps -e .
	@touch $@

$(VENV)/.dev: pyproject.toml requirements/dev.lock | $(VENV)/bin/python
	$(PIP) install --require-hashes -r requirements/dev.lock
	$(PIP) install --no-deps -e .
	@touch $@ $(VENV)/.runtime

# Re-resolve the lock files from pyproject.toml's ranges (newest versions within them), for every supported Python
# and platform. Upgrade one package only: make lock UPGRADE="--upgrade-package django".
lock: | $(VENV)/bin/python
	$(PIP) install uv
	for extra in runtime dev; do \
	  $(BIN)/uv pip compile pyproject.toml $$( [ $$extra = dev ] && echo --extra dev ) --universal \
	    --python-version 3.11 --generate-hashes $(or $(UPGRADE),--upgrade) -q -o requirements/$$extra.lock; \
	done

# gettext catalogs are compiled with Babel (a dependency), so no system gettext is needed.
messages: $(VENV)/.runtime
	@$(BIN)/pybabel compile -d onconet/locale -D django

run: $(VENV)/.runtime messages
	$(BIN)/onconet serve

lint: $(VENV)/.dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.dev
	$(BIN)/mypy onconet config

pytest: $(VENV)/.dev messages
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/onconet makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

test: $(VENV)/.dev messages lint typecheck pytest

openapi: $(VENV)/.runtime
	$(BIN)/onconet export-openapi

vendor:
	npm install --no-audit --no-fund && ./scripts/vendor.sh

bench: $(VENV)/.dev messages
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
