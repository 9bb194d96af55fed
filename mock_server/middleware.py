"""The mock's one pure-ASGI middleware: what every request goes through before routing.

In order: the ``Date`` header from the server clock on every response, bearer auth, the 1 MiB
body limit, fault injection (:mod:`mock_server.faults`; ``expired`` and ``truncated`` are meant
for the media files) and the request journal. It also answers the job-status poll
straight away (:func:`~mock_server.routes.jobs.status_fast`), the hot path of every client.
It sits *outside* Starlette's error middleware, so an injected connection reset reaches the
server (or the in-process transport) instead of becoming a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import socket
import struct
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.engine import Engine
from mock_server.faults import FaultConfig, InjectedConnectionReset
from mock_server.http import DRAIN_LIMIT, MAX_BODY
from mock_server.render import dumps, http_date
from mock_server.routes.jobs import status_fast

__all__ = ["MockMiddleware"]

logger = logging.getLogger("mock_server")

_STATUS_PREFIX = "/api/v1/jobs/"
_STATUS_SUFFIX = "/status"
_UNAUTHORIZED = "Unauthorized: send the header Authorization: Bearer <api key>"
_CHALLENGE = b'Bearer realm="charlib-mock"'


def _polled_job(method: str, path: str) -> str | None:
    """The job id of a status poll (``GET /api/v1/jobs/{jobId}/status``), else None."""
    if (
        method == "GET"
        and path.startswith(_STATUS_PREFIX)
        and path.endswith(_STATUS_SUFFIX)
        and len(path) > len(_STATUS_PREFIX) + len(_STATUS_SUFFIX)
    ):
        job_id = path[len(_STATUS_PREFIX) : -len(_STATUS_SUFFIX)]
        return None if "/" in job_id else job_id
    return None


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


async def _send_json(send: Send, status: int, body: Any, extra: list[tuple[bytes, bytes]]) -> None:
    payload = dumps(body)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _drain(receive: Receive) -> None:
    """Read the request body to its end, dropping it (see ``DRAIN_LIMIT``)."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


_EXPIRED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>\n"
)


async def _send_expired(send: Send) -> None:
    """403 with an object store's XML body: what a client of an expired signed link gets."""
    headers = [
        (b"content-type", b"application/xml"),
        (b"content-length", str(len(_EXPIRED)).encode()),
    ]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": _EXPIRED})


