"""Every route of CONTRACT §2, in-process through httpx.ASGITransport on a manual clock."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime

import httpx

from mock_server import MockApp

Char = Callable[..., Awaitable[str]]
Start = Callable[..., Awaitable[str]]


async def test_health_reports_mode_and_version(client: httpx.AsyncClient) -> None:
    """Health is open, says ok, and names the mode and versions."""
    body = (await client.get("/api/health")).json()
    assert body["status"] == "ok"
    assert body["service"] == "Character Library"
    assert body["version"] == "2.0.0"
    assert body["mode"] == "reference"
    assert body["mockVersion"]
    assert body["timestamp"] == "2026-01-01T00:00:00.000Z"


async def test_date_header_comes_from_the_server_clock(
    app: MockApp, client: httpx.AsyncClient
) -> None:
    """Every response has an RFC 7231 Date from the server clock (a manual one here)."""
    app.mock.advance(3600)
    response = await client.get("/api/v1/jobs")
    date = parsedate_to_datetime(response.headers["date"])
    assert date.isoformat() == "2026-01-01T01:00:00+00:00"
    assert response.headers["date"] == "Thu, 01 Jan 2026 01:00:00 GMT"
    missing = await client.get("/nope")
    assert "date" in missing.headers


async def test_character_crud(client: httpx.AsyncClient) -> None:
    """Create, fetch, list, search, patch, delete."""
    created = await client.post("/api/v1/characters", json={"name": "Grace Hopper", "age": 85})
    assert created.status_code == 201
    doc = created.json()
    assert doc["characterId"] == "grace-hopper"
    assert doc["status"] == "draft"
    assert doc["masterReferenceImage"] is None
    char_id = doc["id"]
    assert len(char_id) == 24
    fetched = await client.get(f"/api/v1/characters/{char_id}")
    assert fetched.json()["name"] == "Grace Hopper"
    await client.post("/api/v1/characters", json={"name": "Alan Turing", "characterId": "alan"})
    page = (await client.get("/api/v1/characters", params={"limit": 1})).json()
    assert page["totalDocs"] == 2
    assert page["docs"][0]["name"] == "Alan Turing"  # newest first
    assert (page["hasNextPage"], page["nextPage"], page["prevPage"]) == (True, 2, None)
    found = (await client.get("/api/v1/characters", params={"search": "HOPP"})).json()
    assert [d["name"] for d in found["docs"]] == ["Grace Hopper"]
    patched = await client.patch(f"/api/v1/characters/{char_id}", json={"status": "ready"})
    assert patched.json()["status"] == "ready"
    assert (await client.delete(f"/api/v1/characters/{char_id}")).json() == {"success": True}
    gone = await client.get(f"/api/v1/characters/{char_id}")
    assert (gone.status_code, gone.json()) == (404, {"error": "Character not found"})


async def test_character_conflicts_and_validation(client: httpx.AsyncClient) -> None:
    """Missing name is 400, a duplicate characterId is 409."""
    assert (await client.post("/api/v1/characters", json={})).status_code == 400
    await client.post("/api/v1/characters", json={"name": "Same"})
    duplicate = await client.post("/api/v1/characters", json={"name": "same"})
    assert duplicate.status_code == 409
    bad = await client.post("/api/v1/characters", json={"name": "X", "age": "old"})
    assert bad.json() == {"error": "age must be a non-negative number"}


async def test_reference_image_lifecycle(client: httpx.AsyncClient) -> None:
    """PUT by imageUrl or mediaId, GET, DELETE resets; neither field is a 400."""
    char_id = (await client.post("/api/v1/characters", json={"name": "R"})).json()["id"]
    url = f"/api/v1/characters/{char_id}/reference-image"
    assert (await client.get(url)).json() == {"success": True, "updated": True}
    missing = await client.put(url, json={})
    assert missing.status_code == 400
    assert missing.json()["error"] == "Either imageUrl or mediaId is required"
    put = await client.put(url, json={"imageUrl": "https://example.com/ref.png"})
    assert put.status_code == 200
    media_id = put.json()["mediaId"]
    assert put.json()["imageUrl"] == "https://example.com/ref.png"
    read = (await client.get(url)).json()
    assert read["mediaId"] == media_id
    doc = (await client.get(f"/api/v1/characters/{char_id}")).json()
    assert doc["masterReferenceImage"]["dinoAssetId"]
    again = await client.put(url, json={"mediaId": media_id})
    assert again.json()["mediaId"] == media_id
    unknown = await client.put(url, json={"mediaId": "0" * 24})
    assert unknown.status_code == 404
    reset = await client.delete(url)
    assert "masterReferenceImage" in reset.json()["resetFields"]
    assert (await client.get(url)).json() == {"success": True, "updated": True}


async def test_generate_initial_image(client: httpx.AsyncClient) -> None:
    """Gives the character a served master reference with a dinoAssetId; only once."""
    char_id = (await client.post("/api/v1/characters", json={"name": "I"})).json()["id"]
    url = f"/api/v1/characters/{char_id}/generate-initial-image"
    assert (await client.post(url, json={})).json()["error"] == "Prompt is required"
    data = (await client.post(url, json={"prompt": "a hero"})).json()["data"]
    assert data["dinoAssetId"].startswith("dino-")
    assert data["publicUrl"].startswith("http://mock.test/media/")
    image = await client.get(data["publicUrl"])
    assert image.headers["content-type"] == "image/png"
    second = await client.post(url, json={"prompt": "again"})
    assert second.status_code == 400
    doc = (await client.get(f"/api/v1/characters/{char_id}")).json()
    assert doc["masterReferenceImage"]["id"] == data["imageId"]
    assert doc["masterReferenceProcessed"] is True


async def test_start_needs_a_master_reference(client: httpx.AsyncClient) -> None:
    """No reference: 400 with the contract's message; unknown character: 404."""
    char_id = (await client.post("/api/v1/characters", json={"name": "N"})).json()["id"]
    response = await client.post(f"/api/v1/characters/{char_id}/generate-360-set", json={})
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "status": "failed",
        "error": "Character must have a master reference image for 360° generation",
    }
    unknown = await client.post("/api/v1/characters/nope/generate-360-set", json={})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "Character not found"


