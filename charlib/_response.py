"""Pure response handling: reading bounds, body decoding, status-to-exception mapping, parsing.

Nothing here performs I/O. Both clients feed the chunks they read to one :class:`BodyReader`
(which enforces the size limit and the deadline of the whole exchange), then call these
functions on the response it completed.

Whatever a server sends, what comes out is a model or a :class:`~charlib.CharlibError`: bodies
are decoded with a bounded nesting depth (a deeply nested body is "not JSON", never a
``RecursionError``), and their size is bounded by the reader.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import unquote

import httpx
import pydantic
import pydantic_core

from charlib._config import ENV_API_KEY, ENV_BASE_URL
from charlib._exceptions import (
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    MasterReferenceRequiredError,
    NotFoundError,
    RateLimitError,
    RequestTooLargeError,
    ResponseTooLargeError,
)
from charlib._headers import parse_http_date, parse_retry_after
from charlib._models import JobPage, JobStatus

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "BodyReader",
    "connection_hint",
    "decode_body",
    "error_class",
    "make_status_error",
    "model_parser",
    "parse_job_page",
    "parse_job_status",
    "parse_model",
    "server_text",
    "status_hint",
]

_M = TypeVar("_M", bound=pydantic.BaseModel)

#: The largest decoded response body a client reads by default (``max_response_bytes``): far above
#: any page of the API, far below what would hurt a process.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    429: RateLimitError,
}
_SNIPPET = 200
# The 360-set and core-set preconditions (contract §5.2, §11); not "already has a master reference".
_MISSING_MASTER_REFERENCE = re.compile(
    r"must have a master reference"
    r"|master reference image (is required|must be processed|not properly processed)",
    re.IGNORECASE,
)


class BodyReader:
    """Collects a response body read chunk by chunk, within a size limit and a deadline.

    The sync and async clients differ only in how they get the next chunk; what a chunk may do is
    decided here, once. Chunks are counted after decoding, so a small gzip body that inflates to
    gigabytes is stopped at the limit (give or take one decoded chunk). The deadline is the end of
    the whole exchange on ``time.monotonic``: a server trickling a byte at a time cannot stretch a
    request past its timeout, which httpx's read timeout (a bound on each read) would allow.
    """

    __slots__ = ("_chunks", "_deadline", "_limit", "_response", "_size")

    def __init__(self, response: httpx.Response, *, limit: int, deadline: float | None) -> None:
        self._response = response
        self._limit = limit
        self._deadline = deadline
        self._chunks: list[bytes] = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        """Keep ``chunk``, or raise if it breaks the limit or arrives after the deadline.

        Raises:
            ResponseTooLargeError: the body so far is larger than the limit.
            APITimeoutError: the deadline of the exchange has passed.
        """
        self._size += len(chunk)
        if self._size > self._limit:
            raise self._too_large()
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise self._late()
        self._chunks.append(chunk)

    def finish(self) -> None:
        """Give the response its body, as if httpx's own ``read()`` had read it."""
        chunks = self._chunks
        self._response._content = chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _too_large(self) -> ResponseTooLargeError:
        request = self._response.request
        return ResponseTooLargeError(
            f"Response to {request.method} {request.url} is larger than max_response_bytes "
            f"({self._limit} bytes, decoded); reading stopped there",
            response=self._response,
            limit=self._limit,
        )

    def _late(self) -> APITimeoutError:
        request = self._response.request
        return APITimeoutError(
            f"Request timed out: {request.method} {request.url} (the response was still "
            "arriving when the request's timeout ran out)",
            request=request,
        )


def decode_body(response: httpx.Response) -> object:
    """The body as JSON when it parses, else as text (``""`` when empty).

    JSON nested more than :data:`MAX_JSON_DEPTH` levels counts as text: no answer of this API is
    that deep, and the bound keeps a hostile body from reaching ``RecursionError`` in ``json``,
    ``repr`` or ``pickle`` (an error carries its body).
    """
    content = response.content
    if not content:
        return ""
    try:
        return pydantic_core.from_json(content)  # depth-bounded, and fast
    except ValueError:
        pass
    # What pydantic-core refuses but JSON allows (a lone surrogate escape such as "\\ud800", a
    # body in another charset) still parses here; a deep one is text, whichever parser hit it.
    text = response.text
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text
    return value if _depth(value) <= MAX_JSON_DEPTH else text


#: The deepest JSON body decoded as JSON (pydantic-core's own parser stops near 200 levels).
MAX_JSON_DEPTH = 128


