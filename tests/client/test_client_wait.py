"""Waiting through the public API with a scripted server and an injected clock (no real sleep).

Each case runs against the sync and the async client (the ``flavor`` fixture)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

import charlib
from tests.client.support import AnyClient, FakeClock, FakeServer, collect, golden, resolve

JOB = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"


def _status(state: str, current: int, total: int = 27, **extra: object) -> httpx.Response:
    body = golden("status-processing")
    body.update(status=state, **extra)
    body["progress"] = {
        "current": current,
        "total": total,
        "percentage": round(100 * current / total),
        "currentTask": f"Generating shot {current}",
    }
    return httpx.Response(200, json=body)


def _completed() -> httpx.Response:
    return httpx.Response(200, json=golden("status-completed-partial"))


async def test_transient_errors_do_not_abort_the_wait(
    make_client: Callable[..., AnyClient], server: FakeServer, clock: FakeClock
) -> None:
    """503 with Retry-After, a refused connection and a garbled body are waited out."""
    server.script(
        _status("processing", 1),
        httpx.Response(503, headers={"Retry-After": "7"}, json={"error": "busy"}),
        httpx.ConnectError("refused"),
        httpx.Response(200, content=b"<html>oops</html>"),
        _status("processing", 2),
        httpx.Response(200, json=golden("status-completed-partial")),
    )
    client = make_client()
    status = await resolve(client.jobs.wait(JOB))
    assert status.status == "completed"
    assert status.is_partial
    assert len(server.requests) == 6
    assert any(s >= 7 for s in clock.sleeps), clock.sleeps  # Retry-After honoured


async def test_each_poll_is_one_attempt_the_wait_decides_retries(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """While waiting, a failed poll is not retried by the client too (no retry storm)."""
    server.script(httpx.Response(502, text="bad gateway"), _completed())
    client = make_client(max_retries=5)
    await resolve(client.jobs.wait(JOB))
    assert len(server.requests) == 2


async def test_deadline_raises_promptly_and_never_oversleeps(
    make_client: Callable[..., AnyClient], server: FakeServer, clock: FakeClock
) -> None:
    """A job that never ends raises WaitTimeoutError at the deadline, with the last status."""
    server.script(_status("processing", 3))
    client = make_client()
    with pytest.raises(charlib.WaitTimeoutError) as caught:
        await resolve(client.jobs.wait(JOB, timeout=300))
    assert caught.value.job_id == JOB
    assert caught.value.last_status is not None
    assert caught.value.last_status.progress.current == 3
    assert sum(clock.sleeps) == pytest.approx(300)
    assert all(request.method == "GET" for request in server.requests)


async def test_cancel_on_timeout_sends_a_cancel_before_raising(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """With cancel_on_timeout the job is cancelled on the server, then WaitTimeoutError raised."""

    def reply(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(200, json=golden("cancel-ok-200"))
        return _status("processing", 3)

    server.script(reply)
    client = make_client()
    with pytest.raises(charlib.WaitTimeoutError):
        await resolve(client.jobs.wait(JOB, timeout=60, cancel_on_timeout=True))
    assert server.requests[-1].method == "DELETE"
    assert server.requests[-1].url.path == f"/api/v1/jobs/{JOB}/status"


async def test_unknown_job_fails_fast(
    make_client: Callable[..., AnyClient], server: FakeServer, clock: FakeClock
) -> None:
    """A 404 is not waited out: NotFoundError at once, no sleeping."""
    server.script(httpx.Response(404, json=golden("status-not-found-404")))
    client = make_client()
    with pytest.raises(charlib.NotFoundError):
        await resolve(client.jobs.wait(JOB))
    assert clock.sleeps == []


async def test_failed_job_raises_with_the_server_reason(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """A failed job raises JobFailedError carrying the final status and its error."""
    server.script(httpx.Response(200, json=golden("status-failed")))
    client = make_client()
    with pytest.raises(charlib.JobFailedError) as caught:
        await resolve(client.jobs.wait(JOB))
    assert caught.value.job_status.status == "failed"
    assert caught.value.job_status.error
    assert caught.value.job_status.error in str(caught.value)


async def test_watch_yields_each_change_once(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """watch() skips repeated snapshots and ends with the terminal one."""
    server.script(
        _status("pending", 0),
        _status("pending", 0),
        _status("processing", 0),
        _status("processing", 1),
        _status("processing", 1),
        _status("processing", 2),
        _completed(),
    )
    client = make_client()
    seen = await collect(client.jobs.watch(JOB))
    assert [(s.status.value, s.progress.current) for s in seen] == [
        ("pending", 0),
        ("processing", 0),
        ("processing", 1),
        ("processing", 2),
        ("completed", 3),
    ]


async def test_wait_rejects_bad_arguments_before_any_request(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """A negative timeout is an InvalidParameterError naming it; nothing is sent."""
    client = make_client()
    with pytest.raises(charlib.InvalidParameterError, match="timeout"):
        await resolve(client.jobs.wait(JOB, timeout=-1))
    assert server.requests == []


async def test_job_handle_round_trips_through_json(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """job.to_json() resumes into a handle with the same id and poll URL."""
    server.script(httpx.Response(202, json=golden("accepted-202")))
    client = make_client()
    job = await resolve(client.characters.generate_360_set("66f1c0ffee00000000000a01"))
    again = client.jobs.resume(job.to_json())
    assert (again.id, again.poll_url) == (job.id, job.poll_url)
    assert client.jobs.resume(job.id).id == job.id
    with pytest.raises(charlib.InvalidParameterError, match="job"):
        client.jobs.resume("{not json")


async def test_cancel_whose_first_reply_was_lost_still_succeeds(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """A retried cancel answered "already cancelled" (the first one worked) is a success."""
    already = {"success": False, "message": "Cannot cancel job with status: cancelled"}
    server.script(httpx.Response(502, text="bad gateway"), httpx.Response(400, json=already))
    result = await resolve(make_client().jobs.cancel(JOB))
    assert result.success
    assert [r.method for r in server.requests] == ["DELETE", "DELETE"]


async def test_cancelling_a_completed_job_is_still_an_error(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """Only "already cancelled" is forgiven: a completed job cannot be cancelled."""
    server.script(httpx.Response(400, json=golden("cancel-terminal-400")))
    with pytest.raises(charlib.BadRequestError):
        await resolve(make_client().jobs.cancel(JOB))


class _Bar:
    """A progress bar that records what happens to it."""

    def __init__(self) -> None:
        self.updates = 0
        self.closed = False

    def update(self, status: charlib.JobStatus) -> None:
        self.updates += 1

    def close(self) -> None:
        self.closed = True


async def test_closing_a_watch_early_closes_its_progress_bar(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """A caller that stops following a job (closing the iterator) releases the bar; nothing
    more is polled."""
    server.script(_status("processing", 1), _status("processing", 2))
    bar = _Bar()
    watch = make_client().jobs.watch(JOB, progress=bar)
    if hasattr(watch, "__anext__"):
        first = await watch.__anext__()
        await watch.aclose()
    else:
        first = next(watch)
        watch.close()
    assert first.progress.current == 1
    assert (bar.updates, bar.closed) == (1, True)
    assert len(server.requests) == 1


async def test_an_async_on_progress_is_awaited_by_the_async_client(
    make_client: Callable[..., AnyClient], server: FakeServer, flavor: str
) -> None:
    """With AsyncClient an ``async def`` on_progress runs for each change; a sync client
    refuses it before sending anything."""
    server.script(_status("processing", 1), _completed())
    seen: list[int] = []

    async def report(status: charlib.JobStatus) -> None:
        seen.append(status.progress.current)

    client = make_client()
    if flavor == "sync":
        with pytest.raises(charlib.InvalidParameterError, match="on_progress"):
            client.jobs.wait(JOB, on_progress=report)
        assert server.requests == []
    else:
        await resolve(client.jobs.wait(JOB, on_progress=report))
        assert seen == [1, 3]
