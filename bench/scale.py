"""Target 3 (server side) and the job list of target 2: the mock with 10,000 active jobs.

Two mock servers in child processes, one holding 10 jobs and one holding ``scale_jobs`` (10,000),
all processing. Status latency: one keep-alive connection per server, each round asking for the
jobs in a shuffled cycle over *all* of them (so every job's state is touched, not one hot entry).
The filtered job list is timed the same way (the memory store's status index makes a page
cost the page, not the store). Memory: the big server's resident set after it has
answered every round.
"""

from __future__ import annotations

import random
import time

import httpx

from bench.harness import Row, Settings, alternate, median, median_ratio
from bench.servers import ServerProcess, server_process

__all__ = ["run"]

RSS_LIMIT_MB = 150.0
# A filtered page reads the status index, not every job: nearly the cost of a small store.
LIST_LIMIT = 1.5
# Pages of 10: the 10-job server fills them too, so both sides render as many items.
LIST_QUERIES: tuple[dict[str, str | int], ...] = (
    {"status": "processing", "limit": 10},
    {"status": "completed", "limit": 10},
    {"jobType": "360-set", "status": "processing", "limit": 10},
)


def _status_round(http: httpx.Client, server: ServerProcess, ids: list[str], count: int) -> float:
    started = time.perf_counter()
    for index in range(count):
        response = http.get(server.status_path(ids[index % len(ids)]))
        response.raise_for_status()
    return (time.perf_counter() - started) / count


def _list_round(http: httpx.Client, count: int) -> float:
    started = time.perf_counter()
    for index in range(count):
        response = http.get("/api/v1/jobs", params=LIST_QUERIES[index % len(LIST_QUERIES)])
        response.raise_for_status()
    return (time.perf_counter() - started) / count


def run(settings: Settings) -> list[Row]:
    """Measure and return the target-3 status/memory rows and the target-2 list row."""
    rng = random.Random(7)
    count = settings.scale_requests
    with (
        server_process("mock", jobs=10) as small,
        server_process("mock", jobs=settings.scale_jobs) as big,
    ):
        rss_idle = big.rss_mb()
        small_ids, big_ids = list(small.job_ids), list(big.job_ids)
        rng.shuffle(small_ids)
        rng.shuffle(big_ids)
        cursor = {"small": 0, "big": 0}

        def next_ids(name: str, ids: list[str]) -> list[str]:
            start = cursor[name]
            cursor[name] = (start + count) % len(ids)
            return [ids[(start + i) % len(ids)] for i in range(count)]

        with httpx.Client(base_url=small.url) as a, httpx.Client(base_url=big.url) as b:
            _status_round(a, small, small_ids, 20)
            _status_round(b, big, big_ids, 20)
            smalls, bigs = alternate(
                lambda: _status_round(a, small, next_ids("small", small_ids), count),
                lambda: _status_round(b, big, next_ids("big", big_ids), count),
                settings.rounds,
            )
            list_count = max(3, count // 4)
            small_lists, big_lists = alternate(
                lambda: _list_round(a, list_count), lambda: _list_round(b, list_count),
                settings.rounds,
            )  # fmt: skip
        rss = big.rss_mb()
        rss_small = small.rss_mb()
    latency = median_ratio(bigs, smalls)
    list_ratio = median_ratio(big_lists, small_lists)
    big_list_ms = median(big_lists) * 1000
    jobs = settings.scale_jobs
    return [
        Row(
            "3. Scale: status latency",
            f"status latency with {jobs:,} jobs / with 10 jobs",
            latency,
            "≤ 1.2",
            latency <= 1.2,
            f"{median(bigs) * 1e6:.0f} vs {median(smalls) * 1e6:.0f} µs/request, one connection, "
            f"every job in turn; {settings.rounds} rounds x {count}",
        ),
        Row(
            "3. Scale: memory",
            f"server resident memory with {jobs:,} jobs (MB)",
            rss,
            f"≤ {RSS_LIMIT_MB:.0f} MB",
            rss <= RSS_LIMIT_MB,
            f"{rss_idle:.0f} MB before any request; 10-job server: {rss_small:.0f} MB",
        ),
        Row(
            "2. Job list at scale",
            f"filtered job-list latency with {jobs:,} jobs / with 10 jobs",
            list_ratio,
            f"≤ {LIST_LIMIT:g}",
            list_ratio <= LIST_LIMIT,
            f"{big_list_ms:.1f} ms vs {median(small_lists) * 1000:.1f} ms per filtered page "
            f"(status, type, page filters); {settings.rounds} rounds x {list_count}",
        ),
    ]
