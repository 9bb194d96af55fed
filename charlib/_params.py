"""Pure argument checks and body building for the resources.

Bad input fails here, before any I/O, with :class:`~charlib.InvalidParameterError` naming the
Python argument. Optional arguments use ``NOT_GIVEN`` so an explicit ``0`` is sent as ``0``.

Whatever is accepted can be sent: no string holds a lone surrogate (it has no UTF-8 encoding, so
httpx would raise ``UnicodeEncodeError`` while building the request), no number in a body is
``NaN`` or infinite (not JSON), an id stays one path segment, and an ``Idempotency-Key`` is a valid
header value (non-ASCII fails to encode; CR/LF is refused by the HTTP library only once the
request is on its way, where it would look like a connection error worth retrying).
"""

from __future__ import annotations

import math
import re
import sys
import uuid
import warnings
from collections.abc import Mapping, Sequence
from types import FrameType
from typing import Any
from urllib.parse import quote

from pydantic_core import PydanticSerializationError, to_jsonable_python

from charlib._exceptions import InvalidParameterError
from charlib._retry import RetryMode
from charlib._types import NotGiven, is_given

__all__ = [
    "MAX_IDEMPOTENCY_KEY",
    "MAX_NESTING",
    "camelize",
    "check_id",
    "check_idempotency_key",
    "check_int",
    "check_number",
    "check_quality_threshold",
    "check_sendable",
    "check_str",
    "check_str_list",
    "compact",
    "idempotency",
    "jsonable",
    "path_segment",
    "warn_caller",
]


def camelize(key: str) -> str:
    """``dino_asset_id`` -> ``dinoAssetId``; keys without ``_`` (already camelCase) are kept."""
    if "_" not in key.strip("_"):
        return key
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


#: How deep a value given for a request body may nest (far deeper than any field needs).
MAX_NESTING = 32


def compact(fields: Mapping[str, object], *, within: str | None = None) -> dict[str, object]:
    """Drop ``NOT_GIVEN`` values (``None`` and ``0`` are kept) and camelize the keys.

    Each value kept is checked to be sendable (see :func:`check_sendable`), and a bad one is
    reported under its own name, or under ``within`` when the fields are the content of one
    argument (``metadata``).
    """
    body: dict[str, object] = {}
    for key, value in fields.items():
        if is_given(value):
            check_sendable(within or key, value)
            body[camelize(key)] = value
    return body


def jsonable(body: Mapping[str, object]) -> Any:
    """``body`` with datetimes, enums and models turned into JSON-compatible values.

    Raises:
        InvalidParameterError: a value has no JSON form (naming its key).
    """
    try:
        return to_jsonable_python(body)
    except (PydanticSerializationError, ValueError, TypeError):
        pass
    for key, value in body.items():  # find the culprit, to name it
        try:
            to_jsonable_python(value)
        except (PydanticSerializationError, ValueError, TypeError):
            kind = type(value).__name__
            raise InvalidParameterError(key, f"cannot be sent as JSON ({kind})") from None
    raise InvalidParameterError("body", "cannot be sent as JSON")


