"""The service itself: liveness (``/api/health``) and this server's OpenAPI document."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response

from mock_server import shapes
from mock_server.http import JSON_TYPE, json_response
from mock_server.operation import Operation, Reply
from mock_server.render import iso
from mock_server.routes.common import engine_of
from mock_server.version import __version__

__all__ = ["OPERATIONS", "SERVICE_VERSION", "openapi_json"]

SERVICE_VERSION = "2.0.0"  # what the live service reports (hard-coded upstream)


async def health(request: Request) -> Response:
    """``GET /api/health``: no key needed; says which mode and clock this mock runs."""
    engine = engine_of(request)
    body = {
        "status": "ok",
        "service": "Character Library",
        "version": SERVICE_VERSION,
        "timestamp": iso(engine.now()),
        "uptime": round(time.monotonic() - engine.started_monotonic, 3),
        "environment": "mock",
        "mode": engine.mode,
        "mockVersion": __version__,
        "clock": {"kind": engine.clock.kind, "speed": engine.clock.speed},
    }
    return json_response(200, body)


async def openapi_json(request: Request) -> Response:
    """``GET /openapi.json``: the document built once, with the app, from the same table."""
    document: bytes = request.app.state.openapi
    return Response(document, media_type=JSON_TYPE)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/api/health",
        health,
        "Liveness",
        {200: Reply("Healthy", shapes.Health)},
        public=True,
    ),
)
