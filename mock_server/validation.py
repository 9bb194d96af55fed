"""Request parsing and validation: wire bodies and query strings to plain values, or a 400.

Every failure raises :class:`InvalidRequest` whose message names the field by its wire name and
says what is expected (``qualityThreshold must be a number between 0 and 100``). The upstream mode
keeps the live service's ``x || default`` defaults (defect D3) but still rejects wrong types.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from mock_server.lifecycle import JOB_STATUSES, JOB_TYPES
from mock_server.shots import DEFAULT_ANGLES, SHOTS

__all__ = [
    "CHARACTER_STATUSES",
    "MAX_ATTEMPTS",
    "GenerateOptions",
    "InvalidJson",
    "InvalidRequest",
    "ListQuery",
    "parse_character",
    "parse_generate_options",
    "parse_job_list_query",
    "parse_json_body",
    "parse_page_query",
]

CHARACTER_STATUSES = ("draft", "in_development", "ready", "in_production", "archived")
CHARACTER_STRING_FIELDS = (
    "height",
    "weight",
    "eyeColor",
    "hairColor",
    "physicalDescription",
    "personality",
    "biography",
    "motivations",
    "backstory",
    "clothing",
)
#: maxRetries is the number of attempts per shot; bounded so a plan stays small.
MAX_ATTEMPTS = 10
MAX_SAFE_INTEGER = 2**53 - 1  # customSeed must survive a JavaScript client
MAX_PAGE = 1_000_000_000  # keeps OFFSET inside SQLite's 64-bit range
MAX_LIMIT = 100


class InvalidRequest(ValueError):
    """A 400: ``str(exc)`` is the client-facing message."""


class InvalidJson(InvalidRequest):
    """The body is not JSON or not an object; ``js_message`` is what Node's parser would say."""

    def __init__(self, message: str, js_message: str) -> None:
        super().__init__(message)
        self.js_message = js_message


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def parse_json_body(raw: bytes) -> dict[str, Any]:
    """Decode a request body: empty means ``{}``; it must otherwise be a JSON object.

    Raises:
        InvalidJson: malformed JSON, NaN/Infinity, or a non-object.
    """
    if not raw.strip():
        if raw:
            raise InvalidJson("Invalid JSON body", "Unexpected end of JSON input")
        return {}
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        pos = getattr(exc, "pos", 0) or 0
        text = raw[pos : pos + 1].decode("utf-8", "replace") or "end of input"
        raise InvalidJson(
            "Invalid JSON body", f"Unexpected token {text} in JSON at position {pos}"
        ) from None
    if value is None:
        raise InvalidJson(
            "Invalid JSON body: expected a JSON object",
            "Cannot destructure property 'style' of '(intermediate value)' as it is null.",
        )
    if not isinstance(value, dict):
        raise InvalidJson("Invalid JSON body: expected a JSON object", "Invalid request body")
    return value


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


@dataclass(frozen=True, slots=True)
class GenerateOptions:
    """The body of generate-360-set after defaults (the job's ``requestData``)."""

    style: str
    quality_threshold: float
    image_count: int
    max_attempts: int
    custom_seed: int | None
    angles: tuple[str, ...]

    def request_data(self) -> dict[str, Any]:
        """The wire form stored as ``requestData``."""
        data: dict[str, Any] = {
            "style": self.style,
            "qualityThreshold": self.quality_threshold,
            "imageCount": self.image_count,
            "maxRetries": self.max_attempts,
        }
        if self.custom_seed is not None:
            data["customSeed"] = self.custom_seed
        data["angles"] = list(self.angles)
        return data


def _present(body: dict[str, Any], key: str, upstream: bool) -> bool:
    """Absent (or null) means default; upstream also treats any falsy value so (D3)."""
    if key not in body or body[key] is None:
        return False
    return not (upstream and not body[key])


