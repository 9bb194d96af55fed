"""Connection limits for the mock's HTTP server: no connection may sit half-sent forever.

uvicorn closes a keep-alive connection that stays idle after a response (``timeout_keep_alive``),
but not one that connects and sends nothing, nor one that trickles a request byte by byte (a
"slowloris"): each holds a socket and, for a half-sent body, a request task, until the client
goes away. :class:`GuardedH11Protocol` gives every request a deadline: from the moment a
connection is ready for a request (just opened, or a response just finished), the whole request
(head and body) must arrive within ``request_timeout`` seconds, or the connection is closed.
Connections over the cap (:data:`MAX_CONNECTIONS`) are answered 503 by uvicorn itself.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = [
    "KEEP_ALIVE_TIMEOUT",
    "MAX_CONNECTIONS",
    "REQUEST_TIMEOUT",
    "GuardedH11Protocol",
    "guarded_protocol",
]

#: Seconds a client has to send a whole request once the connection is ready for one.
REQUEST_TIMEOUT = 10.0
#: Seconds an idle keep-alive connection stays open after a response.
KEEP_ALIVE_TIMEOUT = 5.0
#: Open connections (and requests in flight) beyond which requests are answered 503.
MAX_CONNECTIONS = 2048

# The client's side of the connection once its whole request has arrived.
_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on receiving each request."""

    request_timeout = REQUEST_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._request_deadline = self.loop.call_later(self.request_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._request_deadline is not None:
            self._request_deadline.cancel()
            self._request_deadline = None

    def _too_slow(self) -> None:
        """The request did not arrive in time: drop the connection (the app sees a disconnect)."""
        self._request_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock on the first request."""
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        """Stop the clock once the whole request is in."""
        super().data_received(data)
        if self.conn.their_state in _RECEIVED:
            self._disarm()

    def on_response_complete(self) -> None:
        """Start the clock on the next request of a keep-alive connection."""
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state not in _RECEIVED:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Nothing left to time."""
        self._disarm()
        super().connection_lost(exc)


def guarded_protocol(request_timeout: float = REQUEST_TIMEOUT) -> type[GuardedH11Protocol]:
    """The protocol class for uvicorn's ``http=`` setting, with this request deadline."""
    if not request_timeout > 0:
        raise ValueError("request_timeout must be > 0")
    if request_timeout == GuardedH11Protocol.request_timeout:
        return GuardedH11Protocol
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"request_timeout": request_timeout})
