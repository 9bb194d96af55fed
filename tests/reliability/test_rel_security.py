"""Security: loopback by default, the API key guards every route and never leaks, bounded input.

* The CLI and ``serve()`` listen on 127.0.0.1 unless told otherwise.
* With ``--api-key``, every ``/api/*`` and ``/_mock/*`` route of the OpenAPI document answers 401
  to a missing or wrong token (``/api/health`` stays open); the key never shows in a response, the
  server's output (access log on), the SDK's log (``CHARLIB_LOG=debug``), an exception or a repr.
* Bodies over 1 MiB are 413 on every route that takes one, declared or streamed.
* Traversal in media paths is a 404, over a real socket too; huge ``page``/``limit`` never 5xx.
* The SDK verifies TLS certificates unless its caller explicitly passes a client that does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import logging
import os
import socket
import ssl
import subprocess
import threading
import traceback
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
from hypothesis import strategies as st

import charlib
from mock_server import ManualClock, RunningServer, create_app, serve
from mock_server.http import MAX_BODY
from mock_server.openapi import openapi_document
from mock_server.routes import OPERATIONS
from tests.reliability.conftest import MockProcess, free_port

KEY = "rel-Secret-7f3c9d2e81"
PLACEHOLDERS = {"id": "66f1c0ffee00000000000a01", "jobId": "job-1", "path": "x.png"}


def _routes(document: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """Every (method, concrete path) of an OpenAPI document, placeholders filled in."""
    if document is None:
        document = openapi_document(OPERATIONS, mode="reference", auth=True)
    routes = []
    for template, operations in document["paths"].items():
        path = template
        for name, value in PLACEHOLDERS.items():
            path = path.replace("{" + name + "}", value)
        for method in operations:
            if method in ("get", "post", "put", "patch", "delete"):
                routes.append((method.upper(), path))
    return routes


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (Linux: /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


LOOPBACK_V4 = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc/net/tcp")
def test_cli_and_serve_listen_on_loopback_by_default(spawn: Callable[..., MockProcess]) -> None:
    """No --host / host=: the listening socket is bound to 127.0.0.1 only."""
    port = free_port()
    server = spawn("--port", str(port))
    assert server.url == f"http://127.0.0.1:{port}"
    assert _listening_addresses(port) == {LOOPBACK_V4}
    with serve() as running:
        assert running.host == "127.0.0.1"
        assert _listening_addresses(running.port) == {LOOPBACK_V4}


def test_api_key_guards_every_route_and_never_leaks(spawn: Callable[..., MockProcess]) -> None:
    """--api-key: 401 without or with a wrong token on every API and admin route; no leak."""
    server = spawn("--port", "0", "--api-key", KEY, "--access-log")
    seen: list[str] = []
    # The routes the running server documents (/openapi.json stays open).
    routes = _routes(httpx.get(f"{server.url}/openapi.json", timeout=10).json())
    guarded = [
        (m, p) for m, p in routes if p.startswith(("/api/", "/_mock/")) and p != "/api/health"
    ]
    assert len(guarded) >= 25, guarded  # the document lists every route
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
            for method, path in guarded:
                response = http.request(method, path, json={}, headers=headers)
                assert response.status_code == 401, (method, path, headers, response.text)
                assert response.headers["www-authenticate"].startswith("Bearer")
                seen.append(response.text + str(response.headers))
        assert http.get("/api/health").status_code == 200
        # With the key, the same routes answer, and nothing they say contains it.
        authorized = {"Authorization": f"Bearer {KEY}"}
        for method, path in routes:
            response = http.request(method, path, json={}, headers=authorized)
            assert response.status_code != 401, (method, path)
            assert response.status_code < 500, (method, path, response.text)
            seen.append(response.text + str(response.headers))
        seen.append(http.get("/openapi.json").text)
        seen.append(http.get("/_mock/requests", headers=authorized).text)
    server.kill(sig=2)  # SIGINT: a clean shutdown, so everything it would log is logged
    output = "".join(server.output)
    assert "GET /api/v1/jobs" in output  # the access log was on
    for text in [*seen, output]:
        assert KEY not in text


@pytest.fixture
def charlib_debug_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``CHARLIB_LOG=debug`` taking effect for this test only (handler and level restored)."""
    import charlib._logging as charlib_logging

    logger = logging.getLogger("charlib")
    handlers, level = list(logger.handlers), logger.level
    monkeypatch.setenv("CHARLIB_LOG", "debug")
    monkeypatch.setattr(charlib_logging, "_configured", False)
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def _everything_said(error: BaseException) -> str:
    """An exception as a caller could ever print it: str, repr, args, traceback, causes."""
    parts = [str(error), repr(error), repr(error.args)]
    parts += traceback.format_exception(type(error), error, error.__traceback__)
    return "\n".join(parts)


