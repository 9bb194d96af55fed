"""Small HTTP helpers shared by the routes: JSON responses, bounded bodies, base URLs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from mock_server.render import dumps

__all__ = [
    "DRAIN_LIMIT",
    "JSON_TYPE",
    "MAX_BODY",
    "BodyTooLarge",
    "Endpoint",
    "base_url",
    "json_response",
    "read_body",
    "too_large",
]

#: Request bodies above this many bytes get a 413.
MAX_BODY = 1024 * 1024
#: A too-large body up to this size is read to its end (and dropped) before the 413 is sent:
#: a server closing with unread bytes resets the connection, and the client never sees the 413.
DRAIN_LIMIT = 16 * MAX_BODY
JSON_TYPE = "application/json"

Endpoint = Callable[[Request], Awaitable[Response]]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A compact UTF-8 JSON response."""
    return Response(dumps(body), status_code=status, media_type=JSON_TYPE, headers=headers)


def base_url(scope: Scope, media_base: str | None) -> str:
    """Absolute base for URLs in bodies: the configured media base, else the request's own."""
    if media_base:
        return media_base
    host = None
    for key, value in scope.get("headers", ()):
        if key == b"host":
            host = value.decode("latin-1")
            break
    if host is None:
        server = scope.get("server") or ("localhost", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"


class BodyTooLarge(Exception):
    """The request body exceeds :data:`MAX_BODY`: answered 413 (``errors.handles``)."""


async def read_body(request: Request) -> bytes:
    """The request body (its size counted as it streams).

    A too-large body is still read (not kept) up to :data:`DRAIN_LIMIT`, so the 413 reaches the
    client instead of a connection reset.

    Raises:
        BodyTooLarge: over :data:`MAX_BODY`.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > DRAIN_LIMIT:
            break
        if size <= MAX_BODY:
            chunks.append(chunk)
    if size > MAX_BODY:
        raise BodyTooLarge()
    return b"".join(chunks)


def too_large() -> Response:
    """413 with the generic error body."""
    return json_response(413, {"success": False, "error": f"Request body exceeds {MAX_BODY} bytes"})
