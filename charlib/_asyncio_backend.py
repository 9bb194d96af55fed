"""The connections of an :class:`~charlib.AsyncClient`'s own pool, on asyncio directly.

httpx sends through httpcore's connection pool, whose network layer goes through anyio by
default: every read and write opens and closes a cancel scope (a timer, task bookkeeping) and
takes an extra trip through the event loop, and every check of an idle connection asks anyio for
the socket by a chain of typed-attribute lookups. Measured with 64 tasks on one client, moving
the connections onto asyncio cut the client's CPU per request by about a quarter (see
``docs/performance.md``).

:class:`AsyncioBackend` is httpcore's public network-backend interface written on an asyncio
``Protocol``: a read returns at once when bytes are buffered, a write that the kernel takes
at once does not wait, a timeout is one ``call_later`` handle, and "is this idle connection
readable?" is a look at the buffer, then one ``poll`` of the socket (a close that came while
the loop was busy). httpcore keeps doing everything else (HTTP/1.1 with h11,
the pool, TLS set-up via :meth:`AsyncioStream.start_tls`), and :class:`AsyncioTransport` is
httpx's public transport interface around that pool, with httpcore's errors mapped to httpx's
as httpx's own transport maps them.

:func:`pool_client` builds the ``httpx.AsyncClient`` that an ``AsyncClient`` owns: this
transport when the environment names no proxy, else httpx's default (which routes through the
proxy, honouring ``NO_PROXY``), so proxies work exactly as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import ssl
import typing
import urllib.request
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import httpcore
import httpx

from charlib._inflight import time_limit

__all__ = ["AsyncioBackend", "AsyncioStream", "AsyncioTransport", "pool_client"]

# Reading stops (the kernel buffers, then the server waits) while this much is unread, and
# resumes once a read has brought it under the low mark: a big body never piles up in memory.
_READ_HIGH = 256 * 1024
_READ_LOW = 64 * 1024

# How long a connection attempt runs alone before the next address is tried too (RFC 8305).
_HAPPY_EYEBALLS_DELAY = 0.25

_Socket = tuple[int, int, Any] | tuple[int, int, None, int]


class _Connection(asyncio.Protocol):
    """The asyncio side of one connection: buffered bytes, end of stream, flow control."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: Exception | None = None  # why the connection was lost, if it failed
        self.lost = False
        self.paused = False
        self.waiter: asyncio.Future[None] | None = None  # a read waiting for bytes
        self.drained: asyncio.Future[None] | None = None  # a write waiting for room

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _READ_HIGH and self.transport is not None:
            self.transport.pause_reading()
            self.paused = True
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost, self.error = True, exc
        self._wake_reader()
        self.resume_writing()

    def pause_writing(self) -> None:
        if self.drained is None:
            self.drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        drained, self.drained = self.drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def _wake_reader(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def take(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes`` of the buffered bytes (reading resumes once few are left)."""
        data = bytes(self.buffer[:max_bytes])
        del self.buffer[:max_bytes]
        if self.paused and len(self.buffer) <= _READ_LOW and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return data


def _expire(future: asyncio.Future[None], error: type[Exception], message: str) -> None:
    """A timer's end: fail ``future`` with ``error(message)`` unless it is already done."""
    if not future.done():
        future.set_exception(error(message))


async def _wait(
    future: asyncio.Future[None], timeout: float | None, error: type[Exception], message: str
) -> None:
    """Await ``future``; ``error(message)`` after ``timeout`` seconds (``None``: no bound)."""
    if timeout is None:
        await future
        return
    timer = asyncio.get_running_loop().call_later(timeout, _expire, future, error, message)
    try:
        await future
    finally:
        timer.cancel()


def _socket_readable(sock: Any) -> bool:
    """Whether ``sock`` has bytes or its end waiting that the event loop has not taken yet (what
    httpcore's own backends look at); a socket already closed counts as readable."""
    if sock is None:
        return False
    fileno = sock.fileno()
    if fileno < 0:
        return True
    if hasattr(select, "poll"):  # select() cannot take a descriptor above FD_SETSIZE
        poller = select.poll()
        poller.register(fileno, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fileno], [], [], 0)[0])