@pytest.mark.usefixtures("charlib_debug_log")
def test_sdk_never_reveals_the_key(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """Debug logs, retry logs, errors (401, 404, 503, connection refused) and reprs: no key."""
    caplog.set_level(logging.DEBUG, logger="charlib")
    said: list[str] = []
    with serve(clock=ManualClock(), api_key=KEY) as server:
        with charlib.Client(base_url=server.url, api_key=KEY, timeout=5, max_retries=1) as client:
            said += [repr(client), str(client)]
            character = client.characters.create(name="Keyholder")
            client.jobs.list()
            for call in (
                lambda: client.jobs.get("no-such-job"),
                lambda: client.with_options(api_key="wrong-" + KEY[::-1]).jobs.list(),
            ):
                with pytest.raises(charlib.APIStatusError) as caught:
                    call()
                said.append(_everything_said(caught.value))
            server.mock.set_faults(rate=1.0, kinds=["503"], retry_after=0)
            with pytest.raises(charlib.InternalServerError) as unavailable:
                client.characters.get(character.id)
            said.append(_everything_said(unavailable.value))
            server.mock.clear_faults()
        url = server.url
    # The server is gone: a connection error, with the key still in the request headers.
    with charlib.Client(base_url=url, api_key=KEY, timeout=2, max_retries=0) as client:
        with pytest.raises(charlib.APIConnectionError) as refused:
            client.jobs.list()
        said.append(_everything_said(refused.value))

    async def async_side() -> None:
        async with charlib.AsyncClient(base_url=url, api_key=KEY, max_retries=0) as aclient:
            said.append(repr(aclient))
            with pytest.raises(charlib.APIConnectionError) as caught:
                await aclient.jobs.get("x")
            said.append(_everything_said(caught.value))

    asyncio.run(async_side())
    assert "'authorization': '<redacted>'" in caplog.text  # headers were logged, redacted
    assert "Retrying" in caplog.text
    out, err = capfd.readouterr()
    for text in [*said, caplog.text, out, err]:
        assert KEY not in text
        assert KEY[::-1] not in text


def _chunks(size: int) -> Iterator[bytes]:
    block = b" " * 65536
    sent = 0
    while sent < size:
        piece = block[: min(len(block), size - sent)]
        sent += len(piece)
        yield piece


@pytest.fixture
def socket_server() -> Iterator[RunningServer]:
    """The mock on uvicorn (manual clock, reference mode)."""
    with serve(clock=ManualClock()) as server:
        yield server


def test_bodies_over_one_mebibyte_are_413_on_every_route(socket_server: RunningServer) -> None:
    """Every route taking a body: 413 when it is declared too big, and when it streams too big."""
    document = openapi_document(OPERATIONS, mode="reference", auth=False)
    with_body = []
    for method, path in _routes():
        template = next(t for t in document["paths"] if _fill(t) == path)
        if "requestBody" in document["paths"][template][method.lower()]:
            with_body.append((method, path))
    assert len(with_body) >= 10, with_body
    with httpx.Client(base_url=socket_server.url, timeout=30) as client:
        for method, path in with_body:
            declared = client.request(method, path, content=b"{" + b" " * MAX_BODY + b"}")
            assert declared.status_code == 413, (method, path, declared.text)
            # No Content-Length: the body arrives chunked and is counted as it streams.
            streamed = client.request(method, path, content=_chunks(MAX_BODY + 1))
            assert streamed.status_code == 413, (method, path, streamed.text)
        just_fits = client.post("/api/v1/characters", content=b"{}" + b" " * (MAX_BODY - 2))
        assert just_fits.status_code == 400  # read and parsed (no name), not refused
    # A client that sends its whole body before reading (http.client, urllib, many others),
    # with a body bigger than the socket buffers: the server must read it to its end before
    # answering and closing, or the client gets a connection reset instead of the 413.
    for method, path in with_body[:3]:
        for body in (b" " * (8 * MAX_BODY), _chunks(8 * MAX_BODY)):
            conn = http.client.HTTPConnection("127.0.0.1", socket_server.port, timeout=30)
            try:
                conn.request(method, path, body=body, encode_chunked=not isinstance(body, bytes))
                assert conn.getresponse().status == 413, (method, path)
            finally:
                conn.close()


def _fill(template: str) -> str:
    for name, value in PLACEHOLDERS.items():
        template = template.replace("{" + name + "}", value)
    return template


def _raw_get(port: int, target: str) -> int:
    """Send ``GET target`` byte for byte (no client-side normalisation); the status code."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1])


TRAVERSALS = [
    "/media/../api/v1/jobs",
    "/media/../../etc/passwd",
    "/media/..%2f..%2fetc%2fpasswd",
    "/media/%2e%2e/%2e%2e/etc/passwd",
    "/media/jobs/x/../../openapi.json",
    "/media/jobs/..%2F..%2Fapi%2Fhealth/a.png",
    "/media/..\\..\\etc\\passwd",
    "/media//etc/passwd",
    "/media/%00.png",
    "/media/jobs/%2e%2e/%2e%2e/x.png",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_media_traversal_is_404_over_a_socket(socket_server: RunningServer, target: str) -> None:
    """Traversal attempts sent verbatim to uvicorn never escape /media: 404 (or 400)."""
    assert _raw_get(socket_server.port, target) in (404, 400)


SEGMENT = st.sampled_from(
    ["..", ".", "%2e%2e", "%2E%2e", "%2f", "jobs", "etc", "passwd", "x.png", ""]
)
URL_TEXT = st.text(st.sampled_from("abcxyz0123456789-_.%~/\\:"), max_size=8)


async def _asgi_get(raw_path: str) -> int:
    """GET ``raw_path`` straight into the ASGI app, not normalised by any client; the status."""
    app = create_app(clock=ManualClock())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": urllib.parse.unquote(raw_path),
        "raw_path": raw_path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"m")],
        "client": ("127.0.0.1", 1),
        "server": ("m", 80),
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


@hypothesis.settings(max_examples=100, deadline=None, database=None)
@hypothesis.given(segments=st.lists(SEGMENT | URL_TEXT, min_size=1, max_size=6))
def test_media_paths_with_dot_segments_are_404(segments: list[str]) -> None:
    """Any /media/ path with a dot-dot segment (plain or encoded) is a 404, never a file."""
    hypothesis.assume(any(s.lower() in ("..", "%2e%2e") for s in segments))
    assert asyncio.run(_asgi_get("/media/" + "/".join(segments))) == 404


HUGE = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from(["1e400", "NaN", "inf", "-0", "0x10", " 7", "9" * 400, "", "1.5"]),
)


@pytest.mark.parametrize("db_path", [None, ":memory:"], ids=["memory", "sqlite"])
@hypothesis.settings(max_examples=40, deadline=None, database=None)
@hypothesis.given(page=HUGE, limit=HUGE)
def test_huge_page_and_limit_are_handled(db_path: str | None, page: Any, limit: Any) -> None:
    """Any page/limit on both list routes: 200 or 400 with a JSON body, never a 5xx."""

    async def run() -> None:
        app = create_app(clock=ManualClock(), db_path=db_path)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
            for path in ("/api/v1/jobs", "/api/v1/characters"):
                response = await client.get(path, params={"page": str(page), "limit": str(limit)})
                assert response.status_code in (200, 400), (path, page, limit, response.text)
                assert isinstance(response.json(), dict)

    asyncio.run(run())


def test_sdk_bounds_page_and_limit_before_sending() -> None:
    """The SDK refuses out-of-range page/limit itself (InvalidParameterError, nothing sent)."""
    sent: list[httpx.Request] = []
    http = httpx.Client(
        transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(500))
    )
    with charlib.Client(base_url="https://x.test", http_client=http, max_retries=0) as client:
        for kwargs in ({"page": 0}, {"limit": 10**30}, {"limit": 0}, {"page": -(2**70)}):
            with pytest.raises(charlib.InvalidParameterError):
                client.jobs.list(**kwargs)
    http.close()
    assert sent == []


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"openssl cannot make a certificate: {exc}")
    return cert, key


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path]) -> Iterator[str]:
    """An HTTPS server with an untrusted (self-signed) certificate answering a health body."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"status": "ok", "service": "Character Library", "version": "2.0.0"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def test_tls_is_verified_unless_explicitly_disabled(tls_server: str) -> None:
    """Default clients refuse an untrusted certificate; only an explicit verify=False accepts it."""
    with (
        charlib.Client(base_url=tls_server, max_retries=0, timeout=10) as client,
        pytest.raises(charlib.APIConnectionError) as caught,
    ):
        client.health()
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value.__cause__)

    async def async_default() -> None:
        async with charlib.AsyncClient(base_url=tls_server, max_retries=0, timeout=10) as aclient:
            with pytest.raises(charlib.APIConnectionError):
                await aclient.health()

    asyncio.run(async_default())
    with (
        httpx.Client(verify=False) as insecure,
        charlib.Client(base_url=tls_server, http_client=insecure, timeout=10) as client,
    ):
        assert client.health().status == "ok"