def check_sendable(field: str, value: object, depth: int = 0) -> None:
    """``value`` (of a request body) holds only encodable strings and finite numbers.

    Raises:
        InvalidParameterError: a lone surrogate, a NaN or infinity, or nesting deeper than
            :data:`MAX_NESTING`, anywhere in ``value`` (keys included).
    """
    if isinstance(value, str):
        _check_encodable(field, value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidParameterError(field, f"must be a finite number, got {value!r}")
    elif isinstance(value, Mapping | list | tuple | set | frozenset):
        if depth >= MAX_NESTING:
            raise InvalidParameterError(field, f"nests deeper than {MAX_NESTING} levels")
        items = value.items() if isinstance(value, Mapping) else ((None, i) for i in value)
        for key, item in items:
            if key is not None:
                check_sendable(field, key, depth + 1)
            check_sendable(field, item, depth + 1)


def _check_encodable(field: str, value: str) -> str:
    """``value``, if it has a UTF-8 encoding (no lone surrogate, as ``"\\ud800"`` makes)."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidParameterError(
                field, "contains a lone surrogate (U+D800-U+DFFF), which cannot be sent"
            ) from None
    return value


def check_id(field: str, value: object) -> str:
    """A non-empty id: a string that is not blank and can be sent."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(field, f"must be a non-empty string, got {value!r}")
    return _check_encodable(field, value)


# An id must arrive as the one path segment it was sent as. "." and ".." are dot segments (the
# URL resolves them away: jobs.get("..") would ask for /api/v1/status); "/" and "\\" separate
# segments to some servers and proxies even when percent-encoded; control characters have no
# business in an id. No id of this API contains any of them.
_NOT_IN_SEGMENT = re.compile(r"[/\\\x00-\x1f\x7f-\x9f]")


def path_segment(field: str, value: object) -> str:
    """``value`` checked to be an id that stays one path segment, percent-encoded for a URL path.

    Raises:
        InvalidParameterError: not a string, blank, ``.`` or ``..``, or containing ``/``, ``\\``,
            a control character or a lone surrogate.
    """
    text = check_id(field, value)
    if text in (".", "..") or _NOT_IN_SEGMENT.search(text):
        raise InvalidParameterError(
            field,
            f"must be an id that stays one URL path segment (not '.' or '..', no '/', '\\' "
            f"or control characters), got {text!r}",
        )
    return quote(text, safe="")


def check_str(field: str, value: object) -> str:
    """A string (possibly empty) that can be sent."""
    if not isinstance(value, str):
        raise InvalidParameterError(field, f"must be a string, got {type(value).__name__}")
    return _check_encodable(field, value)


def check_str_list(field: str, value: object) -> list[str]:
    """A list (or tuple) of strings that can be sent."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidParameterError(field, "must be a list of strings")
    items = list(value)
    if not all(isinstance(item, str) for item in items):
        raise InvalidParameterError(field, "must be a list of strings")
    for item in items:
        _check_encodable(field, item)
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


def check_quality_threshold(value: object) -> float | int:
    """``quality_threshold``: a number 0-100. A value strictly between 0 and 1 is sent as given
    but warned about (``UserWarning``): it is most likely a fraction meant as a percentage."""
    threshold = check_number("quality_threshold", value, minimum=0, maximum=100)
    if 0 < threshold < 1:
        warn_caller(
            f"quality_threshold={threshold!r} looks like a fraction, but the API takes a score "
            f"from 0 to 100 (did you mean {threshold * 100:g}?); it is sent as given",
            UserWarning,
        )
    return threshold


def warn_caller(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` pointing at the first frame outside charlib: the caller's own line,
    however many charlib calls lie between (``generate_360_set_and_wait``, ``Job`` methods,
    the async twins, whose coroutine frames chain to the awaiting frame the same way)."""
    frame = sys._getframe(1)
    level = 2  # 1 would name this function's line; 2 names the frame that called it
    while frame.f_back is not None and _in_charlib(frame):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def _in_charlib(frame: FrameType) -> bool:
    name = str(frame.f_globals.get("__name__", ""))
    return name == "charlib" or name.startswith("charlib.")


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
    return check_idempotency_key(key), RetryMode.IDEMPOTENT_POST


#: The longest ``Idempotency-Key`` sent (a uuid4 is 36 characters).
MAX_IDEMPOTENCY_KEY = 255
# Visible ASCII, with inner spaces: what an HTTP header value may hold, CR and LF excluded.
_HEADER_VALUE = re.compile(r"[!-~]([ -~]*[!-~])?")


def check_idempotency_key(key: object) -> str:
    """A key that is a valid header value: 1-255 printable ASCII characters, no CR/LF, no
    surrounding spaces.

    Raises:
        InvalidParameterError: anything else (``field`` is ``idempotency_key``).
    """
    if not isinstance(key, str):
        raise InvalidParameterError("idempotency_key", f"must be a string, got {key!r}")
    if len(key) > MAX_IDEMPOTENCY_KEY or not _HEADER_VALUE.fullmatch(key):
        raise InvalidParameterError(
            "idempotency_key",
            f"must be 1-{MAX_IDEMPOTENCY_KEY} printable ASCII characters (a header value: no "
            f"CR/LF, no leading or trailing space), got {key[:80]!r}",
        )
    return key
