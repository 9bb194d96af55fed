"""Findings of a review of today's changes, each kept as a test.

The deprecated core set warns at the caller's own line, not inside the parameter-borrowing
wrapper, so Python's default filters (which show a ``DeprecationWarning`` only where ``__main__``
caused it) still show it to a script. The asyncio backend of an ``AsyncClient``'s own pool does not
reuse an idle connection that the server closed while the event loop was busy, and reaches a host
at its next address when the first one never answers (as httpx's own transport does).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import socket
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import AnyClient, golden

CHAR = "66f1c0ffee00000000000a01"


def _failing_client(flavor: str) -> AnyClient:
    """A client of ``flavor`` whose every request gets a 500, with no retries."""
    transport = httpx.MockTransport(lambda request: httpx.Response(500, json={"error": "boom"}))
    if flavor == "sync":
        http = httpx.Client(transport=transport)
        return charlib.Client(base_url="http://t", http_client=http, max_retries=0)
    ahttp = httpx.AsyncClient(transport=transport)
    return charlib.AsyncClient(base_url="http://t", http_client=ahttp, max_retries=0)


async def _here(started: Any) -> Any:
    """Await ``started`` from this file (an async call warns where it is awaited)."""
    return (await started) if inspect.isawaitable(started) else started


@pytest.mark.parametrize("flavor", ["sync", "async"])
async def test_the_core_set_deprecation_names_the_callers_line(flavor: str) -> None:
    """generate_core_set's DeprecationWarning names this file, sync and async alike."""
    client = _failing_client(flavor)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(charlib.InternalServerError):
            await _here(client.characters.generate_core_set(CHAR))
    found = [w for w in seen if w.category is DeprecationWarning]
    assert [w.filename for w in found] == [__file__]


def test_a_script_sees_the_core_set_deprecation_under_the_default_filters() -> None:
    """Run as a script with Python's default warning filters, the deprecation is printed."""
    script = textwrap.dedent(
        """
        import httpx, charlib
        http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
        client = charlib.Client(base_url="http://t", http_client=http, max_retries=0)
        try:
            client.characters.generate_core_set("66f1c0ffee00000000000a01")
        except charlib.APIError:
            pass
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "DeprecationWarning: generate_core_set()" in done.stderr


JOB_ID = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"


def _answer(raw: bytes) -> bytes:
    """The reply to one request read whole as ``raw``: a 202 to a POST, a status to a GET."""
    body = json.dumps(golden("accepted-202" if raw.startswith(b"POST") else "status-processing"))
    code = b"202 Accepted" if raw.startswith(b"POST") else b"200 OK"
    head = b"HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    return head % (code, len(body)) + body.encode()


def _read_request(sock: socket.socket) -> bytes:
    """One request (head and ``Content-Length`` body) from ``sock``, or b"" at its end."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    length = int(lengths[0].split(b":")[1]) if lengths else 0
    while len(body) < length:
        body += sock.recv(65536)
    return data


class _ClosingServer:
    """HTTP/1.1 on 127.0.0.1, in a thread of its own: answers one request per connection (without
    ``Connection: close``) and then closes it, setting ``closed`` once the close is sent."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(5)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.closed = threading.Event()
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        for _ in range(2):  # at most two connections: bounded
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                raw = _read_request(conn)
                if raw:
                    conn.sendall(_answer(raw))
                    time.sleep(0.05)  # the client has read the answer and pooled the connection
            time.sleep(0.05)  # the FIN has reached the client's socket
            self.closed.set()

    def stop(self) -> None:
        """Stop listening and wait for the thread."""
        self._listener.close()
        self._thread.join(timeout=10)


async def test_a_connection_the_server_closed_while_the_loop_was_busy_is_not_reused() -> None:
    """An idle pooled connection that the server closed while the event loop was busy (sync work
    between awaits) is not reused: the next request (a POST, which is not retried once sent) goes
    out on a new connection and succeeds."""
    server = _ClosingServer()
    try:
        async with charlib.AsyncClient(base_url=server.url, api_key="k") as client:
            await client.jobs.get(JOB_ID)
            # Blocking on purpose: the loop does not run until the server has closed its end.
            assert server.closed.wait(timeout=10)
            job = await client.characters.generate_360_set(CHAR)
    finally:
        server.stop()
    assert job.id
    assert server.connections == 2


async def test_an_address_that_never_answers_does_not_hide_the_next_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A host whose first address never answers (a broken IPv6 route, say) is reached at its
    next address well within the connect timeout, as httpx's own transport does (Happy
    Eyeballs), instead of failing with ConnectTimeout."""
    live = socket.create_server(("127.0.0.1", 0))
    live.settimeout(5)
    port = live.getsockname()[1]
    hole = socket.create_server(("127.0.0.2", port), backlog=0)
    fillers = []
    for _ in range(4):  # fill the accept queue of the hole (never accepted): SYNs go unanswered
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.2", port))
        fillers.append(filler)
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in ("two.test", b"two.test"):
            stream = (socket.SOCK_STREAM, socket.IPPROTO_TCP, "")
            return [(socket.AF_INET, *stream, (ip, port)) for ip in ("127.0.0.2", "127.0.0.1")]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)

    def serve_one() -> None:
        try:
            conn, _ = live.accept()
        except OSError:  # nothing came: the test fails on the client's side
            return
        with conn:
            conn.sendall(_answer(_read_request(conn)))

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    timeout = httpx.Timeout(10, connect=3)
    try:
        async with charlib.AsyncClient(
            base_url=f"http://two.test:{port}", timeout=timeout, max_retries=0
        ) as client:
            status = await client.jobs.get(JOB_ID)
    finally:
        thread.join(timeout=10)
        for sock in (*fillers, hole, live):
            sock.close()
    assert status.job_id == JOB_ID
