"""A ``Job`` handle is accepted wherever a job id is, and shows itself in a notebook.

Both clients: ``jobs.get/cancel/wait/watch`` take a handle, ``wait_all``/``as_completed`` take
handles and ids mixed; the handle's ``_repr_html_`` shows its id, poll URL, estimated completion
and the last status it saw, escaped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import AnyClient, FakeServer, collect, golden, resolve

JOB = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"
STATUS_PATH = f"/api/v1/jobs/{JOB}/status"


def _status(name: str, **changes: Any) -> httpx.Response:
    body = golden(name)
    body.update(changes)
    return httpx.Response(200, json=body)


async def _started(client: AnyClient, server: FakeServer, *replies: Any) -> Any:
    """A handle from generate_360_set; the server then answers with ``replies``."""
    server.script(httpx.Response(202, json=golden("accepted-202")), *replies)
    job = await resolve(client.characters.generate_360_set("66f1c0ffee00000000000a01"))
    server.requests.clear()
    return job


CALLS = [
    pytest.param(lambda c, job: c.jobs.get(job), "GET", id="get"),
    pytest.param(lambda c, job: c.jobs.cancel(job), "DELETE", id="cancel"),
    pytest.param(lambda c, job: c.jobs.wait(job, timeout=60), "GET", id="wait"),
    pytest.param(lambda c, job: collect(c.jobs.watch(job, timeout=60)), "GET", id="watch"),
    pytest.param(lambda c, job: c.jobs.wait_all([job], timeout=60), "GET", id="wait_all"),
    pytest.param(
        lambda c, job: collect(c.jobs.as_completed([job], timeout=60)), "GET", id="as_completed"
    ),
]


@pytest.mark.parametrize(("call", "method"), CALLS)
async def test_a_handle_is_accepted_where_a_job_id_is(
    call: Callable[[AnyClient, Any], Any],
    method: str,
    make_client: Callable[..., AnyClient],
    server: FakeServer,
) -> None:
    """get, cancel, wait, watch, wait_all and as_completed take the Job handle itself and ask
    about its id (before, wait(job) was an InvalidParameterError)."""
    client = make_client()
    reply = (
        httpx.Response(200, json=golden("cancel-ok-200"))
        if method == "DELETE"
        else _status("status-completed-partial")
    )
    job = await _started(client, server, reply)
    await resolve(call(client, job))
    assert server.requests
    assert {(r.method, r.url.path) for r in server.requests} == {(method, STATUS_PATH)}


async def test_wait_all_takes_ids_and_handles_mixed_and_keeps_their_order(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """A list of a handle and an id (another job) is waited for as two ids, results in order."""
    other = "9d0e8a51-2b7c-4f0e-8c3a-6a1b2c3d4e5f"
    client = make_client()

    def answer(request: httpx.Request) -> httpx.Response:
        if other in request.url.path:
            return _status("status-failed")
        return _status("status-completed-partial")

    job = await _started(client, server, answer)
    results = await resolve(client.jobs.wait_all([other, job], timeout=60))
    assert [status.job_id for status in results] == [other, JOB]
    assert [status.status.value for status in results] == ["failed", "completed"]


@pytest.mark.parametrize(("call", "method"), CALLS)
async def test_a_status_stands_for_its_job(
    call: Callable[[AnyClient, Any], Any],
    method: str,
    make_client: Callable[..., AnyClient],
    server: FakeServer,
) -> None:
    """A JobStatus snapshot is accepted where a job is expected (as jobs.download takes it):
    the calls ask about its job_id."""
    client = make_client()
    reply = (
        httpx.Response(200, json=golden("cancel-ok-200"))
        if method == "DELETE"
        else _status("status-completed-partial")
    )
    server.script(reply)
    status = charlib.JobStatus.model_validate(golden("status-processing"))
    assert status.job_id == JOB
    await resolve(call(client, status))
    assert {(r.method, r.url.path) for r in server.requests} == {(method, STATUS_PATH)}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        pytest.param(lambda c, x: c.jobs.get(x), "job_id", id="get"),
        pytest.param(lambda c, x: c.jobs.cancel(x), "job_id", id="cancel"),
        pytest.param(lambda c, x: c.jobs.wait(x), "job_id", id="wait"),
        pytest.param(lambda c, x: collect(c.jobs.watch(x)), "job_id", id="watch"),
        pytest.param(lambda c, x: c.jobs.wait_all([x]), "job_ids", id="wait_all"),
        pytest.param(lambda c, x: collect(c.jobs.as_completed([x])), "job_ids", id="as_completed"),
    ],
)
@pytest.mark.parametrize("thing", [42, {"jobId": JOB}, None], ids=["int", "dict", "none"])
async def test_anything_else_is_refused_naming_the_argument(
    call: Callable[[AnyClient, Any], Any],
    field: str,
    thing: Any,
    make_client: Callable[..., AnyClient],
    server: FakeServer,
) -> None:
    """Neither an id, a handle nor a status: refused before any request, naming the argument
    and what it takes."""
    client = make_client()
    with pytest.raises(charlib.InvalidParameterError) as info:
        await resolve(call(client, thing))
    assert info.value.field == field
    assert "job id" in str(info.value)
    assert server.requests == []


async def test_wait_all_of_one_handle_says_it_wants_a_collection(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """wait_all(job) (one handle, not a list) is refused with a message that says so."""
    client = make_client()
    job = await _started(client, server)
    with pytest.raises(charlib.InvalidParameterError, match="not one Job") as info:
        await resolve(client.jobs.wait_all(job))
    assert info.value.field == "job_ids"
    status = charlib.JobStatus.model_validate(golden("status-processing"))
    with pytest.raises(charlib.InvalidParameterError, match="not one JobStatus"):
        await resolve(client.jobs.as_completed(status))
    assert server.requests == []


# ---- the notebook view ------------------------------------------------------------------------


async def test_html_of_a_new_handle_shows_id_poll_url_and_estimate(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """Before any status, the handle's HTML shows its id, poll URL and estimated completion."""
    client = make_client()
    job = await _started(client, server)
    page = job._repr_html_()
    assert job.last_status is None
    assert f"<code>{JOB}</code>" in page
    assert f"<code>{job.poll_url}</code>" in page
    assert "2025-10-02T09:27:37+00:00" in page
    assert "<progress" not in page  # no status seen yet: nothing invented


