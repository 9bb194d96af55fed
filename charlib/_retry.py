"""The one retry policy, shared by :class:`~charlib.Client` and :class:`~charlib.AsyncClient`.

:func:`retry_arguments` builds tenacity's keyword arguments once; the sync client hands them to
``tenacity.Retrying``, the async one to ``tenacity.AsyncRetrying``, each adding only its own
``sleep`` (``clock.sleep`` or ``clock.asleep``), so virtual time reaches every backoff.

What is retried depends on how safe it is to send the request again (:class:`RetryMode`):

- ``SAFE`` (GET, PUT, PATCH, DELETE): connection errors, timeouts, unparseable 2xx bodies and
  the policy's ``retry_statuses`` (by default 408/429/500/502/503/504).
- ``IDEMPOTENT_POST`` (a POST carrying an ``Idempotency-Key``): what never reached the server,
  429 and 503 if the policy retries them (refused before any work); anything else only once this
  server has shown that it honours the key (it echoed ``Idempotency-Key`` or said
  ``Idempotent-Replayed``), because then a repeat returns the original result instead of doing
  the work twice. The live service ignores the key, so against it an unclear failure of a POST is
  reported, never retried.
- ``UNSAFE_POST`` (a POST without a key): only when the request provably never reached the
  server (the connection could not be opened), because anything later might have created a job.
- ``NEVER``: the deprecated blocking core-set route.

A ``NotFoundError`` is never retried, even when the live service sends it as a 500.
"""

from __future__ import annotations

import enum
import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from charlib._config import RetryPolicy
from charlib._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    NotFoundError,
)

if TYPE_CHECKING:
    import tenacity

__all__ = [
    "RetryMode",
    "backoff_delay",
    "is_retryable",
    "retry_arguments",
]

logger = logging.getLogger("charlib")

# Raised before a single byte of the request left this process: safe to resend anything.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class RetryMode(enum.Enum):
    """How safe it is to send a request again."""

    SAFE = "safe"
    IDEMPOTENT_POST = "idempotent-post"
    UNSAFE_POST = "unsafe-post"
    NEVER = "never"


def backoff_delay(
    attempt: int, policy: RetryPolicy, rand: Callable[[], float] = random.random
) -> float:
    """Delay before retry number ``attempt`` (1-based): exponential, capped, jittered.

    The step is ``min(max_delay, base_delay * 2 ** (attempt - 1))``; the delay is uniformly drawn
    from ``[step * (1 - jitter), step]`` (the default jitter of 0.5 is "equal jitter": it never
    collapses to zero), so it never exceeds ``max_delay``.
    """
    step = min(policy.max_delay, policy.base_delay * 2.0 ** max(0, attempt - 1))
    return step * (1 - policy.jitter) + float(rand()) * step * policy.jitter


_REFUSED_BEFORE_WORK = frozenset({429, 503})


def is_retryable(
    exc: BaseException, mode: RetryMode, policy: RetryPolicy, keys_honoured: bool = False
) -> bool:
    """Whether ``exc`` (raised by one attempt) deserves another attempt under ``mode``.

    ``keys_honoured``: this server has shown it honours ``Idempotency-Key``.
    """
    if mode is RetryMode.NEVER:
        return False
    never_sent = isinstance(exc, APIConnectionError) and isinstance(exc.__cause__, _NEVER_SENT)
    if mode is RetryMode.UNSAFE_POST:
        # Only when the request provably never reached the server.
        return never_sent
    if mode is RetryMode.IDEMPOTENT_POST and not keys_honoured and not never_sent:
        return (
            isinstance(exc, APIStatusError)
            and exc.status_code in _REFUSED_BEFORE_WORK
            and exc.status_code in policy.retry_statuses
        )
    if isinstance(exc, APIConnectionError | APIResponseValidationError):
        return True
    if isinstance(exc, NotFoundError):
        return False
    return isinstance(exc, APIStatusError) and exc.status_code in policy.retry_statuses


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, APIStatusError):
        return f"HTTP {exc.status_code}"
    return type(exc).__name__ if exc is not None else "unknown"


def retry_arguments(
    *,
    mode: RetryMode,
    policy: RetryPolicy,
    describe: str | Callable[[tenacity.RetryCallState], str] = "request",
    rand: Callable[[], float] = random.random,
    keys_honoured: Callable[[], bool] = lambda: False,
) -> dict[str, Any]:
    """tenacity keyword arguments for one logical request (everything except ``sleep``).

    Args:
        mode: how safe the request is to resend.
        policy: how many retries, their delays, and the retryable statuses.
        describe: ``"METHOD URL"`` for the retry log lines, or a function of the retry state
            that returns it (called only when a retry is logged, so the arguments can be built
            once per client instead of once per request).
        rand: source of jitter in ``[0, 1)`` (tests pass a fixed one).
        keys_honoured: whether the server has shown it honours ``Idempotency-Key`` (asked at
            each decision: a client learns it from responses).

    Returns:
        ``stop``, ``wait``, ``retry``, ``before_sleep`` and ``reraise=True``.
    """
    # Imported here: tenacity (with what it pulls in) is only needed once a request is retried,
    # so ``import charlib`` does not pay for it.
    import tenacity

    attempts = 1 if mode is RetryMode.NEVER else policy.max_retries + 1

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, float | int):
            # The server knows best, within reason.
            return min(float(retry_after), policy.max_retry_after)
        return backoff_delay(state.attempt_number, policy, rand)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        logger.info(
            "Retrying %s in %.2fs (attempt %d of %d failed: %s)",
            describe if isinstance(describe, str) else describe(state),
            delay,
            state.attempt_number,
            attempts,
            _describe(exc),
        )

    return {
        "stop": tenacity.stop_after_attempt(attempts),
        "wait": wait,
        "retry": tenacity.retry_if_exception(
            lambda exc: is_retryable(exc, mode, policy, keys_honoured())
        ),
        "before_sleep": before_sleep,
        "reraise": True,
    }
