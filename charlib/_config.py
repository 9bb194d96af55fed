"""Defaults, environment variable names and the retry policy values, in one place.

Three budgets bound every wait (see ``docs/errors-and-retries.md``):

1. the per-request timeout (``timeout=``, default :data:`DEFAULT_TIMEOUT`),
2. the retry policy for one logical request (``max_retries=`` plus :class:`RetryPolicy`),
3. the overall wait deadline of a job (owned by the waiting layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

__all__ = [
    "CORE_SET_TIMEOUT",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_LOG",
    "RetryPolicy",
]

#: The production service.
DEFAULT_BASE_URL = "https://character.ft.tc"

#: Per request: 30 s overall, but give up connecting after 10 s.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

#: Retries after the first attempt (so up to 4 attempts); 0 disables retrying.
DEFAULT_MAX_RETRIES = 3

#: The legacy blocking core-set route runs 15-30 minutes; allow 45.
CORE_SET_TIMEOUT = httpx.Timeout(45 * 60.0, connect=10.0)

ENV_BASE_URL = "CHARLIB_BASE_URL"
ENV_API_KEY = "CHARLIB_API_KEY"
ENV_LOG = "CHARLIB_LOG"


@dataclass(frozen=True)
class RetryPolicy:
    """How one logical request is retried (the count comes from the client's ``max_retries``).

    Attributes:
        base_delay: first backoff step in seconds; step *n* is ``base_delay * 2 ** (n - 1)``.
        max_delay: cap for one backoff step (before jitter).
        max_retry_after: cap for a server's ``Retry-After``; larger values are clipped to it.
        retry_statuses: HTTP statuses worth another attempt.
    """

    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    retry_statuses: frozenset[int] = field(
        default_factory=lambda: frozenset({408, 429, 500, 502, 503, 504})
    )
