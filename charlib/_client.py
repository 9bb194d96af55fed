"""The clients: a shared base that decides everything, and two thin runners that do the I/O.

``_BaseClient`` resolves options (arguments, then environment, then defaults), builds request
arguments, maps responses to models or exceptions and builds the retry arguments; it never touches
the network. :class:`Client` and :class:`AsyncClient` differ only in ``send`` vs ``await send``,
``Retrying`` vs ``AsyncRetrying`` and ``clock.sleep`` vs ``clock.asleep``.

Every attempt is bounded as a whole: the request's timeout is a total for the exchange (connect,
send, headers, body), not a bound on each read, and the body is read in chunks that may not pass
``max_response_bytes`` (see :mod:`charlib._deadline` and :class:`charlib._response.BodyReader`).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from charlib._clock import Clock, SystemClock
from charlib._config import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_TIMEOUT,
    ENV_API_KEY,
    ENV_BASE_URL,
    RetryPolicy,
)
from charlib._deadline import DEADLINE, bounded_client
from charlib._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ClientClosedError,
    InvalidParameterError,
    redact_error,
)
from charlib._inflight import InFlight, slot
from charlib._inflight import time_limit as _time_limit
from charlib._logging import configure_from_env, redact_headers
from charlib._models import Health
from charlib._request import RequestSpec
from charlib._resources.characters import AsyncCharacters, Characters
from charlib._resources.jobs import AsyncJobs, Jobs
from charlib._response import (
    DEFAULT_MAX_RESPONSE_BYTES,
    BodyReader,
    connection_hint,
    make_status_error,
    model_parser,
)
from charlib._retry import RetryMode, is_retryable, retry_arguments
from charlib._text import SENSITIVE_HEADERS, proxy_secrets, redact, secret_forms, terminal_safe
from charlib._types import NOT_GIVEN, NotGiven
from charlib._version import __version__

if TYPE_CHECKING:
    import tenacity

    if sys.version_info >= (3, 11):
        from typing import Self
    else:
        from typing_extensions import Self

__all__ = ["AsyncClient", "Client"]

logger = logging.getLogger("charlib")

_T = TypeVar("_T")
HttpxClient = TypeVar("HttpxClient", httpx.Client, httpx.AsyncClient)

# Resolved URLs kept per client; a poller asks for the same few paths over and over.
_URL_CACHE_SIZE = 1024


def _resolve_base_url(base_url: str | httpx.URL | None) -> httpx.URL:
    raw = base_url if base_url is not None else os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    try:
        url = httpx.URL(str(raw))
    except (httpx.InvalidURL, TypeError, ValueError):
        # The text is not shown: it may hold a password that failed to parse.
        raise InvalidParameterError("base_url", "is not a valid URL") from None
    if url.userinfo:
        # httpx would send them as Basic auth in place of the bearer key, and they would show
        # in every URL charlib logs or puts in a message.
        raise InvalidParameterError(
            "base_url",
            "must not contain credentials (user:password@...); give the key as api_key "
            "(the URL is not shown, to keep the password out of logs)",
        )
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidParameterError("base_url", f"must be an absolute http(s) URL, got {raw!r}")
    # A trailing slash makes relative paths append to any prefix (https://host/prefix/api/...).
    text = str(url.copy_with(query=None, fragment=None))
    return httpx.URL(text if text.endswith("/") else text + "/")


def _resolve_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise InvalidParameterError(
            "timeout", f"must be positive seconds or an httpx.Timeout, got {timeout!r}"
        )
    return httpx.Timeout(float(timeout))


def _resolve_api_key(api_key: str | None) -> str | None:
    """The key to send, from the argument or the environment; checked so a malformed one fails
    here, with a message that does not show it, rather than later inside the HTTP library."""
    if api_key is None:
        api_key = os.environ.get(ENV_API_KEY) or None
        if api_key is None:
            return None
    if not isinstance(api_key, str):
        raise InvalidParameterError("api_key", f"must be a string, got {type(api_key).__name__}")
    key = api_key.strip()  # a key read from a file often ends with a newline
    if not key:
        return None
    if not (key.isascii() and key.isprintable()) or any(char.isspace() for char in key):
        raise InvalidParameterError(
            "api_key", "must be printable ASCII without spaces (the key itself is not shown)"
        )
    return key


def _resolve_max_response_bytes(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidParameterError(
            "max_response_bytes", f"must be a positive number of bytes, got {limit!r}"
        )
    return limit


def _total(timeout: httpx.Timeout) -> float | None:
    """The whole exchange's bound: the largest part of ``timeout`` (``Timeout(30, connect=10)``:
    30 s in all, of which at most 10 to connect); ``None`` only if every part is ``None``."""
    parts = [part for part in (timeout.read, timeout.connect, timeout.write, timeout.pool) if part]
    return max(parts) if parts else None


def _secrets(
    api_key: str | None, http_client: httpx.Client | httpx.AsyncClient | None
) -> tuple[str, ...]:
    """What this client must never show: its key, the credential headers of an injected client
    (its token alone too, so an echo without the ``Bearer`` word is caught), or else the proxy
    credentials our own HTTP client takes from the environment."""
    found = [api_key] if api_key else []
    if http_client is None:
        found += proxy_secrets(os.environ)
    else:
        for name, value in http_client.headers.multi_items():
            if name.lower() in SENSITIVE_HEADERS:
                found += [value, value.rpartition(" ")[2]]
    # A tiny value would be "found" everywhere; such a secret protects nothing anyway.
    return secret_forms(secret for secret in found if len(secret) >= 6)


def _resolve_retry(
    retry: RetryPolicy | None, max_retries: int | None, default: RetryPolicy
) -> RetryPolicy:
    """The client's policy: ``retry`` (else ``default``), its count replaced by ``max_retries``."""
    if retry is None:
        retry = default
    elif not isinstance(retry, RetryPolicy):
        raise InvalidParameterError("retry", f"must be a charlib.RetryPolicy, got {retry!r}")
    if max_retries is None:
        return retry
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise InvalidParameterError("max_retries", f"must be an integer >= 0, got {max_retries!r}")
    return retry if max_retries == retry.max_retries else replace(retry, max_retries=max_retries)


