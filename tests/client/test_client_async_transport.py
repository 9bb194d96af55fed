"""The connections of the pool an AsyncClient creates run on asyncio (``charlib._asyncio_backend``):
each timeout raises its own error, a cancelled request leaks no connection, TLS verifies with the
SSL context httpx builds, a proxy named by the environment is still used, and an injected
``http_client`` is left as it is.

Every server here is a small asyncio (or threaded) server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

import charlib
from tests.client.support import golden

JOB_ID = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"
BODY = json.dumps(golden("status-processing")).encode()
REPLY = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(BODY),
    BODY,
)


class LocalServer:
    """HTTP/1.1 on 127.0.0.1: answers each GET with a job status (once ``gate`` is open, if
    ``answer`` is true; never otherwise), and counts the connections open on its side."""

    def __init__(self, *, answer: bool = True, tls: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.tls = tls
        self.url = ""
        self.gate = asyncio.Event()
        self.gate.set()
        self.open = 0
        self.accepted = 0
        self.held = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str = "127.0.0.1") -> str:
        """Listen on a free port; return the base URL (``host`` names it)."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"{'https' if self.tls else 'http'}://{host}:{port}"
        return self.url

    def close(self) -> None:
        """Stop listening, and close the connections still open on the server's side."""
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open += 1
        self.accepted += 1
        self._writers.add(writer)
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                if not self.answer:
                    await reader.read()  # until the client hangs up
                    break
                self.held += 1
                try:
                    await self.gate.wait()
                finally:
                    self.held -= 1
                writer.write(REPLY)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            self.open -= 1
            self._writers.discard(writer)
            writer.close()

    async def until(self, what: str, count: int) -> None:
        """Wait (at most 10 s, polling every 5 ms) until attribute ``what`` equals ``count``."""
        for _ in range(2000):
            if getattr(self, what) == count:
                return
            await asyncio.sleep(0.005)
        raise AssertionError(f"{what} is {getattr(self, what)}, not {count}")


@pytest.fixture
async def local() -> AsyncIterator[LocalServer]:
    """A started plain-HTTP :class:`LocalServer`."""
    server = LocalServer()
    await server.start()
    yield server
    server.gate.set()
    server.close()


async def test_the_default_pool_connects_through_asyncio(
    local: LocalServer, connects: list[str]
) -> None:
    """64 concurrent gets on a default AsyncClient all succeed over at most 4 connections, each
    made by the asyncio backend and kept alive between requests."""
    async with charlib.AsyncClient(base_url=local.url, max_retries=0) as client:
        statuses = await asyncio.gather(*(client.jobs.get(JOB_ID) for _ in range(64)))
    assert {status.job_id for status in statuses} == {JOB_ID}
    assert 1 <= len(connects) <= 4
    assert connects == ["127.0.0.1"] * len(connects)
    assert local.accepted == len(connects)
    await local.until("open", 0)  # closing the client closed every connection


async def test_an_injected_http_client_is_left_as_it_is(
    local: LocalServer, connects: list[str]
) -> None:
    """An ``http_client`` the caller passes sends through its own transport, not the backend."""
    async with httpx.AsyncClient() as http:
        client = charlib.AsyncClient(base_url=local.url, http_client=http)
        await client.jobs.get(JOB_ID)
        await client.aclose()
        assert not http.is_closed
    assert connects == []


async def test_a_server_that_never_answers_is_a_read_timeout(local: LocalServer) -> None:
    """No response within the read timeout: APITimeoutError caused by httpx.ReadTimeout."""
    local.answer = False
    timeout = httpx.Timeout(10, read=0.2)
    async with charlib.AsyncClient(base_url=local.url, timeout=timeout, max_retries=0) as client:
        with pytest.raises(charlib.APITimeoutError) as info:
            await client.jobs.get(JOB_ID)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


async def test_a_server_that_never_reads_is_a_write_timeout() -> None:
    """A server that accepts and never reads a 32 MB body: APITimeoutError caused by
    httpx.WriteTimeout once the socket buffers are full."""
    accepted: list[socket.socket] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    loop = asyncio.get_running_loop()
    port = listener.getsockname()[1]

    async def accept() -> None:
        sock, _ = await loop.sock_accept(listener)
        accepted.append(sock)  # held, never read

    acceptor = asyncio.create_task(accept())
    timeout = httpx.Timeout(10, write=0.3)
    try:
        async with charlib.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=timeout, max_retries=0
        ) as client:
            with pytest.raises(charlib.APITimeoutError) as info:
                await client.characters.create(name="Big", description="x" * (32 * 1024 * 1024))
        assert isinstance(info.value.__cause__, httpx.WriteTimeout)
    finally:
        acceptor.cancel()
        for sock in accepted:
            sock.close()
        listener.close()


