"""The older parsing entry points, kept while the routes move to :mod:`mock_server.bodies`.

The body and query parsers here are thin shims over the models in :mod:`mock_server.bodies`
(same results, same messages). The ``optional_*`` helpers are the field-at-a-time checks the
routes used before the models; they go once no route calls them.
"""

from __future__ import annotations

import math
from typing import Any

from mock_server.bodies import (
    CHARACTER_STATUSES,
    MAX_ATTEMPTS,
    CharacterCreate,
    CharacterInput,
    CharacterListQuery,
    Generate360Input,
    GenerateOptions,
    InvalidJson,
    InvalidRequest,
    JobListQuery,
    parse_body,
    parse_json_body,
    parse_query,
)

__all__ = [
    "CHARACTER_STATUSES",
    "MAX_ATTEMPTS",
    "GenerateOptions",
    "InvalidJson",
    "InvalidRequest",
    "ListQuery",
    "optional_bool",
    "optional_int",
    "optional_number",
    "optional_string",
    "parse_character",
    "parse_generate_options",
    "parse_job_list_query",
    "parse_json_body",
    "parse_page_query",
]

#: The validated job-list query (its attributes are those of the old dataclass).
ListQuery = JobListQuery


def parse_generate_options(body: dict[str, Any], *, upstream: bool = False) -> GenerateOptions:
    """Validate a generate-360-set body: ``parse_body(Generate360Input, ...).options()``."""
    return parse_body(Generate360Input, body, upstream=upstream).options()


def parse_page_query(params: Any, *, default_limit: int = 10) -> tuple[int, int]:
    """``page`` (1 to 10^9) and ``limit`` (>= 1; above 100 it clamps to 100)."""
    query = parse_query(CharacterListQuery, params)
    limit = query.limit if "limit" in query.model_fields_set else default_limit
    return query.page, limit


def parse_job_list_query(params: Any) -> JobListQuery:
    """Validate the query of ``GET /api/v1/jobs``: ``parse_query(JobListQuery, ...)``."""
    return parse_query(JobListQuery, params)


def parse_character(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate character fields: ``parse_body(CharacterCreate or CharacterInput, b).fields()``."""
    return parse_body(CharacterInput if partial else CharacterCreate, body).fields()


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and (not isinstance(value, float) or math.isfinite(value))
    )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def optional_string(body: dict[str, Any], key: str) -> str | None:
    """A string field that may be absent (or null); anything else is a 400."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{key} must be a string")
    return value


def optional_number(
    body: dict[str, Any], key: str, default: float, low: float, high: float
) -> float:
    """A number field in [low, high], defaulting when absent (or null)."""
    value = body.get(key)
    if value is None:
        return default
    if not _is_number(value) or not low <= value <= high:
        raise InvalidRequest(f"{key} must be a number between {low:g} and {high:g}")
    return float(value)


def optional_int(body: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    """An integer field in [low, high], defaulting when absent (or null)."""
    value = body.get(key)
    if value is None:
        return default
    number = _as_int(value)
    if number is None or not low <= number <= high:
        raise InvalidRequest(f"{key} must be an integer between {low} and {high}")
    return number


def optional_bool(body: dict[str, Any], key: str, default: bool) -> bool:
    """A boolean field, defaulting when absent (or null)."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidRequest(f"{key} must be a boolean")
    return value
