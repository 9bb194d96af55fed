"""Thin endpoints: parse the request, ask the engine, render JSON.

Envelopes follow CONTRACT §3-§11 route by route (they are not uniform upstream): job routes use
``{success, ...}``, character CRUD returns raw documents and ``{error}``, the legacy core-set route
``{error, details}``. The status route also has an allocation-light twin, :func:`status_fast`,
that the middleware calls directly (it is the hot path of every polling client).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope, Send

from mock_server import __version__
from mock_server.admin import admin_routes
from mock_server.engine import Conflict, Engine, NotFound
from mock_server.http import (
    DRAIN_LIMIT,
    JSON_TYPE,
    MAX_BODY,
    Endpoint,
    base_url,
    json_response,
    read_body,
    too_large,
)
from mock_server.lifecycle import CANCELLED, COMPLETED, FAILED, MEAN_SHOT_MS, SCENARIOS
from mock_server.media import parse_media_path, png_bytes
from mock_server.render import dumps, iso, job_list_item, job_status_body, media_id_for
from mock_server.shots import SHOTS
from mock_server.validation import (
    InvalidJson,
    InvalidRequest,
    optional_bool,
    optional_int,
    optional_number,
    optional_string,
    parse_character,
    parse_generate_options,
    parse_job_list_query,
    parse_json_body,
    parse_page_query,
)

# MAX_BODY, DRAIN_LIMIT, base_url and json_response live in mock_server.http; re-exported here.
__all__ = [
    "DRAIN_LIMIT",
    "MAX_BODY",
    "base_url",
    "build_routes",
    "json_response",
    "status_bytes",
    "status_fast",
]

SERVICE_VERSION = "2.0.0"  # what the live service reports (hard-coded upstream)


def _not_found_job(job_id: str) -> dict[str, Any]:
    # D12: kept for compatibility — a 404 whose body says status "failed".
    return {
        "success": False,
        "jobId": job_id,
        "status": "failed",
        "progress": {"current": 0, "total": 0, "percentage": 0},
        "error": "Job not found",
    }


def status_bytes(engine: Engine, job_id: str, url_base: str) -> tuple[int, bytes]:
    """Status code and body of a job poll; bodies of final jobs are cached (they never change)."""
    found = engine.job(job_id)
    if found is None:
        return 404, dumps(_not_found_job(job_id))
    job, v = found
    final = v.status in (COMPLETED, FAILED) or (v.status == CANCELLED and job.mode != "upstream")
    if not final:
        return 200, dumps(job_status_body(job, v, url_base))
    key = (job_id, url_base)
    cache = engine.body_cache
    body = cache.get(key)
    if body is None:
        body = dumps(job_status_body(job, v, url_base))
        if len(cache) >= 4096:
            cache.pop(next(iter(cache)))
        cache[key] = body
    return 200, body


async def status_fast(engine: Engine, scope: Scope, send: Send, job_id: str) -> int:
    """``GET /api/v1/jobs/{jobId}/status`` straight on ASGI; returns the status sent."""
    status, body = status_bytes(engine, job_id, base_url(scope, engine.media_base))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
    return status


def _fingerprint(request: Request, raw: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = raw.decode("utf-8", "replace")
    scenario = request.headers.get("x-mock-scenario", "")
    return hashlib.sha256(
        f"{request.method}\n{request.url.path}\n{scenario}\n{canonical}".encode()
    ).hexdigest()


def _idempotent(
    engine: Engine, request: Request, raw: bytes, produce: Callable[[], Response]
) -> Response:
    """Apply ``Idempotency-Key``: same key and body → the same response, another body → 409."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return produce()
    if not 1 <= len(key) <= 255:
        return json_response(
            400, {"success": False, "error": "Idempotency-Key must be 1 to 255 characters"}
        )

    def run() -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
        response = produce()
        kept = tuple((k, response.headers[k]) for k in ("location",) if k in response.headers)
        return response.status_code, bytes(response.body), kept

    try:
        status, body, headers, replayed = engine.idempotent(
            f"{request.method} {request.url.path} {key}", _fingerprint(request, raw), run
        )
    except Conflict as exc:
        return json_response(409, {"success": False, "error": str(exc)})
    out = dict(headers)
    if replayed:
        out["idempotent-replayed"] = "true"
    return Response(body, status_code=status, media_type=JSON_TYPE, headers=out)


