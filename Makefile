# SoleFlip developer commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
ITEMS ?= 5000
LOAD_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/soleflip_load

.DEFAULT_GOAL := help

.PHONY: help
help:  ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[ai,memori,dev]"
	@touch $(STAMP)

.PHONY: install
install: $(STAMP)  ## Create .venv and install the app with its AI, Memori and dev extras

.PHONY: migrate
migrate: install  ## Apply database migrations (DATABASE_URL, default: embedded SQLite)
	$(VENV)/bin/alembic upgrade head

.PHONY: demo-data
demo-data: migrate  ## Load deterministic demo data (ITEMS=5000; scale with ITEMS=1000000)
	$(PY) -m scripts.demo_data --items $(ITEMS) --if-empty

.PHONY: run
run: demo-data  ## Set up, migrate, load demo data and serve on http://127.0.0.1:8000 (docs at /docs)
	$(VENV)/bin/uvicorn main:app --host $(HOST) --port $(PORT)

.PHONY: worker
worker: migrate  ## Run the daily-digest scheduler (insights); several may run, one digest per user and day
	$(PY) -m domains.insights.worker

.PHONY: test
test: install  ## Run the test suite (SQLite; also PostgreSQL when TEST_POSTGRES_URL is set)
	$(VENV)/bin/pytest

.PHONY: ai-test
ai-test: install  ## Run the AI assistant tests
	$(VENV)/bin/pytest tests/ai

.PHONY: ai-init
ai-init: install  ## Report AI provider, model, memory backend, database and which keys are present
	$(PY) -m domains.ai.init_report

.PHONY: ai-demo
ai-demo: install  ## Ask the demo questions through the API (starts a server on demo data if none answers)
	$(PY) scripts/ai_demo.py

.PHONY: eval
eval: install  ## Accuracy of the assistant on the eval questions (answers computed by independent SQL)
	$(PY) -m scripts.eval

.PHONY: bench
bench: install  ## Benchmarks on PostgreSQL (BENCH_DATABASE_URL); printed tables + docs/benchmarks.md
	$(PY) -m scripts.bench

.PHONY: load
load: install  ## Load test: 50 users for 60 s against its own server on PostgreSQL (LOAD_DATABASE_URL)
	$(PY) -m scripts.load --database-url $(LOAD_DATABASE_URL) --workers $$(nproc) --users 50 --duration 60

.PHONY: bench-full
bench-full: install  ## The benchmarks at 1,000,000 pairs (loads them first; a few minutes)
	$(PY) -m scripts.bench --full

.PHONY: lint
lint: install  ## ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: typecheck
typecheck: install  ## mypy (strict)
	$(VENV)/bin/mypy main.py shared domains

.PHONY: check
check: lint typecheck test  ## Lint, type-check and test

.PHONY: clean
clean:  ## Remove the virtualenv, caches and the embedded database
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
