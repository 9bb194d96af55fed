"""Every error charlib raises, rooted at :class:`CharlibError`.

::

    CharlibError
    ├── InvalidParameterError (+ ValueError)   bad argument, caught before sending; .field
    ├── ClientClosedError (+ RuntimeError)     the client (or its http_client) is closed
    ├── APIError                               talking to the service failed; .request
    │   ├── APIConnectionError                 no HTTP response (refused, reset, DNS, ...)
    │   │   └── APITimeoutError                the per-request timeout expired
    │   ├── APIResponseValidationError         a 2xx with a bad body; .response, .body
    │   ├── ResponseTooLargeError              the body passed max_response_bytes; .limit
    │   └── APIStatusError                     non-2xx; .status_code .body .response .retry_after
    │       ├── BadRequestError                400
    │       │   └── MasterReferenceRequiredError   400: the character has no usable master reference
    │       ├── AuthenticationError            401
    │       ├── NotFoundError                  404, and the live service's 500 + "Not Found"
    │       ├── ConflictError                  409 (e.g. Idempotency-Key reused, other body)
    │       ├── RequestTooLargeError           413
    │       ├── RateLimitError                 429
    │       └── InternalServerError            5xx (a proxy's HTML 502 included)
    ├── JobError                               a job ended in a way the caller asked to hear about
    │   ├── JobFailedError                     status "failed"; .job_status
    │   ├── JobCancelledError                  status "cancelled"; .job_status
    │   └── PartialResultError                 "completed" with failed images; .job_status
    ├── WaitTimeoutError (+ TimeoutError)      the wait deadline passed; .job_id, .last_status
    └── DownloadError                          one image could not be saved; .url .status_code
        ├── NotAnImageError                    the body is not an image (HTML, JSON, SVG, ...)
        └── FileTooLargeError                  the body is larger than max_bytes; .max_bytes

(The download errors are defined in :mod:`charlib._download_errors`.)

Messages say what to do where the cause is a likely setup mistake: a 401 names ``api_key=`` and
``CHARLIB_API_KEY``; a failed connection names the client's ``base_url`` and
``CHARLIB_BASE_URL``; a 404 whose URL holds the API prefix twice says ``base_url`` should be the
service root (see :mod:`charlib._response`).

Retried automatically (within ``max_retries``): connection errors, timeouts,
``APIResponseValidationError`` and statuses 408/429/500/502/503/504, for requests that are safe to
repeat (see ``docs/errors-and-retries.md``). ``NotFoundError`` is never retried, even when the live
service sends it as a 500.

No message ever contains the API key: messages are built from the method, the URL and the server's
``error``/``message`` text only, and the client redacts its key from them (and from the body the
error carries) with :func:`redact_error` before raising. Text from a server is made
terminal-safe in every message (:func:`charlib._text.terminal_safe`).

Every error pickles and unpickles (errors cross ``ProcessPoolExecutor`` boundaries): it is rebuilt
from its message and attributes, and the HTTP request and response it carries travel with their
credential headers replaced by ``<redacted>``.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import httpx

from charlib._headers import parse_retry_after
from charlib._text import REDACTED, redact, redact_headers, terminal_safe

if TYPE_CHECKING:
    from charlib._models import JobStatus

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CharlibError",
    "ClientClosedError",
    "ConflictError",
    "InternalServerError",
    "InvalidParameterError",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "MasterReferenceRequiredError",
    "NotFoundError",
    "PartialResultError",
    "RateLimitError",
    "RequestTooLargeError",
    "ResponseTooLargeError",
    "WaitTimeoutError",
]


class CharlibError(Exception):
    """Root of every error raised by charlib.

    Pickles without calling ``__init__`` again (subclasses take keyword-only arguments that
    ``Exception``'s own pickling would not pass back), with its HTTP request and response, if
    any, stripped of credential headers.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        state = {name: _shareable(value) for name, value in self.__dict__.items()}
        return (_rebuild, (type(self), self.args, state))


def _rebuild(cls: type[CharlibError], args: tuple[Any, ...], state: dict[str, Any]) -> CharlibError:
    """The unpickled error: its class, message and attributes, as they were."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


def _redacted_request(request: httpx.Request) -> httpx.Request:
    clone = copy.copy(request)  # httpx's own pickling state: no stream, no extensions
    clone.headers = httpx.Headers(redact_headers(request.headers.multi_items()))
    return clone


def _shareable(value: object) -> object:
    """``value`` as it may leave this process: a request or a response loses its credentials."""
    if isinstance(value, httpx.Request):
        return _redacted_request(value)
    if isinstance(value, httpx.Response):
        clone = copy.copy(value)
        clone.request = _redacted_request(value.request)
        return clone
    return value


class InvalidParameterError(CharlibError, ValueError):
    """An argument was rejected before any request was sent.

    Attributes:
        field: the Python name of the offending argument (e.g. ``"image_count"``).
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class ClientClosedError(CharlibError, RuntimeError):
    """The client was used after it was closed (``close()``, ``aclose()`` or the end of its
    ``with`` block), or the ``httpx`` client it sends through was closed by its owner.

    Nothing was sent. Make a new client, or keep the calls inside the ``with`` block. Also a
    ``RuntimeError``, which is what the HTTP library raised here before.
    """


class APIError(CharlibError):
    """A request to the service did not produce the expected result.

    Attributes:
        request: the ``httpx.Request`` that was sent (its ``Authorization`` header is redacted in
            ``repr`` by httpx; charlib never copies it into a message).
    """

    def __init__(self, message: str, *, request: httpx.Request) -> None:
        message = terminal_safe(message)  # it quotes what the server said
        super().__init__(message)
        self.message = message
        self.request = request


class APIConnectionError(APIError):
    """No HTTP response arrived: the connection failed, was reset, or the proxy hung up."""

    def __init__(self, message: str | None = None, *, request: httpx.Request) -> None:
        super().__init__(
            message or f"Connection error: {request.method} {request.url}", request=request
        )


class APITimeoutError(APIConnectionError):
    """The per-request timeout expired before a response arrived."""

    def __init__(self, message: str | None = None, *, request: httpx.Request) -> None:
        super().__init__(
            message or f"Request timed out: {request.method} {request.url}", request=request
        )


class APIResponseValidationError(APIError):
    """A 2xx response whose body is not valid JSON or does not match the contract.

    Attributes:
        response: the ``httpx.Response``.
        body: the parsed JSON, or the text when it was not JSON.
        status_code: the HTTP status.
    """

    def __init__(self, message: str, *, response: httpx.Response, body: object) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.body = body
        self.status_code = response.status_code


class ResponseTooLargeError(APIError):
    """The response body grew past the client's ``max_response_bytes`` (counted as decoded, so a
    compressed body that inflates without end is stopped early); reading stopped there.

    Not retried: the next answer would most likely be as large. Raise the limit with
    ``Client(max_response_bytes=...)`` if such a body is expected.

    Attributes:
        response: the ``httpx.Response`` (status and headers; its body was not kept).
        status_code: the HTTP status.
        limit: the limit in bytes that was passed.
    """

    def __init__(self, message: str, *, response: httpx.Response, limit: int) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.limit = limit


class APIStatusError(APIError):
    """The service answered with a non-2xx status.

    Attributes:
        status_code: the HTTP status.
        body: the parsed JSON body, or its text when it was not JSON (e.g. a proxy's HTML page).
        response: the ``httpx.Response``.
        request: the ``httpx.Request``.
        retry_after: seconds the server asked us to wait (``Retry-After``), or ``None``; read
            from the response's headers unless given.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.body = body
        self.status_code = response.status_code
        self.retry_after = (
            retry_after if retry_after is not None else parse_retry_after(response.headers)
        )


class BadRequestError(APIStatusError):
    """400: the service rejected the request (the message names the field when it can)."""


class MasterReferenceRequiredError(BadRequestError):
    """400: the character needs a master reference image (with a DINO asset id) first.

    Attach one with ``client.characters.generate_initial_image(...)`` or
    ``client.characters.set_reference_image(...)``, then start the job again.
    """


class AuthenticationError(APIStatusError):
    """401: the API key is missing or wrong (the service's optional bearer-token mode)."""


class NotFoundError(APIStatusError):
    """404 (or the live service's 500 with ``error == "Not Found"``): no such character or job."""


class ConflictError(APIStatusError):
    """409: e.g. an ``Idempotency-Key`` reused with a different body, or a duplicate character."""


class RequestTooLargeError(APIStatusError):
    """413: the request body is too large for the service or its proxy."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` says how long the server wants us to wait."""


class InternalServerError(APIStatusError):
    """5xx: the service or a proxy in front of it failed (retried for safe requests)."""


class JobError(CharlibError):
    """A job reached a state the caller asked to be told about as an error.

    Attributes:
        job_status: the last :class:`~charlib.JobStatus` seen.
        job_id: its id.
    """

    # The default message; each subclass says what happened in its own words.
    _message = "Job {job_id} is {state}"

    def __init__(self, job_status: JobStatus, message: str | None = None) -> None:
        text = message or self._message.format_map(_job_facts(job_status))
        super().__init__(terminal_safe(text))  # the reason is the server's text
        self.job_status = job_status
        self.job_id = job_status.job_id


def _job_facts(job_status: JobStatus) -> dict[str, object]:
    """What a `JobError` message can name: the job, its state, the reason, the image counts."""
    results = job_status.results
    return {
        "job_id": job_status.job_id,
        "state": job_status.status.value,
        "reason": job_status.error or job_status.message or "no reason given",
        "failed": len(results.failed_images) if results else 0,
        "done": len(results.generated_images) if results else 0,
    }


class JobFailedError(JobError):
    """The job ended ``failed``; ``job_status.error`` says why."""

    _message = "Job {job_id} failed: {reason}"


class JobCancelledError(JobError):
    """The job ended ``cancelled``."""

    _message = "Job {job_id} was cancelled"


class PartialResultError(JobError):
    """The job ``completed`` but some images failed (raised only when the caller asks for it)."""

    _message = "Job {job_id} completed with {failed} failed image(s) and {done} generated"


class WaitTimeoutError(CharlibError, TimeoutError):
    """The overall wait deadline passed before the job reached a terminal state.

    The job is still running on the server: resume waiting with ``job_id`` or cancel it.

    Attributes:
        job_id: the job that was being waited for (the first unfinished one, for several jobs).
        last_status: the last :class:`~charlib.JobStatus` seen, or ``None`` if none arrived.
        finished: when waiting for several jobs, the terminal status of those that finished,
            by job id (empty otherwise).
        unfinished: when waiting for several jobs, the ids of those still running.
    """

    def __init__(
        self, job_id: str, last_status: JobStatus | None = None, message: str | None = None
    ) -> None:
        if message is None:
            state = f" (last status: {last_status.status.value})" if last_status else ""
            message = f"Gave up waiting for job {job_id}{state}"
        super().__init__(terminal_safe(message))
        self.job_id = job_id
        self.last_status = last_status
        self.finished: dict[str, JobStatus] = {}
        self.unfinished: list[str] = [job_id]


def _redact_value(value: object, secrets: tuple[str, ...]) -> object:
    """A parsed body with the secrets replaced in every string (keys included)."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {
            _redact_value(key, secrets): _redact_value(item, secrets) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact_value(item, secrets) for item in value]
    return value


def _redact_response(response: httpx.Response, secrets: tuple[str, ...]) -> None:
    """Take the secrets out of what ``response`` says (its headers and its body, if read)."""
    items = response.headers.multi_items()
    if any(secret in value for _, value in items for secret in secrets):
        response.headers = httpx.Headers([(name, redact(value, secrets)) for name, value in items])
    content = getattr(response, "_content", None)  # what httpx's read() keeps; None if unread
    if isinstance(content, bytes):
        for secret in secrets:
            content = content.replace(secret.encode(), REDACTED.encode())
        response._content = content
    text = getattr(response, "_text", None)  # ``response.text``, once decoded, is kept too
    if isinstance(text, str):
        response._text = redact(text, secrets)


def redact_error(error: CharlibError, secrets: tuple[str, ...]) -> CharlibError:
    """Replace ``secrets`` in everything ``error`` would show or carry: its message, the body and
    response it holds, and the messages of the exceptions it was caused by. Returns ``error``.

    A server may echo the token it was sent (a 401 body quoting the header, say); the client calls
    this on each error it raises, with its API key (:func:`charlib._text.secret_forms`).
    """
    if not secrets:
        return error
    error.args = tuple(redact(arg, secrets) if isinstance(arg, str) else arg for arg in error.args)
    for name in ("message", "body"):
        if name in error.__dict__:
            setattr(error, name, _redact_value(error.__dict__[name], secrets))
    response = error.__dict__.get("response")
    if isinstance(response, httpx.Response):
        _redact_response(response, secrets)
    cause: BaseException | None = error.__cause__ or error.__context__
    for _ in range(8):  # a short chain: charlib error <- httpx error <- httpcore error <- OSError
        if cause is None:
            break
        cause.args = tuple(redact(a, secrets) if isinstance(a, str) else a for a in cause.args)
        cause = cause.__cause__ or cause.__context__
    return error
