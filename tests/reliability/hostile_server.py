"""A hostile HTTP server for the SDK's reliability tests: it answers whatever a test scripts.

A raw asyncio socket server on 127.0.0.1 (port 0), in a thread of its own: a real server over
real sockets, so that what is tested is what a client meets on a network. Unlike an ASGI app it
can misbehave at the byte level: trickle its status line and headers a byte at a time, trickle a
body, send a gzip body that inflates to a gibibyte, or any status, header and body at all.

A test sets ``server.reply`` to a function of the parsed request (:class:`Seen`) returning a
:class:`Reply`; every request is recorded in ``server.seen``. The server stops at the end of the
``hostile`` fixture; every connection it holds is closed then, and nothing it does can outlast
its test by more than a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any

import charlib
from tests.client.support import AnyClient, resolve

__all__ = [
    "Clients",
    "HostileServer",
    "Reply",
    "Seen",
    "deep_json",
    "gzip_bomb",
    "http_date",
    "job",
    "raised",
    "running",
]

_REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 500: "Error"}
_READ_LIMIT = 5.0  # seconds a client may take to send its request


@dataclass
class Reply:
    """What the server sends back.

    Attributes:
        status: the HTTP status.
        body: the body bytes (``Content-Length`` is added unless ``headers`` has it).
        headers: extra headers (``Content-Type: application/json`` unless given).
        trickle_head: seconds between the bytes of the status line and headers.
        trickle_body: seconds between the bytes of the body.
    """

    status: int = 200
    body: bytes = b"{}"
    headers: list[tuple[str, str]] = field(default_factory=list)
    trickle_head: float | None = None
    trickle_body: float | None = None

    @classmethod
    def json(cls, document: Any, status: int = 200, **options: Any) -> Reply:
        """A JSON reply (``ensure_ascii``: any lone surrogate travels as a ``\\u`` escape)."""
        return cls(status, json.dumps(document).encode(), **options)

    def head(self) -> bytes:
        names = {name.lower() for name, _ in self.headers}
        lines = [f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'Whatever')}"]
        if "content-type" not in names:
            lines.append("Content-Type: application/json")
        if "content-length" not in names:
            lines.append(f"Content-Length: {len(self.body)}")
        lines += [f"{name}: {value}" for name, value in self.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class Seen:
    """One request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        _, _, query = self.target.partition("?")
        pairs = (item.partition("=") for item in query.split("&") if item)
        return {key: value for key, _, value in pairs}


class HostileServer:
    """The server (see the module docstring). ``url`` is its base URL once started."""

    def __init__(self) -> None:
        self.reply: Callable[[Seen], Reply] = lambda _: Reply()
        self.seen: list[Seen] = []
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def start(self) -> None:
        """Listen on a free loopback port; ``url`` says which."""
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self._server = started.result(timeout=10)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def _start(self) -> asyncio.Server:
        return await asyncio.start_server(self._serve, "127.0.0.1", 0)

    def stop(self) -> None:
        """Close every connection and the listener, and end the thread (bounded)."""
        future = asyncio.run_coroutine_threadsafe(self._stop(), self._loop)
        with contextlib.suppress(Exception):
            future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                seen = await asyncio.wait_for(self._read(reader), _READ_LIMIT)
                if seen is None:
                    return
                self.seen.append(seen)
                await self._send(writer, self.reply(seen))
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away, or never finished its request
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> Seen | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        request_line, *lines = head.decode("latin-1").split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = {}
        for line in lines:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return Seen(method, target, headers, body)

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, reply: Reply) -> None:
        for part, pause in ((reply.head(), reply.trickle_head), (reply.body, reply.trickle_body)):
            if pause is None:
                writer.write(part)
                await writer.drain()
                continue
            for index in range(len(part)):
                writer.write(part[index : index + 1])
                await writer.drain()
                await asyncio.sleep(pause)


@contextlib.contextmanager
def running() -> Iterator[HostileServer]:
    """A started :class:`HostileServer`, stopped on exit."""
    server = HostileServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Clients:
    """Makes clients of one flavor (``"sync"`` or ``"async"``) for a server, and closes them.

    Clients default to no retries, so that a test sees each answer's own outcome.
    """

    def __init__(self, url: str, flavor: str) -> None:
        self._url = url
        self._cls = charlib.Client if flavor == "sync" else charlib.AsyncClient
        self._made: list[AnyClient] = []

    def __call__(self, **options: Any) -> AnyClient:
        options.setdefault("base_url", self._url)
        options.setdefault("max_retries", 0)
        client = self._cls(**options)
        self._made.append(client)
        return client

    async def close(self) -> None:
        for client in self._made:
            if isinstance(client, charlib.Client):
                client.close()
            else:
                await client.aclose()


async def raised(call: Callable[[], Any]) -> BaseException:
    """The exception ``call`` raised (sync, or awaited when it returns an awaitable)."""
    try:
        await resolve(call())
    except BaseException as error:  # whatever it was: the test asserts what it should be
        return error
    raise AssertionError("expected an exception")


def http_date(when: datetime) -> str:
    """``when`` as an HTTP ``Date`` header value."""
    return format_datetime(when, usegmt=True)


def job(job_id: str = "job-1", status: str = "processing", **fields: Any) -> dict[str, Any]:
    """A job status body (the contract's shape), with ``fields`` merged in."""
    body: dict[str, Any] = {
        "jobId": job_id,
        "status": status,
        "progress": {"current": 1, "total": 27, "percentage": 4, "currentTask": "Generating"},
    }
    body.update(fields)
    return body


def deep_json(depth: int = 1000) -> bytes:
    """Arrays nested ``depth`` levels deep (2 KB at 1,000): fine for a parser with a depth bound,
    ``RecursionError`` for one without."""
    return b"[" * depth + b"]" * depth


def gzip_bomb(mebibytes: int = 1024) -> bytes:
    """A gzip body of about 1 KB per MiB that inflates to ``mebibytes`` MiB of zeros.

    Built from one deflate block of a MiB, flushed so that it is byte-aligned and stands alone,
    repeated: well-formed gzip, made in well under a second.
    """
    block = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    piece = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = deflate.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(block, crc)
    size = (mebibytes << 20) & 0xFFFFFFFF
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + piece * mebibytes + end + struct.pack("<II", crc, size)
