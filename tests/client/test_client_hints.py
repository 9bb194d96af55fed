"""Errors that say what to do, through the public API of both clients.

A 401 names where the key comes from (never the key); a failed connection names the client's
``base_url`` and ``CHARLIB_BASE_URL``; a 404 whose URL holds the API prefix twice says that
``base_url`` should be the service root; a closed client raises ``ClientClosedError``.
"""

from __future__ import annotations

import pickle
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import BASE_URL, AnyClient, FakeServer, golden, resolve

JOB = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"
KEY = "sk-live-hint-test-0123456789"


async def _error_of(call: Callable[[], Any]) -> charlib.CharlibError:
    """The CharlibError that ``call()`` raised (awaited, for the async client)."""
    with pytest.raises(charlib.CharlibError) as info:
        await resolve(call())
    return info.value


# ---- 401 --------------------------------------------------------------------------------------


async def test_401_without_a_key_says_how_to_give_one(
    server: FakeServer, make_client: Callable[..., AnyClient]
) -> None:
    """A 401 to a client without a key says no key was sent and names api_key= and
    CHARLIB_API_KEY."""
    server.script(httpx.Response(401, json={"error": "Unauthorized"}))
    error = await _error_of(lambda: make_client(api_key="", max_retries=0).jobs.get(JOB))
    assert isinstance(error, charlib.AuthenticationError)
    text = str(error)
    assert "Unauthorized" in text  # the server's own words stay first
    assert "No API key was sent" in text
    assert "api_key=" in text
    assert "CHARLIB_API_KEY" in text


async def test_401_with_a_key_says_it_was_refused_without_showing_it(
    server: FakeServer, make_client: Callable[..., AnyClient]
) -> None:
    """A 401 to a client with a key says the key was refused, names api_key= and
    CHARLIB_API_KEY, and shows the key nowhere, not even when the server echoes it."""
    server.script(httpx.Response(401, json={"error": f"Invalid API key {KEY}"}))
    error = await _error_of(lambda: make_client(api_key=KEY, max_retries=0).jobs.get(JOB))
    assert isinstance(error, charlib.AuthenticationError)
    for text in (str(error), repr(error), repr(error.args), str(pickle.loads(pickle.dumps(error)))):
        assert KEY not in text
    assert "was refused" in str(error)
    assert "api_key=" in str(error)
    assert "CHARLIB_API_KEY" in str(error)


@pytest.mark.parametrize("status", [400, 403, 404, 429, 500])
async def test_other_statuses_carry_no_key_hint(
    status: int, server: FakeServer, make_client: Callable[..., AnyClient]
) -> None:
    """Only a 401 talks about the API key."""
    server.script(httpx.Response(status, json={"error": "nope"}))
    error = await _error_of(lambda: make_client(max_retries=0).jobs.get(JOB))
    assert "CHARLIB_API_KEY" not in str(error)


# ---- 404 with the API prefix twice ------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "root"),
    [
        ("https://charlib.test/api/v1", "https://charlib.test/"),
        ("https://charlib.test/api/v1/", "https://charlib.test/"),
        ("https://charlib.test/api", "https://charlib.test/"),
        ("https://charlib.test/proxy/api/v1", "https://charlib.test/proxy/"),
    ],
)
async def test_404_with_the_api_prefix_twice_says_base_url_is_the_service_root(
    base_url: str, root: str, server: FakeServer, make_client: Callable[..., AnyClient]
) -> None:
    """A base_url that already ends in /api/v1 (or /api) makes every path hold the prefix twice;
    the 404 says base_url should be the service root and names the likely root."""
    server.script(httpx.Response(404, json={"error": "Not Found"}))
    error = await _error_of(lambda: make_client(base_url=base_url, max_retries=0).jobs.get(JOB))
    assert isinstance(error, charlib.NotFoundError)
    assert "/api/" in server.requests[0].url.path.replace("/api/", "/", 1)  # doubled indeed
    text = str(error)
    assert "API prefix twice" in text
    assert "base_url" in text
    assert "service root" in text
    assert f"probably {root}," in text


