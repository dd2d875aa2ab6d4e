# Two entry points for a newcomer: `make run` and `make check`. Both build .venv from scratch when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The official Argdown parser (JavaScript) checks the Argdown export; PyPI has no working one.
ARGDOWN := tests/argdown/node_modules/.installed

.PHONY: run check lint test bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# pyproject.toml pins torch==2.13.0, the small CPU build (the one torch pin); a newer torch is a multi-GB CUDA build.
	$(BIN)/pip install --quiet --progress-bar off -e '.[dev]'
	touch $(STAMP)

$(ARGDOWN): tests/argdown/package.json tests/argdown/package-lock.json
	npm ci --prefix tests/argdown --no-audit --no-fund --loglevel=error
	touch $(ARGDOWN)

run: $(STAMP)
	$(BIN)/crux run

check: lint test

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) $(ARGDOWN)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks.retrieval_eval
	$(BIN)/python -m benchmarks.source_latency
	$(BIN)/python -m benchmarks.cold_start
	$(BIN)/python -m benchmarks.burst
	$(BIN)/python -m benchmarks.reply_relations --quiet
	$(BIN)/python -m benchmarks.cruxes

clean:
	rm -rf $(VENV) tests/argdown/node_modules
