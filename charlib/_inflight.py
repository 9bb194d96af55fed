"""How many requests an :class:`~charlib.AsyncClient` has in flight on the pool it created.

httpcore's async pool rechecks every connection for every queued request and every response
(encode/httpx#3215), so its cost per request grows with the number of connections: 64 tasks on
one pool send at about half the rate of one connection. Bounding in-flight requests to a few
keeps the pool to a few connections, and the rate near its best.

The bound is kept per ``httpx.AsyncClient`` (a client made by ``with_options`` shares its
parent's pool, so it shares the bound), created when charlib creates that pool; a pool the
caller injects (``http_client=``) is the caller's to size and is not bounded. The semaphore is
made in the running event loop, and again if the client is later used from another loop.

Waiting for a slot is the pool's wait: it counts against the request's ``pool`` timeout and,
when that runs out, fails as ``httpx.PoolTimeout`` (so the client retries and reports it like
any pool timeout).
"""

from __future__ import annotations

import asyncio
import sys
import weakref
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

if sys.version_info >= (3, 11):
    from asyncio import timeout as time_limit
else:  # pragma: no cover - Python 3.10 has no asyncio.timeout; anyio (an httpx dependency) has
    from contextlib import asynccontextmanager

    import anyio

    @asynccontextmanager
    async def time_limit(seconds: float | None) -> AsyncIterator[None]:
        """``asyncio.timeout`` for Python 3.10: ``TimeoutError`` once ``seconds`` have passed."""
        with anyio.fail_after(seconds):
            yield


__all__ = ["InFlight", "slot", "time_limit"]

# The bound of each pool charlib created, found from any client that sends through it.
_BOUNDS: weakref.WeakKeyDictionary[httpx.AsyncClient, InFlight] = weakref.WeakKeyDictionary()


class InFlight:
    """At most ``limit`` requests in flight at once on one connection pool."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(limit)

    @classmethod
    def register(cls, http: httpx.AsyncClient, limit: int) -> InFlight:
        """Bound the pool of ``http`` (one that charlib created) to ``limit`` requests."""
        bound = _BOUNDS[http] = cls(limit)
        return bound

    @staticmethod
    def of(http: httpx.AsyncClient) -> InFlight | None:
        """The bound of the pool of ``http``, or ``None`` when charlib did not create it."""
        return _BOUNDS.get(http)

    async def acquire(self, wait: float | None, request: httpx.Request) -> asyncio.Semaphore:
        """Wait for a slot (at most ``wait`` seconds, the request's pool timeout; ``None``: no
        bound of its own) and return what to ``release`` once the exchange is over.

        Raises:
            httpx.PoolTimeout: no slot came free within ``wait``.
        """
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # A semaphore that has ever waited belongs to its loop; a new loop gets its own.
            self._loop, self._slots = loop, asyncio.Semaphore(self.limit)
        slots = self._slots
        if not slots.locked():
            await slots.acquire()  # free: returns at once, without a trip through the loop
            return slots
        try:
            async with time_limit(wait):
                await slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout(
                f"no request slot came free within {wait:g} s "
                f"({self.limit} requests in flight on this client's connections)",
                request=request,
            ) from None
        return slots


class _Slot:
    """``async with``: one slot of ``bound`` held for the block (nothing when unbounded)."""

    __slots__ = ("_bound", "_held", "_request", "_wait")

    def __init__(self, bound: InFlight | None, wait: float | None, request: httpx.Request):
        self._bound, self._wait, self._request = bound, wait, request
        self._held: asyncio.Semaphore | None = None

    async def __aenter__(self) -> None:
        if self._bound is not None:
            self._held = await self._bound.acquire(self._wait, self._request)

    async def __aexit__(self, *exc_info: object) -> None:
        if self._held is not None:
            self._held.release()
            self._held = None


def slot(bound: InFlight | None, wait: float | None, request: httpx.Request) -> _Slot:
    """Hold a slot of ``bound`` while an exchange runs: ``async with slot(...):``.

    Args:
        bound: the pool's bound, or ``None`` (a pool charlib did not create: no wait).
        wait: the most to wait for a slot, in seconds (the request's pool timeout).
        request: the request that waits (named by the ``httpx.PoolTimeout``).
    """
    return _Slot(bound, wait, request)
