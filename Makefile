# tingke: `make run` serves the whole product with a demo community; `make test` runs the suite.
# Both set up everything they need on a fresh Debian machine (venv, pip, npm, apt packages).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WEB_STAMP := web/node_modules/.installed
DATA ?= data

.PHONY: run test bench setup system-deps services web-assets model lint clean

setup: system-deps $(STAMP) web-assets model

system-deps:
	@bash .ci/system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

web-assets:
	@if [ -f web/package.json ]; then \
	  if [ ! -f $(WEB_STAMP) ] || [ web/package.json -nt $(WEB_STAMP) ] || [ web/package-lock.json -nt $(WEB_STAMP) ]; then \
	    (cd web && npm ci --no-audit --no-fund --loglevel=error) && touch $(WEB_STAMP); \
	  fi; \
	fi

model: $(STAMP)
	@if $(PY) -c 'import workers.transcripts.model' 2>/dev/null; then $(PY) -m workers.transcripts.model; fi

run: setup
	$(VENV)/bin/tingke run --demo --data-dir $(DATA)

services:
	@bash .ci/services.sh

test: setup services
	$(VENV)/bin/pytest -q -ra $(PYTEST_ARGS)

bench: setup services
	@command -v janus >/dev/null || { echo "installing Debian's janus (the relay benchmark's peer)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq janus >/dev/null; }
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) web/node_modules .pytest_cache .mypy_cache .ruff_cache
