# tingke: `make run` serves the whole product with a demo community; `make test` runs the suite.
# Both set up everything they need on a fresh Debian machine (venv, pip, npm, apt packages).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WEB_STAMP := web/node_modules/.installed
DATA ?= data
# Test processes: most tests wait on a network, ffmpeg or a browser, so one more than the 2 cores pays.
TEST_WORKERS ?= 3

.PHONY: run test bench setup system-deps services web-assets model lint lock clean

setup: system-deps $(STAMP) web-assets model

system-deps:
	@bash .ci/system-deps.sh

LOCK := requirements/lock.txt

# Every Python package comes from the lock (exact versions and hashes); the project itself is then
# installed editable without resolving anything again.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r $(LOCK)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Re-resolve the lock within pyproject.toml's ranges (on purpose only; run `make test` after).
lock:
	@command -v uv >/dev/null || $(PYTHON) -m pip install -q uv
	uv pip compile pyproject.toml requirements/tools.in --extra dev --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --generate-hashes --no-emit-package tingke \
	  --custom-compile-command 'make lock' -o $(LOCK)

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
	$(VENV)/bin/pytest -q -ra --durations=25 -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: setup services
	@command -v janus >/dev/null || { echo "installing Debian's janus (the relay benchmark's peer)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq janus >/dev/null; }
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) web/node_modules .pytest_cache .mypy_cache .ruff_cache
