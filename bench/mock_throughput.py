"""Target 2: the mock's job-status route against a bare Starlette route, same load.

Both servers run in child processes on the same uvicorn settings; the bare one returns the same
status document as fixed bytes. Load: 64 keep-alive connections (``wrk`` if installed, else the
asyncio generator in :mod:`bench.load`). Reported: the median per-round ratio of requests per
second, and of the server's CPU time per request (read from ``/proc``), which a busy neighbour
disturbs less than the rate.
"""

from __future__ import annotations

from bench.harness import Row, Settings, alternate, cpu_seconds, median, median_ratio
from bench.load import LoadResult, load
from bench.servers import ServerProcess, server_process

__all__ = ["run"]

CONNECTIONS = 64


def _round(server: ServerProcess, seconds: float, use_wrk: bool) -> tuple[LoadResult, float]:
    before = cpu_seconds(server.pid)
    result = load("127.0.0.1", server.port, server.status_path(), connections=CONNECTIONS,
                  duration=seconds, use_wrk=use_wrk)  # fmt: skip
    used = cpu_seconds(server.pid) - before
    return result, used / max(1, result.requests)


def run(settings: Settings) -> list[Row]:
    """Measure and return the target-2 row."""
    with server_process("mock", jobs=10) as mock, server_process("bare") as bare:
        warm = min(1.0, settings.load_seconds)
        wrk = settings.use_wrk
        _round(mock, warm, wrk)
        _round(bare, warm, wrk)
        mocks, bares = alternate(
            lambda: _round(mock, settings.load_seconds, wrk),
            lambda: _round(bare, settings.load_seconds, wrk),
            settings.load_rounds,
        )
    rate = median_ratio([m[0].rate for m in mocks], [b[0].rate for b in bares])
    cpu = median_ratio([b[1] for b in bares], [m[1] for m in mocks])
    errors = sum(m[0].errors for m in mocks) + sum(b[0].errors for b in bares)
    tool = mocks[0][0].tool
    return [
        Row(
            "2. Mock throughput",
            "status route req/s / bare Starlette route req/s (64 connections)",
            rate,
            "≥ 0.7",
            rate >= 0.7,
            f"server CPU per request, bare/mock: {cpu:.3f}; "
            f"{median([m[0].rate for m in mocks]):.0f} vs "
            f"{median([b[0].rate for b in bares]):.0f} req/s; load: {tool}; "
            f"{settings.load_rounds} rounds x {settings.load_seconds:g} s; non-2xx: {errors}",
        )
    ]
