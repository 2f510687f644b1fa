# evalkit: the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.evalkit-installed
JOBS ?= 2

.PHONY: demo test lint format lab lock setup clean browser

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock scripts/bootstrap.sh
	PYTHON=$(PYTHON) VENV=$(VENV) bash scripts/bootstrap.sh
	@touch $(STAMP)

## make demo: set up, generate the demo data, render every project's reports, print paths
demo: $(STAMP)
	$(BIN)/evalkit demo-data --out data_raw/demo
	$(BIN)/evalkit run --all --jobs $(JOBS) --out reports
	$(BIN)/evalkit run projects/landsdaekkende-jobparate.yaml --by kommune --jobs $(JOBS) --out reports

## make test: set up, lint, run the whole test suite
test: $(STAMP) browser
	$(BIN)/ruff check evalkit tests benchmarks
	$(BIN)/ruff format --check evalkit tests benchmarks
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup

browser:
	@bash scripts/ensure_browser.sh

lint: $(STAMP)
	$(BIN)/ruff check evalkit tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format evalkit tests benchmarks
	$(BIN)/ruff check --fix evalkit tests benchmarks

## make lab: JupyterLab on the evalkit kernel with the notebooks (prints the URL and token)
lab: $(STAMP)
	VENV=$(VENV) bash scripts/lab.sh

## make lock: pin every dependency (and the dev extra) with hashes, for every supported Python
lock:
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/python -m pip install --quiet 'uv>=0.5'
	$(VENV)-lock/bin/uv pip compile pyproject.toml --extra dev --universal --generate-hashes \
		--python-version 3.10 --index-url https://pypi.org/simple --quiet --output-file requirements.lock
	@echo "evalkit: wrote requirements.lock; commit it, then 'make setup' installs from it"

clean:
	rm -rf reports/* data_raw/demo .pytest_cache
	@touch reports/.gitkeep
