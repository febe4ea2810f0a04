# Everything a curator, researcher or CI needs, from a fresh clone with only Python 3.11 and make.
# `make help` lists the targets.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help check build rebuild counts test bench bench-scale release diff clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The virtual environment is rebuilt whenever the lock file or pyproject.toml changes.
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (found " + sys.version.split()[0] + "); set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

check: $(STAMP) ## verify sources, mappings and schemas; print every problem as file:line (about a second)
	@$(PY) -m pipeline check

build: $(STAMP) ## check, run the Great Expectations gate, publish output/ all at once (skips when no input changed)
	@$(PY) -m pipeline build

rebuild: $(STAMP) ## build even if no input changed
	@$(PY) -m pipeline build --force

counts: $(STAMP) ## after a deliberate change of the data: record the row counts in schemas/row_counts.csv for review
	@$(PY) -m pipeline counts

test: $(STAMP) ## run the test suite (checks the committed release too)
	@$(PY) -m pytest

bench: $(STAMP) ## time and peak memory of check, a forced build and a no-op build, side by side (benchmarks/stages.py)
	@$(PY) benchmarks/stages.py

N ?= 500 5000
bench-scale: $(STAMP) ## how cost grows: cold check, check after one edit, forced build on N synthetic sources (make bench-scale N="500 5000")
	@$(PY) benchmarks/scale.py $(N)

release: $(STAMP) ## freeze output/ as output/releases/<version>/ (refuses an existing version)
	@$(PY) -m pipeline release

diff: $(STAMP) ## compare two releases: make diff OLD=output/releases/1.0.0 NEW=output
	@$(PY) -m pipeline diff $(OLD) $(NEW)

clean: ## remove the virtual environment and caches (never output/)
	rm -rf $(VENV) .pytest_cache .cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