async def test_a_large_body_is_sent_whole_when_the_server_reads_it(connects: list[str]) -> None:
    """A 16 MB request body (more than the socket buffers hold) reaches a server that reads it
    all: the write waits for room and resumes, and the answer comes back."""
    received: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        received.append(len(await reader.readexactly(length)))
        body = json.dumps({"id": "66f1c0ffee00000000000a01", "name": "Big"}).encode()
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n")
        writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    description = "x" * (16 * 1024 * 1024)
    try:
        async with charlib.AsyncClient(base_url=f"http://127.0.0.1:{port}", max_retries=0) as c:
            created = await c.characters.create(name="Big", description=description)
    finally:
        server.close()
    assert created.name == "Big"
    assert received[0] > len(description)
    assert connects == ["127.0.0.1"]


async def test_a_listener_that_never_accepts_is_a_connect_timeout() -> None:
    """A listening socket whose backlog is full leaves the handshake unanswered: APITimeoutError
    caused by httpx.ConnectTimeout."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):  # fill the accept queue (never accepted)
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    timeout = httpx.Timeout(10, connect=0.3)
    try:
        async with charlib.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=timeout, max_retries=0
        ) as client:
            with pytest.raises(charlib.APITimeoutError) as info:
                await client.jobs.get(JOB_ID)
        assert isinstance(info.value.__cause__, httpx.ConnectTimeout)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_a_closed_port_is_a_connection_error() -> None:
    """Nothing listening: APIConnectionError caused by httpx.ConnectError."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again when the block ends
    async with charlib.AsyncClient(base_url=f"http://127.0.0.1:{port}", max_retries=0) as client:
        with pytest.raises(charlib.APIConnectionError) as info:
            await client.jobs.get(JOB_ID)
    assert isinstance(info.value.__cause__, httpx.ConnectError)


async def test_cancelled_requests_leak_no_connection(local: LocalServer) -> None:
    """Eight gets cancelled while the server holds four of them: every connection they used is
    closed by the client (none is kept for reuse), no slot stays taken, and the next four
    requests are all in flight at once."""
    local.gate.clear()
    async with charlib.AsyncClient(base_url=local.url, max_retries=0) as client:
        tasks = [asyncio.create_task(client.jobs.get(JOB_ID)) for _ in range(8)]
        await local.until("held", 4)
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(result, asyncio.CancelledError) for result in results)
        local.gate.set()  # the server answers, then finds each connection closed by the client
        await local.until("open", 0)
        local.gate.clear()
        again = [asyncio.create_task(client.jobs.get(JOB_ID)) for _ in range(4)]
        await local.until("held", 4)
        local.gate.set()
        statuses = await asyncio.gather(*again)
    assert [status.job_id for status in statuses] == [JOB_ID] * 4


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for ``localhost`` and its key, made with the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"]
    subprocess.run(
        [*command, "-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for ``localhost`` (skipped without the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    return _self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
async def tls_server(certificate: tuple[Path, Path]) -> AsyncIterator[LocalServer]:
    """A :class:`LocalServer` over TLS with the self-signed certificate, as ``localhost``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    server = LocalServer(tls=context)
    await server.start("localhost")
    yield server
    server.close()


async def test_tls_verifies_against_the_trusted_certificates(
    tls_server: LocalServer,
    certificate: tuple[Path, Path],
    connects: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over HTTPS the handshake verifies the server: trusted through SSL_CERT_FILE (as httpx
    reads it) the request succeeds; with the default trust store it is a connection error."""
    url = tls_server.url
    async with charlib.AsyncClient(base_url=url, max_retries=0) as client:
        with pytest.raises(charlib.APIConnectionError) as info:
            await client.jobs.get(JOB_ID)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value.__cause__)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    async with charlib.AsyncClient(base_url=url, max_retries=0) as client:
        statuses = await asyncio.gather(*(client.jobs.get(JOB_ID) for _ in range(8)))
    assert [status.job_id for status in statuses] == [JOB_ID] * 8
    assert set(connects) == {"localhost"}
    await tls_server.until("open", 0)


async def test_a_tls_handshake_that_never_ends_is_a_connect_timeout() -> None:
    """A server that accepts the connection but never answers the TLS hello: APITimeoutError
    caused by httpx.ConnectTimeout."""
    silent = LocalServer(answer=False)
    url = (await silent.start()).replace("http://", "https://")
    timeout = httpx.Timeout(10, connect=0.3)
    try:
        async with charlib.AsyncClient(base_url=url, timeout=timeout, max_retries=0) as client:
            with pytest.raises(charlib.APITimeoutError) as info:
                await client.jobs.get(JOB_ID)
        assert isinstance(info.value.__cause__, httpx.ConnectTimeout)
    finally:
        silent.close()


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_a_proxy_in_the_environment_is_still_used(
    local: LocalServer, connects: list[str], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """With a proxy named by the environment the request goes to the proxy (here the local
    server answers it), not to the service's host, and not through the asyncio backend."""
    monkeypatch.setenv(variable, local.url)
    async with charlib.AsyncClient(base_url="http://service.invalid", max_retries=0) as client:
        status = await client.jobs.get(JOB_ID)
    assert status.job_id == JOB_ID
    assert local.accepted == 1
    assert connects == []
