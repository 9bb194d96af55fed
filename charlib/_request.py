"""``RequestSpec``: one logical request, fully decided before any I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from charlib._retry import RetryMode

__all__ = ["RequestSpec"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class RequestSpec(Generic[_T]):
    """Everything about one logical request, decided before any I/O.

    Attributes:
        method: HTTP method.
        path: path relative to the base URL (no leading slash), e.g. ``"api/v1/jobs"``.
        parse: turns a 2xx response into the result (raises ``APIResponseValidationError``).
        params: query parameters.
        json: JSON body, or ``None`` for no body.
        mode: how safe the request is to resend (see ``charlib._retry``).
        idempotency_key: sent as ``Idempotency-Key`` when set.
        timeout: overrides the client's timeout for this request.
    """

    method: str
    path: str
    parse: Callable[[httpx.Response], _T]
    params: Mapping[str, str | int] | None = None
    json: Any = None
    mode: RetryMode = RetryMode.SAFE
    idempotency_key: str | None = None
    timeout: httpx.Timeout | None = None
