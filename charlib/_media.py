"""What every image of a download shares, and where its bytes go.

:class:`Fetcher` holds a run's shared state: the API's origin and key (the key goes to that
origin only), headers, timeout, retry policy and size limit, the character's gallery once
fetched, hosts found unreachable, and a stop flag. A :class:`Target` is one image to fetch, with
its sink: a ``.part`` file (:class:`charlib._files.PartFile`) or memory (:class:`MemorySink`).
Nothing here does network I/O.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx

from charlib._config import RetryPolicy
from charlib._models import Character

__all__ = [
    "Fetcher",
    "MemorySink",
    "Sink",
    "Target",
    "gallery_urls",
    "origin",
    "shown_url",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Sink(Protocol):
    """Where an image's bytes go: a ``.part`` file (``charlib._files.PartFile``) or memory."""

    size: int

    @property
    def sha256(self) -> str: ...

    @property
    def pending(self) -> int: ...

    def write(self, data: bytes) -> None: ...

    def flush(self) -> None: ...

    def commit(self) -> object: ...

    def discard(self) -> None: ...


class MemorySink:
    """Bytes kept in memory (``GeneratedImage.read``), bounded by the flow's ``max_bytes``."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._digest = hashlib.sha256()
        self.size = 0

    @property
    def sha256(self) -> str:
        """The SHA-256 (hex) of the bytes so far."""
        return self._digest.hexdigest()

    @property
    def pending(self) -> int:
        """Nothing waits for :meth:`flush`: memory is written at once."""
        return 0

    def write(self, data: bytes) -> None:
        """Append ``data``."""
        self._data += data
        self._digest.update(data)
        self.size += len(data)

    def flush(self) -> None:
        """Nothing to do."""

    def commit(self) -> bytes:
        """The bytes."""
        return bytes(self._data)

    def discard(self) -> None:
        """Drop the bytes."""
        self._data.clear()


@dataclass(frozen=True, slots=True)
class Target:
    """One image to fetch: its URL and media id, a label for messages, and its sink (given the
    extension the first bytes revealed)."""

    url: str | None
    media_id: str | None
    label: str
    sink: Callable[[str], Sink]


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port (the default port made explicit): what "same origin" compares."""
    scheme = url.scheme.lower()
    return scheme, url.host.lower(), url.port or _DEFAULT_PORTS.get(scheme)


def shown_url(url: str | httpx.URL) -> str:
    """``url`` for a message: no user info, query or fragment (they may hold secrets)."""
    try:
        parsed = httpx.URL(str(url))
        return str(parsed.copy_with(username=None, password=None, query=None, fragment=None))
    except (httpx.InvalidURL, TypeError, ValueError):
        return "<invalid URL>"


def gallery_urls(character: Character, base_url: httpx.URL) -> dict[str, str]:
    """Media id -> absolute URL, from a character's ``imageGallery`` (``imageFile`` populated
    with the media document's ``url``, or a media id next to the entry's own ``url``)."""
    urls: dict[str, str] = {}
    for entry in character.image_gallery or ():
        if not isinstance(entry, Mapping):
            continue
        media = entry.get("imageFile")
        media_id, url = (
            (media.get("id"), media.get("url"))
            if isinstance(media, Mapping)
            else (
                media,
                entry.get("url"),
            )
        )
        if isinstance(media_id, str) and isinstance(url, str) and url:
            try:
                urls.setdefault(media_id, str(base_url.join(url)))
            except httpx.InvalidURL:
                continue
    return urls


class Fetcher:
    """What every image of a run shares: the API's origin and key, headers, timeout, retry
    policy, size limit; the gallery once fetched, hosts found unreachable, and a stop flag."""

    def __init__(
        self,
        *,
        base_url: httpx.URL,
        api_key: str | None,
        user_agent: str,
        timeout: httpx.Timeout,
        policy: RetryPolicy,
        max_bytes: int,
        job_id: str | None = None,
        character_id: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.api_origin = origin(base_url)
        self._api_key = api_key
        self._headers = {
            "Accept": "image/*",
            "Accept-Encoding": "identity",
            "User-Agent": user_agent,
        }
        self._timeout = timeout.as_dict()
        self.policy = policy
        self.max_bytes = max_bytes
        self.job_id = job_id
        self.character_id = character_id
        self.gallery: dict[str, str] | None = None  # set once by a driver (see Gallery)
        self.gallery_lock = threading.Lock()  # held by the blocking driver while it looks
        self.lock = threading.Lock()
        self.dead_hosts: set[str] = set()
        self.stopped = False
        self._open: set[httpx.Response] = set()

    def track(self, response: httpx.Response) -> None:
        """Note an open response (a blocking worker's), so :meth:`stop` can close it."""
        with self.lock:
            self._open.add(response)

    def untrack(self, response: httpx.Response) -> None:
        """Forget a response that is being closed."""
        with self.lock:
            self._open.discard(response)

    def stop(self) -> None:
        """Stop the run: every flow ends at its next step; open responses are closed now, so a
        worker blocked on a read wakes up (Ctrl-C does not wait for a slow server)."""
        self.stopped = True
        with self.lock:
            responses, self._open = list(self._open), set()
        for response in responses:
            with contextlib.suppress(Exception):  # whatever closing under a reader raises
                response.close()

    def request(self, url: httpx.URL, *, home: bool) -> httpx.Request:
        """A GET of ``url``; with the API key only while ``home`` (the chain never left the API's
        origin)."""
        headers = dict(self._headers)
        if home and self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return httpx.Request("GET", url, headers=headers, extensions={"timeout": self._timeout})

    def set_gallery(self, character: Character | None) -> None:
        """Remember the gallery (``None``: the character could not be found: no fallback)."""
        self.gallery = {} if character is None else gallery_urls(character, self.base_url)
