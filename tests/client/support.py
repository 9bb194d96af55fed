"""Helpers shared by the client suites: golden bodies, the fake server, the fake clock."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

import httpx

import charlib

BASE_URL = "https://charlib.test"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "contract"

AnyClient: TypeAlias = charlib.Client | charlib.AsyncClient
Reply: TypeAlias = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def golden(name: str) -> Any:
    """The parsed golden body ``tests/fixtures/contract/{name}.json``."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


async def resolve(value: Any) -> Any:
    """``await`` a value from the async client; pass a sync client's result through."""
    if inspect.isawaitable(value):
        return await value
    return value


async def collect(iterable: Any) -> list[Any]:
    """All items of a sync iterator or an async iterator."""
    if hasattr(iterable, "__aiter__"):
        return [item async for item in iterable]
    return list(iterable)


class FakeClock:
    """A clock that records sleeps and advances virtual time instead of sleeping."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class FakeServer:
    """Hands out scripted replies in order (the last one repeats) and records every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.replies: list[Reply] = [httpx.Response(200, json={})]

    def script(self, *replies: Reply) -> None:
        """Replace the script."""
        self.replies = list(replies)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, httpx.Response):
            return reply(request)
        return reply