async def test_404_upstream_500_with_the_prefix_twice_gets_the_hint_too(
    server: FakeServer, make_client: Callable[..., AnyClient]
) -> None:
    """The live service's 500 + "Not Found" is a NotFoundError, and gets the same hint."""
    server.script(httpx.Response(500, json=golden("start-unknown-character-upstream-500")))
    client = make_client(base_url="https://charlib.test/api/v1/", max_retries=0)
    error = await _error_of(lambda: client.health())
    assert isinstance(error, charlib.NotFoundError)
    assert "service root, here probably https://charlib.test/," in str(error)


async def test_an_ordinary_404_has_no_prefix_hint(
    server: FakeServer, make_client: Callable[..., AnyClient]
) -> None:
    """An unknown job under a correct base_url is a plain NotFoundError, without the hint."""
    server.script(httpx.Response(404, json=golden("status-not-found-404")))
    error = await _error_of(lambda: make_client(max_retries=0).jobs.get("api"))
    assert isinstance(error, charlib.NotFoundError)
    assert "prefix twice" not in str(error)
    assert "base_url" not in str(error)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.characters.get("ada-lovelace"), id="get"),
        pytest.param(lambda c: c.characters.generate_360_set("ada-lovelace"), id="generate"),
    ],
)
async def test_a_character_slug_where_the_id_goes_says_how_to_find_the_id(
    call: Callable[[AnyClient], Any], server: FakeServer, make_client: Callable[..., AnyClient]
) -> None:
    """The characterId slug given where a route takes the 24-hex id: the 404 says which is which
    and how to find the id; a real id that is simply unknown gets no such hint."""
    server.script(httpx.Response(404, json={"success": False, "error": "Character not found"}))
    error = await _error_of(lambda: call(make_client(max_retries=0)))
    assert isinstance(error, charlib.NotFoundError)
    assert "not its characterId" in str(error)
    assert "characters.find(character_id='ada-lovelace')" in str(error)
    server.script(httpx.Response(404, json={"success": False, "error": "Character not found"}))
    unknown = await _error_of(
        lambda: make_client(max_retries=0).characters.get("66f1c0ffee00000000000a99")
    )
    assert isinstance(unknown, charlib.NotFoundError)
    assert "characterId" not in str(unknown)


# ---- connection errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raised",
    [
        pytest.param(httpx.ConnectError("[Errno 111] Connection refused"), id="refused"),
        pytest.param(httpx.ConnectError("[Errno -2] Name or service not known"), id="dns"),
        pytest.param(httpx.ConnectTimeout("timed out"), id="connect-timeout"),
    ],
)
async def test_a_failed_connection_names_base_url_and_its_variable(
    raised: Exception, server: FakeServer, make_client: Callable[..., AnyClient]
) -> None:
    """When no connection could be made, the message names the client's base_url and how to set
    it (base_url= or CHARLIB_BASE_URL)."""
    server.script(raised)
    error = await _error_of(lambda: make_client(max_retries=0).jobs.get(JOB))
    assert isinstance(error, charlib.APIConnectionError)
    text = str(error)
    assert f"Is the service running at {BASE_URL}/?" in text
    assert "base_url=" in text
    assert "CHARLIB_BASE_URL" in text
    assert error.__cause__ is raised


