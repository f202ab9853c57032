# Two commands on a fresh machine with Python 3.11 and pip: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install ui clean bench

$(BIN)/socialkpi: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/socialkpi

demo: install  ## build the sample data and run the whole pipeline over it
	$(BIN)/socialkpi demo --dir data/demo

test: install  ## lint and run the test suite
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: install  ## every benchmark (about 9 minutes on 2 cores; docs/benchmarks.md)
	$(BIN)/python benchmarks/kpi_scale.py
	$(BIN)/python benchmarks/ingest_exports.py
	@echo "ingest_exports at scale: 500 X + 500 Facebook accounts x 2 years, one run"
	$(BIN)/python benchmarks/ingest_exports.py --accounts 500 --posts 0 --runs 1 --memory-mb 0
	$(BIN)/python benchmarks/replay_api.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/api_pull.py --runs 3
	@echo "DuckLake vs the DuckDB file: 200 accounts x 2 years backfill, 1 vs 2 concurrent platform ingests, one run"
	@echo "(the full 1,000 accounts: benchmarks/ducklake.py --runs 1, about 8 minutes; figures in docs/benchmarks.md)"
	$(BIN)/python benchmarks/ducklake.py --accounts 200 --ingest-days 90 --runs 1

DEMO_DIR := data/demo

ui: install  ## Dagster UI over the demo (after `make demo`)
	@if [ ! -f $(DEMO_DIR)/socialkpi.yaml ] || [ ! -f $(DEMO_DIR)/dagster_home/dagster.yaml ]; then \
		echo "No demo yet in $(DEMO_DIR): run \`make demo\` first (it writes the sample data, builds it and"; \
		echo "sets up the Dagster instance the UI shows), then \`make ui\` again."; \
		exit 2; \
	fi
	SOCIALKPI_CONFIG=$(DEMO_DIR)/socialkpi.yaml DAGSTER_HOME=$(CURDIR)/$(DEMO_DIR)/dagster_home \
		DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=true $(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf data/demo
