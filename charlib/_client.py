"""The clients: a shared base that decides everything, and two thin runners that do the I/O.

``_BaseClient`` resolves options (arguments, then environment, then defaults), builds request
arguments, maps responses to models or exceptions and builds the retry arguments; it never touches
the network. :class:`Client` and :class:`AsyncClient` differ only in ``send`` vs ``await send``,
``Retrying`` vs ``AsyncRetrying`` and ``clock.sleep`` vs ``clock.asleep``.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from charlib._clock import Clock, SystemClock
from charlib._config import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    ENV_API_KEY,
    ENV_BASE_URL,
    RetryPolicy,
)
from charlib._exceptions import APIConnectionError, APITimeoutError, InvalidParameterError
from charlib._logging import configure_from_env, redact_headers
from charlib._models import Health
from charlib._request import RequestSpec
from charlib._resources.characters import AsyncCharacters, Characters
from charlib._resources.jobs import AsyncJobs, Jobs
from charlib._response import make_status_error, model_parser
from charlib._retry import RetryMode, is_retryable, retry_arguments
from charlib._types import NOT_GIVEN, NotGiven
from charlib._version import __version__

if TYPE_CHECKING:
    import tenacity

__all__ = ["AsyncClient", "Client"]

logger = logging.getLogger("charlib")

_T = TypeVar("_T")
_H = TypeVar("_H", httpx.Client, httpx.AsyncClient)

# Resolved URLs kept per client; a poller asks for the same few paths over and over.
_URL_CACHE_SIZE = 1024


def _resolve_base_url(base_url: str | httpx.URL | None) -> httpx.URL:
    raw = base_url if base_url is not None else os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    url = httpx.URL(str(raw))
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


class _BaseClient:
    """Options and the pure halves of sending a request (shared by both clients)."""

    # The policy of a client given none; each client keeps its own in an attribute of this name.
    _retry_policy = RetryPolicy()
    _http: httpx.Client | httpx.AsyncClient
    _owns_http: bool

    def __init__(
        self,
        base_url: str | httpx.URL | None,
        api_key: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int | None,
        retry: RetryPolicy | None,
        clock: Clock | None,
    ) -> None:
        configure_from_env()
        self._base_url = _resolve_base_url(base_url)
        self._api_key = _resolve_api_key(api_key)
        self._timeout = _resolve_timeout(timeout)
        self._retry_policy = _resolve_retry(retry, max_retries, self._retry_policy)
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

    @property
    def base_url(self) -> httpx.URL:
        """The base URL every path (and a job's ``poll_url``) is resolved against."""
        return self._base_url

    @property
    def timeout(self) -> httpx.Timeout:
        """The per-request timeout."""
        return self._timeout

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

    def _adopt(self, http_client: _H | None, kind: type[_H]) -> _H:
        """The HTTP client to send through: ``http_client`` (its owner closes it), else our own."""
        if http_client is not None and not isinstance(http_client, kind):
            raise InvalidParameterError("http_client", f"must be an httpx.{kind.__name__}")
        self._owns_http = http_client is None
        return kind() if http_client is None else http_client

    def _option_kwargs(
        self,
        base_url: str | httpx.URL | NotGiven,
        api_key: str | NotGiven | None,
        timeout: float | httpx.Timeout | NotGiven,
        max_retries: int | NotGiven,
        retry: RetryPolicy | NotGiven,
        clock: Clock | NotGiven,
    ) -> dict[str, Any]:
        """This client's options, overridden by the given ones (for ``with_options``)."""
        return {
            "base_url": self._base_url if isinstance(base_url, NotGiven) else base_url,
            "api_key": self._api_key if isinstance(api_key, NotGiven) else api_key,
            "timeout": self._timeout if isinstance(timeout, NotGiven) else timeout,
            "max_retries": None if isinstance(max_retries, NotGiven) else max_retries,
            "retry": self._retry_policy if isinstance(retry, NotGiven) else retry,
            "clock": self._clock if isinstance(clock, NotGiven) else clock,
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
        """Wrap an httpx transport error (the caller chains it as ``__cause__``)."""
        what = f"{request.method} {request.url}"
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(f"Request timed out: {what}", request=request)
        detail = str(exc) or type(exc).__name__
        if self._api_key:
            detail = detail.replace(self._api_key, "<redacted>")
        return APIConnectionError(f"Connection error: {what}: {detail}", request=request)

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
                response.reason_phrase,
                elapsed * 1000,
            )
        if not response.is_success:
            raise make_status_error(response)
        return spec.parse(response)

    def __repr__(self) -> str:
        # The API key is never shown, only whether one is set.
        key = "<set>" if self._api_key else None
        return (
            f"{type(self).__name__}(base_url={str(self._base_url)!r}, api_key={key}, "
            f"timeout={self._timeout!r}, max_retries={self.max_retries})"
        )


class Client(_BaseClient):
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
            connect).
        max_retries: retries after the first attempt of a retryable request, 0 disables
            retrying; default: the policy's (3). Given with ``retry``, it replaces the policy's.
        retry: the :class:`RetryPolicy` (retries, backoff, ``Retry-After`` cap, retried statuses);
            waits use it too, to tell which failed polls to wait out.
        http_client: an ``httpx.Client`` to send through (e.g. with ``httpx.MockTransport``).
            ``base_url``, headers and ``timeout`` of this client still apply. An injected client
            is not closed by :meth:`close`: its owner closes it.
        clock: the clock every sleep goes through (default: the real one); tests inject a fake.
    """

    characters: Characters
    """Characters, their reference images and generation starts."""
    jobs: Jobs
    """Background jobs: status, cancel, list."""
    _http: httpx.Client

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout, max_retries, retry, clock)
        self._http = self._adopt(http_client, httpx.Client)
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

    def with_options(
        self,
        *,
        base_url: str | httpx.URL | NotGiven = NOT_GIVEN,
        api_key: str | NotGiven | None = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | NotGiven = NOT_GIVEN,
        clock: Clock | NotGiven = NOT_GIVEN,
    ) -> Client:
        """A new client with some options changed, sharing this one's connection pool.

        ``retry`` replaces the retry policy; ``max_retries`` replaces only its count (of the new
        policy when both are given). The derived client does not own the pool: closing it is a
        no-op for the pool; close the original (or the injected ``http_client``) when done.

        Example::

            slow = client.with_options(timeout=120, max_retries=0)
        """
        return Client(**self._option_kwargs(base_url, api_key, timeout, max_retries, retry, clock))

    def close(self) -> None:
        """Close the connection pool if this client created it (an injected one is left open)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
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
        started = time.perf_counter()
        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            raise self._transport_error(exc, request) from exc
        return self._handle(spec, response, time.perf_counter() - started)


