"""Fetching one image, written once: a generator that says what to send and read, never does it.

:func:`image_flow` yields commands (open this request, read a chunk, commit the file, close the
response, sleep, look the image up in the character's gallery) and is sent back what each
produced; the sync and async drivers of :mod:`charlib._download_io` carry them out with blocking
calls or awaits (file writes, hashing and renames in a thread, off the event loop). What is
decided here, once, for both:

- **Credentials stay home.** The API key goes only to the API's own origin (scheme, host and
  port of the client's ``base_url``), and never again in a redirect chain that has left it.
  Media answers redirect at most :data:`MAX_REDIRECTS` times, to ``http(s)`` URLs only.
- **Retries** follow the client's :class:`~charlib.RetryPolicy`: connection errors, bodies cut
  short, and the policy's statuses (its backoff, ``Retry-After`` within its cap).
- **Broken links** (401/403/404/410, another final status, a host that cannot be reached, a body
  that is not an image): the image is looked up by its media id in the character's gallery,
  whose ``imageFile`` carries the real URL (contract D17), and fetched from there.
- **Bodies** are streamed into a sink (a ``.part`` file, or memory) chunk by chunk and refused
  as soon as they are not an image (the first bytes decide), grow past ``max_bytes`` (announced
  or counted), end before their ``Content-Length``, or come compressed (``identity`` is asked
  for: a small compressed body could inflate without bound while it is decoded).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeAlias

import httpx

from charlib._config import RetryPolicy
from charlib._download_errors import DownloadError, FileTooLargeError, NotAnImageError
from charlib._files import FLUSH_BYTES, SNIFF_BYTES, is_refused_type, sniff_image
from charlib._headers import parse_retry_after
from charlib._media import Fetcher, Sink, Target, origin, shown_url
from charlib._retry import backoff_delay

__all__ = [
    "MAX_REDIRECTS",
    "Close",
    "Commit",
    "Fetched",
    "Flush",
    "Gallery",
    "ImageFlow",
    "NotFetched",
    "Open",
    "Outcome",
    "Read",
    "Sleep",
    "image_flow",
]

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


# -- commands -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Open:
    """Send ``request`` without following redirects; keep the body unread. Only a ``home``
    request (to the API's origin, in a chain that never left it) may carry the HTTP client's own
    auth. Reply: the ``httpx.Response`` (head only), or the ``httpx.RequestError`` raised, or
    ``httpx.InvalidURL`` (httpx raises it from ``send`` for a redirect to a malformed URL)."""

    request: httpx.Request
    home: bool = False


@dataclass(frozen=True, slots=True)
class Read:
    """Read the next chunk of the open response. Reply: ``bytes``, ``None`` at the end, or the
    ``httpx.RequestError`` raised."""


@dataclass(frozen=True, slots=True)
class Close:
    """Close the open response (its connection goes back to the pool). Reply: nothing."""


@dataclass(frozen=True, slots=True)
class Sleep:
    """Sleep ``seconds`` on the client's clock before the next attempt. Reply: nothing."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Flush:
    """Write and hash what the sink has buffered (blocking file I/O, so the async driver does it
    in a thread). Reply: nothing."""

    sink: Sink


@dataclass(frozen=True, slots=True)
class Commit:
    """Make the sink's bytes final (for a file: flush to disk, rename); slow, so the async
    driver does it in a thread. Reply: what the sink made (a path, bytes)."""

    sink: Sink


@dataclass(frozen=True, slots=True)
class Gallery:
    """The character's gallery, fetched once per run. Reply: media id -> URL (maybe empty)."""


Command: TypeAlias = Open | Read | Close | Sleep | Flush | Commit | Gallery


# -- outcomes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fetched:
    """An image saved: what the sink made of it (a path, bytes) and the facts about it."""

    value: object
    size: int
    sha256: str
    ext: str
    content_type: str | None
    url: str
    source: str = "result"  # "result" (the job's own URL) or "gallery" (found by media id)
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class NotFetched:
    """An image that could not be saved, why, from where last, after how many attempts."""

    error: DownloadError
    url: str | None
    attempts: int


Outcome: TypeAlias = Fetched | NotFetched
ImageFlow: TypeAlias = Generator[Command, Any, Outcome]


def step(flow: ImageFlow, reply: object) -> Command | Outcome:
    """Send ``reply`` (to the last command; ``None`` to start) and return the flow's next
    command, or its outcome once it has ended: the head of both drivers' loops."""
    try:
        return flow.send(reply)
    except StopIteration as done:
        outcome: Outcome = done.value
        return outcome


@dataclass(frozen=True, slots=True)
class _Failure:
    """One URL's failure, and what it says about trying again (here, or elsewhere)."""

    error: DownloadError
    url: str
    retryable: bool = False  # the same URL may work on another attempt
    broken: bool = False  # another URL for the image may work
    unreachable: bool = False  # the host could not be reached at all
    retry_after: float | None = None
    attempts: int = 1


# -- the flow -----------------------------------------------------------------------------------


def image_flow(fetcher: Fetcher, target: Target) -> ImageFlow:
    """Fetch ``target`` from its URL; if that link is broken, from the gallery's URL for its media
    id. Returns the outcome (nothing is raised for a failed image)."""
    attempts = 0
    tried: list[str] = []
    fallback = target.media_id is not None
    url = target.url
    failure = _Failure(DownloadError("the server gave no URL for this image"), "", broken=True)
    for source in ("result", "gallery"):
        if source == "gallery":
            if not (fallback and failure.broken):
                break
            gallery: Mapping[str, str] = yield Gallery()
            url = gallery.get(target.media_id or "")
            if url is None or url in tried:
                break
        if url is None:
            continue
        tried.append(url)
        result = yield from _fetch(fetcher, target, url, fallback=fallback and source == "result")
        attempts += result.attempts
        if isinstance(result, Fetched):
            return replace(result, source=source, attempts=attempts)
        failure = result
    return NotFetched(failure.error, failure.url or None, attempts)


def _retry_delay(attempt: int, retry_after: float | None, policy: RetryPolicy) -> float:
    if retry_after is not None:
        return min(retry_after, policy.max_retry_after)
    return backoff_delay(attempt, policy)


def _fetch(
    fetcher: Fetcher, target: Target, url: str, *, fallback: bool
) -> Generator[Command, Any, Fetched | _Failure]:
    """``url`` with the retry policy; a broken link ends early when there is a fallback."""
    policy = fetcher.policy
    host = _host(url)
    attempt = 0
    while True:
        attempt += 1
        if fallback and host in fetcher.dead_hosts:  # another image found it unreachable
            error = DownloadError(f"{host} could not be reached", url=shown_url(url))
            return _Failure(error, url, broken=True, attempts=attempt - 1)
        result = yield from _attempt(fetcher, target, url)
        if isinstance(result, Fetched):
            return replace(result, attempts=attempt)
        if result.unreachable:
            with fetcher.lock:
                fetcher.dead_hosts.add(host)
        if (
            not result.retryable
            or attempt > policy.max_retries
            or (fallback and result.broken)
            or fetcher.stopped
        ):
            return replace(result, attempts=attempt)
        yield Sleep(_retry_delay(attempt, result.retry_after, policy))


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host
    except (httpx.InvalidURL, TypeError, ValueError):
        return ""


def _http_url(text: str) -> httpx.URL | None:
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    return url if url.scheme in ("http", "https") and url.host else None


def _attempt(
    fetcher: Fetcher, target: Target, url: str
) -> Generator[Command, Any, Fetched | _Failure]:
    """One GET of ``url``, following redirects, then its body into the target's sink."""
    current = _http_url(url)
    home = True
    for _hop in range(MAX_REDIRECTS + 1):
        if current is None:
            error = DownloadError(f"not an http(s) URL: {shown_url(url)}", url=shown_url(url))
            return _Failure(error, url, broken=True)
        home = home and origin(current) == fetcher.api_origin
        reply = yield Open(fetcher.request(current, home=home), home)
        if isinstance(reply, httpx.InvalidURL):
            error = DownloadError(f"a redirect to a malformed URL ({shown_url(url)})")
            return _Failure(error, url, broken=True)
        if isinstance(reply, httpx.RequestError):
            return _transport_failure(reply, url)
        response: httpx.Response = reply
        location = response.headers.get("location")
        if response.status_code in _REDIRECTS and location is not None:
            yield Close()
            try:
                current = _http_url(str(current.join(location)))
            except httpx.InvalidURL:
                current = None
            continue
        if not response.is_success:
            yield Close()
            return _status_failure(response, url, fetcher.policy)
        return (yield from _receive(fetcher, target, response, url))
    yield Close()
    error = DownloadError(f"more than {MAX_REDIRECTS} redirects from {shown_url(url)}")
    return _Failure(error, url, broken=True)


def _printable(text: str, limit: int = 200) -> str:
    return "".join(char for char in text if char.isprintable())[:limit]


def _transport_failure(exc: httpx.RequestError, url: str) -> _Failure:
    """A connection that failed: retried; one that could not even open also tries elsewhere."""
    unreachable = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
    what = "could not connect" if unreachable else "connection failed"
    detail = _printable(str(exc)) or type(exc).__name__
    error = DownloadError(f"{what}: {detail} (GET {shown_url(url)})", url=shown_url(url))
    error.__cause__ = exc
    return _Failure(error, url, retryable=True, broken=unreachable, unreachable=unreachable)


def _status_failure(response: httpx.Response, url: str, policy: RetryPolicy) -> _Failure:
    """A non-2xx answer: retried if the policy says so (never a 404); else the link is broken."""
    status = response.status_code
    retryable = status in policy.retry_statuses and status != 404
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    error = DownloadError(
        f"HTTP {status} {httpx.codes.get_reason_phrase(status)} ({_printable(kind, 60)}) "
        f"(GET {shown_url(url)})",
        url=shown_url(url),
        status_code=status,
    )
    return _Failure(
        error,
        url,
        retryable=retryable,
        broken=not retryable,
        retry_after=parse_retry_after(response.headers),
    )


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def _receive(
    fetcher: Fetcher, target: Target, response: httpx.Response, url: str
) -> Generator[Command, Any, Fetched | _Failure]:
    """Stream the body into the target's sink; refuse it as soon as it cannot be a good image."""
    content_type = response.headers.get("content-type")
    announced = _content_length(response)
    refusal = _refusal(response, fetcher.max_bytes, target, url)
    if refusal is not None:
        yield Close()
        return refusal
    head = b""
    sink: Sink | None = None
    ext = ""
    try:
        while True:
            chunk = yield Read()
            if isinstance(chunk, httpx.RequestError):
                return _transport_failure(chunk, url)
            end = chunk is None
            if sink is None:  # the first bytes say what the body is
                head += chunk or b""
                if not end and len(head) < SNIFF_BYTES:
                    continue
                ext = sniff_image(head) or ""
                if not ext:
                    yield Close()
                    shown = shown_url(url)
                    refused = NotAnImageError(f"{target.label}: not an image ({shown})", url=shown)
                    return _Failure(refused, url, broken=True)
                sink, chunk = target.sink(ext), head
            if chunk:
                sink.write(chunk)
                if sink.size > fetcher.max_bytes:
                    yield Close()
                    return _too_large(target, url, fetcher.max_bytes)
                if sink.pending >= FLUSH_BYTES:
                    yield Flush(sink)
            if end:
                break
        # Over a socket httpx checks the length itself; this catches any other transport.
        if announced is not None and sink.size != announced:
            shown = shown_url(url)
            error = DownloadError(
                f"{target.label}: the body had {sink.size} of {announced} bytes ({shown})",
                url=shown,
                status_code=response.status_code,
            )
            return _Failure(error, url, retryable=True)
        value = yield Commit(sink)
        return Fetched(value, sink.size, sink.sha256, ext, content_type, url)
    finally:
        if sink is not None:
            sink.discard()


def _too_large(target: Target, url: str, limit: int) -> _Failure:
    shown = shown_url(url)
    error = FileTooLargeError(
        f"{target.label}: larger than max_bytes={limit} ({shown})", url=shown, max_bytes=limit
    )
    return _Failure(error, url)


def _refusal(response: httpx.Response, limit: int, target: Target, url: str) -> _Failure | None:
    """A failure decided by the headers alone: plainly not an image, compressed though
    ``identity`` was asked for (a small compressed body may inflate without bound as it is
    decoded, before any limit can count it), or announced too large."""
    headers = response.headers
    content_type = headers.get("content-type")
    if is_refused_type(content_type):
        kind = _printable((content_type or "").split(";")[0], 60)
        shown = shown_url(url)
        error = NotAnImageError(f"{target.label}: {kind} is not an image ({shown})", url=shown)
        return _Failure(error, url, broken=True)
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        shown = shown_url(url)
        what = f"a {_printable(encoding, 30)}-encoded body, though identity was asked for"
        return _Failure(DownloadError(f"{target.label}: {what} ({shown})", url=shown), url)
    announced = _content_length(response)
    if announced is not None and announced > limit:
        return _too_large(target, url, limit)
    return None
