"""Wire bodies: job views, list items and media documents as JSON-ready dicts.

Fast on purpose (the status route is benchmarked): plain dicts, no models, timestamps formatted
with a small cache.
"""

from __future__ import annotations

import hashlib
import json
import time
from email.utils import formatdate
from typing import Any

from mock_server.lifecycle import (
    CANCELLED,
    COMPLETED,
    FAILED,
    MEAN_SHOT_MS,
    NO_IMAGES_ERROR,
    PENDING,
    PROCESSING,
    SHOT_ERROR,
    JobFacts,
    JobView,
    Plan,
)

__all__ = [
    "QUEUED_MESSAGE",
    "accepted_body",
    "character_body",
    "core_set_body",
    "dumps",
    "http_date",
    "iso",
    "job_list_item",
    "job_status_body",
    "media_body",
    "media_id_for",
    "page_fields",
]

UPSTREAM_MEDIA_HOST = "https://media.rumbletv.com/media/"
#: What a pending job's body says (a replayed job's queue wait shows it too).
QUEUED_MESSAGE = "Job is queued and will start processing soon."

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


_dumps_ascii = json.JSONEncoder(separators=(",", ":")).encode


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON (``°`` stays a character, not an escape).

    Text that UTF-8 cannot carry (a lone surrogate, e.g. in state stored by an older version)
    is sent as a JSON escape instead, so a response can always be encoded.
    """
    try:
        return _dumps(value).encode("utf-8")
    except UnicodeEncodeError:
        return _dumps_ascii(value).encode("ascii")


_iso_cache: dict[int, str] = {}


def iso(ms: int) -> str:
    """ISO-8601 UTC with milliseconds and ``Z`` (``2025-10-02T09:14:07.512Z``)."""
    seconds, millis = divmod(ms, 1000)
    prefix = _iso_cache.get(seconds)
    if prefix is None:
        if len(_iso_cache) > 4096:
            _iso_cache.clear()
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _iso_cache[seconds] = prefix
    return f"{prefix}.{millis:03d}Z"


_date_cache: tuple[int, bytes] = (-1, b"")


def http_date(ms: int) -> bytes:
    """An RFC 7231 ``Date`` header value for server time ``ms`` (cached per second)."""
    global _date_cache
    seconds = ms // 1000
    cached = _date_cache  # one tuple, swapped whole: safe if two servers share the process
    if cached[0] == seconds:
        return cached[1]
    value = formatdate(seconds, usegmt=True).encode("ascii")
    _date_cache = (seconds, value)
    return value


def media_id_for(job_id: str, slug: str) -> str:
    """The 24-hex media id of one generated image (stable, like a Mongo ObjectId)."""
    return hashlib.sha256(f"{job_id}/{slug}".encode()).hexdigest()[:24]


def _results(job: JobFacts, plan: Plan, processing_ms: int, base: str) -> dict[str, Any]:
    upstream = job.mode == "upstream"
    threshold = job.request.get("qualityThreshold", 75)
    generated = []
    for run in plan.runs:
        if not run.succeeded:
            continue
        media_id = media_id_for(job.job_id, run.shot.slug)
        if upstream:
            url = UPSTREAM_MEDIA_HOST + media_id  # D17: fixed host, not the real file
        else:
            url = f"{base}/media/jobs/{job.job_id}/{run.shot.slug}.png"
        image: dict[str, Any] = {"url": url, "angle": run.shot.name, "quality": run.quality}
        if upstream:
            image["dinoAssetId"] = "" if run.blank_dino else f"dino-{media_id[:12]}"
        else:
            image["dinoAssetId"] = f"dino-{media_id[:12]}"
            image["shotSlug"] = run.shot.slug
            image["isValid"] = (run.quality or 0) >= threshold
        image["mediaId"] = media_id
        generated.append(image)
    failed = [
        {"angle": r.shot.name, "error": SHOT_ERROR, "attempts": r.attempts}
        for r in plan.runs
        if not r.succeeded
    ]
    body: dict[str, Any] = {"success": True} if upstream else {}
    body["generatedImages"] = generated
    body["failedImages"] = failed
    body["totalAttempts"] = plan.total_attempts
    body["processingTime"] = processing_ms
    return body


def _with_base(recorded: dict[str, Any], base: str) -> dict[str, Any]:
    """A replayed body with its images' relative URLs made absolute (a copy where changed)."""
    results = recorded.get("results")
    images = results.get("generatedImages") if isinstance(results, dict) else None
    if not isinstance(results, dict) or not isinstance(images, list):
        return recorded
    absolute = [
        {**image, "url": base + image["url"]}
        if isinstance(image, dict) and str(image.get("url", "")).startswith("/")
        else image
        for image in images
    ]
    return {**recorded, "results": {**results, "generatedImages": absolute}}


def job_status_body(job: JobFacts, v: JobView, base: str) -> dict[str, Any]:
    """The 200 body of ``GET /api/v1/jobs/{id}/status``."""
    if v.recorded is not None:
        return _with_base(v.recorded, base)
    progress: dict[str, Any] = {"current": v.current, "total": v.total, "percentage": v.percentage}
    if v.task is not None:
        progress["currentTask"] = v.task
    body: dict[str, Any] = {
        "success": True,
        "jobId": job.job_id,
        "status": v.status,
        "progress": progress,
    }
    if v.started_ms is not None:
        body["startedAt"] = iso(v.started_ms)
    if v.completed_ms is not None:
        body["completedAt"] = iso(v.completed_ms)
    if v.estimated_ms is not None:
        body["estimatedCompletionAt"] = iso(v.estimated_ms)
    results = None
    if v.results is not None:
        results = _results(job, v.results, v.processing_ms, base)
        body["results"] = results
    status = v.status
    if status == PENDING:
        body["message"] = QUEUED_MESSAGE
    elif status == PROCESSING:
        body["message"] = f"Job is processing. {v.task or 'Working...'}"
    elif status == COMPLETED:
        if results is not None:
            count = len(results["generatedImages"])
            body["message"] = f"Job completed successfully. Generated {count} images."
    elif status == FAILED:
        body["error"] = v.error or "Job failed for unknown reason"
        body["message"] = "Job failed. Please check the error details."
    elif status == CANCELLED:
        body["message"] = "Job was cancelled."
    if job.mode != "upstream":
        body["characterId"] = job.character_id  # additive, handy for clients
    return body


def job_list_item(job: JobFacts, v: JobView) -> dict[str, Any]:
    """One entry of ``GET /api/v1/jobs`` (no results, error or requestData, as upstream)."""
    progress: dict[str, Any] = {"current": v.current, "total": v.total, "percentage": v.percentage}
    if v.task is not None:
        progress["currentTask"] = v.task
    item: dict[str, Any] = {
        "jobId": job.job_id,
        "characterId": job.character_id,
        "jobType": job.job_type,
        "status": v.status,
        "progress": progress,
        "createdAt": iso(job.created_ms),
    }
    if v.started_ms is not None:
        item["startedAt"] = iso(v.started_ms)
    if v.completed_ms is not None:
        item["completedAt"] = iso(v.completed_ms)
    if v.estimated_ms is not None and job.mode != "upstream":
        item["estimatedCompletionAt"] = iso(v.estimated_ms)
    return item


def media_body(media: dict[str, Any] | None, url_base: str) -> dict[str, Any] | None:
    """A media document with an absolute ``url`` (and ``dinoMediaUrl``, as upstream)."""
    if media is None:
        return None
    url = str(media.get("url", ""))
    if url.startswith("/"):
        url = url_base + url
    return {**media, "url": url, "dinoMediaUrl": url}


def character_body(
    doc: dict[str, Any], reference: dict[str, Any] | None, url_base: str
) -> dict[str, Any]:
    """A character document as sent: the master reference populated, gallery URLs absolute.

    ``doc`` is the character with its gallery already merged (``Engine.gallery``).
    """
    gallery = []
    for entry in doc.get("imageGallery", []):
        url = str(entry.get("url") or f"/media/{entry.get('imageFile')}.png")
        gallery.append({**entry, "url": url_base + url if url.startswith("/") else url})
    return {**doc, "masterReferenceImage": media_body(reference, url_base), "imageGallery": gallery}


def page_fields(total: int, page: int, limit: int) -> dict[str, Any]:
    """The pagination fields both list routes send (the character list adds a few)."""
    pages = max(1, -(-total // limit))
    return {
        "totalDocs": total,
        "limit": limit,
        "page": page,
        "totalPages": pages,
        "hasNextPage": page < pages,
        "hasPrevPage": page > 1,
    }


def accepted_body(job: JobFacts) -> dict[str, Any]:
    """The 202 body of generate-360-set, with its completion estimate.

    Upstream estimates 30 s per requested image from creation; the reference mode from the
    job's slot start, at the mean shot time, for the shots it will really generate.
    """
    count = job.image_count
    if job.mode == "upstream":
        estimate = job.created_ms + count * 30_000
    else:
        estimate = job.start_ms + len(job.plan().shots) * MEAN_SHOT_MS
    return {
        "success": True,
        "jobId": job.job_id,
        "status": "accepted",
        "message": f"360° image generation job started. Generating {count} images.",
        "estimatedCompletionTime": iso(estimate),
        "pollUrl": f"/api/v1/jobs/{job.job_id}/status",
    }


def _core_set_image(entry: dict[str, Any], url_base: str) -> dict[str, Any]:
    return {
        "imageId": entry["imageFile"],
        "url": f"{url_base}/media/{entry['imageFile']}.png",
        "shotName": entry["shotName"],
        "referenceShot": {
            "slug": entry["referenceShot"],
            "shotName": entry["shotName"],
            "lens": entry["lens"],
            "angle": entry["angle"],
            "crop": entry["crop"],
        },
        "qualityScore": entry["qualityScore"],
        "consistencyScore": entry["consistencyScore"],
        "dinoAssetId": entry["dinoAssetId"],
    }


def _core_set_entry(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("referenceShot", "shotName", "qualityScore", "consistencyScore", "lens", "angle")
    return {"imageId": entry["imageFile"], **{k: entry[k] for k in keys}, "crop": entry["crop"]}


def core_set_body(
    doc: dict[str, Any],
    plan: Plan,
    entries: list[dict[str, Any]],
    threshold: float,
    url_base: str,
) -> tuple[int, dict[str, Any]]:
    """Status and body of a finished legacy core-set run (CONTRACT §10): 200, or the 500 of a
    run that produced no image."""
    failed = [
        {"shotName": r.shot.name, "error": SHOT_ERROR, "attempts": r.attempts} for r in plan.failed
    ]
    if not entries:
        details = {
            "generatedImages": 0,
            "failedImages": len(failed),
            "totalAttempts": plan.total_attempts,
            "errorMessage": NO_IMAGES_ERROR,
        }
        return 500, {"error": "Core set generation failed", "details": details}
    quality = [e["qualityScore"] for e in entries]
    consistency = [e["consistencyScore"] for e in entries]
    data = {
        "characterId": doc["id"],
        "characterName": doc["name"],
        "generatedImages": [_core_set_image(e, url_base) for e in entries],
        "failedImages": failed,
        "totalAttempts": plan.total_attempts,
        "coreSetImages": [_core_set_entry(e) for e in entries],
        "summary": {
            "totalGenerated": len(entries),
            "validImages": sum(1 for q in quality if q >= threshold),
            "averageQuality": round(sum(quality) / len(quality), 2),
            "averageConsistency": round(sum(consistency) / len(consistency), 2),
        },
    }
    message = f"Core set generated: {len(entries)} images"
    return 200, {"success": True, "message": message, "data": data}
