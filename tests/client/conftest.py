"""Fixtures for the client suites: one scripted fake server, a fake clock, and a client factory
parametrized over the sync and async clients, so each case table runs against both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import BASE_URL, AnyClient, FakeClock, FakeServer


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    """Which client a test runs against."""
    return str(request.param)


@pytest.fixture
def server() -> FakeServer:
    """The scripted fake server."""
    return FakeServer()


@pytest.fixture
def clock() -> FakeClock:
    """The fake clock injected into clients."""
    return FakeClock()


@pytest.fixture
async def make_client(
    flavor: str, server: FakeServer, clock: FakeClock
) -> AsyncIterator[Callable[..., AnyClient]]:
    """Factory: a client of the current flavor over ``server.handle`` (or a given handler)."""
    transports: list[httpx.Client | httpx.AsyncClient] = []

    def make(handler: Callable[[httpx.Request], Any] | None = None, **options: Any) -> AnyClient:
        transport = httpx.MockTransport(handler or server.handle)
        options.setdefault("base_url", BASE_URL)
        options.setdefault("clock", clock)
        if flavor == "sync":
            http = httpx.Client(transport=transport)
            transports.append(http)
            return charlib.Client(http_client=http, **options)
        ahttp = httpx.AsyncClient(transport=transport)
        transports.append(ahttp)
        return charlib.AsyncClient(http_client=ahttp, **options)

    yield make
    for http in transports:
        if isinstance(http, httpx.AsyncClient):
            await http.aclose()
        else:
            http.close()
