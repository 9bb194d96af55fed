"""The mock's HTTP operations, one module per resource, and the one table they form.

:data:`OPERATIONS` is the table: :func:`starlette_routes` builds the app's routes from it and
:func:`mock_server.openapi.openapi_document` builds ``/openapi.json`` from it, so a route cannot be
served without being documented, or documented without being served. Endpoints are module-level
functions that read the engine from ``request.app.state``; each can be imported and tested alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mock_server.operation import Endpoint, Operation
from mock_server.routes import admin, characters, jobs, legacy, media, service

__all__ = ["OPERATIONS", "starlette_routes"]

OPERATIONS: tuple[Operation, ...] = (
    *service.OPERATIONS,
    *characters.OPERATIONS,
    *jobs.OPERATIONS,
    *legacy.OPERATIONS,
    *media.OPERATIONS,
    *admin.OPERATIONS,
)


def starlette_routes(operations: Iterable[Operation]) -> list[BaseRoute]:
    """One Starlette route per path, dispatching on the method, plus ``/openapi.json``.

    One route per path (rather than per method) makes a 405 list every allowed method in
    ``Allow``, as HTTP requires.
    """
    by_path: dict[str, dict[str, Endpoint]] = {}
    for operation in operations:
        by_path.setdefault(operation.path, {})[operation.method] = operation.endpoint
    routes: list[BaseRoute] = []
    for path, handlers in by_path.items():

        async def dispatch(request: Request, handlers: dict[str, Endpoint] = handlers) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            return await handlers[method](request)

        routes.append(Route(path, dispatch, methods=list(handlers)))
    routes.append(Route("/openapi.json", service.openapi_json, methods=["GET"]))
    return routes
