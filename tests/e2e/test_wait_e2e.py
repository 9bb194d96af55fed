"""Waiting, end to end: the SDK against the mock, over real HTTP and in process, sync and async.

One case table drives all four combinations. Durations are given in server seconds; each backend
turns them into its own local seconds (virtual time in process, a 600x clock over HTTP).
"""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import pytest

import charlib
from charlib.testing import in_process_async_client, in_process_client
from mock_server import ManualClock, MockControl, ScaledClock, create_app, serve

HTTP_SPEED = 600.0


@dataclass
class Backend:
    """Where the mock runs and how clients reach it."""

    name: str
    mock: MockControl
    speed: float
    app: Any = None
    url: str | None = None

    def local(self, server_seconds: float) -> float:
        return server_seconds / self.speed

    def client(self) -> AbstractContextManager[charlib.Client]:
        if self.url is not None:
            return charlib.Client(base_url=self.url)
        return in_process_client(self.app)

    def async_client(self) -> AbstractAsyncContextManager[charlib.AsyncClient]:
        if self.url is not None:
            return charlib.AsyncClient(base_url=self.url)
        return in_process_async_client(self.app)


@pytest.fixture(params=["in-process", "http"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The mock in process on virtual time, or on uvicorn with a 600x clock."""
    if request.param == "in-process":
        app = create_app(clock=ManualClock(), seed=11)
        yield Backend("in-process", app.mock, speed=1.0, app=app)
    else:
        with serve(clock=ScaledClock(HTTP_SPEED), seed=11) as server:
            yield Backend("http", server.mock, speed=HTTP_SPEED, url=server.url)


@dataclass(frozen=True)
class Case:
    """One wait scenario and what the caller must see."""

    name: str
    scenario: str | None
    expect: str  # "completed", "partial", or an exception class name
    image_count: int = 6
    timeout: float | None = 3 * 3600  # server seconds
    cancel_first: bool = False
    wait: dict[str, Any] = field(default_factory=dict)
    server_after: str | None = None  # the job's state on the server afterwards
    mode: str = "reference"


CASES = [
    Case("completes", "success", "completed"),
    Case("full set of 27", "success", "completed", image_count=27),
    Case("partial success is returned", "partial", "partial"),
    Case(
        "partial raises when asked",
        "partial",
        "PartialResultError",
        wait={"raise_on_partial": True},
    ),
    Case("failure raises with the reason", "fail", "JobFailedError", server_after="failed"),
    Case("cancelled job raises", "success", "JobCancelledError", cancel_first=True),
    Case(
        "deadline raises, job goes on",
        "slow",
        "WaitTimeoutError",
        timeout=200,
        server_after="processing",
    ),
    Case(
        "deadline cancels when asked",
        "slow",
        "WaitTimeoutError",
        timeout=200,
        wait={"cancel_on_timeout": True},
        server_after="cancelled",
    ),
]


def _verdict(case: Case, result: charlib.JobStatus | None, error: BaseException | None) -> None:
    """Shared by the sync and async tests: did the caller see what the case expects?"""
    if case.expect in ("completed", "partial"):
        assert error is None, repr(error)
        assert result is not None
        assert result.status == "completed"
        assert result.results is not None
        made = len(result.results.generated_images)
        failed = len(result.results.failed_images)
        assert made + failed == case.image_count
        assert result.is_partial == (case.expect == "partial")
        return
    assert error is not None, f"expected {case.expect}, got {result!r}"
    assert type(error).__name__ == case.expect, repr(error)
    if isinstance(error, charlib.WaitTimeoutError):
        assert isinstance(error, TimeoutError)
        assert error.last_status is not None
        assert error.last_status.job_id == error.job_id
    if isinstance(error, charlib.JobFailedError):
        assert error.job_status.error
        assert error.job_status.error in str(error)


def _prepare(backend: Backend, case: Case) -> None:
    backend.mock.set_scenario(case.scenario)


def _wait_kwargs(backend: Backend, case: Case, seen: list[charlib.JobStatus]) -> dict[str, Any]:
    timeout = None if case.timeout is None else backend.local(case.timeout)
    return {"timeout": timeout, "on_progress": seen.append, **case.wait}


def _check_progress(seen: list[charlib.JobStatus], case: Case) -> None:
    """Progress was reported once per change, in order, and never went backwards."""
    assert seen, "on_progress was never called"
    steps = [s.progress.current for s in seen if s.status == "processing"]
    assert steps == sorted(steps)
    keys = [(s.status, s.progress.current) for s in seen]
    assert len(keys) == len(set(keys)), "a snapshot was reported twice"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_wait_sync(backend: Backend, case: Case) -> None:
    """Client.jobs.wait ends the way the case says, against the mock."""
    _prepare(backend, case)
    seen: list[charlib.JobStatus] = []
    with backend.client() as client:
        character = client.characters.create(name="Ada")
        client.characters.generate_initial_image(character.id, prompt="portrait")
        job = client.characters.generate_360_set(character.id, image_count=case.image_count)
        if case.cancel_first:
            backend.mock.advance(60)
            client.jobs.cancel(job.id)
        result, error = None, None
        try:
            result = job.wait(**_wait_kwargs(backend, case, seen))
        except charlib.CharlibError as caught:
            error = caught
        _verdict(case, result, error)
        _check_progress(seen, case)
        if case.server_after:
            assert client.jobs.get(job.id).status == case.server_after


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_wait_async(backend: Backend, case: Case) -> None:
    """AsyncClient.jobs.wait ends the way the case says, against the mock."""
    _prepare(backend, case)
    seen: list[charlib.JobStatus] = []
    async with backend.async_client() as client:
        character = await client.characters.create(name="Ada")
        await client.characters.generate_initial_image(character.id, prompt="portrait")
        job = await client.characters.generate_360_set(character.id, image_count=case.image_count)
        if case.cancel_first:
            backend.mock.advance(60)
            await client.jobs.cancel(job.id)
        result, error = None, None
        try:
            result = await job.wait(**_wait_kwargs(backend, case, seen))
        except charlib.CharlibError as caught:
            error = caught
        _verdict(case, result, error)
        _check_progress(seen, case)
        if case.server_after:
            assert (await client.jobs.get(job.id)).status == case.server_after


def test_watch_yields_changes_and_ends_with_the_terminal_status(backend: Backend) -> None:
    """watch() yields each change once and stops after the terminal snapshot."""
    backend.mock.set_scenario("success")
    with backend.client() as client:
        character = client.characters.create(name="Ada")
        client.characters.generate_initial_image(character.id, prompt="p")
        job = client.characters.generate_360_set(character.id, image_count=4)
        snapshots = list(job.watch(timeout=backend.local(3600)))
    assert snapshots[-1].status == "completed"
    assert all(not s.is_terminal for s in snapshots[:-1])
    assert [s.progress.current for s in snapshots[:-1]] == sorted(
        s.progress.current for s in snapshots[:-1]
    )


async def test_wait_all_returns_every_outcome_in_input_order(backend: Backend) -> None:
    """wait_all over mixed outcomes returns each terminal status in order, raising none."""
    async with backend.async_client() as client:
        character = await client.characters.create(name="Ada")
        await client.characters.generate_initial_image(character.id, prompt="p")
        ids = []
        for scenario in ["success", "fail", "partial", "success", "fail"]:
            backend.mock.set_scenario(scenario)
            ids.append((await client.characters.generate_360_set(character.id, image_count=3)).id)
        cancelled = await client.characters.generate_360_set(character.id, image_count=3)
        await client.jobs.cancel(cancelled.id)
        ids.append(cancelled.id)
        finished_order: list[str] = []
        async for status in client.jobs.as_completed(ids, timeout=backend.local(7200)):
            finished_order.append(status.job_id)
        results = await client.jobs.wait_all(ids, timeout=backend.local(7200), concurrency=3)
    assert sorted(finished_order) == sorted(ids)
    assert [r.job_id for r in results] == ids
    states = [r.status.value for r in results]
    assert states == ["completed", "failed", "completed", "completed", "failed", "cancelled"]
    assert results[2].is_partial


def test_wait_all_deadline_reports_what_finished(backend: Backend) -> None:
    """A wait_all deadline raises WaitTimeoutError carrying the finished and unfinished jobs."""
    with backend.client() as client:
        character = client.characters.create(name="Ada")
        client.characters.generate_initial_image(character.id, prompt="p")
        backend.mock.set_scenario("success")
        quick = client.characters.generate_360_set(character.id, image_count=1)
        backend.mock.set_scenario("slow")
        slow = client.characters.generate_360_set(character.id, image_count=27)
        with pytest.raises(charlib.WaitTimeoutError) as caught:
            client.jobs.wait_all([quick.id, slow.id], timeout=backend.local(900))
    assert list(caught.value.finished) == [quick.id]
    assert caught.value.unfinished == [slow.id]


def test_upstream_quirks_do_not_hang_the_wait() -> None:
    """Against upstream-mode quirks (total jumping, cosmetic cancel) a wait still ends."""
    app = create_app(clock=ManualClock(), mode="upstream", seed=3)
    app.mock.set_scenario("success")
    totals: set[int] = set()
    with in_process_client(app) as client:
        character = client.characters.create(name="Ada")
        client.characters.generate_initial_image(character.id, prompt="p")
        job = client.characters.generate_360_set(character.id, image_count=8)
        status = job.wait(on_progress=lambda s: totals.add(s.progress.total))
        assert status.status == "completed"
        assert {8, 27} <= totals  # the live service's total jumps mid-run (D7)
        # A cosmetic cancel: the job flips back to processing and still finishes; the wait
        # watches a cancel for about a step before believing it, so it reports the truth.
        second = client.characters.generate_360_set(character.id, image_count=8)
        app.mock.advance(120)
        client.jobs.cancel(second.id)
        final = second.wait()
        assert final.status == "completed"
        assert final.results is not None


async def test_async_on_progress_callback_is_awaited() -> None:
    """An async on_progress is awaited by AsyncClient waits, once per change."""
    app = create_app(clock=ManualClock(), seed=2)
    app.mock.set_scenario("success")
    seen: list[int] = []

    async def on_progress(status: charlib.JobStatus) -> None:
        await asyncio.sleep(0)
        seen.append(status.progress.current)

    async with in_process_async_client(app) as client:
        character = await client.characters.create(name="Ada")
        await client.characters.generate_initial_image(character.id, prompt="p")
        job = await client.characters.generate_360_set(character.id, image_count=3)
        await job.wait(on_progress=on_progress)
        done = await client.jobs.wait_all([job.id], on_progress=on_progress)
    assert done[0].status == "completed"
    assert seen[-2:] == [3, 3]  # the final snapshot of the wait, then of wait_all
    assert seen[:-1] == sorted(seen[:-1])


def test_resume_by_id_from_another_process() -> None:
    """A job started here is waited for by a second Python process from its JSON handle."""
    with (
        serve(clock=ScaledClock(HTTP_SPEED)) as server,
        charlib.Client(base_url=server.url) as client,
    ):
        server.mock.set_scenario("success")
        character = client.characters.create(name="Ada")
        client.characters.generate_initial_image(character.id, prompt="p")
        job = client.characters.generate_360_set(character.id, image_count=5)
        handle = job.to_json()
        script = (
            "import sys, charlib\n"
            "client = charlib.Client(base_url=sys.argv[1])\n"
            "status = client.jobs.resume(sys.argv[2]).wait(timeout=60)\n"
            "print(status.job_id, status.status.value, len(status.results.generated_images))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, server.url, handle],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    assert done.stdout.split() == [json.loads(handle)["jobId"], "completed", "5"]


def test_async_waits_run_concurrently_in_one_loop(backend: Backend) -> None:
    """Several AsyncClient waits share one event loop (no thread per job)."""
    backend.mock.set_scenario("success")

    async def main() -> list[str]:
        async with backend.async_client() as client:
            character = await client.characters.create(name="Ada")
            await client.characters.generate_initial_image(character.id, prompt="p")
            jobs = [
                await client.characters.generate_360_set(character.id, image_count=2)
                for _ in range(5)
            ]
            done = await asyncio.gather(*(job.wait(timeout=backend.local(7200)) for job in jobs))
            return [s.status.value for s in done]

    assert asyncio.run(main()) == ["completed"] * 5


def test_wait_all_progress_bar_ticks_once_per_job() -> None:
    """wait_all(progress=JobsProgressBar(...)) counts each finished job and tallies outcomes."""
    app = create_app(clock=ManualClock(), seed=5)
    out = io.StringIO()
    bar = charlib.JobsProgressBar(3, file=out, mininterval=0)
    with in_process_client(app) as client:
        character = client.characters.create(name="Ada")
        client.characters.generate_initial_image(character.id, prompt="p")
        ids = []
        for scenario in ("success", "fail", "success"):
            app.mock.set_scenario(scenario)
            ids.append(client.characters.generate_360_set(character.id, image_count=2).id)
        client.jobs.wait_all(ids, progress=bar)
    text = out.getvalue()
    assert "3/3" in text
    assert "1 failed" in text
    assert "2 completed" in text


def test_serve_speed_is_a_scaled_clock() -> None:
    """serve(speed=600) runs the server clock 600x faster than real time."""
    with serve(speed=600) as server:
        assert server.mock.clock_kind == "scaled"
        with charlib.Client(base_url=server.url) as client:
            assert client.health().is_healthy
    with pytest.raises(TypeError), serve(speed=2, clock=ManualClock()):
        pass


def test_serve_scenario_applies_to_new_jobs() -> None:
    """serve(scenario="fail") makes jobs started against it fail."""
    with serve(speed=600, scenario="fail") as server, charlib.Client(base_url=server.url) as client:
        character = client.characters.create(name="Ada")
        client.characters.generate_initial_image(character.id, prompt="p")
        with pytest.raises(charlib.JobFailedError):
            client.characters.generate_360_set_and_wait(character.id, image_count=2, timeout=60)
