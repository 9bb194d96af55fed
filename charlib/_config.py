"""Defaults, environment variable names and the retry policy values, in one place.

Three budgets bound every wait (see ``docs/errors-and-retries.md``):

1. the per-request timeout (``timeout=``, default :data:`DEFAULT_TIMEOUT`),
2. the retry policy for one logical request (:class:`RetryPolicy`; ``max_retries=`` sets its count),
3. the overall wait deadline of a job (owned by the waiting layer).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import NoReturn

import httpx

from charlib._exceptions import InvalidParameterError

__all__ = [
    "CORE_SET_TIMEOUT",
    "DEFAULT_BASE_URL",
    "DEFAULT_DOWNLOAD_CONCURRENCY",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_IN_FLIGHT",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RETRY_STATUSES",
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

#: Downloads: files fetched at once, and the largest body accepted for one image (no image of a
#: 360° set comes near 50 MiB; a body that does is refused, never written whole).
DEFAULT_DOWNLOAD_CONCURRENCY = 8
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

#: Requests an ``AsyncClient`` has in flight at once on the connection pool it creates; more
#: wait for a slot (within the pool timeout). httpcore's pool costs more per request the more
#: connections it holds (see ``docs/performance.md``); an injected ``http_client`` is not bounded.
DEFAULT_MAX_IN_FLIGHT = 4

ENV_BASE_URL = "CHARLIB_BASE_URL"
ENV_API_KEY = "CHARLIB_API_KEY"
ENV_LOG = "CHARLIB_LOG"


#: The statuses a retry policy retries by default: timeouts, rate limits, server and proxy errors.
DEFAULT_RETRY_STATUSES: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How one ordinary call (``client.jobs.get(...)``, ``client.characters.create(...)``, ...) is
    retried, and which failed polls a wait waits out.

    Give it to a client: ``Client(retry=RetryPolicy(...))``, ``AsyncClient(retry=...)`` or
    ``client.with_options(retry=...)``. A client's ``max_retries=``, when given, replaces the
    policy's ``max_retries`` (``Client(retry=policy, max_retries=0)`` keeps every other field).

    Waits (``wait``, ``watch``, ``wait_all``, ``as_completed``) make single-attempt polls and do
    not use ``max_retries`` or the backoff: they use ``retry_statuses`` to tell a transient
    failure (waited out) from a final one (raised at once), and ``max_retry_after``.

    Attributes:
        max_retries: retries after the first attempt, so at most ``max_retries + 1`` attempts;
            0 disables retrying.
        base_delay: the first backoff step in seconds; step *n* is ``base_delay * 2 ** (n - 1)``.
        max_delay: the cap of one backoff step, in seconds.
        jitter: the part of each step that is random: the delay is drawn from
            ``[step * (1 - jitter), step]``. 0 disables jitter; 1 draws from ``[0, step]``.
        max_retry_after: the cap, in seconds, for a server's ``Retry-After`` (used instead of
            the backoff when the server sends one).
        retry_statuses: the HTTP statuses worth another attempt. A 404 is never retried, nor is
            anything else that is not a transient failure.

    Raises:
        InvalidParameterError: a field is out of range (``.field`` is ``RetryPolicy.<name>``).
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    base_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = 60.0
    retry_statuses: AbstractSet[int] = DEFAULT_RETRY_STATUSES

    def __post_init__(self) -> None:
        retries = self.max_retries
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            _invalid("max_retries", f"must be an integer >= 0, got {retries!r}")
        for name, high in (
            ("base_delay", math.inf),
            ("max_delay", math.inf),
            ("jitter", 1.0),
            ("max_retry_after", math.inf),
        ):
            value = getattr(self, name)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not (number and math.isfinite(value) and 0 <= value <= high):
                bounds = "a number in [0, 1]" if high == 1.0 else "a finite number of seconds >= 0"
                _invalid(name, f"must be {bounds}, got {value!r}")
        # A frozenset whatever was given (a set, a list, a range), so the policy stays hashable.
        object.__setattr__(self, "retry_statuses", _statuses(self.retry_statuses))


def _statuses(value: object) -> frozenset[int]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        _invalid("retry_statuses", f"must be a collection of HTTP statuses, got {value!r}")
    statuses = frozenset(value)
    for status in statuses:
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            _invalid("retry_statuses", f"must hold HTTP statuses (100-599), got {status!r}")
    return statuses


def _invalid(name: str, message: str) -> NoReturn:
    raise InvalidParameterError(f"RetryPolicy.{name}", message)
