"""Retry behaviour through the public API: what is retried, how long it sleeps (on the injected
clock), and that a job-creating POST is never duplicated."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import FakeClock, FakeServer, golden, resolve

CHAR = "66f1c0ffee00000000000a01"
JOB = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"


def status_ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=golden("status-pending"))


def accepted(_: httpx.Request) -> httpx.Response:
    return httpx.Response(202, json=golden("accepted-202"))


def reply(
    status: int, body: Any = None, **headers: str
) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _: httpx.Response(status, json=body or {"error": "x"}, headers=headers)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_transient_status_is_retried(
    status: int, server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """A GET answered with a transient status is sent again and then succeeds."""
    server.script(reply(status), status_ok)
    result = await resolve(make_client().jobs.get(JOB))
    assert result.job_id == JOB
    assert len(server.requests) == 2
    assert len(clock.sleeps) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": "bad"}),
        (401, {"error": "no"}),
        (404, {"error": "Job not found"}),
        (409, {"error": "conflict"}),
        (500, {"success": False, "error": "Not Found"}),
    ],
)
async def test_permanent_status_is_not_retried(
    status: int, body: Any, server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """Client errors, and the live service's 500 "Not Found", are raised at once."""
    server.script(reply(status, body))
    with pytest.raises(charlib.APIStatusError):
        await resolve(make_client().jobs.get(JOB))
    assert len(server.requests) == 1
    assert clock.sleeps == []


