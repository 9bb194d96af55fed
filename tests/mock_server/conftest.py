"""Fixtures for the mock server's own tests: in-process apps on a manual clock, plain httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from mock_server import ManualClock, MockApp, create_app

Factory = Callable[..., MockApp]


@pytest.fixture
def make_app() -> Factory:
    """Build an app on a fresh ManualClock (override any create_app option)."""

    def factory(**options: Any) -> MockApp:
        options.setdefault("clock", ManualClock())
        return create_app(**options)

    return factory


@pytest.fixture
def app(make_app: Factory) -> MockApp:
    """A reference-mode app on a manual clock."""
    return make_app()


@pytest.fixture
async def client(app: MockApp) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to ``app`` in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as c:
        yield c


async def _character(client: httpx.AsyncClient, name: str = "Ada Lovelace") -> str:
    response = await client.post("/api/v1/characters", json={"name": name})
    assert response.status_code == 201, response.text
    char_id = response.json()["id"]
    response = await client.post(
        f"/api/v1/characters/{char_id}/generate-initial-image", json={"prompt": "portrait"}
    )
    assert response.status_code == 200, response.text
    return str(char_id)


@pytest.fixture
def character() -> Callable[..., Awaitable[str]]:
    """``await character(client, name=...)``: a character with a master reference; its id."""
    return _character


async def _start(
    client: httpx.AsyncClient, char_id: str, body: dict[str, Any] | None = None, **headers: str
) -> str:
    response = await client.post(
        f"/api/v1/characters/{char_id}/generate-360-set", json=body or {}, headers=headers
    )
    assert response.status_code == 202, response.text
    return str(response.json()["jobId"])


@pytest.fixture
def start_job() -> Callable[..., Awaitable[str]]:
    """``await start_job(client, char_id, body, **headers)``: start a 360 job; its id."""
    return _start
