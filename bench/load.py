"""HTTP load generators: ``wrk`` when installed, else a small asyncio one (raw sockets).

Both keep ``connections`` keep-alive connections busy with GET requests for ``duration``
seconds and report completed requests per second. The asyncio generator is bounded in time and
in count (``max_requests``), parses only the status line and ``Content-Length`` (the servers
measured here always send one), and counts non-2xx answers separately.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

__all__ = ["LoadResult", "async_load", "load", "wrk_available"]


@dataclass(frozen=True)
class LoadResult:
    """Requests per second, how many completed, how many were not 2xx, and which tool."""

    rate: float
    requests: int
    errors: int
    tool: str


def wrk_available() -> bool:
    """Whether the ``wrk`` command is on ``PATH``."""
    return shutil.which("wrk") is not None


def run_wrk(url: str, *, connections: int, duration: float, threads: int = 1) -> LoadResult:
    """Run ``wrk`` against ``url``; raises RuntimeError if its output cannot be read."""
    seconds = max(1, round(duration))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    count = re.search(r"(\d+) requests in", done.stdout)
    if rate is None or count is None:
        raise RuntimeError(f"unexpected wrk output: {done.stdout!r} {done.stderr!r}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    errors = int(bad.group(1)) if bad else 0
    return LoadResult(float(rate.group(1)), int(count.group(1)), errors, "wrk")


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending the same GET as soon as the last answer is complete."""

    def __init__(self, request: bytes, state: _State) -> None:
        self.request = request
        self.state = state
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._send()

    def _send(self) -> None:
        state = self.state
        if state.stop or state.sent >= state.max_requests or self.transport is None:
            if self.transport is not None:
                self.transport.close()
            return
        state.sent += 1
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end]).lower()
            marker = head.find(b"content-length:")
            length = int(head[marker + 15 : head.find(b"\r\n", marker)]) if marker >= 0 else 0
            if len(buffer) < end + 4 + length:
                return
            if not head.startswith(b"http/1.1 2"):
                self.state.errors += 1
            del buffer[: end + 4 + length]
            self.state.done += 1
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


@dataclass
class _State:
    max_requests: int
    sent: int = 0
    done: int = 0
    errors: int = 0
    stop: bool = False


async def _drive(
    host: str, port: int, path: str, connections: int, duration: float, max_requests: int
) -> LoadResult:
    loop = asyncio.get_running_loop()
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: */*\r\n\r\n".encode()
    state = _State(max_requests)
    protocols: list[_Connection] = []
    started = time.perf_counter()
    for _ in range(connections):
        _, protocol = await loop.create_connection(lambda: _Connection(request, state), host, port)
        protocols.append(protocol)
    deadline = started + duration
    # Polling a counter every 20 ms is plenty for a run of seconds.
    while time.perf_counter() < deadline and state.done < max_requests:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    state.stop = True
    elapsed = time.perf_counter() - started
    done = state.done
    for protocol in protocols:
        if protocol.transport is not None:
            protocol.transport.close()
    await asyncio.wait_for(asyncio.gather(*(p.closed for p in protocols)), timeout=5)
    return LoadResult(done / elapsed, done, state.errors, "asyncio")


def async_load(
    host: str,
    port: int,
    path: str,
    *,
    connections: int,
    duration: float,
    max_requests: int = 2_000_000,
) -> LoadResult:
    """Keep ``connections`` connections busy with ``GET path`` (bounded in time and count)."""
    return asyncio.run(_drive(host, port, path, connections, duration, max_requests))


def load(
    host: str, port: int, path: str, *, connections: int, duration: float, use_wrk: bool = True
) -> LoadResult:
    """``wrk`` if installed (and ``use_wrk``), else :func:`async_load`."""
    if use_wrk and wrk_available():
        url = f"http://{host}:{port}{path}"
        return run_wrk(url, connections=connections, duration=duration)
    return async_load(host, port, path, connections=connections, duration=duration)