async def test_retry_after_seconds_is_honoured(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """``Retry-After: 7`` on a 429 makes the client sleep exactly 7 s (on its clock)."""
    server.script(reply(429, None, **{"Retry-After": "7"}), status_ok)
    await resolve(make_client().jobs.get(JOB))
    assert clock.sleeps == [7.0]


async def test_retry_after_http_date_is_honoured(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """An HTTP-date ``Retry-After`` is measured against the response's own ``Date``."""
    headers = {
        "Date": "Thu, 02 Oct 2025 09:00:00 GMT",
        "Retry-After": "Thu, 02 Oct 2025 09:00:12 GMT",
    }
    server.script(reply(503, None, **headers), status_ok)
    await resolve(make_client().jobs.get(JOB))
    assert clock.sleeps == [12.0]


async def test_retry_after_is_capped(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """A huge ``Retry-After`` is clipped to 60 s."""
    server.script(reply(429, None, **{"Retry-After": "3600"}), status_ok)
    await resolve(make_client().jobs.get(JOB))
    assert clock.sleeps == [60.0]


async def test_backoff_is_exponential_and_bounded(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """Without Retry-After the delays grow from 0.5 s and never exceed the 8 s cap."""
    server.script(reply(503))
    with pytest.raises(charlib.InternalServerError):
        await resolve(make_client(max_retries=8).jobs.get(JOB))
    assert len(server.requests) == 9
    assert len(clock.sleeps) == 8
    for attempt, delay in enumerate(clock.sleeps, start=1):
        step = min(8.0, 0.5 * 2 ** (attempt - 1))
        assert step / 2 <= delay <= step


@pytest.mark.parametrize(("max_retries", "attempts"), [(0, 1), (1, 2), (3, 4)])
async def test_max_retries_bounds_attempts(
    max_retries: int, attempts: int, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """``max_retries`` retries follow the first attempt; 0 disables retrying."""
    server.script(reply(503))
    with pytest.raises(charlib.InternalServerError):
        await resolve(make_client(max_retries=max_retries).jobs.get(JOB))
    assert len(server.requests) == attempts


async def test_default_is_three_retries(
    server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """By default a failing GET is attempted four times."""
    server.script(httpx.ReadError("reset"))
    with pytest.raises(charlib.APIConnectionError):
        await resolve(make_client().jobs.get(JOB))
    assert len(server.requests) == 4


async def test_unparseable_2xx_is_retried(
    server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """A 2xx with a broken body is transient: the next good answer is returned."""
    server.script(lambda _: httpx.Response(200, text="<html>proxy</html>"), status_ok)
    result = await resolve(make_client().jobs.get(JOB))
    assert result.status is charlib.JobState.PENDING


async def test_cancel_is_retried(server: FakeServer, make_client: Callable[..., Any]) -> None:
    """DELETE (cancel) is retried like a GET."""
    server.script(reply(502), lambda _: httpx.Response(200, json=golden("cancel-ok-200")))
    result = await resolve(make_client().jobs.cancel(JOB))
    assert result.success
    assert [r.method for r in server.requests] == ["DELETE", "DELETE"]


def _echo_key(request: httpx.Request) -> httpx.Response:
    """An accepted reply from a server that honours keys (it echoes the one it was sent)."""
    key = request.headers["idempotency-key"]
    return httpx.Response(202, json=golden("accepted-202"), headers={"Idempotency-Key": key})


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(reply(503), id="503"),
        pytest.param(httpx.ReadError("reset after send"), id="reset"),
        pytest.param(httpx.ConnectError("refused"), id="refused"),
    ],
)
async def test_job_post_retries_reuse_one_idempotency_key(
    failure: Any, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """Every retry of one generate_360_set call carries the same uuid4 Idempotency-Key."""
    client = make_client()
    server.script(_echo_key)
    await resolve(client.characters.generate_360_set(CHAR, image_count=1))  # learns: keys honoured
    server.requests.clear()
    server.script(failure, failure, accepted)
    job = await resolve(client.characters.generate_360_set(CHAR, image_count=1))
    assert job.id == JOB
    keys = {r.headers["idempotency-key"] for r in server.requests}
    assert len(server.requests) == 3
    assert len(keys) == 1
    assert uuid.UUID(keys.pop()).version == 4


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(httpx.ReadError("reset after send"), id="reset"),
        pytest.param(reply(502), id="502"),
        pytest.param(lambda _: httpx.Response(202, text="<html>"), id="garbled-202"),
    ],
)
async def test_unclear_post_failure_is_not_retried_where_keys_may_be_ignored(
    failure: Any, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """A server never seen honouring keys (like the live service) may have done the work:
    the failure is reported, not retried, so no second job can be created."""
    server.script(failure, accepted)
    with pytest.raises(charlib.CharlibError):
        await resolve(make_client().characters.generate_360_set(CHAR, image_count=1))
    assert len(server.requests) == 1


async def test_each_call_gets_its_own_key(
    server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """Two logical calls send two different keys; a caller's key is sent verbatim."""
    server.script(accepted)
    client = make_client()
    await resolve(client.characters.generate_360_set(CHAR))
    await resolve(client.characters.generate_360_set(CHAR))
    await resolve(client.characters.generate_360_set(CHAR, idempotency_key="my-key"))
    keys = [r.headers["idempotency-key"] for r in server.requests]
    assert keys[0] != keys[1]
    assert keys[2] == "my-key"


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(reply(503), id="503"),
        pytest.param(httpx.ReadError("reset after send"), id="reset"),
        pytest.param(httpx.ReadTimeout("no answer"), id="read-timeout"),
    ],
)
async def test_post_without_key_is_not_retried_once_maybe_sent(
    failure: Any, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """With ``idempotency_key=None`` a POST that may have reached the server is not resent."""
    server.script(failure, accepted)
    with pytest.raises(charlib.APIError):
        await resolve(make_client().characters.generate_360_set(CHAR, idempotency_key=None))
    assert len(server.requests) == 1
    assert "idempotency-key" not in server.requests[0].headers


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(httpx.ConnectError("refused"), id="refused"),
        pytest.param(httpx.ConnectTimeout("no route"), id="connect-timeout"),
    ],
)
async def test_post_without_key_is_retried_when_never_sent(
    failure: Exception, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """A POST without a key is resent only when the connection could not even be opened."""
    server.script(failure, accepted)
    job = await resolve(make_client().characters.generate_360_set(CHAR, idempotency_key=None))
    assert job.id == JOB
    assert len(server.requests) == 2


async def test_core_set_is_never_retried_and_has_a_long_timeout(
    server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """The deprecated blocking route is sent once, with a 45-minute read timeout."""
    server.script(httpx.ConnectError("refused"))
    with (
        pytest.warns(DeprecationWarning, match="legacy"),
        pytest.raises(charlib.APIConnectionError),
    ):
        await resolve(make_client().characters.generate_core_set(CHAR))
    assert len(server.requests) == 1
    assert server.requests[0].extensions["timeout"]["read"] == 45 * 60


async def test_with_options_changes_retries_and_shares_the_pool(
    server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """A derived client uses its own max_retries over the parent's connection pool."""
    server.script(reply(503))
    parent = make_client()
    child = parent.with_options(max_retries=0)
    with pytest.raises(charlib.InternalServerError):
        await resolve(child.jobs.get(JOB))
    assert len(server.requests) == 1
    assert child._http is parent._http
    assert child.base_url == parent.base_url
    assert child.clock is parent.clock
