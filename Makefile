# AI Studio — `make run` serves the studio, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := $(shell grep -E '^torch==' requirements.txt)
S3RVER := .tools/node_modules/.bin/s3rver
PYRIGHT := .tools/node_modules/.bin/pyright

.PHONY: install install-dev run worker test lint format services bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch goes in first and pinned: an unpinned torch (pulled in by diffusers) is a multi-GB CUDA build.
$(VENV)/.installed: requirements.txt requirements-nodeps.txt | $(BIN)/python
	@bash scripts/system_packages.sh
	$(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/python app.py

worker: install
	$(BIN)/python -m worker

# The S3-compatible server the storage tests run against (MinIO cannot be installed here).
$(S3RVER):
	npm install --no-audit --no-fund --prefix .tools s3rver@3.7.1

# The type checker for ui/ api/ worker/ studio/ billing/ (pyrightconfig.json).
$(PYRIGHT):
	npm install --no-audit --no-fund --prefix .tools pyright@1.1.407

services: $(S3RVER)
	@bash scripts/test_services.sh

test: lint services
	$(BIN)/pytest

lint: install-dev $(PYRIGHT)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PYRIGHT)

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev services
	$(BIN)/python bench/queue_latency.py

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache
