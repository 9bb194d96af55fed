"""One row per HTTP operation: the single table both the app's routes and ``/openapi.json`` read.

A route module (``mock_server/routes/*.py``) lists its operations as :class:`Operation` rows:
method, path, the endpoint function, and what the document says about it (summary, request body
and query models, the replies with their body shapes). :func:`mock_server.routes.starlette_routes`
turns the rows into Starlette routes; :func:`mock_server.openapi.openapi_document` turns the same
rows into the document's ``paths``, so neither can list a route the other does not know.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["ADMIN_TAG", "API_TAG", "Endpoint", "HeaderParam", "Operation", "Reply"]

Endpoint = Callable[[Request], Awaitable[Response]]

API_TAG = "character-library"
ADMIN_TAG = "mock-admin"


@dataclass(frozen=True, slots=True)
class Reply:
    """One documented response of an operation.

    ``shape`` is the type of the JSON body (a TypedDict or a pydantic model; its name is the
    component's name), or None for a body that is not JSON (``media_type`` says what it is;
    an empty ``media_type``: no body at all).
    """

    description: str
    shape: type[Any] | None = None
    media_type: str = "application/json"
    headers: tuple[str, ...] = ()  # response headers worth documenting, e.g. ("Location",)
    links: Mapping[str, Any] = field(default_factory=dict)  # OpenAPI link objects by name


@dataclass(frozen=True, slots=True)
class HeaderParam:
    """A request header an operation reads."""

    name: str
    schema: Mapping[str, Any]
    description: str


@dataclass(frozen=True, slots=True)
class Operation:
    """One method on one path: how it is served and how it is documented.

    ``path`` uses Starlette's syntax (``/api/v1/jobs/{jobId}/status``, ``/media/{path:path}``);
    the document drops the ``:converter`` part. ``replies`` maps a status code to its reply;
    ``default`` is the shape of any other error (auth, faults).
    """

    method: str
    path: str
    endpoint: Endpoint
    summary: str
    replies: Mapping[int, Reply]
    tag: str = API_TAG
    body: type[Any] | None = None
    body_required: bool = False
    query: type[Any] | None = None
    headers: tuple[HeaderParam, ...] = ()
    operation_id: str | None = None
    default: type[Any] | None = None
    public: bool = False  # no API key needed (health, media)