class _BaseClient(Generic[HttpxClient]):
    """Options and the pure halves of sending a request (shared by both clients), and their
    one constructor: a client differs only in the kind of pool it sends through."""

    # The policy of a client given none; each client keeps its own in an attribute of this name.
    _retry_policy = RetryPolicy()
    _http: HttpxClient
    _http_kind: type[HttpxClient]
    _owns_http: bool

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        http_client: HttpxClient | None = None,
        clock: Clock | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        configure_from_env()
        self._base_url = _resolve_base_url(base_url)
        self._api_key = _resolve_api_key(api_key)
        self._timeout = _resolve_timeout(timeout)
        self._total = _total(self._timeout)
        self._retry_policy = _resolve_retry(retry, max_retries, self._retry_policy)
        self._max_response_bytes = _resolve_max_response_bytes(max_response_bytes)
        self._secrets = _secrets(self._api_key, None)
        self._clock: Clock = clock if clock is not None else SystemClock()
        # Learnt from responses: does this server honour Idempotency-Key? (See charlib._retry.)
        self._keys_honoured = False
        # Decided once per client, not once per request (the hot path of every poll).
        headers = {"Accept": "application/json", "User-Agent": f"charlib/{__version__}"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        self._headers = headers
        self._urls: dict[str, httpx.URL] = {}
        self._retry_args: dict[RetryMode, dict[str, Any]] = {}
        self._http = self._adopt(http_client, self._http_kind)
        self._open()

    def _open(self) -> None:
        """Attach the resources (``characters``, ``jobs``) once the pool is chosen."""
        raise NotImplementedError

    def with_options(
        self,
        *,
        base_url: str | httpx.URL | NotGiven = NOT_GIVEN,
        api_key: str | NotGiven | None = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | NotGiven = NOT_GIVEN,
        clock: Clock | NotGiven = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A new client of the same kind with some options changed, sharing this one's
        connection pool.

        ``retry`` replaces the retry policy; ``max_retries`` replaces only its count (of the new
        policy when both are given). The derived client does not own the pool: closing it is a
        no-op for the pool; close the original (or the injected ``http_client``) when done. It
        is made by calling ``type(self)`` with the options as keywords, so a subclass whose
        constructor takes other arguments overrides ``with_options``.

        Example::

            slow = client.with_options(timeout=120, max_retries=0)
        """
        args = self._option_kwargs(
            base_url, api_key, timeout, max_retries, retry, clock, max_response_bytes
        )
        return type(self)(**args)

    @property
    def base_url(self) -> httpx.URL:
        """The base URL every path (and a job's ``poll_url``) is resolved against."""
        return self._base_url

    @property
    def timeout(self) -> httpx.Timeout:
        """The per-request timeout; its largest part bounds each attempt as a whole."""
        return self._timeout

    @property
    def max_response_bytes(self) -> int:
        """The largest response body (decoded) this client reads."""
        return self._max_response_bytes

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt of a retryable request (0: no retries)."""
        return self._retry_policy.max_retries

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy of ordinary calls; waits use its ``retry_statuses`` and
        ``max_retry_after`` to tell a failed poll worth waiting out from a final one."""
        return self._retry_policy

    @property
    def clock(self) -> Clock:
        """The clock every sleep of this client goes through (retry backoff, waiting)."""
        return self._clock

    @property
    def is_closed(self) -> bool:
        """Whether the underlying connection pool is closed."""
        return self._http.is_closed

    def _adopt(self, http_client: HttpxClient | None, kind: type[HttpxClient]) -> HttpxClient:
        """The HTTP client to send through: ``http_client`` (its owner closes it), else our own
        (for the sync client, one whose connections honour each request's deadline)."""
        if http_client is not None and not isinstance(http_client, kind):
            raise InvalidParameterError("http_client", f"must be an httpx.{kind.__name__}")
        self._owns_http = http_client is None
        if http_client is not None:
            self._secrets = _secrets(self._api_key, http_client)
            return http_client
        if issubclass(kind, httpx.Client):
            return bounded_client()
        # Its connections on asyncio itself, not through anyio (see charlib._asyncio_backend).
        from charlib._asyncio_backend import pool_client

        return pool_client()

    def _option_kwargs(
        self,
        base_url: str | httpx.URL | NotGiven,
        api_key: str | NotGiven | None,
        timeout: float | httpx.Timeout | NotGiven,
        max_retries: int | NotGiven,
        retry: RetryPolicy | NotGiven,
        clock: Clock | NotGiven,
        max_response_bytes: int | NotGiven,
    ) -> dict[str, Any]:
        """This client's options, overridden by the given ones (for ``with_options``)."""
        if isinstance(max_response_bytes, NotGiven):
            max_response_bytes = self._max_response_bytes
        return {
            "base_url": self._base_url if isinstance(base_url, NotGiven) else base_url,
            "api_key": self._api_key if isinstance(api_key, NotGiven) else api_key,
            "timeout": self._timeout if isinstance(timeout, NotGiven) else timeout,
            "max_retries": None if isinstance(max_retries, NotGiven) else max_retries,
            "retry": self._retry_policy if isinstance(retry, NotGiven) else retry,
            "clock": self._clock if isinstance(clock, NotGiven) else clock,
            "max_response_bytes": max_response_bytes,
            "http_client": self._http,
        }

    def _url(self, path: str) -> httpx.URL:
        """``path`` resolved against the base URL (cached: polls repeat the same few paths)."""
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            url = self._urls[path] = self._base_url.join(path)
        return url

    def _request_kwargs(self, spec: RequestSpec[Any]) -> dict[str, Any]:
        """Arguments for ``http_client.build_request`` (absolute URL, so its base_url is moot)."""
        headers = self._headers  # build_request copies it into the request's own headers
        if spec.idempotency_key is not None:
            headers = {**headers, "Idempotency-Key": spec.idempotency_key}
        return {
            "method": spec.method,
            "url": self._url(spec.path),
            "params": spec.params,
            "json": spec.json,
            "headers": headers,
            "timeout": spec.timeout or self._timeout,
        }

    def _retry_kwargs(self, spec: RequestSpec[Any]) -> dict[str, Any]:
        """tenacity arguments (minus ``sleep``) for ``spec``; built once per retry mode."""
        kwargs = self._retry_args.get(spec.mode)
        if kwargs is None:
            kwargs = self._retry_args[spec.mode] = retry_arguments(
                mode=spec.mode,
                policy=self._retry_policy,
                describe=self._describe_attempt,
                keys_honoured=lambda: self._keys_honoured,
            )
        return kwargs

    def _describe_attempt(self, state: tenacity.RetryCallState) -> str:
        """``"METHOD URL"`` of the request a retry is about (for the retry log line)."""
        spec: RequestSpec[Any] = state.args[0]
        return f"{spec.method} {self._url(spec.path)}"

    def _retries_after(self, spec: RequestSpec[Any], error: Exception) -> bool:
        """Whether a first attempt that raised ``error`` is followed by more attempts.

        The first attempt runs outside tenacity (most requests succeed at once, and building and
        running a ``Retrying`` costs more than the rest of the SDK's per-request work); only when
        this says yes does the retry loop start, replaying ``error`` as its first attempt.
        """
        if self._retry_policy.max_retries == 0 or spec.mode is RetryMode.NEVER:
            return False
        return is_retryable(error, spec.mode, self._retry_policy, self._keys_honoured)

    def _transport_error(
        self, exc: httpx.TransportError, request: httpx.Request
    ) -> APIConnectionError:
        """Wrap an httpx transport error, secrets taken out of it and of ``exc`` (which the
        caller chains as ``__cause__``)."""
        what = f"{request.method} {request.url}"
        hint = ""
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):  # no connection was made
            hint = f". {connection_hint(self._base_url)}"
        if isinstance(exc, httpx.TimeoutException):
            error: APIConnectionError = APITimeoutError(
                f"Request timed out: {what}{hint}", request=request
            )
        else:
            detail = str(exc) or type(exc).__name__
            error = APIConnectionError(f"Connection error: {what}: {detail}{hint}", request=request)
        error.__cause__ = exc  # so that the chain is redacted too
        redact_error(error, self._secrets)
        return error

    def _ensure_open(self) -> None:
        """Raise :class:`ClientClosedError` if the pool this client sends through is closed
        (rather than the HTTP library's ``RuntimeError``, which names neither cause nor cure)."""
        if self._http.is_closed:
            name = type(self).__name__
            raise ClientClosedError(
                f"This {name} is closed (by close()/aclose() or the end of its with block): "
                f"make a new {name} for more requests"
                if self._owns_http
                else f"The HTTP client this {name} sends through is closed (an injected "
                "http_client, or the pool of the client with_options derived it from)"
            )

    def _deadline(self, spec: RequestSpec[Any]) -> tuple[float | None, float | None]:
        """(seconds, monotonic deadline) of one attempt of ``spec``: its timeout as a total."""
        total = self._total if spec.timeout is None else _total(spec.timeout)
        return total, None if total is None else time.monotonic() + total

    @staticmethod
    def _log_request(request: httpx.Request) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "Request %s %s headers=%s",
                request.method,
                request.url,
                redact_headers(request.headers.multi_items()),
            )

    def _handle(self, spec: RequestSpec[_T], response: httpx.Response, elapsed: float) -> _T:
        """Log the response, then return the parsed result or raise the typed error."""
        if spec.idempotency_key is not None and not self._keys_honoured:
            headers = response.headers
            echoed = headers.get("idempotency-key") == spec.idempotency_key
            self._keys_honoured = echoed or "idempotent-replayed" in headers
        if logger.isEnabledFor(logging.INFO):
            request = response.request
            logger.info(
                "Response %s %s -> %d %s (%.1f ms)",
                request.method,
                request.url,
                response.status_code,
                terminal_safe(response.reason_phrase),
                elapsed * 1000,
            )
        try:
            if not response.is_success:
                raise make_status_error(response)
            return spec.parse(response)
        except APIError as error:
            redact_error(error, self._secrets)  # a server may echo the token it was sent
            raise

    def __repr__(self) -> str:
        # The API key is never shown, only whether one is set (and the URL holds no credentials).
        key = "<set>" if self._api_key else None
        return redact(
            f"{type(self).__name__}(base_url={str(self._base_url)!r}, api_key={key}, "
            f"timeout={self._timeout!r}, max_retries={self.max_retries})",
            self._secrets,
        )


class Client(_BaseClient[httpx.Client]):
    """Synchronous client for the Character Library API.

    Example::

        with charlib.Client() as client:
            job = client.characters.generate_360_set("66f1c0ffee00000000000a01")
            print(job.refresh().progress.percentage)

    Args:
        base_url: service root; default ``$CHARLIB_BASE_URL``, else ``https://character.ft.tc``.
        api_key: sent as ``Authorization: Bearer ...``; default ``$CHARLIB_API_KEY``. Never shown
            in ``repr``, logs or error messages.
        timeout: per-request timeout in seconds or an ``httpx.Timeout``; default 30 s (10 s to
            connect). It bounds each attempt as a whole (connecting, sending, and receiving the
            headers and the body): a server trickling its answer a byte at a time is cut off at
            the timeout, then the request is retried like any timeout. For an ``httpx.Timeout``
            the total is its largest part.
        max_retries: retries after the first attempt of a retryable request, 0 disables
            retrying; default: the policy's (3). Given with ``retry``, it replaces the policy's.
        retry: the :class:`RetryPolicy` (retries, backoff, ``Retry-After`` cap, retried statuses);
            waits use it too, to tell which failed polls to wait out.
        http_client: an ``httpx.Client`` to send through (e.g. with ``httpx.MockTransport``).
            ``base_url``, headers and ``timeout`` of this client still apply (the timeout as a
            total between body chunks; only a client charlib creates also bounds each socket
            operation by it). An injected client is not closed by :meth:`close`: its owner
            closes it.
        clock: the clock every sleep goes through (default: the real one); tests inject a fake.
        max_response_bytes: the largest response body read, counted after decompression
            (default 16 MiB); a larger one raises :class:`ResponseTooLargeError` as soon as it
            passes the limit.

    Attributes:
        characters: the characters (:class:`~charlib.Characters`): ``create``, ``get``,
            ``get_or_create``, ``find``, ``list``, their master reference image
            (``generate_initial_image``) and the start of a 360° set (``generate_360_set``,
            ``generate_360_set_and_wait``).
        jobs: the background jobs (:class:`~charlib.Jobs`): ``get``, ``wait``, ``watch``,
            ``wait_all``, ``as_completed``, ``download``, ``cancel``, ``list``, ``list_all``.
    """

    characters: Characters
    """Characters, their reference images and generation starts."""
    jobs: Jobs
    """Background jobs: status, cancel, list."""
    _http_kind = httpx.Client

    def _open(self) -> None:
        self.characters = Characters(self)
        self.jobs = Jobs(self)

    def health(self) -> Health:
        """Check the service is up (``GET /api/health``).

        Returns:
            The :class:`Health` body; see ``is_healthy``.

        Raises:
            APIError: on a connection failure or a non-2xx status (after retries).
        """
        return self._request(RequestSpec("GET", "api/health", model_parser(Health)))

    def close(self) -> None:
        """Close the connection pool if this client created it (an injected one is left open)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _request(self, spec: RequestSpec[_T]) -> _T:
        """Send ``spec`` with retries; return the parsed 2xx result or raise a typed error."""
        self._ensure_open()
        request = self._http.build_request(**self._request_kwargs(spec))
        try:
            return self._attempt(spec, request)
        except Exception as error:
            if not self._retries_after(spec, error):
                raise
            first = [error]

        def attempt(spec: RequestSpec[_T], request: httpx.Request) -> _T:
            if first:  # tenacity's attempt 1 is the one already made
                raise first.pop()
            return self._attempt(spec, request)

        import tenacity  # only once a retry is due (see charlib._retry)

        retrying = tenacity.Retrying(sleep=self._clock.sleep, **self._retry_kwargs(spec))
        result: _T = retrying(attempt, spec, request)
        return result

    def _attempt(self, spec: RequestSpec[_T], request: httpx.Request) -> _T:
        self._log_request(request)
        started = time.monotonic()
        _, deadline = self._deadline(spec)
        token = DEADLINE.set(deadline)  # every socket operation of this exchange ends by then
        try:
            response = self._http.send(request, stream=True)
            try:
                body = BodyReader(response, limit=self._max_response_bytes, deadline=deadline)
                for chunk in response.iter_bytes():
                    body.add(chunk)
                body.finish()
            finally:
                response.close()
        except httpx.TransportError as exc:
            raise self._transport_error(exc, request) from exc
        finally:
            DEADLINE.reset(token)
        return self._handle(spec, response, time.monotonic() - started)


class AsyncClient(_BaseClient[httpx.AsyncClient]):
    """Asynchronous client for the Character Library API: the options and methods of
    :class:`Client`, awaited.

    Example::

        async with charlib.AsyncClient() as client:
            job = await client.characters.generate_360_set("66f1c0ffee00000000000a01")
            print((await job.refresh()).progress.percentage)

    Args:
        http_client: an ``httpx.AsyncClient`` to send through (e.g. with ``httpx.MockTransport``
            or ``httpx.ASGITransport``), not closed by :meth:`aclose`. Every other argument is as
            for :class:`Client`.

    Attributes:
        characters: the characters (:class:`~charlib.AsyncCharacters`): the methods of
            ``Client.characters``, awaited.
        jobs: the background jobs (:class:`~charlib.AsyncJobs`): the methods of ``Client.jobs``,
            awaited (``watch`` and ``as_completed`` are iterated with ``async for``).
    """

    characters: AsyncCharacters
    """Characters, their reference images and generation starts."""
    jobs: AsyncJobs
    """Background jobs: status, cancel, list."""
    _http_kind = httpx.AsyncClient

    def _open(self) -> None:
        # In-flight requests on a pool charlib created are bounded (see charlib._inflight).
        self._in_flight = (
            InFlight.register(self._http, DEFAULT_MAX_IN_FLIGHT)
            if self._owns_http
            else InFlight.of(self._http)
        )
        self.characters = AsyncCharacters(self)
        self.jobs = AsyncJobs(self)

    async def health(self) -> Health:
        """Same as :meth:`Client.health`, awaited."""
        return await self._request(RequestSpec("GET", "api/health", model_parser(Health)))

    async def aclose(self) -> None:
        """Same as :meth:`Client.close`, awaited."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _request(self, spec: RequestSpec[_T]) -> _T:
        """Send ``spec`` with retries; return the parsed 2xx result or raise a typed error."""
        self._ensure_open()
        request = self._http.build_request(**self._request_kwargs(spec))
        try:
            return await self._attempt(spec, request)
        except Exception as error:
            if not self._retries_after(spec, error):
                raise
            first = [error]

        async def attempt(spec: RequestSpec[_T], request: httpx.Request) -> _T:
            if first:  # tenacity's attempt 1 is the one already made
                raise first.pop()
            return await self._attempt(spec, request)

        import tenacity  # only once a retry is due (see charlib._retry)

        retrying = tenacity.AsyncRetrying(sleep=self._clock.asleep, **self._retry_kwargs(spec))
        result: _T = await retrying(attempt, spec, request)
        return result

    async def _attempt(self, spec: RequestSpec[_T], request: httpx.Request) -> _T:
        self._log_request(request)
        started = time.monotonic()
        total, deadline = self._deadline(spec)
        pool_wait = (spec.timeout or self._timeout).pool
        try:
            # The whole exchange is timed, whatever the transport; waiting for a slot (a pool
            # charlib created) is the pool's wait, and part of it.
            async with _time_limit(total), slot(self._in_flight, pool_wait, request):
                response = await self._http.send(request, stream=True)
                try:
                    body = BodyReader(response, limit=self._max_response_bytes, deadline=deadline)
                    async for chunk in response.aiter_bytes():
                        body.add(chunk)
                    body.finish()
                finally:
                    await response.aclose()
        except httpx.TransportError as exc:
            raise self._transport_error(exc, request) from exc
        except TimeoutError as exc:  # the time limit cancelled the exchange
            timeout = httpx.ReadTimeout("the request's timeout ran out", request=request)
            raise self._transport_error(timeout, request) from exc
        return self._handle(spec, response, time.monotonic() - started)
