"""End-to-end fixtures: a real uvicorn server on 127.0.0.1 (a free port) in a background thread."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_server import RunningServer, ScaledClock, serve


@pytest.fixture
def mock_server() -> Iterator[RunningServer]:
    """The mock on uvicorn at 2000x speed (a 27-shot job takes well under a second)."""
    with serve(clock=ScaledClock(2000)) as server:
        yield server


@pytest.fixture
def mock_server_url(mock_server: RunningServer) -> str:
    """The base URL of :func:`mock_server`."""
    return mock_server.url
