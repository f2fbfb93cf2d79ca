# OncoNet — the two commands: `make run` (demo on SQLite, no servers) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint typecheck pytest messages vendor openapi bench clean help

help:
	@echo "make run    — set up and run OncoNet with demo data on http://127.0.0.1:8000 (SQLite, embedded worker)"
	@echo "make test   — set up and run ruff, mypy, the migrations check and the whole pytest suite"
	@echo "make bench  — run the benchmarks and write bench/results/*.json"

$(VENV)/bin/python:
	@test -n "$(PYTHON)" || { echo "OncoNet needs Python 3.11 or newer (python3.11, python3.12 or python3.13 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.dev: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e '.[dev]'
	@touch $@ $(VENV)/.runtime

# gettext catalogs are compiled with Babel (a dependency), so no system gettext is needed.
messages: $(VENV)/.runtime
	@$(BIN)/pybabel compile -d onconet/locale -D django

run: $(VENV)/.runtime messages
	$(BIN)/onconet serve

lint: $(VENV)/.dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

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