class AsyncClient(_BaseClient):
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
    """

    characters: AsyncCharacters
    """Characters, their reference images and generation starts."""
    jobs: AsyncJobs
    """Background jobs: status, cancel, list."""
    _http: httpx.AsyncClient

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout, max_retries, retry, clock)
        self._http = self._adopt(http_client, httpx.AsyncClient)
        self.characters = AsyncCharacters(self)
        self.jobs = AsyncJobs(self)

    async def health(self) -> Health:
        """Same as :meth:`Client.health`, awaited."""
        return await self._request(RequestSpec("GET", "api/health", model_parser(Health)))

    def with_options(
        self,
        *,
        base_url: str | httpx.URL | NotGiven = NOT_GIVEN,
        api_key: str | NotGiven | None = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | NotGiven = NOT_GIVEN,
        clock: Clock | NotGiven = NOT_GIVEN,
    ) -> AsyncClient:
        """Same as :meth:`Client.with_options`, for an :class:`AsyncClient`."""
        args = self._option_kwargs(base_url, api_key, timeout, max_retries, retry, clock)
        return AsyncClient(**args)

    async def aclose(self) -> None:
        """Same as :meth:`Client.close`, awaited."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
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
        started = time.perf_counter()
        try:
            response = await self._http.send(request)
        except httpx.TransportError as exc:
            raise self._transport_error(exc, request) from exc
        return self._handle(spec, response, time.perf_counter() - started)
