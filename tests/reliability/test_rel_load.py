"""Load: 500 concurrent pollers against one mock server, for a bounded time.

500 ``AsyncClient.jobs.get`` loops (no client retries, so nothing is hidden) poll 20 jobs that
progress, finish and get served from the final-body cache while the test runs. Zero errors are
allowed; the server's resident memory (a subprocess, read from ``/proc``) may not keep growing;
the latency percentiles are printed.

Duration: ``CHARLIB_LOAD_SECONDS`` (default 10 in CI; 30 for the figure in docs/guarantees.md).
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import ssl
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import charlib
from mock_server.protocol import KEEP_ALIVE_TIMEOUT
from mock_server.server import bind_socket
from tests.reliability.conftest import MockProcess, aready_character

POLLERS = 500
JOBS = 20
SECONDS = float(os.environ.get("CHARLIB_LOAD_SECONDS", "10"))
WARMUP = min(3.0, SECONDS / 3)
# Resident memory may grow this much after warm-up (connection buffers, caches settling);
# a leak per request would grow without bound over tens of thousands of requests.
RSS_GROWTH_LIMIT = 64 * 1024 * 1024


def _rss(pid: int) -> int:
    """Resident set size of ``pid`` in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time used by ``pid`` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
async def test_500_pollers_zero_errors_bounded_memory(
    spawn: Callable[..., MockProcess], capsys: pytest.CaptureFixture[str]
) -> None:
    """500 concurrent pollers for a bounded time: no error, RSS growth bounded, p99 printed."""
    # 60x: a 27-shot job runs about 20 s, so jobs advance (and some finish) under load.
    server = spawn("--port", "0", "--speed", "60", "--capacity", str(JOBS))
    assert server.process is not None
    pid = server.process.pid
    async with charlib.AsyncClient(base_url=server.url, timeout=10) as setup:
        character = await aready_character(setup, "Load")
        job_ids = [
            (await setup.characters.generate_360_set(character, image_count=1 + i)).id
            for i in range(JOBS)
        ]

    latencies: list[float] = []
    errors: list[BaseException] = []
    rss: dict[str, int] = {}
    tls = ssl.create_default_context()
    cpu_before = _cpu_seconds(pid)
    started = time.monotonic()
    stop_at = started + SECONDS

    async def poller(seed: int) -> None:
        # Each poller has its own connection pool, like 500 separate programs; one shared TLS
        # context spares building 500 (unused on http://, and costly). Idle connections are
        # dropped by the client before the server's keep-alive (5 s) would close them: on a
        # starved machine a poller can sit idle that long, and reusing a connection the server
        # is closing fails the request ("Server disconnected") with retries off, as here.
        rng = random.Random(seed)
        limits = httpx.Limits(keepalive_expiry=KEEP_ALIVE_TIMEOUT / 2)
        async with (
            httpx.AsyncClient(verify=tls, limits=limits) as http,
            charlib.AsyncClient(
                base_url=server.url, timeout=30, max_retries=0, http_client=http
            ) as client,
        ):
            await asyncio.sleep(rng.random() * 0.5)  # stagger the first requests
            while time.monotonic() < stop_at:
                job_id = rng.choice(job_ids)
                sent = time.perf_counter()
                try:
                    status = await client.jobs.get(job_id)
                except Exception as error:  # every failure counts, whatever its type
                    errors.append(error)
                    continue
                latencies.append(time.perf_counter() - sent)
                assert status.job_id == job_id

    async def sample_memory() -> None:
        await asyncio.sleep(WARMUP)
        rss["warm"] = _rss(pid)
        rss["peak"] = rss["warm"]
        while time.monotonic() < stop_at:
            rss["peak"] = max(rss["peak"], _rss(pid))
            await asyncio.sleep(0.25)

    await asyncio.wait_for(
        asyncio.gather(sample_memory(), *(poller(i) for i in range(POLLERS))),
        timeout=SECONDS + 60,
    )
    elapsed = time.monotonic() - started
    rss["end"] = _rss(pid)
    server_cpu = _cpu_seconds(pid) - cpu_before

    latencies.sort()
    p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
    with capsys.disabled():
        print(
            f"\nload: {POLLERS} pollers, {elapsed:.1f} s, {len(latencies)} polls "
            f"({len(latencies) / elapsed:.0f}/s), errors {len(errors)}, latency p50 "
            f"{p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms, "
            f"mean {statistics.fmean(latencies) * 1000:.1f} ms; server CPU {server_cpu:.1f} s, "
            f"RSS warm {rss['warm'] / 2**20:.1f} MiB, peak {rss['peak'] / 2**20:.1f} MiB, "
            f"end {rss['end'] / 2**20:.1f} MiB"
        )
    assert errors == [], f"{len(errors)} errors, first: {errors[0]!r}"
    assert len(latencies) >= POLLERS  # every poller got answers
    assert max(rss["peak"], rss["end"]) - rss["warm"] < RSS_GROWTH_LIMIT, rss


async def test_accepted_connections_have_tcp_nodelay() -> None:
    """The mock's listening socket yields TCP_NODELAY connections under asyncio (as uvicorn runs
    it): without it, Nagle + delayed ACK hold each keep-alive response about 40 ms."""
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    listening = bind_socket("127.0.0.1", 0)
    server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", listening.getsockname()[1])
        assert await asyncio.wait_for(accepted, timeout=10) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
