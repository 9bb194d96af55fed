"""AsyncClient bounds the requests it has in flight on the pool it created.

A real local server (127.0.0.1) holds every request until the test opens its gate, and counts
the requests it holds: that count is what the client has in flight.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import charlib
from charlib._config import DEFAULT_MAX_IN_FLIGHT
from tests.client.support import golden

JOB_ID = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"
BODY = json.dumps(golden("status-processing")).encode()


class GatedServer:
    """HTTP/1.1 on 127.0.0.1 that answers a job status once ``gate`` is open (and then closes
    the connection when ``keep_alive`` is false)."""

    def __init__(self, *, keep_alive: bool = True) -> None:
        self.keep_alive = keep_alive
        self.gate = asyncio.Event()
        self.held = 0
        self.most = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        """Listen on a free port; return the base URL."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        """Stop listening (open connections end with the test's loop)."""
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        head += b"Content-Length: " if self.keep_alive else b"Connection: close\r\nContent-Length: "
        try:
            while True:  # one request after another on a kept-alive connection, until it closes
                await reader.readuntil(b"\r\n\r\n")  # every request here is a GET
                self.held += 1
                self.most = max(self.most, self.held)
                try:
                    await self.gate.wait()
                finally:
                    self.held -= 1
                writer.write(head + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
                await writer.drain()
                if not self.keep_alive:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def until_held(self, count: int) -> None:
        """Wait (at most 10 s) until ``count`` requests are held."""
        deadline = time.monotonic() + 10
        while self.held < count:  # a counter, polled briefly and for at most 10 s
            assert time.monotonic() < deadline, f"{self.held} of {count} requests held"
            await asyncio.sleep(0.005)


@pytest.fixture
async def gated() -> AsyncIterator[tuple[GatedServer, str]]:
    """A started gated server and its URL; the gate opens when the test ends."""
    server = GatedServer()
    url = await server.start()
    yield server, url
    server.gate.set()
    await server.close()


def _gets(client: charlib.AsyncClient, count: int) -> list[asyncio.Task[Any]]:
    return [asyncio.create_task(client.jobs.get(JOB_ID)) for _ in range(count)]


async def _settle() -> None:
    """Give queued requests time to reach the server if nothing held them back."""
    await asyncio.sleep(0.2)


async def test_own_pool_holds_at_most_the_bound_in_flight(gated: tuple[GatedServer, str]) -> None:
    """Twenty concurrent gets: the server never holds more than the bound; all then succeed."""
    server, url = gated
    async with charlib.AsyncClient(base_url=url) as client:
        tasks = _gets(client, 20)
        await server.until_held(DEFAULT_MAX_IN_FLIGHT)
        await _settle()
        assert server.held == DEFAULT_MAX_IN_FLIGHT
        server.gate.set()
        statuses = await asyncio.gather(*tasks)
    assert [status.job_id for status in statuses] == [JOB_ID] * 20
    assert server.most == DEFAULT_MAX_IN_FLIGHT


async def test_waiting_for_a_slot_counts_against_the_pool_timeout(
    gated: tuple[GatedServer, str],
) -> None:
    """With every slot held, one more request fails after the pool timeout as a pool timeout."""
    server, url = gated
    timeout = httpx.Timeout(30.0, pool=0.2)
    async with charlib.AsyncClient(base_url=url, timeout=timeout, max_retries=0) as client:
        tasks = _gets(client, DEFAULT_MAX_IN_FLIGHT)
        await server.until_held(DEFAULT_MAX_IN_FLIGHT)
        with pytest.raises(charlib.APITimeoutError) as caught:
            await asyncio.wait_for(client.jobs.get(JOB_ID), 10)
        assert isinstance(caught.value.__cause__, httpx.PoolTimeout)
        assert server.held == DEFAULT_MAX_IN_FLIGHT  # the late one never reached the server
        server.gate.set()
        assert len(await asyncio.gather(*tasks)) == DEFAULT_MAX_IN_FLIGHT


async def test_a_slot_that_comes_free_in_time_is_taken(gated: tuple[GatedServer, str]) -> None:
    """A request waiting for a slot proceeds when one is released within its pool timeout."""
    server, url = gated
    async with charlib.AsyncClient(base_url=url, timeout=httpx.Timeout(30.0, pool=5.0)) as client:
        tasks = _gets(client, DEFAULT_MAX_IN_FLIGHT + 1)
        await server.until_held(DEFAULT_MAX_IN_FLIGHT)
        server.gate.set()
        assert len(await asyncio.gather(*tasks)) == DEFAULT_MAX_IN_FLIGHT + 1


async def test_an_injected_http_client_is_not_bounded(gated: tuple[GatedServer, str]) -> None:
    """A pool the caller gives is theirs to size: more than the bound reach the server."""
    server, url = gated
    wanted = DEFAULT_MAX_IN_FLIGHT + 4
    async with (
        httpx.AsyncClient() as http,
        charlib.AsyncClient(base_url=url, http_client=http) as client,
    ):
        tasks = _gets(client, wanted)
        await server.until_held(wanted)
        server.gate.set()
        assert len(await asyncio.gather(*tasks)) == wanted


async def test_with_options_shares_the_bound_of_the_shared_pool(
    gated: tuple[GatedServer, str],
) -> None:
    """A client derived with ``with_options`` sends through the same pool, within the same bound."""
    server, url = gated
    async with charlib.AsyncClient(base_url=url) as client:
        derived = client.with_options(max_retries=0)
        tasks = _gets(client, DEFAULT_MAX_IN_FLIGHT) + _gets(derived, DEFAULT_MAX_IN_FLIGHT)
        await server.until_held(DEFAULT_MAX_IN_FLIGHT)
        await _settle()
        assert server.held == DEFAULT_MAX_IN_FLIGHT
        server.gate.set()
        assert len(await asyncio.gather(*tasks)) == 2 * DEFAULT_MAX_IN_FLIGHT


def test_a_client_used_from_a_second_event_loop_keeps_its_bound() -> None:
    """The bound is made in the running loop: a client made outside any loop, used from one
    loop and then from another (its connections closed by the server in between), is bounded
    in both."""

    async def batch(client: charlib.AsyncClient) -> int:
        server = GatedServer(keep_alive=False)
        probe = client.with_options(base_url=await server.start())
        tasks = _gets(probe, DEFAULT_MAX_IN_FLIGHT + 3)
        await server.until_held(DEFAULT_MAX_IN_FLIGHT)
        await _settle()
        held = server.held
        server.gate.set()
        await asyncio.gather(*tasks)
        await server.close()
        return held

    client = charlib.AsyncClient(base_url="http://127.0.0.1:9")
    assert asyncio.run(batch(client)) == DEFAULT_MAX_IN_FLIGHT
    assert asyncio.run(batch(client)) == DEFAULT_MAX_IN_FLIGHT
    asyncio.run(client.aclose())