async def test_html_shows_the_last_status_the_handle_saw(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """After refresh() the HTML and repr show that status; after wait() the final one with its
    images, and no longer an estimated completion."""
    client = make_client()
    job = await _started(
        client, server, _status("status-processing"), _status("status-completed-partial")
    )
    assert repr(job).endswith(f"poll_url={job.poll_url!r})")  # nothing seen yet
    refreshed = await resolve(job.refresh())
    assert job.last_status is refreshed
    page = job._repr_html_()
    assert "<b>processing</b>" in page
    assert 'value="37"' in page
    assert "estimated completion" in page
    assert repr(job).endswith("last_status='processing')")
    final = await resolve(job.wait(timeout=60))
    assert job.last_status is final
    page = job._repr_html_()
    assert "<b>completed</b>" in page
    assert page.count("<img ") == 2  # the contact sheet of the results
    assert "estimated completion" not in page  # over: the estimate says nothing now
    assert repr(job).endswith("last_status='completed')")


async def test_a_wait_that_raises_still_leaves_its_status_on_the_handle(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """When job.wait() raises JobFailedError, the failed status is the handle's last status."""
    client = make_client()
    job = await _started(client, server, _status("status-failed", jobId=JOB))
    with pytest.raises(charlib.JobFailedError):
        await resolve(job.wait(timeout=60))
    assert job.last_status is not None
    assert job.last_status.status.value == "failed"
    assert "<b>failed</b>" in job._repr_html_()


async def test_html_escapes_a_hostile_id_poll_url_and_status(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """Ids, URLs and status text come from a server: markup in any of them is shown escaped,
    and the poll URL is text, never a link."""
    hostile = "<img src=x onerror=alert(1)>"
    client = make_client()
    accepted = {"jobId": hostile, "pollUrl": 'javascript:alert("x")//<script>'}
    job = client.jobs.resume(json.dumps(accepted))
    server.script(
        _status("status-failed", jobId=hostile, error="<script>alert(2)</script>\x1b[31m")
    )
    with pytest.raises(charlib.JobFailedError):
        await resolve(job.wait(timeout=60))
    page = job._repr_html_()
    assert "<img" not in page
    assert "<script" not in page
    assert "href=" not in page
    assert "\x1b" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
