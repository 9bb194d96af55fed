"""Races over real sockets (uvicorn): cancel/get/list on the same jobs, and duplicate POSTs.

Reference mode promises (CONTRACT §13 D1, §14): a terminal state never changes, and a cancel
that was acknowledged sticks. With one ``Idempotency-Key``, racing identical POSTs create one job.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

import charlib
from mock_server import ManualClock, RunningServer, serve
from tests.reliability.conftest import aready_character, ready_character

TERMINAL = {"completed", "failed", "cancelled"}
WORKERS = 8
OPS_PER_WORKER = 120
RACE_BUDGET = 30.0  # seconds: every loop below stops at this, whatever happens


@pytest.fixture
def race_server() -> Iterator[RunningServer]:
    """Reference mode on a manual clock: time passes only when a racer advances it."""
    with serve(clock=ManualClock(), seed=21, capacity=16) as server:
        yield server


@dataclass(frozen=True)
class Seen:
    """One observation of a job's status: when the request started and when it was answered."""

    job_id: str
    status: str
    sent: float
    answered: float


def test_cancel_get_list_races_never_move_a_terminal_job(race_server: RunningServer) -> None:
    """8 threads cancel, get, list and move the clock over 12 jobs: terminal states stay put."""
    with charlib.Client(base_url=race_server.url, timeout=10) as client:
        character = ready_character(client, "Racer")
        job_ids = [
            client.characters.generate_360_set(character, image_count=1 + i % 2).id
            for i in range(12)
        ]
    seen: list[Seen] = []
    acknowledged: set[str] = set()  # cancels answered 200 success:true
    lock = threading.Lock()
    deadline = time.monotonic() + RACE_BUDGET

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        local: list[Seen] = []
        with httpx.Client(base_url=race_server.url, timeout=10) as http:
            for _ in range(OPS_PER_WORKER):
                if time.monotonic() > deadline:
                    break
                job_id = rng.choice(job_ids)
                op = rng.random()
                sent = time.monotonic()
                if op < 0.1:
                    # Server time moves while the others look: jobs finish mid-race.
                    response = http.post("/_mock/clock", json={"advance": 3})
                    assert response.status_code == 200, response.text
                    continue
                if op < 0.3:
                    response = http.delete(f"/api/v1/jobs/{job_id}/status")
                    assert response.status_code in (200, 400), response.text
                    if response.status_code == 200:
                        assert response.json()["success"] is True
                        with lock:
                            acknowledged.add(job_id)
                    continue
                if op < 0.8:
                    response = http.get(f"/api/v1/jobs/{job_id}/status")
                    assert response.status_code == 200, response.text
                    local.append(Seen(job_id, response.json()["status"], sent, time.monotonic()))
                else:
                    response = http.get("/api/v1/jobs", params={"limit": 100})
                    assert response.status_code == 200, response.text
                    answered = time.monotonic()
                    local += [
                        Seen(j["jobId"], j["status"], sent, answered)
                        for j in response.json()["jobs"]
                    ]
        with lock:
            seen.extend(local)

    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        for future in [pool.submit(worker, seed) for seed in range(WORKERS)]:
            future.result(timeout=RACE_BUDGET + 30)

    # The final word, once everything has settled.
    race_server.mock.finish_all()
    with httpx.Client(base_url=race_server.url, timeout=10) as http:
        final = {j: http.get(f"/api/v1/jobs/{j}/status").json()["status"] for j in job_ids}

    by_job: dict[str, list[Seen]] = defaultdict(list)
    for observation in seen:
        by_job[observation.job_id].append(observation)
    for job_id in job_ids:
        assert final[job_id] in TERMINAL
        if job_id in acknowledged:
            assert final[job_id] == "cancelled", f"{job_id}: an acknowledged cancel was overwritten"
        for terminal in (s for s in by_job[job_id] if s.status in TERMINAL):
            assert terminal.status == final[job_id], (
                f"{job_id}: {terminal.status} became {final[job_id]}"
            )
            # Anything asked after a terminal answer arrived must show the same terminal state.
            later = [s.status for s in by_job[job_id] if s.sent > terminal.answered]
            assert set(later) <= {terminal.status}, (
                f"{job_id} moved from {terminal.status}: {later}"
            )
    assert acknowledged, "no cancel won a race: the test did not exercise cancelling"
    assert any(s.status in ("completed", "failed") for s in seen), "no job finished during the race"


ROUNDS = 25


async def test_racing_posts_with_one_key_create_one_job(race_server: RunningServer) -> None:
    """25 rounds of two identical generate_360_set calls racing with one key: one job each."""
    async with (
        charlib.AsyncClient(base_url=race_server.url, timeout=10) as first,
        charlib.AsyncClient(base_url=race_server.url, timeout=10) as second,
    ):
        character = await aready_character(first, "Twin")
        pairs = []
        for round_ in range(ROUNDS):
            key = f"race-{round_}"
            pairs.append(
                await asyncio.gather(
                    first.characters.generate_360_set(
                        character, image_count=2, idempotency_key=key
                    ),
                    second.characters.generate_360_set(
                        character, image_count=2, idempotency_key=key
                    ),
                )
            )
        page = await first.jobs.list(limit=100)
    assert all(a.id == b.id for a, b in pairs)
    assert len({a.id for a, _ in pairs}) == ROUNDS
    assert page.pagination.total_docs == ROUNDS
    posts = [
        entry
        for entry in race_server.mock.requests()
        if entry["method"] == "POST" and entry["path"].endswith("/generate-360-set")
    ]
    assert len(posts) == 2 * ROUNDS
    assert {entry["status"] for entry in posts} == {202}
