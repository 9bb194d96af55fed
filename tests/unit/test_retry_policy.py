"""The retry policy as pure functions: Retry-After parsing, backoff, what is retryable."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
import tenacity
from hypothesis import given
from hypothesis import strategies as st

import charlib
from charlib._config import RetryPolicy
from charlib._headers import parse_http_date, parse_retry_after
from charlib._retry import RetryMode, backoff_delay, is_retryable, retry_arguments

POLICY = RetryPolicy()
NOW = datetime(2025, 10, 2, 9, 0, 0, tzinfo=timezone.utc)
REQUEST = httpx.Request("GET", "https://charlib.test/x")


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({}, None),
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": " 1.5 "}, 1.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "inf"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "Thu, 02 Oct 2025 09:00:30 GMT"}, 30.0),
        ({"Retry-After": "Thu, 02 Oct 2025 08:59:00 GMT"}, 0.0),
        (
            {
                "Retry-After": "Thu, 02 Oct 2025 10:00:05 GMT",
                "Date": "Thu, 02 Oct 2025 10:00:00 GMT",
            },
            5.0,
        ),
    ],
)
def test_parse_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    """Delta-seconds and HTTP dates (against ``Date`` or now) are understood; junk is ignored."""
    assert parse_retry_after(httpx.Headers(headers), now=NOW) == seconds


def test_parse_http_date() -> None:
    """HTTP dates parse to aware datetimes; garbage to None."""
    assert parse_http_date("Thu, 02 Oct 2025 09:00:00 GMT") == NOW
    assert parse_http_date("not a date") is None
    assert parse_http_date(None) is None


@given(
    attempt=st.integers(min_value=1, max_value=60), jitter=st.floats(min_value=0, max_value=0.999)
)
def test_backoff_is_bounded(attempt: int, jitter: float) -> None:
    """Every delay lies in [step/2, step] with step = min(8, 0.5 * 2**(attempt-1))."""
    delay = backoff_delay(attempt, POLICY, lambda: jitter)
    step = min(8.0, 0.5 * 2 ** (attempt - 1))
    assert step / 2 <= delay <= step <= POLICY.max_delay


def _status_error(status: int, body: object = None) -> charlib.APIStatusError:
    from charlib._response import make_status_error

    return make_status_error(httpx.Response(status, json=body or {}, request=REQUEST))


def _connection_error(cause: Exception) -> charlib.APIConnectionError:
    error = charlib.APIConnectionError(request=REQUEST)
    error.__cause__ = cause
    return error


def _invalid_body() -> charlib.APIResponseValidationError:
    response = httpx.Response(200, text="<html>", request=REQUEST)
    return charlib.APIResponseValidationError("bad", response=response, body="<html>")


CASES = [
    # error, SAFE, IDEMPOTENT_POST (key honoured), IDEMPOTENT_POST (not known), UNSAFE_POST
    (_status_error(503), True, True, True, False),
    (_status_error(429), True, True, True, False),
    (_status_error(408), True, True, False, False),
    (_status_error(500), True, True, False, False),
    (_status_error(500, {"error": "Not Found"}), False, False, False, False),
    (_status_error(404), False, False, False, False),
    (_status_error(400), False, False, False, False),
    (_status_error(501), False, False, False, False),
    (_invalid_body(), True, True, False, False),
    (_connection_error(httpx.ReadError("reset")), True, True, False, False),
    (_connection_error(httpx.ConnectError("refused")), True, True, True, True),
    (_connection_error(httpx.ConnectTimeout("slow")), True, True, True, True),
    (charlib.APITimeoutError(request=REQUEST), True, True, False, False),
    (ValueError("a bug"), False, False, False, False),
]


@pytest.mark.parametrize(("error", "safe", "honoured", "unknown", "unsafe_post"), CASES)
def test_is_retryable(
    error: BaseException, safe: bool, honoured: bool, unknown: bool, unsafe_post: bool
) -> None:
    """What is retried depends on the error, on how safe the request is to resend and, for a
    keyed POST, on whether the server has shown that it honours the key."""
    assert is_retryable(error, RetryMode.SAFE, POLICY) is safe
    assert is_retryable(error, RetryMode.IDEMPOTENT_POST, POLICY, keys_honoured=True) is honoured
    assert is_retryable(error, RetryMode.IDEMPOTENT_POST, POLICY) is unknown
    assert is_retryable(error, RetryMode.UNSAFE_POST, POLICY) is unsafe_post
    assert is_retryable(error, RetryMode.NEVER, POLICY) is False


def _run(mode: RetryMode, max_retries: int, error: Exception) -> tuple[int, list[float]]:
    sleeps: list[float] = []
    calls = 0

    def attempt() -> None:
        nonlocal calls
        calls += 1
        raise error

    policy = RetryPolicy(max_retries=max_retries)
    kwargs = retry_arguments(mode=mode, policy=policy, rand=lambda: 0.0)
    with pytest.raises(type(error)):
        tenacity.Retrying(sleep=sleeps.append, **kwargs)(attempt)
    return calls, sleeps


def test_retry_arguments_drive_tenacity() -> None:
    """The same arguments give max_retries+1 attempts with the policy's delays."""
    calls, sleeps = _run(RetryMode.SAFE, 3, _status_error(503))
    assert calls == 4
    assert sleeps == [0.25, 0.5, 1.0]


def test_retry_after_wins_over_backoff_and_is_capped() -> None:
    """A server's Retry-After replaces the backoff step, clipped to 60 s."""
    error = _status_error(429)
    error.retry_after = 600.0
    assert _run(RetryMode.SAFE, 1, error) == (2, [60.0])


def test_never_mode_makes_one_attempt() -> None:
    """NEVER ignores max_retries."""
    assert _run(RetryMode.NEVER, 5, _status_error(503)) == (1, [])
