"""Status-to-exception mapping through the public API, for both clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import FakeServer, golden, resolve

JOB = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"

ERROR_CASES = [
    pytest.param(
        400, golden("cancel-terminal-400"), charlib.BadRequestError, "Cannot cancel job", id="400"
    ),
    pytest.param(
        400,
        golden("start-no-master-reference-400"),
        charlib.MasterReferenceRequiredError,
        "master reference image",
        id="400-master-reference",
    ),
    pytest.param(
        401, {"error": "Invalid API key"}, charlib.AuthenticationError, "Invalid API key", id="401"
    ),
    pytest.param(
        404, golden("status-not-found-404"), charlib.NotFoundError, "Job not found", id="404"
    ),
    pytest.param(
        500,
        golden("start-unknown-character-upstream-500"),
        charlib.NotFoundError,
        "Not Found",
        id="500-upstream-not-found",
    ),
    pytest.param(
        409, {"error": "Idempotency-Key reused"}, charlib.ConflictError, "reused", id="409"
    ),
    pytest.param(
        413, {"error": "Body too large"}, charlib.RequestTooLargeError, "too large", id="413"
    ),
    pytest.param(429, {"error": "Slow down"}, charlib.RateLimitError, "Slow down", id="429"),
    pytest.param(500, {"error": "boom"}, charlib.InternalServerError, "boom", id="500"),
    pytest.param(
        502,
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        charlib.InternalServerError,
        "non-JSON body",
        id="502-html",
    ),
    pytest.param(503, "", charlib.InternalServerError, "empty body", id="503-empty"),
    pytest.param(418, {"message": "teapot"}, charlib.APIStatusError, "teapot", id="418-unmapped"),
]


def _response(status: int, body: Any) -> httpx.Response:
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers={"content-type": "text/html"})
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(("status", "body", "error", "text"), ERROR_CASES)
async def test_status_maps_to_typed_error(
    status: int,
    body: Any,
    error: type[charlib.APIStatusError],
    text: str,
    server: FakeServer,
    make_client: Callable[..., Any],
) -> None:
    """Each status (and body) raises its class, carrying status, body, request and server text."""
    server.script(_response(status, body))
    client = make_client(max_retries=0)
    with pytest.raises(error) as info:
        await resolve(client.jobs.get(JOB))
    exc = info.value
    assert type(exc) is error
    assert exc.status_code == status
    assert exc.body == body
    assert exc.request.url.path == f"/api/v1/jobs/{JOB}/status"
    assert exc.response.status_code == status
    assert text in str(exc)
    assert f"GET https://charlib.test/api/v1/jobs/{JOB}/status" in str(exc)


@pytest.mark.parametrize(
    "response",
    [
        pytest.param(lambda _: httpx.Response(200, text="<html>oops</html>"), id="html"),
        pytest.param(lambda _: httpx.Response(200, json=[1, 2]), id="not-an-object"),
        pytest.param(
            lambda _: httpx.Response(200, json={"jobId": JOB, "status": 3}), id="bad-field"
        ),
        pytest.param(lambda _: httpx.Response(200, json={"status": "pending"}), id="missing-field"),
    ],
)
async def test_unparseable_2xx_is_a_typed_error(
    response: Callable[[httpx.Request], httpx.Response],
    server: FakeServer,
    make_client: Callable[..., Any],
) -> None:
    """A 2xx body that breaks the contract raises APIResponseValidationError, not pydantic's."""
    server.script(response)
    client = make_client(max_retries=0)
    with pytest.raises(charlib.APIResponseValidationError) as info:
        await resolve(client.jobs.get(JOB))
    assert info.value.status_code == 200
    assert info.value.__cause__ is None
    assert "Unexpected response body" in str(info.value)


@pytest.mark.parametrize(
    ("raised", "error"),
    [
        pytest.param(httpx.ConnectError("refused"), charlib.APIConnectionError, id="connect"),
        pytest.param(httpx.ReadError("reset by peer"), charlib.APIConnectionError, id="reset"),
        pytest.param(httpx.ReadTimeout("slow"), charlib.APITimeoutError, id="read-timeout"),
        pytest.param(httpx.ConnectTimeout("slow"), charlib.APITimeoutError, id="connect-timeout"),
    ],
)
async def test_transport_failures_are_typed(
    raised: Exception,
    error: type[charlib.APIConnectionError],
    server: FakeServer,
    make_client: Callable[..., Any],
) -> None:
    """httpx transport errors become APIConnectionError / APITimeoutError, chained."""
    server.script(raised)
    client = make_client(max_retries=0)
    with pytest.raises(error) as info:
        await resolve(client.jobs.get(JOB))
    assert type(info.value) is error
    assert info.value.__cause__ is raised
    assert info.value.request.method == "GET"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        pytest.param(lambda c: c.characters.generate_360_set("c", image_count=0), "image_count"),
        pytest.param(lambda c: c.characters.generate_360_set("c", image_count=28), "image_count"),
        pytest.param(lambda c: c.characters.generate_360_set("c", image_count=2.5), "image_count"),
        pytest.param(
            lambda c: c.characters.generate_360_set("c", quality_threshold=101),
            "quality_threshold",
        ),
        pytest.param(
            lambda c: c.characters.generate_360_set("c", quality_threshold=True),
            "quality_threshold",
        ),
        pytest.param(lambda c: c.characters.generate_360_set("c", max_retries=0), "max_retries"),
        pytest.param(lambda c: c.characters.generate_360_set("c", angles="front"), "angles"),
        pytest.param(lambda c: c.characters.generate_360_set("c", custom_seed="1"), "custom_seed"),
        pytest.param(lambda c: c.characters.generate_360_set("c", style=3), "style"),
        pytest.param(lambda c: c.characters.generate_360_set(""), "character_id"),
        pytest.param(lambda c: c.characters.create(name=""), "name"),
        pytest.param(lambda c: c.characters.set_reference_image("c"), "media_id"),
        pytest.param(lambda c: c.characters.generate_initial_image("c", prompt=" "), "prompt"),
        pytest.param(lambda c: c.characters.set_reference_image("c", image_url=3), "image_url"),
        pytest.param(
            lambda c: c.characters.set_reference_image("c", media_id="m", metadata=[1]),
            "metadata",
        ),
        pytest.param(
            lambda c: c.characters.generate_initial_image("c", prompt="p", style=1), "style"
        ),
        pytest.param(
            lambda c: c.characters.generate_initial_image("c", prompt="p", height=0), "height"
        ),
        pytest.param(lambda c: c.characters.list(limit=0), "limit"),
        pytest.param(lambda c: c.characters.list(search=5), "search"),
        pytest.param(lambda c: c.jobs.list(status=5), "status"),
        pytest.param(lambda c: c.jobs.get(""), "job_id"),
        pytest.param(lambda c: c.jobs.list(limit=101), "limit"),
        pytest.param(lambda c: c.jobs.list(page=0), "page"),
        pytest.param(lambda c: c.jobs.list_all(limit=0), "limit"),
    ],
)
async def test_bad_arguments_fail_before_sending(
    call: Callable[[Any], Any], field: str, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """Obvious bad input raises InvalidParameterError naming the field, and sends nothing."""
    client = make_client()
    with pytest.raises(charlib.InvalidParameterError) as info:
        await resolve(call(client))
    assert info.value.field == field
    assert isinstance(info.value, ValueError)
    assert server.requests == []
