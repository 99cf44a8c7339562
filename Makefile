# `make demo` runs the main job on seeds/ into outbox/; `make test` runs the whole test suite.
# Each creates .venv when it is missing; `make test` also installs Chromium (Debian package
# `chromium`, for the browser test) when it is missing and apt-get can be used.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test setup browser clean

$(BIN)/newsdesk: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/newsdesk

setup: $(BIN)/newsdesk

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

demo: setup
	$(BIN)/newsdesk digest

test: setup browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .newsdesk
