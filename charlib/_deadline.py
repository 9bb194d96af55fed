"""The end of one HTTP exchange, enforced under httpx for the connections a sync client owns.

httpx's timeouts bound each network operation: a read that waits longer than ``read`` seconds
fails, but a server that sends one byte a second never makes any read wait that long, and keeps a
request going for as long as it likes. A request's timeout is meant as a total (see
``charlib._client``), so each exchange has a deadline on ``time.monotonic``:

* :class:`~charlib.AsyncClient` enforces it by cancellation (``asyncio.timeout``), whatever the
  transport;
* both clients check it between the chunks of a body (``charlib._response.BodyReader``);
* and for the sync client, which cannot cancel a blocking read, every read, write, connect and
  TLS handshake on the connections of a pool charlib created itself is given at most the time
  left before the deadline (:class:`DeadlineBackend`). So a server trickling its status line and
  headers is cut off too, not only one trickling its body.

The deadline travels in a context variable set by the client around one attempt; a thread has
its own, so one client shared by many threads bounds each thread's request separately. A
connection used without a deadline set (someone else's request on the same pool) behaves exactly
as before.
"""

from __future__ import annotations

import ssl
import time
import typing
from contextvars import ContextVar
from typing import Any

import httpx

if typing.TYPE_CHECKING:
    import httpcore

__all__ = ["DEADLINE", "DeadlineBackend", "bounded_client"]

DEADLINE: ContextVar[float | None] = ContextVar("charlib_request_deadline", default=None)
"""When the current exchange must be over (``time.monotonic``), or ``None``: no bound."""


def _bounded(timeout: float | None, operation: str) -> float | None:
    """``timeout`` cut to the time left before the deadline; httpcore's timeout error for
    ``operation`` (``"read"``, ``"write"``, ``"connect"``) when no time is left."""
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        import httpcore  # loaded by httpx's transport already; kept out of `import charlib`

        expired = {"read": httpcore.ReadTimeout, "write": httpcore.WriteTimeout}
        raise expired.get(operation, httpcore.ConnectTimeout)("the request's timeout ran out")
    return left if timeout is None or left < timeout else timeout


# httpcore's NetworkStream and NetworkBackend interfaces, by duck typing: subclassing them would
# import httpcore with charlib.
class DeadlineStream:
    """A network stream whose every operation ends by the current deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, "read"))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, "write"))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> DeadlineStream:
        bounded = _bounded(timeout, "connect")
        return DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend:
    """httpcore's network backend, with every connection a :class:`DeadlineStream`."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> DeadlineStream:
        bounded = _bounded(timeout, "connect")
        stream = self._backend.connect_tcp(host, port, bounded, local_address, socket_options)
        return DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> DeadlineStream:
        bounded = _bounded(timeout, "connect")
        return DeadlineStream(self._backend.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bounded_client() -> httpx.Client:
    """An ``httpx.Client`` as httpx makes it (proxies from ``HTTP(S)_PROXY``/``ALL_PROXY`` and
    ``NO_PROXY`` included), every transport's connections made through a
    :class:`DeadlineBackend`."""
    client = httpx.Client()
    mounts: Any = getattr(client, "_mounts", {})
    for transport in (getattr(client, "_transport", None), *mounts.values()):
        _bound(transport)
    return client


def _bound(transport: object) -> None:
    """Give ``transport``'s connection pool a :class:`DeadlineBackend`.

    httpx offers no argument for httpcore's network backend, so it is set on the pool httpx made.
    Should a later httpx or httpcore keep it elsewhere, the transport is left as it is: the
    deadline is then enforced between body chunks only (the hostile-server tests would show it).
    """
    pool: Any = getattr(transport, "_pool", None)
    backend: Any = getattr(pool, "_network_backend", None)
    if callable(getattr(backend, "connect_tcp", None)) and not isinstance(backend, DeadlineBackend):
        pool._network_backend = DeadlineBackend(backend)
