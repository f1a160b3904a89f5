# kontho: `make run` renders the sample end to end; `make test` passes the suite. Both set themselves up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# checkov pins an older boto3 than the application needs, so it gets a venv of its own inside .venv.
CHECKOV_VENV := $(VENV)/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell cat infra/requirements-checkov.txt | cksum | cut -d' ' -f1)

.PHONY: setup system-deps browser run serve test lint format bench capacity checkov screenshots clean

setup: system-deps $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

run: setup
	$(BIN)/python -m devstack run

serve: setup
	$(BIN)/python -m devstack serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint checkov browser
	$(BIN)/pytest

# Chromium for the console's browser tests (tests/browser); only the tests need it.
browser:
	@bash scripts/system-deps.sh --browser

# tests/infra runs checkov from here over infra/terraform and the rendered Kubernetes overlays.
checkov: $(CHECKOV_STAMP)

$(CHECKOV_STAMP): infra/requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r infra/requirements-checkov.txt
	@rm -f $(CHECKOV_VENV)/.installed-* && touch $@

# The console's pictures in docs/screenshots (the README shows them), taken by its browser tests.
screenshots: setup browser
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest tests/browser -q

# The capacity model: infra/capacity.md and infra/capacity.png (python -m infra.capacity --help).
capacity: setup
	$(BIN)/python -m infra.capacity

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.engine
	$(BIN)/python -m bench.engine --engine xtts
	$(BIN)/python -m bench.precision
	$(BIN)/python -m bench.longform
	$(BIN)/python -m bench.rerender
	$(BIN)/python -m bench.fairness
	$(BIN)/python -m bench.epub_memory
	$(BIN)/python -m bench.voices_memory

clean:
	rm -rf $(VENV) .kontho out .pytest_cache .mypy_cache .ruff_cache
