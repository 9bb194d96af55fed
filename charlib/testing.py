"""Test helpers: clients wired to an in-process mock server, and time that passes only on demand.

The pieces the pytest plugin is made of, usable on their own (scripts, notebooks, other test
runners)::

    from mock_server import ManualClock, create_app
    from charlib.testing import in_process_client

    app = create_app(clock=ManualClock())
    with in_process_client(app) as client:          # no sockets; virtual time
        character = client.characters.create(name="Ada")
        client.characters.generate_initial_image(character.id, prompt="portrait")
        status = client.characters.generate_360_set_and_wait(character.id)  # instant

With ``virtual_time=True`` (the default) the client's clock is a :class:`VirtualClock`: whenever
the SDK would sleep (between polls, before a retry) the mock server's clock is advanced instead, so
a 20-minute job is waited for in milliseconds, deterministically.

:func:`record_job` (and :func:`record_new_job`) record a job of any server as a cassette, which
the mock replays (``create_app(cassettes=...)``, the marker's ``cassette=``); see
docs/fidelity.md.

This module imports neither the mock server nor any server library; it needs only an ASGI app.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx

from charlib._client import AsyncClient, Client
from charlib._record import Recording, record_job, record_new_job

__all__ = [
    "MOCK_BASE_URL",
    "InProcessTransport",
    "Recording",
    "VirtualClock",
    "in_process_async_client",
    "in_process_client",
    "record_job",
    "record_new_job",
]

MOCK_BASE_URL = "http://charlib.mock"
"""The base URL of in-process clients (no DNS lookup or socket ever uses it)."""


class VirtualClock:
    """A :class:`~charlib.Clock` whose time moves only when the SDK sleeps.

    Args:
        advance: called with the seconds of every sleep, e.g. a mock server's
            ``app.mock.advance``, so the server's time moves with the client's.
        start: the initial reading of :meth:`monotonic`.
    """

    def __init__(self, advance: Callable[[float], object] | None = None, start: float = 0.0):
        self._advance = advance
        self._now = start
        self._lock = threading.Lock()
        self.slept: float = 0.0
        """Total seconds slept so far (handy in assertions)."""

    def monotonic(self) -> float:
        """The virtual time: ``start`` plus every sleep so far."""
        return self._now

    def sleep(self, seconds: float) -> None:
        """Pass ``seconds`` of virtual time at once (and advance the server's clock)."""
        seconds = max(0.0, seconds)
        with self._lock:
            self._now += seconds
            self.slept += seconds
            if self._advance is not None and seconds > 0:
                self._advance(seconds)

    async def asleep(self, seconds: float) -> None:
        """Like :meth:`sleep`, then let other tasks run once."""
        self.sleep(seconds)
        await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"VirtualClock(now={self._now:.3f})"


class InProcessTransport(httpx.BaseTransport):
    """Serve a synchronous ``httpx.Client`` from an ASGI app, without sockets.

    The app runs on an event loop in a private thread; each request is handed to it and the
    calling thread waits for the response. Errors the app raises (such as an injected connection
    reset) reach the caller as they would from a socket. Close it to stop the thread.
    """

    def __init__(self, app: Any) -> None:
        self._transport = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="charlib-in-process", daemon=True
        )
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` to the app and wait for its complete response."""
        if self._loop.is_closed():
            raise httpx.ConnectError("the in-process transport is closed", request=request)
        body = request.read()
        future = asyncio.run_coroutine_threadsafe(self._send(request, body), self._loop)
        status, headers, raw = future.result()
        return httpx.Response(status, headers=headers, content=raw, request=request)

    async def _send(self, request: httpx.Request, body: bytes) -> tuple[int, httpx.Headers, bytes]:
        async_request = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=body,
            extensions=request.extensions,
        )
        response = await self._transport.handle_async_request(async_request)
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        return response.status_code, response.headers, raw

    def close(self) -> None:
        """Stop the app's thread (idempotent)."""
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()


def _virtual_clock(app: Any) -> VirtualClock:
    control = getattr(app, "mock", None)
    advance = getattr(control, "advance", None)
    if not callable(advance):
        raise TypeError("virtual_time needs a mock server app (one with app.mock.advance)")
    return VirtualClock(advance)


@contextmanager
def in_process_client(app: Any, *, virtual_time: bool = True, **options: Any) -> Iterator[Client]:
    """A :class:`~charlib.Client` talking to ``app`` in this process.

    Args:
        app: an ASGI app, typically ``mock_server.create_app(clock=ManualClock())``.
        virtual_time: sleeps advance the app's clock instead of waiting (needs ``app.mock``).
        **options: more :class:`~charlib.Client` options (``max_retries``, ``api_key``, ...).
    """
    options.setdefault("base_url", MOCK_BASE_URL)
    if virtual_time:
        options.setdefault("clock", _virtual_clock(app))
    transport = InProcessTransport(app)
    http = httpx.Client(transport=transport)
    try:
        with Client(http_client=http, **options) as client:
            yield client
    finally:
        http.close()
        transport.close()


@asynccontextmanager
async def in_process_async_client(
    app: Any, *, virtual_time: bool = True, **options: Any
) -> AsyncIterator[AsyncClient]:
    """An :class:`~charlib.AsyncClient` talking to ``app`` in this process (see
    :func:`in_process_client`)."""
    options.setdefault("base_url", MOCK_BASE_URL)
    if virtual_time:
        options.setdefault("clock", _virtual_clock(app))
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http,
        AsyncClient(http_client=http, **options) as client,
    ):
        yield client
