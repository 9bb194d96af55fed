"""Pure parsing of the HTTP date headers charlib cares about: ``Date`` and ``Retry-After``."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

import httpx

__all__ = ["parse_http_date", "parse_retry_after"]


def parse_http_date(value: str | None) -> datetime | None:
    """Parse an HTTP date (``Date``/``Retry-After``) into an aware datetime, or ``None``."""
    if not value:
        return None
    return _parse_http_date(value)


# A server's Date changes once a second and every response carries one: remember the last few.
@lru_cache(maxsize=32)
def _parse_http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def parse_retry_after(headers: httpx.Headers, *, now: datetime | None = None) -> float | None:
    """Seconds to wait according to ``Retry-After`` (delta-seconds or HTTP date), else ``None``.

    An HTTP date is measured against the response's own ``Date`` header when present (so clock
    skew between us and the server does not matter), else against ``now`` (default: UTC now).
    Negative results become 0. Capping is the caller's business.
    """
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        when = parse_http_date(value)
        if when is None:
            return None
        reference = parse_http_date(headers.get("date")) or now or datetime.now(timezone.utc)
        seconds = (when - reference).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, seconds)
