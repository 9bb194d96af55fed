"""What every route module needs: the engine of the app, base URLs, ``Idempotency-Key``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from mock_server import shapes
from mock_server.bodies import InvalidRequest
from mock_server.cassettes import CASSETTE_PREFIX
from mock_server.control import MockControl
from mock_server.domain import Conflict, DomainError
from mock_server.engine import Engine
from mock_server.errors import Family, error_response
from mock_server.http import JSON_TYPE, base_url, json_response
from mock_server.lifecycle import SCENARIOS
from mock_server.operation import Reply

__all__ = [
    "INVALID",
    "NO_CHARACTER",
    "REUSED_KEY",
    "SCENARIO_CHOICES",
    "TOO_LARGE",
    "control_of",
    "engine_of",
    "idempotent",
    "scenario_header",
    "url_base",
]

# Replies many operations document alike.
INVALID = Reply("Invalid field", shapes.Error)
TOO_LARGE = Reply("Body too large", shapes.Error)
NO_CHARACTER = Reply("Unknown character", shapes.Error)
REUSED_KEY = Reply("Idempotency key reused with another body", shapes.Error)

#: Values of ``X-Mock-Scenario`` (and of the default scenario): ``random`` is the seeded default.
SCENARIO_CHOICES = (*SCENARIOS, "random")


def engine_of(request: Request) -> Engine:
    """The engine of the app serving ``request`` (``app.state.engine``)."""
    engine: Engine = request.app.state.engine
    return engine


def control_of(request: Request) -> MockControl:
    """The in-process control handle of the app (``app.state.mock``): the admin powers."""
    control: MockControl = request.app.state.mock
    return control


def url_base(request: Request) -> str:
    """Absolute base for URLs in bodies (the configured media base, else the request's own)."""
    return base_url(request.scope, engine_of(request).media_base)


def scenario_header(request: Request, *, replays: bool = False) -> str | None:
    """The ``X-Mock-Scenario`` header (absent: None); InvalidRequest when it names none.

    With ``replays`` (generate-360-set), ``cassette:NAME`` names a loaded cassette to replay; the
    name is only looked up among the loaded ones, never used as a path.
    """
    scenario = request.headers.get("x-mock-scenario") or None
    if scenario is None or scenario in SCENARIO_CHOICES:
        return scenario
    loaded = engine_of(request).replays
    if replays and scenario.startswith(CASSETTE_PREFIX):
        if scenario.removeprefix(CASSETTE_PREFIX) in loaded:
            return scenario
        names = ", ".join(sorted(loaded)[:10]) + (", ..." if len(loaded) > 10 else "")
        raise InvalidRequest(
            f"X-Mock-Scenario: no cassette called {scenario.removeprefix(CASSETTE_PREFIX)[:64]!r} "
            f"is loaded ({names or 'none: start the server with --cassettes DIR'})"
        )
    also = " or cassette:NAME" if replays else ""
    raise InvalidRequest(f"X-Mock-Scenario must be one of {', '.join(SCENARIO_CHOICES)}{also}")


def _fingerprint(request: Request, raw: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):  # any body the parser refuses is compared as bytes
        canonical = raw.decode("utf-8", "replace")
    scenario = request.headers.get("x-mock-scenario", "")
    return hashlib.sha256(
        f"{request.method}\n{request.url.path}\n{scenario}\n{canonical}".encode()
    ).hexdigest()


def idempotent(
    request: Request, raw: bytes, family: Family, produce: Callable[[], Response]
) -> Response:
    """Apply ``Idempotency-Key``: same key and body → the same response, another body → 409.

    An error ``produce`` raises is answered in ``family``'s envelope and remembered like any
    other answer below 500, so a retry with the key replays it.
    """
    engine = engine_of(request)

    def answer() -> Response:
        try:
            return produce()
        except (DomainError, InvalidRequest) as exc:
            return error_response(exc, family, engine.mode)

    key = request.headers.get("idempotency-key")
    if key is None:
        return answer()
    if not 1 <= len(key) <= 255:
        return json_response(
            400, {"success": False, "error": "Idempotency-Key must be 1 to 255 characters"}
        )

    def run() -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
        response = answer()
        kept = tuple((k, response.headers[k]) for k in ("location",) if k in response.headers)
        return response.status_code, bytes(response.body), kept

    try:
        status, body, headers, replayed = engine.idempotent(
            f"{request.method} {request.url.path} {key}", _fingerprint(request, raw), run
        )
    except Conflict as exc:
        return error_response(exc, Family.PLAIN, engine.mode)
    out = dict(headers)
    if replayed:
        out["idempotent-replayed"] = "true"
    return Response(body, status_code=status, media_type=JSON_TYPE, headers=out)