async def test_full_job_flow(app: MockApp, client: httpx.AsyncClient, character: Char) -> None:
    """202 + Location, then one progress step per shot, then completed with served images."""
    char_id = await character(client)
    response = await client.post(
        f"/api/v1/characters/{char_id}/generate-360-set", json={"imageCount": 4}
    )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "accepted"
    assert body["message"] == "360° image generation job started. Generating 4 images."
    assert response.headers["location"] == body["pollUrl"]
    poll = body["pollUrl"]
    seen = []
    for _ in range(100):
        status = (await client.get(poll)).json()
        step = (status["status"], status["progress"]["current"])
        if not seen or seen[-1] != step:
            seen.append(step)
        if status["status"] == "completed":
            break
        app.mock.advance(5)
    assert seen == [
        ("processing", 0),
        ("processing", 1),
        ("processing", 2),
        ("processing", 3),
        ("completed", 4),
    ]
    results = status["results"]
    assert len(results["generatedImages"]) + len(results["failedImages"]) == 4
    assert results["processingTime"] > 0
    assert status["message"].startswith("Job completed successfully. Generated")
    image = await client.get(results["generatedImages"][0]["url"])
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")


async def test_unknown_job(client: httpx.AsyncClient) -> None:
    """Unknown job: 404 with the contract's (misleading) status failed; cancel 404 too."""
    job_id = "00000000-0000-4000-8000-000000000000"
    response = await client.get(f"/api/v1/jobs/{job_id}/status")
    assert response.status_code == 404
    assert response.json()["status"] == "failed"
    assert response.json()["error"] == "Job not found"
    cancel = await client.delete(f"/api/v1/jobs/{job_id}/status")
    assert (cancel.status_code, cancel.json()) == (
        404,
        {"success": False, "message": "Job not found"},
    )


