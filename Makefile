# Everything a curator, researcher or CI needs, from a fresh clone with only Python 3.11 and make.
# `make help` lists the targets.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help check build rebuild counts test test-fast lint browser libreoffice serve screenshots bench bench-scale release diff clean

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

test: $(STAMP) browser libreoffice lint ## run the test suite (checks the committed release too, opens the site in Chromium, the CSV files and workbook in LibreOffice)
	@$(PY) -m pytest

# The unit tests on small inputs: the registry and its renderings, YAML, quotes, amounts, the layers,
# the reference lists and the README's snippets. No build, no browser: the loop while changing code.
FAST_TESTS := tests/test_registry.py tests/test_yaml.py tests/test_quotes.py tests/test_amounts_and_fx.py \
	tests/test_layers.py tests/test_reference.py tests/test_readme.py
test-fast: $(STAMP) lint ## the unit tests only (registry, YAML, quotes, rules, amounts, layers): about 15 s
	@$(PY) -m pytest $(FAST_TESTS)

lint: $(STAMP) ## ruff on the pipeline, the tests, the benchmarks and the tools
	@$(VENV)/bin/ruff check --quiet pipeline tests benchmarks tools

# The browser tests drive Debian's Chromium (never a browser downloaded from elsewhere) and need
# fonts with Arabic and Chinese glyphs; installed once, here, when any of them is missing.
BROWSER_PACKAGES := chromium fonts-noto-cjk fonts-dejavu-core
browser: ## install Debian's Chromium and the Arabic and Chinese fonts the browser tests use (once)
	@if ! dpkg-query -W -f='$${db:Status-Status}\n' $(BROWSER_PACKAGES) 2>/dev/null | grep -qvx installed \
	    && [ "$$(dpkg-query -W -f='$${db:Status-Status}\n' $(BROWSER_PACKAGES) 2>/dev/null | wc -l)" = $(words $(BROWSER_PACKAGES)) ]; then exit 0; fi; \
	command -v apt-get >/dev/null || { echo "make browser: apt-get not found; install Chromium and CJK/Arabic fonts, then set CHROMIUM=/path/to/chromium" >&2; exit 1; }; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	echo "installing $(BROWSER_PACKAGES) from Debian's packages (once)"; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES) >/dev/null

# The spreadsheet tests open every CSV file and the workbook in Debian's LibreOffice Calc, headless
# (tests/test_libreoffice.py); installed once, here, when it is missing.
libreoffice: ## install Debian's LibreOffice Calc, in which the tests open the CSV files and the workbook (once)
	@if dpkg-query -W -f='$${db:Status-Status}\n' libreoffice-calc 2>/dev/null | grep -qx installed; then exit 0; fi; \
	command -v apt-get >/dev/null || { echo "make libreoffice: apt-get not found; install LibreOffice Calc, then set SOFFICE=/path/to/soffice" >&2; exit 1; }; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	echo "installing libreoffice-calc from Debian's packages (once)"; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc >/dev/null

# The release's database in Datasette, on this machine only: descriptions, English labels, facets
# and search come from output/datasette/metadata.json; -i serves the file read-only as immutable. The
# release's templates show each table's rows first (and the schema at /schema), its plugin the label of
# every foreign key on a row page; PYTHONDONTWRITEBYTECODE keeps the plugin from leaving a cache in output/.
DATASET := $(shell sed -n 's/^name: *//p' schemas/dataset.yaml)
serve: $(STAMP) ## browse the release in Datasette at http://127.0.0.1:8001 (Ctrl-C stops it)
	PYTHONDONTWRITEBYTECODE=1 $(VENV)/bin/datasette serve -i output/$(DATASET).sqlite -m output/datasette/metadata.json \
	    --template-dir output/datasette/templates --plugins-dir output/datasette/plugins -h 127.0.0.1 -p 8001

SHOTS ?= screenshots
screenshots: $(STAMP) browser ## PNGs of the site (390x844 and 1400x1000), the validation report and the release in Datasette, from output/, into SHOTS (default screenshots/)
	@$(PY) tools/screenshots.py output $(SHOTS)
	@$(PY) tools/datasette_screenshots.py output $(SHOTS)

bench: $(STAMP) ## time and peak memory of check, a forced build and a no-op build, side by side (benchmarks/stages.py)
	@$(PY) benchmarks/stages.py

N ?= 500 5000
bench-scale: $(STAMP) ## how cost grows on N synthetic sources: check and build after one edit, forced build (make bench-scale N="500 5000"); BASE=<rev> measures that revision's code side by side, CURRENT=<rev> instead of the working tree
	@$(PY) benchmarks/scale.py $(if $(BASE),--base $(BASE)) $(if $(CURRENT),--current $(CURRENT)) $(N)

release: $(STAMP) ## freeze output/ as output/releases/<version>/ (refuses an existing version)
	@$(PY) -m pipeline release

diff: $(STAMP) ## compare two releases: make diff OLD=output/releases/1.0.0 NEW=output
	@$(PY) -m pipeline diff $(OLD) $(NEW)

clean: ## remove the virtual environment and caches (never output/)
	rm -rf $(VENV) .pytest_cache .cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
