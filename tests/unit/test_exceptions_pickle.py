"""Every charlib error pickles and unpickles (for ProcessPoolExecutor), without its credentials."""

from __future__ import annotations

import json
import pickle

import httpx
import pytest

import charlib
from charlib._exceptions import redact_error

KEY = "pickle-Secret-0c7a4b1f9e"


def _request() -> httpx.Request:
    return httpx.Request(
        "GET", "https://h/api/v1/jobs/j/status", headers={"Authorization": f"Bearer {KEY}"}
    )


def _response(status: int, body: bytes = b'{"error": "no"}') -> httpx.Response:
    return httpx.Response(status, content=body, request=_request())


def _status() -> charlib.JobStatus:
    return charlib.JobStatus.model_validate(
        {"jobId": "j", "status": "failed", "progress": {"current": 1, "total": 2}, "error": "x"}
    )


ERRORS = [
    charlib.InvalidParameterError("image_count", "must be between 1 and 27"),
    charlib.APIConnectionError(request=_request()),
    charlib.APITimeoutError(request=_request()),
    charlib.APIResponseValidationError("bad body", response=_response(200), body={"a": 1}),
    charlib.ResponseTooLargeError("too large", response=_response(200, b""), limit=10),
    charlib.AuthenticationError("401", response=_response(401), body={"error": "no"}),
    charlib.RateLimitError("429", response=_response(429), body="", retry_after=3.0),
    charlib.NotFoundError("404", response=_response(404), body={"error": "Not Found"}),
    charlib.JobFailedError(_status()),
    charlib.JobCancelledError(_status()),
    charlib.WaitTimeoutError("j", _status()),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__)
def test_errors_survive_pickling_without_the_key(error: charlib.CharlibError) -> None:
    """Same type, message and attributes after a round trip; the key is not in the bytes."""
    data = pickle.dumps(error)
    assert KEY.encode() not in data
    copy = pickle.loads(data)
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.args == error.args
    for name in ("field", "status_code", "body", "retry_after", "limit", "job_id"):
        assert getattr(copy, name, None) == getattr(error, name, None)
    request = getattr(copy, "request", None)
    if request is not None:
        assert request.headers["authorization"] == "<redacted>"
        assert request.url == error.request.url  # type: ignore[attr-defined]
    # In this process the error still holds the request as it was sent.
    if isinstance(error, charlib.APIError):
        assert error.request.headers["authorization"] == f"Bearer {KEY}"


def test_redact_error_scrubs_message_body_response_and_cause() -> None:
    """A 401 echoing the key: the message, body, response text and headers, and the chained
    exception's message, all lose it."""
    body = f'{{"error": "bad token Bearer {KEY}", "{KEY}": ["{KEY}"]}}'.encode()
    response = httpx.Response(401, content=body, headers={"X-Echo": KEY}, request=_request())
    error = charlib.AuthenticationError(
        f"HTTP 401: bad token Bearer {KEY}", response=response, body=json.loads(body)
    )
    error.__cause__ = ValueError(f"inner {KEY}")
    redact_error(error, (KEY,))
    shown = [str(error), repr(error), repr(error.body), error.response.text, str(error.__cause__)]
    shown.append(repr(error.response.headers.multi_items()))
    assert all(KEY not in text for text in shown)
    assert "<redacted>" in str(error)