def _pagination(total: int, page: int, limit: int) -> dict[str, Any]:
    pages = max(1, math.ceil(total / limit))
    return {
        "totalDocs": total,
        "limit": limit,
        "page": page,
        "totalPages": pages,
        "hasNextPage": page < pages,
        "hasPrevPage": page > 1,
    }


def _grouped(table: list[tuple[str, str, Endpoint]]) -> list[BaseRoute]:
    """One Starlette route per path, dispatching on the method.

    One route per path (rather than per method) makes a 405 list every allowed method in
    ``Allow``, as HTTP requires.
    """
    by_path: dict[str, dict[str, Endpoint]] = {}
    for path, method, endpoint in table:
        by_path.setdefault(path, {})[method] = endpoint
    routes: list[BaseRoute] = []
    for path, handlers in by_path.items():

        async def dispatch(request: Request, handlers: dict[str, Endpoint] = handlers) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            return await handlers[method](request)

        routes.append(Route(path, dispatch, methods=list(handlers)))
    return routes


def build_routes(engine: Engine, openapi: Callable[[], dict[str, Any]]) -> list[BaseRoute]:
    """The Starlette routes of one app, bound to ``engine``."""
    upstream = engine.mode == "upstream"

    def base(request: Request) -> str:
        return base_url(request.scope, engine.media_base)

    def render_media(media: dict[str, Any] | None, url_base: str) -> dict[str, Any] | None:
        if media is None:
            return None
        url = str(media.get("url", ""))
        if url.startswith("/"):
            url = url_base + url
        return {**media, "url": url, "dinoMediaUrl": url}

    def render_character(doc: dict[str, Any], url_base: str) -> dict[str, Any]:
        doc = engine.gallery(doc)
        gallery = []
        for entry in doc.get("imageGallery", []):
            url = str(entry.get("url") or f"/media/{entry.get('imageFile')}.png")
            gallery.append({**entry, "url": url_base + url if url.startswith("/") else url})
        return {
            **doc,
            "masterReferenceImage": render_media(engine.reference_media(doc), url_base),
            "imageGallery": gallery,
        }

    # -- health -------------------------------------------------------------------------------

    async def health(request: Request) -> Response:
        return json_response(
            200,
            {
                "status": "ok",
                "service": "Character Library",
                "version": SERVICE_VERSION,
                "timestamp": iso(engine.now()),
                "uptime": round(time.monotonic() - engine.started_monotonic, 3),
                "environment": "mock",
                "mode": engine.mode,
                "mockVersion": __version__,
                "clock": {"kind": engine.clock.kind, "speed": engine.clock.speed},
            },
        )

    # -- characters ---------------------------------------------------------------------------

    def char_missing(action: str) -> Response:
        if upstream:  # D11: Payload throws, the 404 branch is dead
            return json_response(500, {"error": f"Failed to {action} character"})
        return json_response(404, {"error": "Character not found"})

    async def list_characters(request: Request) -> Response:
        try:
            page, limit = parse_page_query(request.query_params)
        except InvalidRequest as exc:
            return json_response(400, {"error": str(exc)})
        search = request.query_params.get("search") or None
        docs, total = engine.list_characters(search, page, limit)
        pages = max(1, math.ceil(total / limit))
        url_base = base(request)
        return json_response(
            200,
            {
                "docs": [render_character(d, url_base) for d in docs],
                "totalDocs": total,
                "limit": limit,
                "page": page,
                "totalPages": pages,
                "pagingCounter": (page - 1) * limit + 1,
                "hasPrevPage": page > 1,
                "hasNextPage": page < pages,
                "prevPage": page - 1 if page > 1 else None,
                "nextPage": page + 1 if page < pages else None,
            },
        )

    async def create_character(request: Request) -> Response:
        raw = await read_body(request)
        if raw is None:
            return too_large()
        url_base = base(request)

        def produce() -> Response:
            try:
                fields = parse_character(parse_json_body(raw), partial=False)
                doc = engine.create_character(fields)
            except InvalidRequest as exc:
                return json_response(400, {"error": str(exc)})
            except Conflict as exc:
                return json_response(409, {"error": str(exc)})
            return json_response(201, render_character(doc, url_base))

        return _idempotent(engine, request, raw, produce)

    async def get_character(request: Request) -> Response:
        try:
            doc = engine.character(request.path_params["id"])
        except NotFound:
            return char_missing("fetch")
        return json_response(200, render_character(doc, base(request)))

    async def patch_character(request: Request) -> Response:
        raw = await read_body(request)
        if raw is None:
            return too_large()
        try:
            fields = parse_character(parse_json_body(raw), partial=True)
            doc = engine.update_character(request.path_params["id"], fields)
        except InvalidRequest as exc:
            return json_response(400, {"error": str(exc)})
        except Conflict as exc:
            return json_response(409, {"error": str(exc)})
        except NotFound:
            return char_missing("update")
        return json_response(200, render_character(doc, base(request)))

    async def delete_character(request: Request) -> Response:
        try:
            engine.delete_character(request.path_params["id"])
        except NotFound:
            return char_missing("delete")
        return json_response(200, {"success": True})

    # -- master reference ---------------------------------------------------------------------

    def ref_error(status: int, message: str) -> Response:
        return json_response(status, {"success": False, "updated": False, "error": message})

    def ref_missing() -> Response:
        return ref_error(500, "Not Found") if upstream else ref_error(404, "Character not found")

    async def put_reference(request: Request) -> Response:
        raw = await read_body(request)
        if raw is None:
            return too_large()
        try:
            body = parse_json_body(raw)
            media_id = optional_string(body, "mediaId")
            image_url = optional_string(body, "imageUrl")
            metadata = body.get("metadata")
            if metadata is not None and not isinstance(metadata, dict):
                raise InvalidRequest("metadata must be an object")
            dino = optional_string(metadata or {}, "dinoAssetId")
        except InvalidRequest as exc:
            return ref_error(400, str(exc))
        if not media_id and not image_url:
            return ref_error(400, "Either imageUrl or mediaId is required")
        try:
            media = engine.set_reference(
                request.path_params["id"], media_id or None, image_url, dino
            )
        except NotFound as exc:
            if media_id and str(exc) == media_id:
                return ref_error(404, "Media not found")
            return ref_missing()
        rendered = render_media(media, base(request)) or {}
        return json_response(
            200,
            {"success": True, "updated": True, "mediaId": media["id"], "imageUrl": rendered["url"]},
        )

    async def get_reference(request: Request) -> Response:
        try:
            doc = engine.character(request.path_params["id"])
        except NotFound:
            return ref_missing()
        media = render_media(engine.reference_media(doc), base(request))
        body: dict[str, Any] = {"success": True, "updated": True}
        if media is not None:
            body["imageUrl"] = media["url"]
            body["mediaId"] = media["id"]
        return json_response(200, body)

    async def delete_reference(request: Request) -> Response:
        try:
            engine.reset_reference(request.path_params["id"])
        except NotFound:
            return ref_missing()
        return json_response(
            200,
            {
                "success": True,
                "updated": True,
                "message": "Master reference image and all derived content were reset",
                "resetFields": [
                    "masterReferenceImage",
                    "masterReferenceProcessed",
                    "coreSetGenerated",
                    "coreSetGeneratedAt",
                    "imageGallery",
                    "qualityMetrics",
                    "sceneImages",
                ],
            },
        )

    async def generate_initial_image(request: Request) -> Response:
        raw = await read_body(request)
        if raw is None:
            return too_large()
        url_base = base(request)

        def produce() -> Response:
            try:
                body = parse_json_body(raw)
                prompt = optional_string(body, "prompt")
                if not prompt or not prompt.strip():
                    raise InvalidRequest("Prompt is required")
                optional_string(body, "style")
                width = optional_int(body, "width", 768, 64, 4096)
                height = optional_int(body, "height", 1024, 64, 4096)
            except InvalidRequest as exc:
                return json_response(400, {"success": False, "error": str(exc)})
            try:
                doc, media, quality = engine.generate_initial_image(
                    request.path_params["id"], prompt, width, height
                )
            except NotFound:
                if upstream:
                    return json_response(
                        500,
                        {
                            "success": False,
                            "error": "Failed to generate initial image",
                            "details": "Not Found",
                        },
                    )
                return json_response(404, {"success": False, "error": "Character not found"})
            except Conflict as exc:
                return json_response(400, {"success": False, "error": str(exc)})
            rendered = render_media(media, url_base) or {}
            return json_response(
                200,
                {
                    "success": True,
                    "message": "Initial image generated and set as master reference",
                    "data": {
                        "characterId": doc["id"],
                        "characterName": doc["name"],
                        "imageId": media["id"],
                        "dinoAssetId": media["dinoAssetId"],
                        "publicUrl": rendered["url"],
                        "qualityScore": quality,
                        "validationNotes": "Placeholder image from the charlib mock server",
                    },
                },
            )

        return _idempotent(engine, request, raw, produce)

    # -- jobs ---------------------------------------------------------------------------------

    def job_error(status: int, message: str) -> Response:
        return json_response(status, {"success": False, "status": "failed", "error": message})

    async def generate_360(request: Request) -> Response:
        raw = await read_body(request)
        if raw is None:
            return too_large()
        char_id = request.path_params["id"]
        scenario = request.headers.get("x-mock-scenario") or None

        def produce() -> Response:
            if scenario is not None and scenario not in (*SCENARIOS, "random"):
                names = ", ".join((*SCENARIOS, "random"))
                return job_error(400, f"X-Mock-Scenario must be one of {names}")
            try:
                if upstream and not raw:
                    raise InvalidJson("Invalid JSON body", "Unexpected end of JSON input")
                body = parse_json_body(raw)
            except InvalidJson as exc:
                # D13: the live service answers a parser error with a 500.
                return job_error(500, exc.js_message) if upstream else job_error(400, str(exc))
            try:
                options = parse_generate_options(body, upstream=upstream)
            except InvalidRequest as exc:
                return job_error(400, str(exc))
            try:
                doc = engine.character(char_id)
            except NotFound:
                return (
                    job_error(500, "Not Found")
                    if upstream
                    else job_error(404, "Character not found")
                )
            media = engine.reference_media(doc)
            if media is None or not media.get("dinoAssetId"):
                return job_error(
                    400, "Character must have a master reference image for 360° generation"
                )
            if scenario == "partial" and not upstream and options.image_count < 2:
                return job_error(400, "X-Mock-Scenario partial needs imageCount of at least 2")
            job = engine.create_job(char_id, options, None if scenario == "random" else scenario)
            count = options.image_count
            if upstream:
                estimate = job.created_ms + count * 30_000
            else:
                estimate = job.start_ms + len(job.plan().shots) * MEAN_SHOT_MS
            poll = f"/api/v1/jobs/{job.job_id}/status"
            return json_response(
                202,
                {
                    "success": True,
                    "jobId": job.job_id,
                    "status": "accepted",
                    "message": f"360° image generation job started. Generating {count} images.",
                    "estimatedCompletionTime": iso(estimate),
                    "pollUrl": poll,
                },
                headers={"location": poll},
            )

        return _idempotent(engine, request, raw, produce)

    async def job_status(request: Request) -> Response:
        status, body = status_bytes(engine, request.path_params["job_id"], base(request))
        return Response(body, status_code=status, media_type=JSON_TYPE)

    async def cancel_job(request: Request) -> Response:
        status, body = engine.cancel(request.path_params["job_id"])
        return json_response(status, body)

    async def list_jobs(request: Request) -> Response:
        try:
            query = parse_job_list_query(request.query_params)
        except InvalidRequest as exc:
            return json_response(
                400,
                {
                    "success": False,
                    "jobs": [],
                    "pagination": {
                        "totalDocs": 0,
                        "limit": 10,
                        "page": 1,
                        "totalPages": 0,
                        "hasNextPage": False,
                        "hasPrevPage": False,
                    },
                    "error": str(exc),
                },
            )
        rows, total = engine.list_jobs(
            character_id=query.character_id,
            status=query.status,
            job_type=query.job_type,
            page=query.page,
            limit=query.limit,
        )
        return json_response(
            200,
            {
                "success": True,
                "jobs": [job_list_item(job, v) for job, v in rows],
                "pagination": _pagination(total, query.page, query.limit),
            },
        )

    # -- legacy synchronous core set ----------------------------------------------------------

    async def generate_core_set(request: Request) -> Response:
        raw = await read_body(request)
        if raw is None:
            return too_large()
        try:
            body = parse_json_body(raw)
        except InvalidJson:
            body = {}  # this route tolerates bad JSON upstream
        try:
            options = {
                "qualityThreshold": optional_number(body, "qualityThreshold", 75, 0, 100),
                "maxRetries": optional_int(body, "maxRetries", 3, 1, 10),
                "customSeed": None
                if body.get("customSeed") is None
                else optional_int(body, "customSeed", 0, -(2**53) + 1, 2**53 - 1),
            }
            scenario = request.headers.get("x-mock-scenario") or None
            if scenario is not None and scenario not in (*SCENARIOS, "random"):
                raise InvalidRequest(f"X-Mock-Scenario must be one of {', '.join(SCENARIOS)}")
        except InvalidRequest as exc:
            return json_response(400, {"error": str(exc)})
        char_id = request.path_params["id"]
        try:
            doc = engine.character(char_id)
        except NotFound:
            if upstream:
                return json_response(
                    500,
                    {
                        "error": "Internal server error during core set generation",
                        "details": "Not Found",
                    },
                )
            return json_response(404, {"error": "Character not found"})
        media = engine.reference_media(doc)
        if media is None:
            return json_response(
                400, {"error": "Master reference image is required before generating core set"}
            )
        if not doc.get("masterReferenceProcessed"):
            return json_response(
                400,
                {"error": "Master reference image must be processed before generating core set"},
            )
        if not media.get("dinoAssetId"):
            return json_response(
                400, {"error": "Master reference image not properly processed with DINOv3"}
            )
        plan, done_at = engine.core_set_plan(options, None if scenario == "random" else scenario)
        # Blocks until the run is over on the server's clock. A manual clock cannot pass time
        # by itself, so the request advances it by the run's duration (the run "took" that long).
        if engine.clock.kind == "manual":
            engine.advance(max(0, done_at - engine.now()) / 1000)
        while (remaining := done_at - engine.now()) > 0:
            speed = engine.clock.speed or 1.0
            await asyncio.sleep(min(1.0, remaining / 1000 / speed))
        try:
            doc, entries = engine.finish_core_set(char_id, plan)
        except NotFound:
            return json_response(
                500,
                {
                    "error": "Internal server error during core set generation",
                    "details": "Not Found",
                },
            )
        url_base = base(request)
        failed = [
            {"shotName": r.shot.name, "error": "Image generation failed", "attempts": r.attempts}
            for r in plan.failed
        ]
        if not entries:
            return json_response(
                500,
                {
                    "error": "Core set generation failed",
                    "details": {
                        "generatedImages": 0,
                        "failedImages": len(failed),
                        "totalAttempts": plan.total_attempts,
                        "errorMessage": "No images were successfully generated",
                    },
                },
            )
        generated = [
            {
                "imageId": e["imageFile"],
                "url": f"{url_base}/media/{e['imageFile']}.png",
                "shotName": e["shotName"],
                "referenceShot": {
                    "slug": e["referenceShot"],
                    "shotName": e["shotName"],
                    "lens": e["lens"],
                    "angle": e["angle"],
                    "crop": e["crop"],
                },
                "qualityScore": e["qualityScore"],
                "consistencyScore": e["consistencyScore"],
                "dinoAssetId": e["dinoAssetId"],
            }
            for e in entries
        ]
        quality = [e["qualityScore"] for e in entries]
        consistency = [e["consistencyScore"] for e in entries]
        threshold = options["qualityThreshold"]
        return json_response(
            200,
            {
                "success": True,
                "message": f"Core set generated: {len(entries)} images",
                "data": {
                    "characterId": doc["id"],
                    "characterName": doc["name"],
                    "generatedImages": generated,
                    "failedImages": failed,
                    "totalAttempts": plan.total_attempts,
                    "coreSetImages": [
                        {
                            "imageId": e["imageFile"],
                            "referenceShot": e["referenceShot"],
                            "shotName": e["shotName"],
                            "qualityScore": e["qualityScore"],
                            "consistencyScore": e["consistencyScore"],
                            "lens": e["lens"],
                            "angle": e["angle"],
                            "crop": e["crop"],
                        }
                        for e in entries
                    ],
                    "summary": {
                        "totalGenerated": len(entries),
                        "validImages": sum(1 for q in quality if q >= threshold),
                        "averageQuality": round(sum(quality) / len(quality), 2),
                        "averageConsistency": round(sum(consistency) / len(consistency), 2),
                    },
                },
            },
        )

    # -- shot seeder ----------------------------------------------------------------------

    async def seed_shots(request: Request) -> Response:
        raw = await read_body(request)
        if raw is None:
            return too_large()
        started = engine.now()
        try:
            body = parse_json_body(raw)
            clean = optional_bool(body, "cleanExisting", False)
            for key in ("guaranteeAllShots", "validateTemplates", "comprehensiveCoverage"):
                optional_bool(body, key, True)
            dry_run = optional_bool(body, "dryRun", False)
        except InvalidRequest as exc:
            return json_response(400, {"success": False, "error": str(exc)})
        already = engine.seed_shots(clean=clean, dry_run=dry_run)
        essential = sum(1 for s in SHOTS if s.category == "Core 9")
        if dry_run:
            message = f"Dry run: would seed {len(SHOTS)} reference shots"
        elif already:
            message = f"All {len(SHOTS)} reference shots are already present"
        else:
            message = f"Seeded {len(SHOTS)} reference shots"
        ended = engine.now()
        return json_response(
            200,
            {
                "success": True,
                "message": message,
                "results": {
                    "essential": essential,
                    "comprehensive": len(SHOTS) - essential,
                    "failed": 0,
                    "total": len(SHOTS),
                    "errors": [],
                },
                "validationResults": {"valid": len(SHOTS), "invalid": 0, "errors": []},
                "timing": {
                    "startTime": iso(started),
                    "endTime": iso(ended),
                    "durationMs": ended - started,
                },
                "dryRun": dry_run,
                "alreadySeeded": already,
            },
        )

    # -- media --------------------------------------------------------------------------------

    async def media(request: Request) -> Response:
        not_found = json_response(404, {"success": False, "error": "Media not found"})
        if "%" in request.scope.get("raw_path", b"").decode("latin-1"):
            return not_found  # encoded characters never name a real file
        parsed = parse_media_path(request.url.path)
        if parsed is None:
            return not_found
        kind, ident = parsed
        if kind == "media":
            if engine.media(ident) is None:
                return not_found
            return Response(png_bytes(ident), media_type="image/png")
        job_id, slug = ident.split("/")
        found = engine.job(job_id)
        if found is None or found[1].results is None:
            return not_found
        plan = found[1].results
        if not any(r.succeeded and r.shot.slug == slug for r in plan.runs):
            return not_found
        return Response(png_bytes(media_id_for(job_id, slug)), media_type="image/png")

    async def openapi_doc(request: Request) -> Response:
        return json_response(200, openapi())

    chars = "/api/v1/characters"
    table: list[tuple[str, str, Endpoint]] = [
        ("/api/health", "GET", health),
        (chars, "GET", list_characters),
        (chars, "POST", create_character),
        (chars + "/{id}", "GET", get_character),
        (chars + "/{id}", "PATCH", patch_character),
        (chars + "/{id}", "DELETE", delete_character),
        (chars + "/{id}/reference-image", "PUT", put_reference),
        (chars + "/{id}/reference-image", "GET", get_reference),
        (chars + "/{id}/reference-image", "DELETE", delete_reference),
        (chars + "/{id}/generate-initial-image", "POST", generate_initial_image),
        (chars + "/{id}/generate-360-set", "POST", generate_360),
        (chars + "/{id}/generate-core-set", "POST", generate_core_set),
        ("/api/v1/jobs", "GET", list_jobs),
        ("/api/v1/jobs/{job_id}/status", "GET", job_status),
        ("/api/v1/jobs/{job_id}/status", "DELETE", cancel_job),
        ("/api/v1/admin/seed-reference-shots-enhanced", "POST", seed_shots),
        ("/media/{rest:path}", "GET", media),
        ("/openapi.json", "GET", openapi_doc),
        *admin_routes(engine),
    ]
    return _grouped(table)
