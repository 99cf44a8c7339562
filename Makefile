# `make demo` runs the main job on seeds/ into outbox/; `make test` runs the whole test suite.
# Each creates .venv when it is missing; `make test` also installs Chromium (Debian package
# `chromium`, for the browser test) when it is missing and apt-get can be used.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Every package `make` installs, at one exact version: pyproject.toml's dependencies and dev
# extra, the build backend and pip itself, resolved for Python 3.11 on Linux. pyproject.toml keeps
# its ranges (for whoever installs the wheel); `make lock` resolves them again into this file.
LOCK := requirements-dev.lock
# What the lock holds beside pyproject.toml's dependencies: the pip that installs (23.3 reads
# lxml's two spellings of its html-clean extra; see README) and the build backend (as
# [build-system] asks), so that the editable install is built without fetching a newer one.
LOCK_TOOLS := pip>=23.3\nsetuptools>=77\n
# `make test SEED=N` runs the tests in the order of an earlier run (its seed is printed first).
SEED ?=

.PHONY: demo test setup lock browser clean

$(BIN)/newsdesk: pyproject.toml $(LOCK)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet -c $(LOCK) pip setuptools
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(BIN)/newsdesk

setup: $(BIN)/newsdesk

# The lock's own uv (any uv while there is no lock): `make lock` needs no full setup first.
$(BIN)/uv:
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet $(if $(wildcard $(LOCK)),-c $(LOCK)) uv

lock: $(BIN)/uv
	printf '$(LOCK_TOOLS)' | $(BIN)/uv pip compile --quiet pyproject.toml - --extra dev \
	  --python-version 3.11 --python-platform linux --custom-compile-command 'make lock' -o $(LOCK)

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

demo: setup
	$(BIN)/newsdesk digest

# In a random order (pytest-randomly), so that no test leans on what another left behind.
test: setup browser
	@seed="$(SEED)"; seed="$${seed:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"; \
	echo "tests in random order, seed $$seed: \`make test SEED=$$seed\` runs them in this order again"; \
	$(BIN)/python -m pytest -p randomly --randomly-seed="$$seed"

clean:
	rm -rf $(VENV) .newsdesk
