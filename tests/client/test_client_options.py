"""Client options: environment defaults, base URL handling, auth, timeouts, lifecycle, and
that the API key never leaks into ``repr``, logs or error messages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import FakeServer, golden, resolve

JOB = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"
SECRET = "sk-live-0123456789abcdef"


def ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=golden("status-pending"))


async def test_environment_supplies_base_url_and_api_key(
    monkeypatch: pytest.MonkeyPatch, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """``CHARLIB_BASE_URL`` and ``CHARLIB_API_KEY`` are used when no argument is given."""
    monkeypatch.setenv("CHARLIB_BASE_URL", "http://env.test:8080")
    monkeypatch.setenv("CHARLIB_API_KEY", SECRET)
    server.script(ok)
    client = make_client(base_url=None)
    await resolve(client.jobs.get(JOB))
    request = server.requests[0]
    assert str(request.url) == f"http://env.test:8080/api/v1/jobs/{JOB}/status"
    assert request.headers["authorization"] == f"Bearer {SECRET}"


def test_default_base_url_and_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without arguments or environment: production URL, 30 s timeout, 3 retries, no key."""
    monkeypatch.delenv("CHARLIB_BASE_URL", raising=False)
    monkeypatch.delenv("CHARLIB_API_KEY", raising=False)
    with charlib.Client() as client:
        assert client.base_url == httpx.URL("https://character.ft.tc/")
        assert client.timeout == charlib.DEFAULT_TIMEOUT
        assert client.timeout.read == 30.0
        assert client.max_retries == 3
        assert isinstance(client.clock, charlib.SystemClock)
        assert "api_key=None" in repr(client)
    assert client.is_closed


async def test_base_url_prefix_is_kept_and_beats_the_injected_clients(
    server: FakeServer, flavor: str
) -> None:
    """A base URL with a path prefix applies, even over the injected client's own base_url."""
    server.script(ok)
    transport = httpx.MockTransport(server.handle)
    if flavor == "sync":
        with httpx.Client(transport=transport, base_url="http://ignored.test") as http:
            charlib.Client(base_url="http://h.test/prefix", http_client=http).jobs.get(JOB)
    else:
        async with httpx.AsyncClient(transport=transport, base_url="http://ignored.test") as ahttp:
            await charlib.AsyncClient(base_url="http://h.test/prefix", http_client=ahttp).jobs.get(
                JOB
            )
    assert str(server.requests[0].url) == f"http://h.test/prefix/api/v1/jobs/{JOB}/status"


async def test_injected_client_headers_are_merged(server: FakeServer, flavor: str) -> None:
    """Headers configured on an injected http client are sent along with charlib's."""
    server.script(ok)
    transport = httpx.MockTransport(server.handle)
    headers = {"X-Team": "vfx"}
    if flavor == "sync":
        with httpx.Client(transport=transport, headers=headers) as http:
            charlib.Client(base_url="http://h.test", http_client=http).health()
    else:
        async with httpx.AsyncClient(transport=transport, headers=headers) as ahttp:
            await charlib.AsyncClient(base_url="http://h.test", http_client=ahttp).health()
    request = server.requests[0]
    assert request.headers["x-team"] == "vfx"
    assert request.headers["user-agent"].startswith("charlib/")


@pytest.mark.parametrize(
    ("timeout", "read"), [(5, 5.0), (2.5, 2.5), (httpx.Timeout(7.0, connect=1.0), 7.0)]
)
async def test_timeout_reaches_the_request(
    timeout: Any, read: float, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """``timeout`` (seconds or ``httpx.Timeout``) is applied to every request."""
    server.script(ok)
    await resolve(make_client(timeout=timeout).jobs.get(JOB))
    assert server.requests[0].extensions["timeout"]["read"] == read


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("timeout", 0),
        ("timeout", None),
        ("timeout", True),
        ("max_retries", -1),
        ("max_retries", 1.5),
        ("base_url", "character.ft.tc"),
        ("base_url", "ftp://x.test"),
    ],
)
def test_bad_options_are_rejected(option: str, value: Any) -> None:
    """A bad option raises InvalidParameterError naming it."""
    with pytest.raises(charlib.InvalidParameterError) as info:
        charlib.Client(**{option: value})
    assert info.value.field == option


