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