async def _send_garbled(send: Send, status: int, start: Message | None, body: bytes) -> None:
    """Send ``status`` with the first half of ``body`` (a lone ``{"success":`` when it is empty)
    as JSON: a malformed answer, with the app's other headers."""
    garbled = body[: max(1, len(body) // 2)] if body else b'{"success":'
    headers = [
        (k, v)
        for k, v in (start or {}).get("headers", ())
        if k.lower() not in (b"content-length", b"content-type")
    ]
    headers += [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(garbled)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": garbled})


def _truncating(send: Send, raw_send: Send, sent: list[int]) -> Send:
    """A ``send`` that passes the head (full ``Content-Length``) and half the body, then ends:
    over a socket by closing the connection, in-process by ending the body early."""
    limit = 0
    passed = 0
    done = False

    async def cut(message: Message) -> None:
        nonlocal limit, passed, done
        if done:
            return  # the rest of the body goes nowhere
        if message["type"] == "http.response.start":
            sent[0] = int(message["status"])
            length = dict(message.get("headers", ())).get(b"content-length", b"0")
            limit = int(length) // 2 if length.isdigit() else 0
            await send(message)
            return
        body: bytes = message.get("body", b"")
        if passed + len(body) < limit and message.get("more_body", False):
            passed += len(body)
            await send(message)
            return
        done = True
        await send(
            {"type": "http.response.body", "body": body[: limit - passed], "more_body": True}
        )
        if not _end_connection(raw_send, reset=False):
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    return cut


def _end_connection(send: Send, *, reset: bool) -> bool:
    """End the client's TCP connection, if ``send`` belongs to a socket server: with ``reset``,
    at once with an RST ("connection reset by peer"); else once what was written has gone out
    (a FIN: the client sees a body shorter than announced). Returns whether it could.

    uvicorn's ``send`` is a bound method of its request cycle, which holds the transport; with
    SO_LINGER 0 an abort becomes an RST.
    """
    cycle: Any = getattr(send, "__self__", None)
    transport: Any = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        return False
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    # Tell uvicorn the client is gone: it drops what the app still sends, and answers no 500.
    if hasattr(cycle, "disconnected"):
        cycle.disconnected = True
    return True


class MockMiddleware:
    """Date header, auth, body limit, faults, journal, and the fast status route (pure ASGI)."""

    def __init__(self, app: ASGIApp, engine: Engine, api_key: str | None) -> None:
        self.app = app
        self.engine = engine
        self.expected = None if api_key is None else f"Bearer {api_key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        engine = self.engine
        path: str = scope["path"]
        method: str = scope["method"]
        admin = path.startswith("/_mock")
        sent = [0]
        # Echoing the key tells a client this server honours Idempotency-Key, so retrying a keyed
        # POST after an unclear failure cannot create a second job (the live service ignores it).
        key = _header(scope, b"idempotency-key") if method == "POST" else None

        async def send_dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent[0] = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0].lower() != b"date"]
                headers.append((b"date", http_date(engine.now())))
                if key is not None:
                    headers.append((b"idempotency-key", key))
                message = {**message, "headers": headers}
            await send(message)

        refused = await self._gate(scope, receive, send_dated, admin)
        if refused:
            self._record(method, path, refused, None, admin)
            return

        fault = None if admin else engine.faults.decide(path)
        if fault is not None and fault != "latency":
            try:
                await self._faulted(scope, receive, send, send_dated, sent, fault)
            finally:
                self._record(method, path, sent[0], fault, admin)
            return
        if fault == "latency":
            await asyncio.sleep((engine.faults.config or FaultConfig()).latency)

        job_id = _polled_job(method, path)
        if job_id is not None:
            status = await status_fast(engine, scope, send_dated, job_id)
            self._record(method, path, status, fault, admin)
            return

        try:
            await self.app(scope, receive, send_dated)
        except Exception:
            # Starlette has answered 500 and re-raises for the server to log. Log it here and keep
            # the connection: a bug in one request must not drop the client's keep-alive socket.
            if not sent[0]:
                raise
            logger.exception("Unhandled error in %s %s (answered %d)", method, path, sent[0])
        finally:
            self._record(method, path, sent[0] or 500, fault, admin)

    async def _gate(self, scope: Scope, receive: Receive, send: Send, admin: bool) -> int:
        """Refuse a request without the API key (401) or with a too large body (413).

        Returns the status sent, or 0 when the request may go on.
        """
        path: str = scope["path"]
        if (
            self.expected is not None
            and path != "/api/health"
            and (admin or path.startswith("/api/"))
        ):
            given = _header(scope, b"authorization") or b""
            if not hmac.compare_digest(given, self.expected):
                body = {"success": False, "error": _UNAUTHORIZED}
                await _send_json(send, 401, body, [(b"www-authenticate", _CHALLENGE)])
                return 401
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            if int(length) <= DRAIN_LIMIT:
                await _drain(receive)
            body = {"success": False, "error": f"Request body exceeds {MAX_BODY} bytes"}
            await _send_json(send, 413, body, [(b"connection", b"close")])
            return 413
        return 0

    def _record(self, method: str, path: str, status: int, fault: str | None, admin: bool) -> None:
        if not admin:  # the journal is about the client's traffic, not the test's own controls
            self.engine.record(method, path, status, fault)

    async def _faulted(
        self,
        scope: Scope,
        receive: Receive,
        raw_send: Send,
        send_dated: Send,
        sent: list[int],
        fault: str,
    ) -> None:
        """Answer a request that drew ``fault`` (every kind but ``latency``)."""
        config = self.engine.faults.config or FaultConfig()
        if fault in ("429", "503", "500"):
            sent[0] = int(fault)
            await self._reject(send_dated, sent[0], config)
        elif fault == "expired":
            sent[0] = 403
            await _send_expired(send_dated)
        elif fault == "truncated":
            await self.app(scope, receive, _truncating(send_dated, raw_send, sent))
        else:  # reset / malformed: process first, then spoil the answer
            start, body = await self._answer(scope, receive)
            sent[0] = 0 if start is None else int(start["status"])
            if fault == "reset":
                if not _end_connection(raw_send, reset=True):
                    raise InjectedConnectionReset()
                return
            await _send_garbled(send_dated, sent[0] or 200, start, body)

    async def _reject(self, send: Send, status: int, config: FaultConfig) -> None:
        reasons = {429: "Too Many Requests", 503: "Service Unavailable", 500: "Internal Error"}
        extra: list[tuple[bytes, bytes]] = []
        if status in (429, 503):
            seconds = max(0, int(-(-config.retry_after // 1)))  # ceil, as an integer header
            extra.append((b"retry-after", str(seconds).encode()))
        body = {"success": False, "error": f"Injected fault: {status} {reasons[status]}"}
        await _send_json(send, status, body, extra)

    async def _answer(self, scope: Scope, receive: Receive) -> tuple[Message | None, bytes]:
        """What the app answers the request: its response start (if any) and its whole body."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        return start, b"".join(chunks)
