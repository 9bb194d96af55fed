"""Chaos: 30% of API requests fail, yet 20 jobs start once each and all complete.

Faults over real sockets (uvicorn): 429 and 503 with ``Retry-After``, connection resets and
truncated JSON *after* the server did the work, and latency spikes. The SDK retries a POST only
with an ``Idempotency-Key`` (``generate_360_set`` sends one per call, reused by its retries), so a
retried POST whose first answer was lost replays the original job instead of starting a second one.

Configuration: at a 30% fault rate the default ``max_retries=3`` leaves about one request in 120
failing after 4 attempts (0.3 ** 4); these clients use ``max_retries=10`` (0.3 ** 11, about 2e-6),
which is the legitimate setting for a flaky network. Waiting needs no such setting: a wait's polls
are repeated until its own deadline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

import charlib
from mock_server import RunningServer, ScaledClock, serve
from tests.reliability.conftest import aready_character

JOBS = 20
FAULT_RATE = 0.3
FAULT_KINDS = ["429", "503", "reset", "malformed", "latency"]


def character_ids(server: RunningServer) -> list[str]:
    """Ids of every character on the server (no faults: read after they are cleared)."""
    page = httpx.get(f"{server.url}/api/v1/characters", params={"limit": 100}, timeout=10)
    return [doc["id"] for doc in page.json()["docs"]]


@pytest.fixture
def chaos_server() -> Iterator[RunningServer]:
    """The mock on uvicorn at 40x (a 3-shot job: 2-5 real seconds), all jobs succeeding at once."""
    with serve(clock=ScaledClock(40), seed=7, capacity=JOBS) as server:
        server.mock.set_scenario("success")
        yield server


async def test_chaos_twenty_jobs_complete_without_duplicates(chaos_server: RunningServer) -> None:
    """With 30% faults every start succeeds once, wait_all completes all 20, the server has 20."""
    mock = chaos_server.mock
    mock.set_faults(
        rate=FAULT_RATE, kinds=FAULT_KINDS, retry_after=1, latency=0.3, path_prefix="/api/"
    )
    async with charlib.AsyncClient(base_url=chaos_server.url, timeout=5, max_retries=10) as client:
        characters = [await aready_character(client, f"Chaos {i}") for i in range(4)]
        # One after another: the (seeded) fault sequence is then the same in every run.
        jobs = [
            await client.characters.generate_360_set(characters[i % 4], image_count=3)
            for i in range(JOBS)
        ]
        starting = mock.requests()  # the journal keeps 1000 entries: read it before the waits
        statuses = await client.jobs.wait_all(
            [job.id for job in jobs], timeout=120, poll=0.1, concurrency=8
        )
    mock.clear_faults()

    assert [s.job_id for s in statuses] == [job.id for job in jobs]
    assert {s.status for s in statuses} == {charlib.JobState.COMPLETED}
    # Exactly what was asked for: no duplicate from a retried POST.
    assert len({job.id for job in jobs}) == JOBS
    assert mock.stats()["jobs"] == {
        "total": JOBS,
        "byStatus": {"pending": 0, "processing": 0, "completed": JOBS, "failed": 0, "cancelled": 0},
    }

    assert len(character_ids(chaos_server)) == 4  # idempotent creates: no duplicate either

    # The faults really happened, including lost answers (after the work was done) to creating
    # POSTs, which only an idempotent replay survives without a duplicate.
    spoiled_posts = [
        (entry["path"], entry["fault"])
        for entry in starting
        if entry["method"] == "POST" and entry.get("fault") in ("reset", "malformed")
    ]
    # The fault sequence is seeded and the starts are sequential, so this is the same in every
    # run; should a change in the requests made shift it off every POST, pick another seed.
    assert spoiled_posts, "no creating POST lost its answer"
    journal = mock.requests()
    kinds = Counter(entry.get("fault") for entry in [*starting, *journal])
    assert all(kinds[kind] > 0 for kind in FAULT_KINDS), kinds
    faulted = sum(1 for entry in journal if entry.get("fault"))
    assert 0.15 < faulted / len(journal) < 0.45
