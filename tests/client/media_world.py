"""A scripted world for download tests: the API, media hosts and their answers, every request kept.

Routes are keyed by URL (without the query); a route is a response, a list of responses handed
out in order (the last repeats), an exception to raise, or a function of the request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

API = "https://charlib.test"
CDN = "https://cdn.other.test"
FIXED_HOST = "https://media.rumbletv.com/media/"
JOB = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"
CHARACTER = "66f1c0ffee00000000000a01"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + b"\x10JFIF" + bytes(200)

Route = httpx.Response | list[httpx.Response] | Exception | Callable[[httpx.Request], Any]

# (slug, name) of a few canonical shots, in canonical order (positions 1, 4, 10, 27).
SHOTS = [
    ("enhanced_35a_front_full_v2", "35mm FRONT FULL (Enhanced)"),
    ("enhanced_50c_front_cu_v2", "50mm FRONT CU (Enhanced)"),
    ("enhanced_85e_profile_left_mcu_v2", "85mm PROFILE LEFT MCU (Enhanced)"),
    ("enhanced_50c_25right_mcu_v2", "50mm 25° RIGHT MCU (Enhanced)"),
]
POSITIONS = [1, 4, 10, 27]


class Stream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body sent in ``count`` chunks, readable by both clients (with no Content-Length)."""

    def __init__(self, chunk: bytes, count: int) -> None:
        self.chunk = chunk
        self.count = count

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.count):
            yield self.chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.count):
            yield self.chunk


def png(tag: int) -> bytes:
    """A distinct PNG-looking body per tag."""
    return PNG + tag.to_bytes(4, "big")


def image(url: str | None, slug: str | None, name: str | None, **extra: Any) -> dict[str, Any]:
    """One ``generatedImages`` entry, camelCase, with what the reference server sends."""
    body: dict[str, Any] = {
        "url": url,
        "angle": name,
        "quality": 80,
        "mediaId": extra.pop("media_id", None),
    }
    if slug is not None:
        body["shotSlug"] = slug
    body.update(extra)
    return {key: value for key, value in body.items() if value is not None}


def status(
    images: list[dict[str, Any]],
    *,
    state: str = "completed",
    failed: list[dict[str, Any]] | None = None,
    character: str | None = CHARACTER,
) -> dict[str, Any]:
    """A job status body with these results."""
    body: dict[str, Any] = {
        "success": True,
        "jobId": JOB,
        "status": state,
        "progress": {"current": 27, "total": 27, "percentage": 100},
        "results": {
            "generatedImages": images,
            "failedImages": failed or [],
            "totalAttempts": len(images),
            "processingTime": 1,
        },
    }
    if character is not None:
        body["characterId"] = character
    return body


class World:
    """The fake network: routes by URL, and every request that reached it."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[httpx.Request] = []

    def add(self, url: str, route: Route) -> None:
        """Answer ``url`` (its query ignored) with ``route``."""
        self.routes[url] = route

    def serve(self, url: str, body: bytes = PNG, content_type: str = "image/png") -> None:
        """Answer ``url`` with ``body``."""
        self.add(url, httpx.Response(200, content=body, headers={"content-type": content_type}))

    def job(self, body: dict[str, Any]) -> None:
        """The status route of the job."""
        self.add(f"{API}/api/v1/jobs/{JOB}/status", httpx.Response(200, json=body))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = str(request.url.copy_with(query=None))
        route = self.routes.get(key)
        if route is None:
            return httpx.Response(404, json={"error": "Not Found"})
        if isinstance(route, list):
            route = route.pop(0) if len(route) > 1 else route[0]
        if isinstance(route, Exception):
            raise route
        if callable(route) and not isinstance(route, httpx.Response):
            return route(request)  # type: ignore[no-any-return]
        if isinstance(route.stream, Stream):
            return route
        # A fresh answer each time (a response object is read once, by one kind of client).
        return httpx.Response(route.status_code, headers=route.headers, content=route.content)

    def to(self, prefix: str) -> list[httpx.Request]:
        """The requests to URLs starting with ``prefix``."""
        return [r for r in self.requests if str(r.url).startswith(prefix)]


def names(directory: Path, pattern: str = "*") -> list[str]:
    """Names of the entries of ``directory`` matching ``pattern`` (sorted)."""
    return sorted(path.name for path in directory.glob(pattern))
