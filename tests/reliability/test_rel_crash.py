"""Crash: SIGKILL a mock server with 20 jobs in flight, restart it on the same database.

Nothing accepted is lost (CONTRACT §14): every character and job is still there after the restart,
the jobs carry on from their stored facts and complete, and SDK waits that were polling across the
restart (sync and async ``wait_all``) ride out the refused connections and finish in time.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import httpx

import charlib
from tests.reliability.conftest import MockProcess, free_port, ready_character

JOBS = 20
# Server seconds per real second: a 5-shot job takes 2.5-5 server minutes, so 7.5-15 real
# seconds: still in flight at the kill even on a slow, loaded machine.
SPEED = "20"
SHOTS = 5
WAIT_DEADLINE = 90.0


def _sync_wait(url: str, job_ids: list[str], polled: threading.Event) -> list[charlib.JobStatus]:
    with charlib.Client(base_url=url, timeout=3) as client:
        return client.jobs.wait_all(
            job_ids, timeout=WAIT_DEADLINE, poll=0.2, on_progress=lambda _: polled.set()
        )


def _async_wait(url: str, job_ids: list[str], polled: threading.Event) -> list[charlib.JobStatus]:
    async def run() -> list[charlib.JobStatus]:
        async with charlib.AsyncClient(base_url=url, timeout=3) as client:
            return await client.jobs.wait_all(
                job_ids, timeout=WAIT_DEADLINE, poll=0.2, on_progress=lambda _: polled.set()
            )

    return asyncio.run(run())


def test_sigkill_with_jobs_in_flight_loses_nothing(
    tmp_path: Path, spawn: Callable[..., MockProcess]
) -> None:
    """20 in-flight jobs survive kill -9 + restart, resume and complete; SDK waits finish."""
    db = str(tmp_path / "crash.sqlite3")
    # The restarted server must come back where the waiting clients look: a fixed, free port.
    args = ("--db", db, "--port", str(free_port()), "--speed", SPEED, "--capacity", "20")
    first = spawn(*args)
    url = first.url
    with charlib.Client(base_url=url, timeout=10) as client:
        httpx.post(f"{url}/_mock/scenario", json={"scenario": "success"}, timeout=10)
        characters = [ready_character(client, f"Crash {i}") for i in range(4)]
        job_ids = [
            client.characters.generate_360_set(characters[i % 4], image_count=SHOTS).id
            for i in range(JOBS)
        ]
        before = {job_id: client.jobs.get(job_id) for job_id in job_ids}
    assert not [s.status for s in before.values() if s.is_terminal], "jobs must be in flight"

    sync_polled, async_polled = threading.Event(), threading.Event()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        sync_wait = pool.submit(_sync_wait, url, job_ids[: JOBS // 2], sync_polled)
        async_wait = pool.submit(_async_wait, url, job_ids[JOBS // 2 :], async_polled)
        assert sync_polled.wait(30), "the sync wait never polled"
        assert async_polled.wait(30), "the async wait never polled"

        first.kill()  # SIGKILL: no shutdown code runs
        assert first.returncode == -signal.SIGKILL
        spawn(*args)  # same database, same port

        finished = sync_wait.result(timeout=WAIT_DEADLINE + 30)
        finished += async_wait.result(timeout=WAIT_DEADLINE + 30)

    # Every job resumed from its stored facts and completed; none ended "interrupted".
    assert [s.job_id for s in finished] == job_ids
    assert {s.status for s in finished} == {charlib.JobState.COMPLETED}
    assert all(s.error is None for s in finished)
    with charlib.Client(base_url=url, timeout=10) as client:
        assert client.jobs.list(limit=100).pagination.total_docs == JOBS
        for job_id, seen in before.items():
            after = client.jobs.get(job_id)
            assert after.status is charlib.JobState.COMPLETED
            assert after.progress.current == after.progress.total == SHOTS
            if seen.started_at is not None:
                assert after.started_at == seen.started_at  # resumed, not restarted
        for character_id in characters:
            assert client.characters.get(character_id).id == character_id


def test_sigkill_during_a_post_storm_keeps_every_accepted_job_once(
    tmp_path: Path, spawn: Callable[..., MockProcess]
) -> None:
    """kill -9 while keyed POSTs stream in; after the restart, resending every key gives each
    job whose 202 was received the same id, and every key ends up with exactly one job."""
    db = str(tmp_path / "storm.sqlite3")
    args = ("--db", db, "--port", str(free_port()), "--speed", "1")
    first = spawn(*args)
    with charlib.Client(base_url=first.url, timeout=10) as client:
        character = ready_character(client, "Storm")
    url = f"{first.url}/api/v1/characters/{character}/generate-360-set"
    accepted: dict[str, str] = {}  # key -> job id, for every 202 that arrived
    keys = [f"storm-{i}" for i in range(400)]
    started = threading.Event()

    def storm() -> None:
        with httpx.Client(timeout=5) as http:
            for key in keys:
                try:
                    response = http.post(
                        url, json={"imageCount": 1}, headers={"Idempotency-Key": key}
                    )
                except httpx.TransportError:
                    return  # the server is gone
                assert response.status_code == 202, response.text
                accepted[key] = response.json()["jobId"]
                if len(accepted) == 20:
                    started.set()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        sending = pool.submit(storm)
        assert started.wait(30), "the storm never got going"
        first.kill()
        sending.result(timeout=30)
    assert 20 <= len(accepted) < len(keys), "the kill must land mid-storm"

    spawn(*args)
    with charlib.Client(base_url=first.url, timeout=10) as client:
        resent = {
            key: client.characters.generate_360_set(
                character, image_count=1, idempotency_key=key
            ).id
            for key in keys
        }
        total = client.jobs.list(limit=1).pagination.total_docs
    assert {key: resent[key] for key in accepted} == accepted  # replayed, not recreated
    assert len(set(resent.values())) == len(keys)
    assert total == len(keys)