async def test_many_jobs_per_character_and_capacity_queue(
    make_app: Callable[..., MockApp], character: Char, start_job: Start
) -> None:
    """Several jobs for one character are fine; beyond capacity they wait as pending."""
    app = make_app(capacity=2)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
        char_id = await character(client)
        jobs = [await start_job(client, char_id, {"imageCount": 2}) for _ in range(3)]
        statuses = [(await client.get(f"/api/v1/jobs/{j}/status")).json()["status"] for j in jobs]
        assert statuses == ["processing", "processing", "pending"]
        stats = app.mock.stats()
        assert (stats["activeJobs"], stats["queueDepth"], stats["capacity"]) == (1 + 1, 1, 2)
        app.mock.finish(jobs[2])
        done = [(await client.get(f"/api/v1/jobs/{j}/status")).json()["status"] for j in jobs]
        assert all(s in ("completed", "failed") for s in done)


async def test_job_list_filters_and_pagination(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """Filters by character, status and type; newest first; pagination object."""
    first = await character(client, "One")
    second = await character(client, "Two")
    a = await start_job(client, first, {"imageCount": 1})
    app.mock.advance(1)
    b = await start_job(client, second, {"imageCount": 27})
    app.mock.advance(1)
    c = await start_job(client, first, {"imageCount": 1})
    await client.delete(f"/api/v1/jobs/{c}/status")
    app.mock.advance(200)
    everything = (await client.get("/api/v1/jobs")).json()
    assert [j["jobId"] for j in everything["jobs"]] == [c, b, a]
    assert everything["pagination"] == {
        "totalDocs": 3,
        "limit": 10,
        "page": 1,
        "totalPages": 1,
        "hasNextPage": False,
        "hasPrevPage": False,
    }
    mine = (await client.get("/api/v1/jobs", params={"characterId": first})).json()
    assert [j["jobId"] for j in mine["jobs"]] == [c, a]
    for status, expected in (("cancelled", [c]), ("processing", [b]), ("pending", [])):
        listed = (await client.get("/api/v1/jobs", params={"status": status})).json()
        assert [j["jobId"] for j in listed["jobs"]] == expected
    done = (await client.get("/api/v1/jobs", params={"status": "completed"})).json()["jobs"]
    failed = (await client.get("/api/v1/jobs", params={"status": "failed"})).json()["jobs"]
    assert [j["jobId"] for j in done + failed] == [a]
    typed = (await client.get("/api/v1/jobs", params={"jobType": "core-set"})).json()
    assert typed["jobs"] == []
    assert typed["pagination"]["totalPages"] == 1
    page2 = (await client.get("/api/v1/jobs", params={"limit": 2, "page": 2})).json()
    assert [j["jobId"] for j in page2["jobs"]] == [a]
    assert page2["pagination"]["hasPrevPage"] is True
    clamped = (await client.get("/api/v1/jobs", params={"limit": 500})).json()
    assert clamped["pagination"]["limit"] == 100
    item = everything["jobs"][1]
    assert set(item) >= {"jobId", "characterId", "jobType", "status", "progress", "createdAt"}
    assert "results" not in item


async def test_legacy_core_set_on_a_manual_clock(
    app: MockApp, client: httpx.AsyncClient, character: Char
) -> None:
    """The sync route advances a manual clock by the run's duration and returns the full set."""
    char_id = await character(client)
    before = app.mock.now_ms()
    response = await client.post(
        f"/api/v1/characters/{char_id}/generate-core-set",
        json={},
        headers={"X-Mock-Scenario": "success"},
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert len(data["coreSetImages"]) == 27
    assert data["summary"]["totalGenerated"] == 27
    assert app.mock.now_ms() - before >= 27 * 30_000
    doc = (await client.get(f"/api/v1/characters/{char_id}")).json()
    assert doc["coreSetGenerated"] is True
    assert len(doc["imageGallery"]) == 27
    image = await client.get(data["generatedImages"][0]["url"])
    assert image.status_code == 200


async def test_legacy_core_set_preconditions(client: httpx.AsyncClient) -> None:
    """No master reference: 400 with the contract's message; total failure: 500."""
    char_id = (await client.post("/api/v1/characters", json={"name": "C"})).json()["id"]
    url = f"/api/v1/characters/{char_id}/generate-core-set"
    response = await client.post(url, content=b"not json")
    assert response.status_code == 400
    assert response.json()["error"] == (
        "Master reference image is required before generating core set"
    )
    await client.post(f"/api/v1/characters/{char_id}/generate-initial-image", json={"prompt": "p"})
    failed = await client.post(url, json={"maxRetries": 1}, headers={"X-Mock-Scenario": "fail"})
    assert failed.status_code == 500
    assert failed.json()["error"] == "Core set generation failed"


async def test_seeder_is_idempotent_and_honours_dry_run(client: httpx.AsyncClient) -> None:
    """Seeding reports 27 shots; dryRun writes nothing; re-seeding is harmless."""
    url = "/api/v1/admin/seed-reference-shots-enhanced"
    dry = (await client.post(url, json={"dryRun": True})).json()
    assert dry["results"]["total"] == 27
    assert dry["alreadySeeded"] is False
    first = (await client.post(url)).json()
    assert (first["success"], first["results"]["failed"], first["alreadySeeded"]) == (
        True,
        0,
        False,
    )
    assert first["results"]["essential"] == 9
    again = (await client.post(url, json={})).json()
    assert again["alreadySeeded"] is True
    bad = await client.post(url, json={"dryRun": "yes"})
    assert bad.status_code == 400


async def test_unknown_routes_and_methods_are_json(client: httpx.AsyncClient) -> None:
    """404 and 405 come back as JSON bodies."""
    missing = await client.get("/api/v1/nothing")
    assert missing.status_code == 404
    assert missing.json()["success"] is False
    wrong = await client.put("/api/v1/jobs")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "Method Not Allowed"


async def test_openapi_covers_every_route(app: MockApp, client: httpx.AsyncClient) -> None:
    """/openapi.json describes every public and admin route with responses."""
    from starlette.routing import Route

    document = (await client.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for route in app.routes:
        assert isinstance(route, Route)
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)  # the document drops converters
        if path == "/openapi.json":
            continue
        assert path in paths, path
        for method in route.methods or ():
            if method == "HEAD":
                continue
            operation = paths[path][method.lower()]
            assert operation["responses"], (path, method)
            assert "default" in operation["responses"] or path.startswith("/media")
    refs = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"].rsplit("/", 1)[-1])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert set(refs) <= set(document["components"]["schemas"])


async def test_completed_jobs_merge_into_the_gallery(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """A character shows the images of its completed jobs in imageGallery (appended, D20)."""
    char_id = await character(client)
    first = await start_job(client, char_id, {"imageCount": 2}, **{"X-Mock-Scenario": "success"})
    second = await start_job(client, char_id, {"imageCount": 3}, **{"X-Mock-Scenario": "success"})
    doc = (await client.get(f"/api/v1/characters/{char_id}")).json()
    assert doc["imageGallery"] == []
    assert doc["coreSetGenerated"] is False
    app.mock.finish_all()
    doc = (await client.get(f"/api/v1/characters/{char_id}")).json()
    assert [e["sourceJobId"] for e in doc["imageGallery"]] == [first] * 2 + [second] * 3
    assert doc["coreSetGenerated"] is True
    image = await client.get(doc["imageGallery"][0]["url"])
    assert image.content.startswith(b"\x89PNG")
