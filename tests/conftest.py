"""Fixtures shared by more than one test directory."""

from __future__ import annotations

from typing import Any

import pytest

from charlib._asyncio_backend import AsyncioBackend


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hosts every connection made by :class:`AsyncioBackend` went to."""
    made: list[str] = []
    original = AsyncioBackend.connect_tcp

    async def spy(self: AsyncioBackend, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        made.append(host)
        return await original(self, host, port, *args, **kwargs)

    monkeypatch.setattr(AsyncioBackend, "connect_tcp", spy)
    return made
