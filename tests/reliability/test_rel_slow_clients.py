"""Connections that never finish: idle, half-sent and trickling clients are cut off in time,
and never starve the clients that behave (the mock over real sockets, 127.0.0.1)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from mock_server import serve
from mock_server.protocol import guarded_protocol

REQUEST_TIMEOUT = 1.0  # the server's deadline in these tests (10 s by default)
PATIENCE = 20.0  # how long a test waits for the server to close a socket before failing


@pytest.fixture
def server_address() -> Iterator[tuple[str, int, str]]:
    """A mock server on 127.0.0.1 with a one-second request deadline: (host, port, url)."""
    with serve(request_timeout=REQUEST_TIMEOUT) as server:
        yield server.host, server.port, server.url


def _closed_by_server(sock: socket.socket) -> bool:
    """Wait (bounded) for the server to close ``sock``; True when it did."""
    sock.settimeout(PATIENCE)
    try:
        while sock.recv(65536):
            pass  # a response (e.g. 408/400) may come first; then the close
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
    return True


def _open(host: str, port: int, payload: bytes) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=5)
    if payload:
        sock.sendall(payload)
    return sock


def test_idle_and_half_sent_connections_are_closed(server_address: tuple[str, int, str]) -> None:
    """Silent sockets, half a request head and half a body are all closed by the server."""
    host, port, url = server_address
    payloads = [
        b"",
        b"GET /api/health HTTP/1.1\r\nHost: x\r\n",
        b"POST /api/v1/characters HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"name":',
    ]
    sockets = [_open(host, port, payload) for payload in payloads for _ in range(20)]
    try:
        # Sixty stuck clients do not starve one that behaves.
        with httpx.Client(base_url=url, timeout=10) as client:
            assert client.get("/api/health").status_code == 200
        assert all(_closed_by_server(sock) for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()
    with httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/api/v1/characters").status_code == 200
        # The half-sent POST never reached the engine: nothing was created.
        assert client.get("/api/v1/characters").json()["totalDocs"] == 0


def test_a_trickling_request_is_cut_at_the_deadline(server_address: tuple[str, int, str]) -> None:
    """A request sent a byte at a time is cut off before it is complete."""
    host, port, _ = server_address
    request = b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n"
    sock = _open(host, port, b"")
    sent = 0
    try:
        for byte in request:  # 200+ bytes at 20 ms each: longer than the one-second deadline
            try:
                sock.sendall(bytes([byte]))
                if sock.recv(1, socket.MSG_DONTWAIT) == b"":
                    break  # the server closed the connection
            except BlockingIOError:
                pass  # nothing to read: still open
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
            time.sleep(0.02)
    finally:
        sock.close()
    assert sent < len(request)


def test_a_keep_alive_connection_gets_a_new_deadline(server_address: tuple[str, int, str]) -> None:
    """After a response, the next request on the same connection has its own deadline."""
    host, port, _ = server_address
    sock = _open(host, port, b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        sock.settimeout(5)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /api/health HTTP/1.1\r\n")  # half of a second request, then nothing
        assert _closed_by_server(sock)
    finally:
        sock.close()


def test_the_deadline_is_validated() -> None:
    """A deadline that is not a positive number is refused before any server starts."""
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="request_timeout"):
            guarded_protocol(bad)
