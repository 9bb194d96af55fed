"""Target 1: ``client.jobs.get()`` against a raw ``httpx`` GET + ``json.loads``, same live mock.

Both sides use one keep-alive connection to the same uvicorn mock (a child process) and fetch the
status of the same processing job. Reported: the median per-round ratio of wall time, and of this
process's CPU time (the client's own cost, less sensitive to the server and to neighbours).
"""

from __future__ import annotations

import json
import time

import httpx

import charlib
from bench.harness import Row, Settings, alternate, median_ratio
from bench.servers import server_process

__all__ = ["run"]


def _timed(fn: object, count: int) -> tuple[float, float]:
    assert callable(fn)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run(settings: Settings) -> list[Row]:
    """Measure and return the target-1 row."""
    count = settings.sdk_requests
    with server_process("mock", jobs=10) as server:
        job_id = server.job_ids[0]
        url = server.url + server.status_path(job_id)
        with httpx.Client() as raw, charlib.Client(base_url=server.url) as sdk:

            def raw_get() -> object:
                return json.loads(raw.get(url).content)

            def sdk_get() -> object:
                return sdk.jobs.get(job_id)

            _timed(raw_get, 20)
            _timed(sdk_get, 20)
            raws, sdks = alternate(
                lambda: _timed(raw_get, count), lambda: _timed(sdk_get, count), settings.rounds
            )
    wall = median_ratio([s[0] for s in sdks], [r[0] for r in raws])
    cpu = median_ratio([s[1] for s in sdks], [r[1] for r in raws])
    raw_rate = count / sorted(r[0] for r in raws)[len(raws) // 2]
    sdk_rate = count / sorted(s[0] for s in sdks)[len(sdks) // 2]
    raw_us = min(r[1] for r in raws) / count * 1e6
    sdk_us = min(s[1] for s in sdks) / count * 1e6
    return [
        Row(
            "1. SDK overhead",
            "`jobs.get()` wall time / raw httpx GET + json.loads",
            wall,
            "≤ 1.05",
            wall <= 1.05,
            f"client CPU ratio {cpu:.3f} ({sdk_us:.0f} vs {raw_us:.0f} µs/request); "
            f"{sdk_rate:.0f} vs {raw_rate:.0f} req/s; {settings.rounds} rounds x {count}",
        )
    ]
