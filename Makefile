# SoleFlip developer commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_INSTALL := $(VENV)/bin/pip install --quiet
HOST ?= 127.0.0.1
PORT ?= 8000
ITEMS ?= 5000
LOAD_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/soleflip_load

.DEFAULT_GOAL := help

.PHONY: help
help:  ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

# One stamp per install set (the extras of pyproject.toml); each re-installs when pyproject.toml changes.
EXTRAS_service := scripts
EXTRAS_dev := scripts,ai,dev
EXTRAS_ai := scripts,ai
EXTRAS_memori := scripts,ai,memori

$(VENV)/.installed-%: pyproject.toml | $(VENV)/bin/python
	$(PIP_INSTALL) -e ".[$(EXTRAS_$*)]"
	@touch $@

.PHONY: install
install: $(VENV)/.installed-service  ## Create .venv with the service and its scripts only (what `make run` needs)

.PHONY: install-dev
install-dev: $(VENV)/.installed-dev  ## Add the test and lint tools and the OpenAI/Anthropic SDKs (what `make test` needs)

.PHONY: install-ai
install-ai: $(VENV)/.installed-ai  ## Add the OpenAI and Anthropic SDKs (MEMORI_PROVIDER=openai/anthropic)

.PHONY: install-memori
install-memori: $(VENV)/.installed-memori  ## Add the opt-in Memori memory backend (AI_MEMORY_BACKEND=memori)

.PHONY: migrate
migrate: install  ## Apply database migrations (DATABASE_URL, default: embedded SQLite)
	$(VENV)/bin/alembic upgrade head

.PHONY: demo-data
demo-data: migrate  ## Load deterministic demo data (ITEMS=5000; scale with ITEMS=1000000)
	$(PY) -m scripts.demo_data --items $(ITEMS) --if-empty

.PHONY: run
run: demo-data  ## Set up, migrate, load demo data and serve on http://$(HOST):$(PORT) (docs at /docs)
	$(VENV)/bin/uvicorn main:app --host $(HOST) --port $(PORT)

.PHONY: worker
worker: migrate  ## Run the daily-digest scheduler (insights); several may run, one digest per user and day
	$(PY) -m domains.insights.worker

.PHONY: test
test: install-dev  ## Run the test suite (SQLite; also PostgreSQL when TEST_POSTGRES_URL is set)
	$(VENV)/bin/pytest

.PHONY: ai-test
ai-test: install-dev  ## Run the AI assistant tests
	$(VENV)/bin/pytest tests/ai

.PHONY: ai-init
ai-init: install  ## Report AI provider, model, memory backend, database and which keys are present
	$(PY) -m domains.ai.init_report

.PHONY: ai-demo
ai-demo: install  ## Ask the demo questions through the API on HOST:PORT (starts a server on demo data if none answers)
	HOST=$(HOST) PORT=$(PORT) $(PY) scripts/ai_demo.py

.PHONY: eval
eval: install  ## Accuracy of the assistant on the eval questions (answers computed by independent SQL)
	$(PY) -m scripts.eval

.PHONY: bench
bench: install-dev  ## Benchmarks on PostgreSQL (BENCH_DATABASE_URL); printed tables + docs/benchmarks.md
	$(PY) -m scripts.bench

.PHONY: load
load: install  ## Load test: 50 users for 60 s against its own server on PostgreSQL (LOAD_DATABASE_URL)
	$(PY) -m scripts.load --database-url $(LOAD_DATABASE_URL) --workers $$(nproc) --users 50 --duration 60

.PHONY: bench-demo
bench-demo: install-dev  ## The assistant at demo scale on SQLite (5,000 pairs): latency by stage, vs analytics, tokens, cost
	$(PY) -m scripts.bench --items 5000 --database-url sqlite+aiosqlite:///var/bench-demo.db --requests 20 \
		--section ai-latency --section ai-vs-analytics --section ai-prompt-tokens --section ai-cost

.PHONY: bench-full
bench-full: install-dev  ## The benchmarks at 1,000,000 pairs (loads them first; a few minutes)
	$(PY) -m scripts.bench --full

.PHONY: bench-growth
bench-growth: install-dev  ## Growth: analytics + assistant at 100k, 1M, 10M pairs (bench_100k/_1m/_10m on BENCH_DATABASE_URL's server, loaded once)
	$(PY) -m scripts.bench --growth

.PHONY: lint
lint: install-dev  ## ruff and the import contracts (import-linter: shared/ never imports domains/, no cycles)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

.PHONY: typecheck
typecheck: install-dev  ## mypy (strict)
	$(VENV)/bin/mypy main.py shared domains

.PHONY: check
check: lint typecheck test  ## Lint, type-check and test

.PHONY: clean
clean:  ## Remove the virtualenv, caches, the embedded database and what tests leave behind
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis test-artifacts \
		build dist *.egg-info
	find . -path ./frontend/node_modules -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
