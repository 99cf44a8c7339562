# `make demo` runs the main job on seeds/ into outbox/; `make test` runs the whole test suite.
# Each creates .venv when it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test setup clean

$(BIN)/newsdesk: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/newsdesk

setup: $(BIN)/newsdesk

demo: setup
	$(BIN)/newsdesk digest

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .newsdesk
