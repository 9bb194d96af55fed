"""Target 3 (client side): 1,000 concurrent waits in one ``AsyncClient``, and async throughput.

Memory: ``tracemalloc`` measures what 1,000 ``client.jobs.wait`` tasks (and, separately, one
``client.jobs.wait_all`` over the same 1,000 ids) hold once every job has been polled at least
once, divided by the number of jobs. The jobs are processing for the whole measurement (a mock
child process at real speed), so nothing finishes early.

Throughput: 64 tasks calling ``client.jobs.get`` concurrently through one ``AsyncClient``
against the sync client's rate on one connection, same server, alternating rounds. The client
sends through the pool it creates, where it keeps at most ``DEFAULT_MAX_IN_FLIGHT`` requests in
flight (httpcore's pool rechecks every connection for every queued request, encode/httpx#3215),
on asyncio-native connections (``charlib._asyncio_backend``). Beside it, for comparison: the
same 64 tasks and bound through httpx's own transport (httpcore on anyio: what the pool sent
through before), through an injected ``httpx.AsyncClient()`` (no bound), 8 tasks, and, when
``httpx-aiohttp`` is installed, 64 tasks through its aiohttp transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

import charlib
from bench.harness import Row, Settings, alternate, median, median_ratio
from bench.servers import server_process
from charlib._config import DEFAULT_MAX_IN_FLIGHT
from charlib._inflight import InFlight

__all__ = ["run"]

KB_PER_JOB_LIMIT = 20.0

#: The variant the target is about: the pool ``AsyncClient`` creates, with its in-flight bound.
GOAL_VARIANT = f"64 tasks, default transport (at most {DEFAULT_MAX_IN_FLIGHT} in flight)"
#: The same tasks and bound through httpx's own transport (httpcore's pool on anyio).
ANYIO_VARIANT = (
    f"64 tasks, httpx.AsyncHTTPTransport on anyio (at most {DEFAULT_MAX_IN_FLIGHT} in flight)"
)


def _aiohttp_client() -> httpx.AsyncClient | None:
    try:
        from httpx_aiohttp import HttpxAiohttpClient
    except ImportError:
        return None
    client: httpx.AsyncClient = HttpxAiohttpClient()
    return client


async def _memory_per_job(url: str, ids: list[str], mode: str, budget: float) -> tuple[float, int]:
    """KB held per waiting job, and how many jobs were polled (``wait`` tasks or ``wait_all``).

    Measured once every job has been polled, or after ``budget`` seconds, whichever is first.
    """
    polled: set[str] = set()

    def seen(status: charlib.JobStatus) -> None:
        polled.add(status.job_id)

    async with charlib.AsyncClient(base_url=url) as client:
        await client.jobs.get(ids[0])  # connection pool and parsers warm, outside the count
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            tasks: list[asyncio.Task[Any]]
            if mode == "wait":
                tasks = [
                    asyncio.create_task(client.jobs.wait(job_id, on_progress=seen))
                    for job_id in ids
                ]
            else:
                waiting = client.jobs.wait_all(ids, concurrency=64, on_progress=seen)
                tasks = [asyncio.create_task(waiting)]
            deadline = time.monotonic() + budget
            # A counter checked every 50 ms; an Event would need the callback to know the end.
            while len(polled) < len(ids) and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return held / len(ids) / 1024, len(polled)


def _sync_rate(url: str, ids: list[str], count: int) -> float:
    with charlib.Client(base_url=url) as client:
        client.jobs.get(ids[0])
        started = time.perf_counter()
        for index in range(count):
            client.jobs.get(ids[index % len(ids)])
        return count / (time.perf_counter() - started)


async def _async_rate(
    url: str, ids: list[str], count: int, tasks: int, http: httpx.AsyncClient | None
) -> float:
    async with charlib.AsyncClient(base_url=url, http_client=http) as client:
        await client.jobs.get(ids[0])
        each = max(1, count // tasks)

        async def worker(offset: int) -> None:
            for index in range(each):
                await client.jobs.get(ids[(offset + index) % len(ids)])

        started = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(tasks)))
        return each * tasks / (time.perf_counter() - started)


def _run_async(make: Callable[[], Awaitable[float]]) -> float:
    async def main() -> float:
        return await make()

    return asyncio.run(main())


def _unbounded_rate(url: str, ids: list[str], count: int, tasks: int) -> float:
    async def main() -> float:
        async with httpx.AsyncClient() as http:  # injected: the SDK does not bound its pool
            return await _async_rate(url, ids, count, tasks, http)

    return asyncio.run(main())


def _anyio_rate(url: str, ids: list[str], count: int, tasks: int) -> float:
    async def main() -> float:
        # httpx's own transport (httpcore on anyio), bounded as charlib bounds its own pool:
        # what AsyncClient sent through before its connections moved onto asyncio.
        async with httpx.AsyncClient() as http:
            InFlight.register(http, DEFAULT_MAX_IN_FLIGHT)
            return await _async_rate(url, ids, count, tasks, http)

    return asyncio.run(main())


def _aiohttp_rate(url: str, ids: list[str], count: int, tasks: int) -> float:
    async def main() -> float:
        http = _aiohttp_client()
        assert http is not None
        async with http:
            return await _async_rate(url, ids, count, tasks, http)

    return asyncio.run(main())


def run(settings: Settings) -> list[Row]:
    """Measure and return the target-3 client rows."""
    rows: list[Row] = []
    waiters = settings.waiters
    count = settings.concurrency_requests
    with server_process("mock", jobs=waiters) as server:
        ids = server.job_ids
        budget = settings.wait_seconds
        wait_kb, wait_polled = asyncio.run(_memory_per_job(server.url, ids, "wait", budget))
        group_kb, group_polled = asyncio.run(_memory_per_job(server.url, ids, "wait_all", budget))
        rows.append(
            Row(
                "3. Scale: memory per wait",
                f"KB held per job, {waiters:,} `jobs.wait` tasks in one AsyncClient",
                wait_kb,
                f"≤ {KB_PER_JOB_LIMIT:.0f} KB",
                wait_kb <= KB_PER_JOB_LIMIT,
                f"{wait_polled:,} jobs polled when measured; `jobs.wait_all({waiters:,} ids, "
                f"concurrency=64)`: {group_kb:.1f} KB per job, {group_polled:,} polled "
                f"(tracemalloc; measured when all were polled or after {budget:g} s)",
            )
        )
        variants: dict[str, Callable[[], float]] = {
            GOAL_VARIANT: lambda: _run_async(lambda: _async_rate(server.url, ids, count, 64, None)),
            ANYIO_VARIANT: lambda: _anyio_rate(server.url, ids, count, 64),
            "64 tasks, injected httpx.AsyncClient() (unbounded)": lambda: _unbounded_rate(
                server.url, ids, count, 64
            ),
            "8 tasks, default transport": lambda: _run_async(
                lambda: _async_rate(server.url, ids, count, 8, None)
            ),
        }
        if _aiohttp_client() is not None:
            variants["64 tasks, httpx-aiohttp"] = lambda: _aiohttp_rate(server.url, ids, count, 64)
        results: dict[str, float] = {}
        detail: dict[str, Any] = {}
        rounds_of: dict[str, int] = {}
        for name, variant in variants.items():
            # The noisy machine gets more rounds for the row with a goal than for the others.
            rounds = settings.rounds if name == GOAL_VARIANT else max(3, settings.rounds // 2)
            syncs, asyncs = alternate(lambda: _sync_rate(server.url, ids, count), variant, rounds)
            results[name] = median_ratio(asyncs, syncs)
            rounds_of[name] = rounds
            detail[name] = f"{median(asyncs):.0f} vs {median(syncs):.0f} req/s"
    for name, ratio in results.items():
        rows.append(
            Row(
                "3. Scale: async throughput",
                f"AsyncClient `jobs.get`, {name} / sync Client, one connection",
                ratio,
                "≥ 0.8" if name == GOAL_VARIANT else "reported",
                ratio >= 0.8 if name == GOAL_VARIANT else None,
                f"{detail[name]}; {count} requests per round, {rounds_of[name]} rounds",
            )
        )
    if "64 tasks, httpx-aiohttp" not in results:
        rows[-1].notes.append("httpx-aiohttp is not installed: its variant was skipped")
    return rows