@pytest.mark.parametrize(
    "raised",
    [
        pytest.param(httpx.ReadError("Connection reset by peer"), id="reset"),
        pytest.param(httpx.ReadTimeout("slow"), id="read-timeout"),
        pytest.param(httpx.RemoteProtocolError("Server disconnected"), id="disconnected"),
    ],
)
async def test_a_connection_that_was_made_gets_no_base_url_hint(
    raised: Exception, server: FakeServer, make_client: Callable[..., AnyClient]
) -> None:
    """A failure after connecting (a reset, a slow answer) does not blame the base_url."""
    server.script(raised)
    error = await _error_of(lambda: make_client(max_retries=0).jobs.get(JOB))
    assert isinstance(error, charlib.APIConnectionError)
    assert "CHARLIB_BASE_URL" not in str(error)


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_a_refused_connection_on_real_sockets_names_base_url(flavor: str) -> None:
    """A client of its own (no injected transport) that finds nothing listening says where it
    looked and how to change it, and shows no key."""
    base_url = f"http://127.0.0.1:{_closed_port()}/prefix/"
    options: dict[str, Any] = {"base_url": base_url, "api_key": KEY, "max_retries": 0}
    if flavor == "sync":
        with charlib.Client(**options) as client:
            error = await _error_of(lambda: client.health())
    else:
        async with charlib.AsyncClient(**options) as aclient:
            error = await _error_of(lambda: aclient.health())
    assert isinstance(error, charlib.APIConnectionError)
    assert f"Is the service running at {base_url}?" in str(error)
    assert "CHARLIB_BASE_URL" in str(error)
    assert KEY not in str(error)


# ---- closed clients ---------------------------------------------------------------------------


async def _close(client: AnyClient) -> None:
    if isinstance(client, charlib.AsyncClient):
        await client.aclose()
    else:
        client.close()


CALLS = [
    pytest.param(lambda c: c.health(), id="health"),
    pytest.param(lambda c: c.jobs.get(JOB), id="jobs.get"),
    pytest.param(lambda c: c.jobs.wait(JOB, timeout=60), id="jobs.wait"),
    pytest.param(lambda c: c.characters.create(name="Ada"), id="characters.create"),
    pytest.param(
        lambda c: c.jobs.download(
            charlib.JobStatus.model_validate(golden("status-completed-partial")), "never-made"
        ),
        id="jobs.download",
    ),
]


@pytest.mark.parametrize("call", CALLS)
async def test_a_closed_client_raises_client_closed_error(
    flavor: str, call: Callable[[AnyClient], Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call on a client after close()/aclose() raises ClientClosedError (a CharlibError and a
    RuntimeError) saying the client is closed and what to do, before sending anything."""
    monkeypatch.chdir(tmp_path)
    cls = charlib.Client if flavor == "sync" else charlib.AsyncClient
    client = cls(base_url="http://127.0.0.1:9/")  # never reached: nothing is sent
    await _close(client)
    error = await _error_of(lambda: call(client))
    assert type(error) is charlib.ClientClosedError
    assert isinstance(error, RuntimeError)
    assert f"This {cls.__name__} is closed" in str(error)
    assert f"make a new {cls.__name__}" in str(error)
    assert not (tmp_path / "never-made").exists()


async def test_a_closed_injected_http_client_raises_client_closed_error(
    flavor: str, server: FakeServer, make_client: Callable[..., AnyClient]
) -> None:
    """When the owner of an injected http_client closes it, the charlib client says so instead
    of the HTTP library's RuntimeError, and nothing reaches the server."""
    client = make_client()
    http: Any = client._http
    if flavor == "sync":
        http.close()
    else:
        await http.aclose()
    error = await _error_of(lambda: client.jobs.get(JOB))
    assert type(error) is charlib.ClientClosedError
    assert "HTTP client" in str(error)
    assert server.requests == []


async def test_a_client_derived_by_with_options_is_closed_with_its_pool(flavor: str) -> None:
    """A with_options client shares its parent's pool: once the parent is closed, the child
    raises ClientClosedError too."""
    cls = charlib.Client if flavor == "sync" else charlib.AsyncClient
    parent = cls(base_url="http://127.0.0.1:9/")
    child = parent.with_options(timeout=5)
    await _close(parent)
    error = await _error_of(lambda: child.jobs.get(JOB))
    assert type(error) is charlib.ClientClosedError
    assert "with_options" in str(error)