def parse_generate_options(body: dict[str, Any], *, upstream: bool = False) -> GenerateOptions:
    """Validate a generate-360-set body (unknown keys are ignored).

    Raises:
        InvalidRequest: naming the first bad field.
    """
    style = "character_production"
    if _present(body, "style", upstream):
        if not isinstance(body["style"], str):
            raise InvalidRequest("style must be a string")
        style = body["style"]
    threshold: float = 75
    if _present(body, "qualityThreshold", upstream):
        value = body["qualityThreshold"]
        if not _is_number(value) or not 0 <= value <= 100:
            raise InvalidRequest("qualityThreshold must be a number between 0 and 100")
        threshold = value
    count = 27
    if _present(body, "imageCount", upstream):
        number = _as_int(body["imageCount"])
        if number is None or not 1 <= number <= len(SHOTS):
            raise InvalidRequest(f"imageCount must be an integer between 1 and {len(SHOTS)}")
        count = number
    attempts = 3
    if _present(body, "maxRetries", upstream):
        number = _as_int(body["maxRetries"])
        if number is None or not 1 <= number <= MAX_ATTEMPTS:
            raise InvalidRequest(f"maxRetries must be an integer between 1 and {MAX_ATTEMPTS}")
        attempts = number
    seed: int | None = None
    if _present(body, "customSeed", upstream):
        number = _as_int(body["customSeed"])
        if number is None or abs(number) > MAX_SAFE_INTEGER:
            raise InvalidRequest("customSeed must be an integer (a safe JavaScript integer)")
        seed = number
    angles = DEFAULT_ANGLES[:count]
    if _present(body, "angles", upstream):
        value = body["angles"]
        if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
            raise InvalidRequest("angles must be a list of strings")
        if len(value) > 100:
            raise InvalidRequest("angles must have at most 100 entries")
        angles = tuple(value)
    return GenerateOptions(style, threshold, count, attempts, seed, angles)


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Validated job-list parameters."""

    character_id: str | None
    status: str | None
    job_type: str | None
    page: int
    limit: int


def _positive_int(params: Any, key: str, default: int, high: int) -> int:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequest(f"{key} must be a positive integer") from None
    if value < 1:
        raise InvalidRequest(f"{key} must be a positive integer")
    if value > high:
        if key == "limit":
            return high  # clamps, as upstream does
        raise InvalidRequest(f"{key} must be an integer between 1 and {high}")
    return value


def parse_page_query(params: Any, *, default_limit: int = 10) -> tuple[int, int]:
    """``page`` (1 to 10^9) and ``limit`` (>= 1; above 100 it clamps to 100)."""
    page = _positive_int(params, "page", 1, MAX_PAGE)
    limit = _positive_int(params, "limit", default_limit, MAX_LIMIT)
    return page, limit


def parse_job_list_query(params: Any) -> ListQuery:
    """Validate the query of ``GET /api/v1/jobs``.

    Raises:
        InvalidRequest: bad ``page``/``limit``, or an unknown ``status``/``jobType``.
    """
    page, limit = parse_page_query(params)
    # Absent means "no filter"; anything present, even empty, must be a known value.
    status = params.get("status")
    if status is not None and status not in JOB_STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(JOB_STATUSES)}")
    job_type = params.get("jobType")
    if job_type is not None and job_type not in JOB_TYPES:
        raise InvalidRequest(f"jobType must be one of {', '.join(JOB_TYPES)}")
    character_id = params.get("characterId") or None
    return ListQuery(character_id, status, job_type, page, limit)


def parse_character(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate character fields (unknown keys are dropped, like Payload does).

    Args:
        body: the request object.
        partial: PATCH (nothing required) rather than POST (``name`` required).

    Raises:
        InvalidRequest: naming the bad field.
    """
    out: dict[str, Any] = {}
    if "name" in body or not partial:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("name is required and must be a non-empty string")
        out["name"] = name
    if body.get("characterId") is not None:
        slug = body["characterId"]
        if not isinstance(slug, str) or not slug.strip():
            raise InvalidRequest("characterId must be a non-empty string")
        out["characterId"] = slug
    if body.get("status") is not None:
        if body["status"] not in CHARACTER_STATUSES:
            raise InvalidRequest(f"status must be one of {', '.join(CHARACTER_STATUSES)}")
        out["status"] = body["status"]
    if body.get("age") is not None:
        if not _is_number(body["age"]) or body["age"] < 0:
            raise InvalidRequest("age must be a non-negative number")
        out["age"] = body["age"]
    for key in CHARACTER_STRING_FIELDS:
        if body.get(key) is not None:
            if not isinstance(body[key], str):
                raise InvalidRequest(f"{key} must be a string")
            out[key] = body[key]
    return out


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
