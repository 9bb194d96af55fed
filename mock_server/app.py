"""``create_app``: the mock Character Library as an ASGI app (Starlette), all state passed in.

The app needs no lifespan events (``httpx.ASGITransport`` does not send them): everything is built
in :func:`create_app`. The engine, the control handle and the OpenAPI document live on
``app.state``, where the module-level endpoints of :mod:`mock_server.routes` read them. Requests
enter through :class:`~mock_server.middleware.MockMiddleware` (Date, auth, body limit, faults,
journal, the fast status route).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.cassettes import CassettePaths, load_cassettes
from mock_server.clock import Clock, SystemClock
from mock_server.control import MockControl
from mock_server.engine import Engine, default_capacity
from mock_server.faults import FaultConfig, FaultInjector
from mock_server.http import json_response
from mock_server.media import check_media_size
from mock_server.middleware import MockMiddleware
from mock_server.openapi import openapi_document
from mock_server.render import dumps
from mock_server.routes import OPERATIONS, starlette_routes
from mock_server.store import Store, open_store

__all__ = ["MockApp", "create_app"]


class MockApp(Starlette):
    """The Starlette app returned by :func:`create_app`; ``.mock`` is its control handle.

    Requests enter through ``outer`` (the :class:`~mock_server.middleware.MockMiddleware`), then
    Starlette's own stack (``inner``).
    """

    mock: MockControl
    engine: Engine
    outer: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Enter through the mock middleware."""
        await self.outer(scope, receive, send)

    async def inner(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Starlette's own stack (routing, exception handlers)."""
        await super().__call__(scope, receive, send)


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    messages = {404: "Not Found", 405: "Method Not Allowed"}
    headers = getattr(exc, "headers", None)
    return json_response(
        status, {"success": False, "error": messages.get(status, "Error")}, headers=headers
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    return json_response(500, {"success": False, "error": "Internal server error"})


def create_app(
    *,
    mode: str = "reference",
    clock: Clock | None = None,
    seed: int = 0,
    db_path: str | None = None,
    faults: FaultConfig | None = None,
    api_key: str | None = None,
    capacity: int | None = None,
    media_base: str | None = None,
    store: Store | None = None,
    media_size: int = 0,
    cassettes: CassettePaths | None = None,
) -> MockApp:
    """Build a mock Character Library server.

    Args:
        mode: ``"reference"`` (the API as it should behave) or ``"upstream"`` (the live service's
            quirks, CONTRACT §14).
        clock: server time; default :class:`~mock_server.clock.SystemClock`. Use
            ``ScaledClock(60)`` for 60x speed or ``ManualClock()`` for time a test advances.
        seed: the server seed: ids, job plans, scores and fault decisions derive from it.
        db_path: keep everything in this SQLite file (survives restarts); default in memory.
        faults: faults injected from the start (also settable later).
        api_key: if set, ``/api/*`` (except ``/api/health``) and ``/_mock/*`` need
            ``Authorization: Bearer <api_key>``.
        capacity: jobs processing at once; later ones wait as ``pending``. Default: 4 in
            reference mode; unlimited in upstream mode (the live service has no queue).
        media_base: absolute base URL for media links (default: each request's own base URL).
        store: a ready store (overrides ``db_path``).
        media_size: pad every image to about this many bytes (a valid PNG still), to test large
            downloads; 0 (the default) serves the small placeholders as they are.
        cassettes: recorded jobs to replay (``X-Mock-Scenario: cassette:NAME``): a directory
            (its ``NAME.json`` files), a cassette file, or a list of either. Checked here.

    Returns:
        The ASGI app; ``app.mock`` is its :class:`~mock_server.control.MockControl`.

    Raises:
        CassetteError: a cassette cannot be read or is not valid (naming the file and why).
    """
    media_size = check_media_size(media_size)
    loaded = load_cassettes(cassettes)  # before the store: a bad file leaves nothing open
    engine = Engine(
        store=store if store is not None else open_store(db_path),
        clock=clock if clock is not None else SystemClock(),
        mode=mode,
        seed=seed,
        capacity=capacity if capacity is not None else default_capacity(mode),
        faults=FaultInjector(seed, faults),
        media_base=media_base,
        cassettes=loaded,
    )

    app = MockApp(
        routes=starlette_routes(OPERATIONS),
        exception_handlers={
            HTTPException: _not_found,
            Exception: _server_error,
        },
    )
    app.outer = MockMiddleware(app.inner, engine=engine, api_key=api_key)
    app.engine = engine
    app.mock = MockControl(engine)
    app.state.engine = engine
    app.state.mock = app.mock
    app.state.media_size = media_size
    app.state.openapi = dumps(openapi_document(OPERATIONS, mode=mode, auth=api_key is not None))
    return app