def _depth(value: object) -> int:
    """How deeply ``value`` nests (iteratively: the point is not to recurse)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def server_text(body: object) -> str | None:
    """The server's own explanation: ``error``, else ``message``, else ``details`` (if strings)."""
    if isinstance(body, dict):
        for key in ("error", "message", "details"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def _is_upstream_not_found(status: int, body: object) -> bool:
    # The live service answers unknown ids with 500 + "Not Found" (contract D11, §11).
    if status != 500 or not isinstance(body, dict):
        return False
    return body.get("error") == "Not Found" or body.get("details") == "Not Found"


def error_class(status: int, body: object) -> type[APIStatusError]:
    """Which exception class a non-2xx ``status`` with ``body`` maps to."""
    if status == 400:
        if _MISSING_MASTER_REFERENCE.search(server_text(body) or ""):
            return MasterReferenceRequiredError
        return BadRequestError
    if _is_upstream_not_found(status, body):
        return NotFoundError
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return InternalServerError
    return APIStatusError


# The server's own words in a message: enough to explain, never a whole page.
_SERVER_TEXT = 1000


def _describe_body(body: object) -> str:
    text = server_text(body)
    if text is not None:
        return text if len(text) <= _SERVER_TEXT else text[:_SERVER_TEXT] + "..."
    if isinstance(body, str):
        snippet = " ".join(body.split())
        if not snippet:
            return "empty body"
        if len(snippet) > _SNIPPET:
            snippet = snippet[:_SNIPPET] + "..."
        return f"non-JSON body: {snippet!r}"
    return "no error text"


# The API's prefix where the base URL already ended with it: .../api/v1/api/v1/jobs,
# .../api/api/v1/jobs, .../api/v1/api/health.
_DOUBLED_PREFIX = re.compile(r"/api(?:/v1)?(?=/api/)")
# A character route whose id is not an ObjectId: most likely the characterId slug (the name's).
_SLUG_FOR_ID = re.compile(r"/api/v1/characters/(?![0-9a-fA-F]{24}(?:/|$))([^/]+)")


def _root(url: httpx.URL, path: str) -> str:
    """``url``'s origin and ``path``, without credentials, query or fragment."""
    origin = url.copy_with(username=None, password=None, path="/", query=None, fragment=None)
    return str(origin).rstrip("/") + path.rstrip("/") + "/"


def status_hint(cls: type[APIStatusError], request: httpx.Request) -> str | None:
    """What to do about an error whose likely cause is the client's setup, or ``None``.

    A 401 says where the key comes from (never what it is); a not-found whose URL holds the API
    prefix twice says that ``base_url`` should be the service root; a character not found under
    something that is not an id (24 hex digits) says how to find the id of a ``characterId``.
    """
    if issubclass(cls, AuthenticationError):
        if "authorization" in request.headers:
            return f"The API key was refused: check the key given as api_key= or in ${ENV_API_KEY}"
        return f"No API key was sent: pass api_key= to the client or set ${ENV_API_KEY}"
    if issubclass(cls, NotFoundError):
        found = _DOUBLED_PREFIX.search(request.url.path)
        if found:
            root = _root(request.url, request.url.path[: found.start()])
            return (
                "The URL holds the API prefix twice: base_url (or "
                f"${ENV_BASE_URL}) should be the service root, here probably {root}, "
                "without /api or /api/v1"
            )
        slug = _SLUG_FOR_ID.search(request.url.path)
        if slug:
            return (
                "Character routes take the character's id (24 hex digits), not its characterId "
                "(the slug made from its name); find the id with "
                f"characters.find(character_id={unquote(slug.group(1))[:64]!r})"
            )
    return None


def connection_hint(base_url: httpx.URL) -> str:
    """What to check when no connection could be made: where the client thinks the service is
    (the URL without credentials), and the two ways to change that."""
    shown = base_url.copy_with(username=None, password=None, query=None, fragment=None)
    return f"Is the service running at {shown}? Give its root as base_url= (or ${ENV_BASE_URL})"


def make_status_error(response: httpx.Response) -> APIStatusError:
    """The typed exception for a non-2xx ``response`` (already read), with a hint when the
    likely cause is the client's setup (:func:`status_hint`)."""
    body = decode_body(response)
    cls = error_class(response.status_code, body)
    request = response.request
    message = (
        f"HTTP {response.status_code} {response.reason_phrase}: {_describe_body(body)}"
        f" ({request.method} {request.url})"
    )
    hint = status_hint(cls, request)
    if hint is not None:
        message = f"{message}. {hint}"
    return cls(
        message, response=response, body=body, retry_after=parse_retry_after(response.headers)
    )


def _invalid(response: httpx.Response, body: object, why: str) -> APIResponseValidationError:
    request = response.request
    return APIResponseValidationError(
        f"Unexpected response body for {request.method} {request.url} "
        f"(HTTP {response.status_code}): {why}",
        response=response,
        body=body,
    )


def parse_model(response: httpx.Response, model: type[_M]) -> _M:
    """Parse a 2xx ``response`` into ``model``, or raise :class:`APIResponseValidationError`."""
    try:
        # The fast path: pydantic parses the bytes itself (about twice as fast as json.loads
        # followed by model_validate). Anything it rejects takes the slow path below, which
        # decodes the body as before and builds the same error.
        return model.model_validate_json(response.content)
    except pydantic.ValidationError:
        pass
    body = decode_body(response)
    if not isinstance(body, dict):
        raise _invalid(response, body, "expected a JSON object")
    try:
        return model.model_validate(body)
    except pydantic.ValidationError as exc:
        # Name the fields but keep pydantic's long traceback text out of the message.
        fields = ", ".join(".".join(str(p) for p in err["loc"]) or "<root>" for err in exc.errors())
        raise _invalid(response, body, f"invalid or missing field(s): {fields}") from None


def parse_job_status(response: httpx.Response) -> JobStatus:
    """Parse a job status and attach the response's ``Date`` and ``Retry-After``."""
    status = parse_model(response, JobStatus)
    headers = response.headers
    # Set on the fresh model (no copy): they join ``model_fields_set`` as with model_copy.
    status.server_date = parse_http_date(headers.get("date"))
    status.retry_after = parse_retry_after(headers)
    return status


def parse_job_page(response: httpx.Response) -> JobPage:
    """Parse a job list page; each job gets the response's ``Date`` as ``server_date``."""
    page = parse_model(response, JobPage)
    server_date = parse_http_date(response.headers.get("date"))
    for job in page.jobs:
        job.server_date = server_date
    return page


def model_parser(model: type[_M]) -> Callable[[httpx.Response], _M]:
    """A parser for ``model`` (the common case)."""
    return lambda response: parse_model(response, model)
