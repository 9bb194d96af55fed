"""Media files: placeholder PNGs of stored media and of jobs' generated shots (CONTRACT §12).

Paths are matched by strict patterns (:func:`mock_server.media.parse_media_path`); encoded
characters never name a real file, so traversal attempts are a 404 before any lookup.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server import shapes
from mock_server.http import json_response
from mock_server.media import parse_media_path, png_bytes
from mock_server.operation import Operation, Reply
from mock_server.render import media_id_for
from mock_server.routes.common import engine_of

__all__ = ["OPERATIONS"]


def _not_found() -> Response:
    return json_response(404, {"success": False, "error": "Media not found"})


async def media(request: Request) -> Response:
    """``GET /media/{path}``: a stored image or a job's generated shot, as PNG bytes."""
    if "%" in request.scope.get("raw_path", b"").decode("latin-1"):
        return _not_found()
    parsed = parse_media_path(request.url.path)
    if parsed is None:
        return _not_found()
    kind, ident = parsed
    engine = engine_of(request)
    if kind == "media":
        found = engine.media(ident) is not None
    else:
        job_id, slug = ident.split("/")
        found = engine.has_result_image(job_id, slug)
        ident = media_id_for(job_id, slug)
    if not found:
        return _not_found()
    return Response(png_bytes(ident), media_type="image/png")


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/media/{path:path}",
        media,
        "A generated placeholder image (PNG)",
        {
            200: Reply("PNG bytes", media_type="image/png"),
            404: Reply("Unknown media", shapes.Error),
        },
        public=True,
    ),
)