async def test_http_client_of_the_wrong_flavour_is_rejected() -> None:
    """A sync client refuses an httpx.AsyncClient and vice versa, naming the option."""
    async with httpx.AsyncClient() as ahttp:
        with pytest.raises(charlib.InvalidParameterError, match="http_client"):
            charlib.Client(http_client=ahttp)  # type: ignore[arg-type]
    with httpx.Client() as http, pytest.raises(charlib.InvalidParameterError, match="http_client"):
        charlib.AsyncClient(http_client=http)  # type: ignore[arg-type]


async def test_close_leaves_an_injected_client_open(flavor: str) -> None:
    """``close``/``aclose`` (and the context manager) do not close a client we were given."""
    transport = httpx.MockTransport(ok)
    if flavor == "sync":
        with httpx.Client(transport=transport) as http:
            with charlib.Client(http_client=http) as client:
                pass
            assert not client.is_closed
            assert not http.is_closed
    else:
        async with httpx.AsyncClient(transport=transport) as ahttp:
            async with charlib.AsyncClient(http_client=ahttp) as aclient:
                pass
            assert not aclient.is_closed
            assert not ahttp.is_closed


async def test_close_closes_an_owned_pool() -> None:
    """Clients that created their pool close it; derived clients share it without owning it."""
    client = charlib.Client()
    child = client.with_options(timeout=5)
    child.close()
    assert not client.is_closed
    client.close()
    assert child.is_closed
    async with charlib.AsyncClient() as aclient:
        pass
    assert aclient.is_closed


async def test_api_key_never_leaks(
    caplog: pytest.LogCaptureFixture, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """The key is sent, but absent from repr, debug/info logs and error messages."""
    server.script(
        lambda _: httpx.Response(503, json={"error": "down"}),
        lambda _: httpx.Response(401, json={"error": "Invalid API key"}),
    )
    client = make_client(api_key=SECRET)
    with (
        caplog.at_level(logging.DEBUG, logger="charlib"),
        pytest.raises(charlib.AuthenticationError) as info,
    ):
        await resolve(client.jobs.get(JOB))
    assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    assert SECRET not in repr(client)
    assert "api_key=<set>" in repr(client)
    assert SECRET not in repr(client.with_options(max_retries=1))
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value)
    assert SECRET not in caplog.text
    assert "'authorization': '<redacted>'" in caplog.text


async def test_logs_show_method_url_status_elapsed_and_retries(
    caplog: pytest.LogCaptureFixture, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """Debug logs name each request; info logs each response and each retry decision."""
    server.script(lambda _: httpx.Response(503, json={"error": "down"}), ok)
    with caplog.at_level(logging.DEBUG, logger="charlib"):
        await resolve(make_client().jobs.get(JOB))
    url = f"https://charlib.test/api/v1/jobs/{JOB}/status"
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith(f"Request GET {url}") for m in messages)
    assert any(f"Response GET {url} -> 503 Service Unavailable" in m for m in messages)
    assert any(f"Response GET {url} -> 200 OK (" in m and m.endswith(" ms)") for m in messages)
    assert {r.levelno for r in caplog.records if r.getMessage().startswith("Response")} == {
        logging.INFO
    }
    retries = [r for r in caplog.records if r.getMessage().startswith("Retrying")]
    assert len(retries) == 1
    assert retries[0].levelno == logging.INFO
    assert f"Retrying GET {url} in " in retries[0].getMessage()
    assert "attempt 1 of 4 failed: HTTP 503" in retries[0].getMessage()
