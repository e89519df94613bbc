# ShelfOps: `make demo` runs the product on the embedded default; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EXTRAS ?= api,ml,deep,dev

.PHONY: install demo test lint typecheck unit services bench clean

# The virtualenv is (re)built whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/shelfops demo

test: $(STAMP) services lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

services:
	./scripts/services.sh
	./scripts/system-deps.sh

bench: $(STAMP) services
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.forecast
	$(BIN)/python -m bench.replenishment

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
