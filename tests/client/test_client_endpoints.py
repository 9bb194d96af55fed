"""Every endpoint: the request on the wire (method, path, query, camelCase JSON, explicit zeros)
and the parsed result. One case table, run against both clients."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
import respx

import charlib
from tests.client.support import BASE_URL, golden, resolve

CHAR = "66f1c0ffee00000000000a01"
JOB = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"

CHARACTER = {
    "id": CHAR,
    "name": "Ada",
    "characterId": "ada",
    "status": "draft",
    "eyeColor": "green",
    "age": 0,
    "createdAt": "2025-10-02T09:00:00.000Z",
    "updatedAt": "2025-10-02T09:00:00.000Z",
    "somethingNew": {"kept": True},
}
CHARACTER_PAGE = {
    "docs": [CHARACTER],
    "totalDocs": 6,
    "limit": 5,
    "page": 2,
    "totalPages": 2,
    "pagingCounter": 6,
    "hasPrevPage": True,
    "hasNextPage": False,
    "prevPage": 1,
    "nextPage": None,
}
HEALTH = {
    "status": "ok",
    "service": "Character Library",
    "version": "2.0.0",
    "timestamp": "2025-10-02T09:00:00.000Z",
    "uptime": 12.5,
    "environment": "production",
}
REFERENCE = {"success": True, "updated": True, "mediaId": "m1", "imageUrl": "https://x/m1.png"}
INITIAL = {
    "success": True,
    "message": "ok",
    "data": {"characterId": CHAR, "imageId": "m1", "dinoAssetId": "d1", "qualityScore": 88},
}
CORE_SET = {
    "success": True,
    "message": "done",
    "data": {"characterId": CHAR, "totalAttempts": 30, "summary": {"totalGenerated": 27}},
}


@dataclass
class Case:
    """One endpoint call: what to call, what must go on the wire, what comes back."""

    id: str
    call: Callable[[Any], Any]
    method: str
    path: str
    status: int
    body: Any
    check: Callable[[Any], object]
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)
    idempotent_post: bool = False
    warns: type[Warning] | None = None


CASES = [
    Case(
        "health",
        lambda c: c.health(),
        "GET",
        "/api/health",
        200,
        HEALTH,
        lambda r: r.is_healthy and r.version == "2.0.0" and r.timestamp.tzinfo is not None,
    ),
    Case(
        "characters.create",
        lambda c: c.characters.create(name="Ada", eye_color="green", age=0),
        "POST",
        "/api/v1/characters",
        201,
        CHARACTER,
        lambda r: r.id == CHAR and r.eye_color == "green" and r.model_extra["somethingNew"],
        json={"name": "Ada", "eyeColor": "green", "age": 0},
        idempotent_post=True,
    ),
    Case(
        "characters.get",
        lambda c: c.characters.get(CHAR),
        "GET",
        f"/api/v1/characters/{CHAR}",
        200,
        CHARACTER,
        lambda r: isinstance(r, charlib.Character) and r.character_id == "ada",
    ),
    Case(
        "characters.list",
        lambda c: c.characters.list(search="ad", page=2, limit=5),
        "GET",
        "/api/v1/characters",
        200,
        CHARACTER_PAGE,
        lambda r: r.docs[0].id == CHAR and r.total_docs == 6 and r.next_page is None,
        params={"search": "ad", "page": "2", "limit": "5"},
    ),
    Case(
        "characters.update",
        lambda c: c.characters.update(CHAR, status="ready", hair_color="red"),
        "PATCH",
        f"/api/v1/characters/{CHAR}",
        200,
        CHARACTER,
        lambda r: r.id == CHAR,
        json={"status": "ready", "hairColor": "red"},
    ),
    Case(
        "characters.delete",
        lambda c: c.characters.delete(CHAR),
        "DELETE",
        f"/api/v1/characters/{CHAR}",
        200,
        {"success": True},
        lambda r: r.success is True,
    ),
    Case(
        "characters.set_reference_image",
        lambda c: c.characters.set_reference_image(
            CHAR, media_id="m1", metadata={"source": "uploaded", "dino_asset_id": "d1"}
        ),
        "PUT",
        f"/api/v1/characters/{CHAR}/reference-image",
        200,
        REFERENCE,
        lambda r: r.media_id == "m1" and r.updated,
        json={"mediaId": "m1", "metadata": {"source": "uploaded", "dinoAssetId": "d1"}},
    ),
    Case(
        "characters.get_reference_image",
        lambda c: c.characters.get_reference_image(CHAR),
        "GET",
        f"/api/v1/characters/{CHAR}/reference-image",
        200,
        REFERENCE,
        lambda r: r.image_url == "https://x/m1.png",
    ),
    Case(
        "characters.delete_reference_image",
        lambda c: c.characters.delete_reference_image(CHAR),
        "DELETE",
        f"/api/v1/characters/{CHAR}/reference-image",
        200,
        {"success": True, "updated": True, "message": "reset", "resetFields": ["imageGallery"]},
        lambda r: r.reset_fields == ["imageGallery"],
    ),
    Case(
        "characters.generate_initial_image",
        lambda c: c.characters.generate_initial_image(CHAR, prompt="a knight", width=768),
        "POST",
        f"/api/v1/characters/{CHAR}/generate-initial-image",
        200,
        INITIAL,
        lambda r: r.data.dino_asset_id == "d1" and r.data.quality_score == 88,
        json={"prompt": "a knight", "width": 768},
        idempotent_post=True,
    ),
    Case(
        "characters.generate_360_set zeros",
        lambda c: c.characters.generate_360_set(
            CHAR,
            style="cinematic",
            quality_threshold=0,
            image_count=1,
            max_retries=1,
            angles=["front"],
            custom_seed=0,
        ),
        "POST",
        f"/api/v1/characters/{CHAR}/generate-360-set",
        202,
        golden("accepted-202"),
        lambda job: (
            job.id == JOB
            and job.poll_url == f"{BASE_URL}/api/v1/jobs/{JOB}/status"
            and job.estimated_completion_at == datetime(2025, 10, 2, 9, 27, 37, tzinfo=timezone.utc)
            and job.accepted.status == "accepted"
        ),
        json={
            "style": "cinematic",
            "qualityThreshold": 0,
            "imageCount": 1,
            "maxRetries": 1,
            "angles": ["front"],
            "customSeed": 0,
        },
        idempotent_post=True,
    ),
    Case(
        "characters.generate_360_set defaults",
        lambda c: c.characters.generate_360_set(CHAR),
        "POST",
        f"/api/v1/characters/{CHAR}/generate-360-set",
        202,
        golden("accepted-202"),
        lambda job: isinstance(job, charlib.Job | charlib.AsyncJob),
        json={},
        idempotent_post=True,
    ),
    Case(
        "characters.generate_core_set",
        lambda c: c.characters.generate_core_set(CHAR, custom_seed=0, quality_threshold=0),
        "POST",
        f"/api/v1/characters/{CHAR}/generate-core-set",
        200,
        CORE_SET,
        lambda r: r.data.total_attempts == 30 and r.data.summary == {"totalGenerated": 27},
        json={"customSeed": 0, "qualityThreshold": 0},
        warns=DeprecationWarning,
    ),
    Case(
        "jobs.get",
        lambda c: c.jobs.get(JOB),
        "GET",
        f"/api/v1/jobs/{JOB}/status",
        200,
        golden("status-processing"),
        lambda r: r.job_id == JOB and r.progress.percentage == 37 and not r.is_terminal,
    ),
    Case(
        "jobs.cancel",
        lambda c: c.jobs.cancel(JOB),
        "DELETE",
        f"/api/v1/jobs/{JOB}/status",
        200,
        golden("cancel-ok-200"),
        lambda r: r.success and r.message == "Job cancelled successfully",
    ),
    Case(
        "jobs.list",
        lambda c: c.jobs.list(
            character_id=CHAR,
            status=charlib.JobState.PROCESSING,
            job_type=charlib.JobType.SET_360,
            page=2,
            limit=10,
        ),
        "GET",
        "/api/v1/jobs",
        200,
        golden("list-200"),
        lambda r: r.jobs[0].job_type == "360-set" and r.pagination.has_prev_page,
        params={
            "characterId": CHAR,
            "status": "processing",
            "jobType": "360-set",
            "page": "2",
            "limit": "10",
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_endpoint(case: Case, make_client: Callable[..., Any]) -> None:
    """The call sends the documented request and parses the documented response."""
    with respx.MockRouter(base_url=BASE_URL, assert_all_called=True) as router:
        route = router.route(method=case.method, path=case.path).mock(
            return_value=httpx.Response(case.status, json=case.body)
        )
        client = make_client(handler=router.handler)
        with pytest.warns(case.warns, match="legacy") if case.warns else nullcontext():
            result = await resolve(case.call(client))
    request = route.calls.last.request
    assert dict(request.url.params) == case.params
    assert (json.loads(request.content) if request.content else None) == case.json
    assert ("idempotency-key" in request.headers) == case.idempotent_post
    assert request.headers["accept"] == "application/json"
    assert case.check(result)


async def test_job_handle_refresh_and_cancel(make_client: Callable[..., Any]) -> None:
    """``Job.refresh`` and ``Job.cancel`` call the status endpoint of that job."""
    with respx.MockRouter(base_url=BASE_URL) as router:
        router.post(f"/api/v1/characters/{CHAR}/generate-360-set").respond(
            202, json=golden("accepted-202")
        )
        router.get(f"/api/v1/jobs/{JOB}/status").respond(
            200, json=golden("status-completed-partial")
        )
        router.delete(f"/api/v1/jobs/{JOB}/status").respond(200, json=golden("cancel-ok-200"))
        client = make_client(handler=router.handler)
        job = await resolve(client.characters.generate_360_set(CHAR))
        status = await resolve(job.refresh())
        cancelled = await resolve(job.cancel())
    assert status.is_partial
    assert status.results.failed_images[0].attempts == 3
    assert cancelled.success
    shown = f"{type(job).__name__}(id={JOB!r}, poll_url={job.poll_url!r}, last_status='completed')"
    assert repr(job) == shown


async def test_server_date_and_retry_after_are_kept(make_client: Callable[..., Any]) -> None:
    """``jobs.get`` stores the response's ``Date`` and ``Retry-After`` on the status."""
    with respx.MockRouter(base_url=BASE_URL) as router:
        router.get(f"/api/v1/jobs/{JOB}/status").respond(
            200,
            json=golden("status-pending"),
            headers={"Date": "Thu, 02 Oct 2025 09:14:10 GMT", "Retry-After": "15"},
        )
        client = make_client(handler=router.handler)
        status = await resolve(client.jobs.get(JOB))
    assert status.server_date == datetime(2025, 10, 2, 9, 14, 10, tzinfo=timezone.utc)
    assert status.retry_after == 15.0
    assert "serverDate" not in status.model_dump(by_alias=True)


async def test_ids_are_percent_encoded(make_client: Callable[..., Any]) -> None:
    """An id with reserved characters cannot escape its path segment."""
    with respx.MockRouter(base_url=BASE_URL) as router:
        route = router.get(path__regex=r"^/api/v1/jobs/.+/status$").respond(
            200, json=golden("status-pending")
        )
        client = make_client(handler=router.handler)
        await resolve(client.jobs.get("a?b#c d%"))
    assert route.calls.last.request.url.raw_path == b"/api/v1/jobs/a%3Fb%23c%20d%25/status"
