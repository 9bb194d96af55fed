"""Pure argument checks and body building for the resources.

Bad input fails here, before any I/O, with :class:`~charlib.InvalidParameterError` naming the
Python argument. Optional arguments use ``NOT_GIVEN`` so an explicit ``0`` is sent as ``0``.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from pydantic_core import to_jsonable_python

from charlib._exceptions import InvalidParameterError
from charlib._retry import RetryMode
from charlib._types import NotGiven, is_given

__all__ = [
    "camelize",
    "check_id",
    "check_int",
    "check_number",
    "check_str",
    "check_str_list",
    "compact",
    "idempotency",
    "jsonable",
    "path_segment",
]


def camelize(key: str) -> str:
    """``dino_asset_id`` -> ``dinoAssetId``; keys without ``_`` (already camelCase) are kept."""
    if "_" not in key.strip("_"):
        return key
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def compact(fields: Mapping[str, object]) -> dict[str, object]:
    """Drop ``NOT_GIVEN`` values (``None`` and ``0`` are kept) and camelize the keys."""
    return {camelize(key): value for key, value in fields.items() if is_given(value)}


def jsonable(body: Mapping[str, object]) -> Any:
    """``body`` with datetimes, enums and models turned into JSON-compatible values."""
    return to_jsonable_python(body)


def check_id(field: str, value: object) -> str:
    """A non-empty path id (character or job id)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(field, f"must be a non-empty string, got {value!r}")
    return value


def path_segment(field: str, value: object) -> str:
    """``value`` checked with :func:`check_id` and percent-encoded for use in a URL path."""
    return quote(check_id(field, value), safe="")


def check_str(field: str, value: object) -> str:
    """A string (possibly empty)."""
    if not isinstance(value, str):
        raise InvalidParameterError(field, f"must be a string, got {type(value).__name__}")
    return value


def check_str_list(field: str, value: object) -> list[str]:
    """A list (or tuple) of strings."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidParameterError(field, "must be a list of strings")
    items = list(value)
    if not all(isinstance(item, str) for item in items):
        raise InvalidParameterError(field, "must be a list of strings")
    return items


def check_int(
    field: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """An ``int`` (not a ``bool``) within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameterError(field, f"must be an integer, got {value!r}")
    _check_range(field, value, minimum, maximum)
    return value


def check_number(
    field: str, value: object, *, minimum: float | None = None, maximum: float | None = None
) -> float | int:
    """A finite ``int`` or ``float`` (not a ``bool``) within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidParameterError(field, f"must be a finite number, got {value!r}")
    _check_range(field, value, minimum, maximum)
    return value


def _check_range(field: str, value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and maximum is not None and not minimum <= value <= maximum:
        raise InvalidParameterError(field, f"must be between {minimum} and {maximum}, got {value}")
    if minimum is not None and value < minimum:
        raise InvalidParameterError(field, f"must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise InvalidParameterError(field, f"must be at most {maximum}, got {value}")


def idempotency(key: str | NotGiven | None) -> tuple[str | None, RetryMode]:
    """The ``Idempotency-Key`` to send and the resulting retry mode for a POST.

    ``NOT_GIVEN`` draws a fresh uuid4 (one per logical call, reused by every retry); a string is
    used as is; ``None`` sends no key, and the POST is then retried only if it never left.
    """
    if isinstance(key, NotGiven):
        return str(uuid.uuid4()), RetryMode.IDEMPOTENT_POST
    if key is None:
        return None, RetryMode.UNSAFE_POST
    return check_id("idempotency_key", key), RetryMode.IDEMPOTENT_POST
