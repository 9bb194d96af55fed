"""Sending the check's requests through the client, and reading answers with the SDK's models.

Every request goes through the client under check (its base URL, API key, timeout, size limit and
logging) with exactly one attempt: a conformance check reports what the server answered first,
not what a retry got. A non-2xx answer is an :class:`Exchange` like any other (the facts look at
status codes). Every body is parsed with the model the SDK itself parses it with; fields the
model does not know are collected per model (reported by the ``shapes`` fact, never fatal), and
every response's ``Date`` is kept for the ``date-header`` fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import pydantic

from charlib._exceptions import APIStatusError
from charlib._headers import parse_http_date
from charlib._request import RequestSpec
from charlib._response import decode_body, server_text
from charlib._retry import RetryMode

if TYPE_CHECKING:
    from charlib._client import Client

__all__ = ["Exchange", "Probe", "unknown_fields"]

_M = TypeVar("_M", bound=pydantic.BaseModel)


def unknown_fields(model: pydantic.BaseModel, prefix: str = "") -> list[str]:
    """Dotted paths of the fields ``model`` (and the models inside it) kept without knowing."""
    found = [f"{prefix}{name}" for name in (model.model_extra or {})]
    for name in type(model).model_fields:
        value = getattr(model, name)
        alias = type(model).model_fields[name].alias or name
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, pydantic.BaseModel):
                suffix = "[]" if isinstance(value, list) else ""
                found += unknown_fields(item, f"{prefix}{alias}{suffix}.")
    return sorted(set(found))


@dataclass
class Exchange:
    """One request and its answer, whatever the status."""

    method: str
    path: str
    response: httpx.Response
    body: object = field(init=False)

    def __post_init__(self) -> None:
        self.body = decode_body(self.response)

    @property
    def status(self) -> int:
        """The HTTP status."""
        return self.response.status_code

    @property
    def text(self) -> str | None:
        """The server's own words (``error``, else ``message``, else ``details``)."""
        return server_text(self.body)

    def field(self, name: str) -> Any:
        """A top-level field of a JSON object body (None otherwise)."""
        return self.body.get(name) if isinstance(self.body, dict) else None

    def describe(self) -> str:
        """``HTTP 404 'Job not found'``: the status and the server's words, for a line."""
        said = self.text
        return f"HTTP {self.status}" + (f" {said[:120]!r}" if said else "")


class Probe:
    """The check's way to the server: single attempts, answers kept, bodies parsed by the SDK."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.dates: list[tuple[str, datetime | None]] = []  # (request, its Date) per answer
        self.unknown: dict[str, set[str]] = {}  # model name -> fields it did not know
        self.shape_errors: list[str] = []

    def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Exchange:
        """One request (no retry); any status comes back as an :class:`Exchange`.

        ``content`` sends raw bytes as a JSON body (malformed on purpose); otherwise ``json`` is
        sent, or no body at all when it is None.

        Raises:
            APIConnectionError: no answer (the facts that need one are then skipped).
        """

        def keep(response: httpx.Response) -> httpx.Response:
            return response

        spec = RequestSpec(
            method, path.lstrip("/"), keep, params=params, json=json, mode=RetryMode.NEVER
        )
        client = self.client
        try:
            if content is None:
                response = client._request(spec)
            else:
                kwargs = client._request_kwargs(spec)
                kwargs.update(json=None, content=content)
                kwargs["headers"] = {**kwargs["headers"], "Content-Type": "application/json"}
                response = client._attempt(spec, client._http.build_request(**kwargs))
        except APIStatusError as error:
            response = error.response
        self.dates.append((f"{method} {path}", parse_http_date(response.headers.get("date"))))
        return Exchange(method, path, response)

    def parse(self, exchange: Exchange, model: type[_M]) -> _M | None:
        """``exchange``'s body as ``model`` (None, and a shape error noted, if it is not one)."""
        try:
            parsed = model.model_validate(exchange.body)
        except pydantic.ValidationError as error:
            where = ", ".join(".".join(map(str, e["loc"])) or "<root>" for e in error.errors())
            self.shape_errors.append(
                f"{model.__name__} ({exchange.method} {exchange.path}): {where}"
            )
            return None
        self.note(parsed)
        return parsed

    def note(self, parsed: pydantic.BaseModel) -> None:
        """Remember the fields ``parsed`` kept without knowing them."""
        extra = unknown_fields(parsed)
        if extra:
            self.unknown.setdefault(type(parsed).__name__, set()).update(extra)
