"""Media files: placeholder PNGs of stored media and of jobs' generated shots (CONTRACT §12).

Paths are matched by strict patterns (:func:`mock_server.media.parse_media_path`); encoded
characters never name a real file, so traversal attempts are a 404 before any lookup.

Served as an object store would: ``Content-Type``, ``Content-Length`` and a strong ``ETag`` on
GET and HEAD, ``304`` for a matching ``If-None-Match``, and the body streamed in pieces (a
server started with ``media_size`` pads every image to that size: see
:func:`~mock_server.media.media_file`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mock_server import shapes
from mock_server.http import json_response
from mock_server.media import MediaFile, media_file, parse_media_path
from mock_server.operation import Operation, Reply
from mock_server.render import media_id_for
from mock_server.routes.common import engine_of

__all__ = ["OPERATIONS", "media_size_of"]

PNG = "image/png"
_HEADERS = ("Content-Length", "ETag")


class _MediaStream(Response):
    """The image, sent piece by piece (its size is known up front: ``Content-Length``)."""

    def __init__(self, file: MediaFile, headers: dict[str, str]) -> None:
        super().__init__(None, headers=headers, media_type=PNG)
        self.file = file

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        for piece in self.file.chunks():
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def media_size_of(request: Request) -> int:
    """The size every image is padded to (``create_app(media_size=...)``; 0: unpadded)."""
    size: int = getattr(request.app.state, "media_size", 0)
    return size


def _not_found(head: bool) -> Response:
    response = json_response(404, {"success": False, "error": "Media not found"})
    if head:  # a HEAD answer has the headers of the GET one, and no body
        response.body = b""
    return response


def _found_key(request: Request) -> str | None:
    """The key of the image the path names, if it exists (a stored media id, or a job shot)."""
    if "%" in request.scope.get("raw_path", b"").decode("latin-1"):
        return None
    parsed = parse_media_path(request.url.path)
    if parsed is None:
        return None
    kind, ident = parsed
    engine = engine_of(request)
    if kind == "media":
        return ident if engine.media(ident) is not None else None
    job_id, slug = ident.split("/")
    return media_id_for(job_id, slug) if engine.has_result_image(job_id, slug) else None


def _matches(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


async def media(request: Request) -> Response:
    """``GET``/``HEAD /media/{path}``: a stored image or a job's generated shot, as PNG bytes."""
    head = request.method == "HEAD"
    key = _found_key(request)
    if key is None:
        return _not_found(head)
    file = media_file(key, media_size_of(request))
    headers = {"etag": file.etag}
    if _matches(request.headers.get("if-none-match"), file.etag):
        return Response(status_code=304, headers=headers)
    headers["content-length"] = str(file.size)
    if head:
        return Response(b"", headers=headers, media_type=PNG)
    if not file.padding:
        return Response(file.head, headers=headers, media_type=PNG)
    return _MediaStream(file, headers)


_EXPIRED = Reply(
    "Link expired (the injected fault `expired`, as object stores answer)",
    media_type="application/xml",
)
_NOT_MODIFIED = Reply(
    "Not modified: If-None-Match names the current ETag", media_type="", headers=("ETag",)
)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/media/{path:path}",
        media,
        "A generated placeholder image (PNG)",
        {
            200: Reply("PNG bytes", media_type=PNG, headers=_HEADERS),
            304: _NOT_MODIFIED,
            403: _EXPIRED,
            404: Reply("Unknown media", shapes.Error),
        },
        public=True,
    ),
    Operation(
        "HEAD",
        "/media/{path:path}",
        media,
        "The headers of a placeholder image (type, size, ETag), without its bytes",
        {
            200: Reply("The image's headers", media_type="", headers=("Content-Type", *_HEADERS)),
            304: _NOT_MODIFIED,
            403: Reply("Link expired (the injected fault `expired`)", media_type=""),
            404: Reply("Unknown media", media_type=""),
        },
        public=True,
    ),
)