@contextlib.contextmanager
def _failures(kind: type[Exception]) -> Iterator[None]:
    """``OSError`` (``ssl.SSLError`` included) raised inside the block, as httpcore's ``kind``;
    ``TimeoutError`` (an ``OSError`` too) is left for the caller, whose timeout it is."""
    try:
        yield
    except TimeoutError:
        raise
    except OSError as exc:
        raise kind(str(exc) or type(exc).__name__) from exc


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection for httpcore: bytes in and out through an asyncio transport."""

    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        connection = self._connection
        while not connection.buffer:
            if connection.error is not None:
                raise httpcore.ReadError(str(connection.error) or "the connection was reset")
            if connection.eof or connection.lost:
                return b""  # the server closed its end
            waiter = connection.waiter = asyncio.get_running_loop().create_future()
            await _wait(waiter, timeout, httpcore.ReadTimeout, "no data within the read timeout")
        return connection.take(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        connection = self._connection
        if connection.lost or self._transport.is_closing():
            raise httpcore.WriteError(str(connection.error or "the connection is closed"))
        with _failures(httpcore.WriteError):
            self._transport.write(buffer)
        if connection.drained is not None:  # the kernel's buffer is full: wait for room
            message = "could not send within the write timeout"
            await _wait(connection.drained, timeout, httpcore.WriteTimeout, message)
            if connection.lost:
                raise httpcore.WriteError(str(connection.error or "the connection was closed"))

    async def aclose(self) -> None:
        # Like httpcore's anyio streams: no TLS close_notify, the socket is closed at once.
        self._transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        try:
            with _failures(httpcore.ConnectError):
                async with time_limit(timeout):
                    transport = await loop.start_tls(
                        self._transport,
                        self._connection,
                        ssl_context,
                        server_hostname=server_hostname,
                        ssl_handshake_timeout=None,  # the time limit above bounds it
                    )
        except TimeoutError:
            self._transport.abort()
            raise httpcore.ConnectTimeout("no TLS handshake within the connect timeout") from None
        except BaseException:
            self._transport.abort()
            raise
        if transport is None:  # the connection was closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._connection.transport = transport
        return AsyncioStream(transport, self._connection)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # an idle connection with bytes or an end waiting is unusable
            connection = self._connection
            if connection.buffer or connection.eof or connection.lost:
                return True
            # A close that came while the loop was busy is in the socket, not yet in the buffer.
            return _socket_readable(self._transport.get_extra_info("socket"))
        names = {
            "ssl_object": "ssl_object",
            "client_addr": "sockname",
            "server_addr": "peername",
            "socket": "socket",
        }
        name = names.get(info)
        return None if name is None else self._transport.get_extra_info(name)


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on asyncio's event loop (TCP; TLS via the stream)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[_Socket] | None = None,
    ) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        local = None if local_address is None else (local_address, 0)
        try:
            with _failures(httpcore.ConnectError):
                async with time_limit(timeout):
                    transport, connection = await loop.create_connection(
                        _Connection,
                        host,
                        port,
                        local_addr=local,
                        # As httpx's own transport (anyio): an address that never answers (a
                        # broken IPv6 route) does not use up the connect timeout of the next.
                        happy_eyeballs_delay=_HAPPY_EYEBALLS_DELAY,
                        interleave=1,
                    )
        except TimeoutError:
            raise httpcore.ConnectTimeout("no connection within the connect timeout") from None
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, connection)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[_Socket] | None = None,
    ) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        try:
            with _failures(httpcore.ConnectError):
                async with time_limit(timeout):
                    transport, connection = await loop.create_unix_connection(_Connection, path)
        except TimeoutError:
            raise httpcore.ConnectTimeout("no connection within the connect timeout") from None
        return AsyncioStream(transport, connection)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# httpcore's errors as httpx's, most specific first (httpx's own transport maps the same way).
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
)


@contextlib.contextmanager
def _as_httpx(request: httpx.Request) -> Iterator[None]:
    """httpcore's errors raised inside the block, as the matching httpx errors."""
    try:
        yield
    except Exception as exc:
        for core, mapped in _ERRORS:
            if isinstance(exc, core):
                raise mapped(str(exc), request=request) from exc
        raise


class _Body(httpx.AsyncByteStream):
    """A response body from httpcore, with its errors as httpx's."""

    def __init__(self, stream: AsyncIterator[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx(self._request):
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        closer = getattr(self._stream, "aclose", None)
        if closer is not None:
            with _as_httpx(self._request):
                await closer()


class AsyncioTransport(httpx.AsyncBaseTransport):
    """httpx's transport interface around httpcore's pool on :class:`AsyncioBackend`, with
    httpx's default TLS settings and connection limits."""

    def __init__(self) -> None:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncioBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=typing.cast(AsyncIterator[bytes], request.stream),
            extensions=request.extensions,
        )
        with _as_httpx(request):
            response = await self._pool.handle_async_request(core)
        stream = typing.cast(AsyncIterator[bytes], response.stream)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(stream, request),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


def _proxied() -> bool:
    """Whether the environment names a proxy httpx would send through (as httpx reads it)."""
    found = urllib.request.getproxies()
    return any(found.get(scheme) for scheme in ("http", "https", "all"))


def pool_client() -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` an ``AsyncClient`` owns: on :class:`AsyncioTransport`, or as
    httpx makes it when the environment names a proxy."""
    if _proxied():
        return httpx.AsyncClient()
    return httpx.AsyncClient(transport=AsyncioTransport())
