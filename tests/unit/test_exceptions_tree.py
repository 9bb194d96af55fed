"""The error tree and the pure status-to-exception mapping."""

from __future__ import annotations

import httpx
import pytest

import charlib
from charlib._response import decode_body, error_class, make_status_error, server_text

REQUEST = httpx.Request("DELETE", "https://charlib.test/api/v1/jobs/j/status")


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, {"error": "imageCount must be 1-27"}, charlib.BadRequestError),
        (
            400,
            {"error": "Character must have a master reference image for 360° generation"},
            charlib.MasterReferenceRequiredError,
        ),
        (
            400,
            {"error": "Master reference image is required before generating core set"},
            charlib.MasterReferenceRequiredError,
        ),
        (
            400,
            {"error": "Master reference image not properly processed with DINOv3"},
            charlib.MasterReferenceRequiredError,
        ),
        (
            400,
            {"error": "Character already has a master reference image"},
            charlib.BadRequestError,
        ),
        (401, {"error": "unauthorized"}, charlib.AuthenticationError),
        (403, {"error": "forbidden"}, charlib.APIStatusError),
        (404, {"error": "Job not found"}, charlib.NotFoundError),
        (408, "", charlib.APIStatusError),
        (409, {"error": "dup"}, charlib.ConflictError),
        (413, "", charlib.RequestTooLargeError),
        (429, {}, charlib.RateLimitError),
        (500, {"error": "Not Found"}, charlib.NotFoundError),
        (
            500,
            {"error": "Internal server error during core set generation", "details": "Not Found"},
            charlib.NotFoundError,
        ),
        (500, {"error": "Failed to fetch character"}, charlib.InternalServerError),
        (500, "Not Found", charlib.InternalServerError),
        (502, "<html>Bad Gateway</html>", charlib.InternalServerError),
        (504, "", charlib.InternalServerError),
    ],
)
def test_error_class(status: int, body: object, expected: type[charlib.APIStatusError]) -> None:
    """Each status (with the live service's body quirks) maps to one class."""
    assert error_class(status, body) is expected


def test_status_error_carries_everything() -> None:
    """The exception has status, body, response, request, Retry-After and the server's text."""
    response = httpx.Response(
        429, json={"error": "Slow down"}, headers={"Retry-After": "3"}, request=REQUEST
    )
    exc = make_status_error(response)
    assert isinstance(exc, charlib.RateLimitError)
    assert exc.status_code == 429
    assert exc.body == {"error": "Slow down"}
    assert exc.response is response
    assert exc.request is REQUEST
    assert exc.retry_after == 3.0
    assert str(exc) == (
        "HTTP 429 Too Many Requests: Slow down (DELETE https://charlib.test/api/v1/jobs/j/status)"
    )


def test_html_body_is_summarised() -> None:
    """A long non-JSON body appears as a short, single-line snippet."""
    html = "<html>\n<body>" + "x" * 500 + "</body></html>"
    exc = make_status_error(httpx.Response(502, text=html, request=REQUEST))
    assert isinstance(exc, charlib.InternalServerError)
    assert exc.body == html
    assert "non-JSON body: '<html> <body>xxx" in str(exc)
    assert len(str(exc)) < 320


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"error": "e", "message": "m"}, "e"),
        ({"message": "m"}, "m"),
        ({"details": "d"}, "d"),
        ({"error": {"nested": 1}}, None),
        ("plain", None),
    ],
)
def test_server_text(body: object, text: str | None) -> None:
    """The server's explanation is ``error``, else ``message``, else ``details``."""
    assert server_text(body) == text


def test_decode_body() -> None:
    """JSON is parsed; anything else stays text; empty is an empty string."""
    assert decode_body(httpx.Response(200, json={"a": 1})) == {"a": 1}
    assert decode_body(httpx.Response(200, text="<p>")) == "<p>"
    assert decode_body(httpx.Response(204)) == ""


@pytest.mark.parametrize(
    ("child", "parents"),
    [
        (charlib.InvalidParameterError, (charlib.CharlibError, ValueError)),
        (charlib.APITimeoutError, (charlib.APIConnectionError, charlib.APIError)),
        (charlib.APIResponseValidationError, (charlib.APIError,)),
        (charlib.MasterReferenceRequiredError, (charlib.BadRequestError, charlib.APIStatusError)),
        (charlib.NotFoundError, (charlib.APIStatusError,)),
        (charlib.RateLimitError, (charlib.APIStatusError,)),
        (charlib.InternalServerError, (charlib.APIStatusError, charlib.APIError)),
        (charlib.JobFailedError, (charlib.JobError, charlib.CharlibError)),
        (charlib.JobCancelledError, (charlib.JobError,)),
        (charlib.PartialResultError, (charlib.JobError,)),
        (charlib.WaitTimeoutError, (charlib.CharlibError, TimeoutError)),
    ],
)
def test_tree(child: type[Exception], parents: tuple[type[Exception], ...]) -> None:
    """The classes nest as drawn in ``charlib._exceptions``' docstring."""
    assert all(issubclass(child, parent) for parent in parents)


def _status(state: str, **extra: object) -> charlib.JobStatus:
    return charlib.JobStatus.model_validate({"jobId": "j1", "status": state, **extra})


def test_job_errors_carry_the_status() -> None:
    """Job errors take the JobStatus, expose it and the id, and say what happened."""
    failed = charlib.JobFailedError(
        _status("failed", error="No images were successfully generated")
    )
    assert failed.job_status.error == "No images were successfully generated"
    assert failed.job_id == "j1"
    assert str(failed) == "Job j1 failed: No images were successfully generated"
    assert str(charlib.JobCancelledError(_status("cancelled"))) == "Job j1 was cancelled"
    partial = _status(
        "completed", results={"generatedImages": [{"url": "u"}], "failedImages": [{"angle": "a"}]}
    )
    assert str(charlib.PartialResultError(partial)) == (
        "Job j1 completed with 1 failed image(s) and 1 generated"
    )
    assert str(charlib.JobError(_status("processing"))) == "Job j1 is processing"
    assert str(charlib.JobFailedError(_status("failed"), "custom")) == "custom"


def test_wait_timeout_error() -> None:
    """WaitTimeoutError names the job and keeps the last status so the caller can resume."""
    last = _status("processing")
    error = charlib.WaitTimeoutError("j1", last)
    assert isinstance(error, TimeoutError)
    assert error.job_id == "j1"
    assert error.last_status is last
    assert str(error) == "Gave up waiting for job j1 (last status: processing)"
    assert error.finished == {}
    assert error.unfinished == ["j1"]
    assert str(charlib.WaitTimeoutError("j2")) == "Gave up waiting for job j2"


def test_invalid_parameter_error_names_the_field() -> None:
    """InvalidParameterError keeps the field and puts it in the message."""
    error = charlib.InvalidParameterError("image_count", "must be between 1 and 27, got 0")
    assert error.field == "image_count"
    assert str(error) == "image_count: must be between 1 and 27, got 0"
