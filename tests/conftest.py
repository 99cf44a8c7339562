"""Shared fixtures: real servers on loopback (see tests/loopback.py)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from loopback import LoopbackServer


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A started LoopbackServer with no routes; add them with `http_server.route(path, ...)`."""
    with LoopbackServer() as server:
        yield server


# Debian's Chromium, driven by Playwright. As the machine's notes say: without the
# background-networking flags, Chromium keeps dialling out into a closed network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def browser():
    """A real Chromium for a module's page tests; a clear failure where it is not installed."""
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: install the Debian package `chromium` "
                    "(apt-get install -y chromium); this test needs a real browser", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


# Property tests: the same examples on every run (reproducible in CI); set
# HYPOTHESIS_PROFILE=explore to search with fresh random examples while developing.
import os as _os

from hypothesis import settings as _settings

_settings.register_profile("repeatable", derandomize=True, database=None)
_settings.register_profile("explore", derandomize=False)
_settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def pytest_terminal_summary(terminalreporter, config):
    """The seed of the random order (pytest-randomly), also under -q, where its header is not shown."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int) and not config.getoption("randomly_dont_reorganize", False):
        terminalreporter.write_line(f"tests in random order: -p randomly --randomly-seed={seed} "
                                    "runs this order again")
