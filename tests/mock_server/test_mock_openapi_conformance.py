"""Responses conform to /openapi.json: a small OpenAPI 3.0 schema checker over a busy session."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from mock_server import MockApp
from mock_server.openapi import openapi_document
from mock_server.routes import OPERATIONS as ROWS

Char = Callable[..., Awaitable[str]]

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def check(schema: dict[str, Any], value: Any, doc: dict[str, Any], where: str = "$") -> None:
    """Validate ``value`` against an OpenAPI 3.0 schema (the subset the document uses)."""
    if "$ref" in schema:
        target = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **extra}
    if value is None:
        assert schema.get("nullable") or not schema, f"{where}: null not allowed"
        return
    for part in schema.get("allOf", ()):
        check(part, value, doc, where)
    kind = schema.get("type")
    if kind is not None:
        assert _TYPES[kind](value), f"{where}: expected {kind}, got {value!r}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        assert value >= schema.get("minimum", value), where
        assert value <= schema.get("maximum", value), where
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            assert key in value, f"{where}.{key} required"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check(sub, value[key], doc, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check(schema["items"], item, doc, f"{where}[{index}]")


def _operation(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    for template, ops in doc["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if template == "/media/{path}":
            pattern = "^/media/.+$"
        if re.match(pattern, path) and method.lower() in ops:
            return dict(ops[method.lower()])
    raise AssertionError(f"undocumented: {method} {path}")


async def test_a_busy_session_conforms(
    app: MockApp, client: httpx.AsyncClient, character: Char
) -> None:
    """Every response of a session touching every route matches its documented schema."""
    doc = (await client.get("/openapi.json")).json()
    assert doc == openapi_document(ROWS), "the app serves the document of its own table"
    checked: list[tuple[str, str, int]] = []

    async def conform(response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        operation = _operation(doc, request.method, request.url.path)
        documented = operation["responses"]
        spec = documented.get(str(response.status_code), documented.get("default"))
        assert spec is not None, (request.url.path, response.status_code)
        content = spec.get("content", {})
        media = response.headers["content-type"].split(";")[0]
        assert media in content, (request.url.path, media)
        if media == "application/json":
            check(content[media]["schema"], response.json(), doc, request.url.path)
        checked.append((request.method, request.url.path, response.status_code))

    client.event_hooks["response"].append(conform)
    c = client
    char_id = await character(c)
    bare = (await c.post("/api/v1/characters", json={"name": "Bare"})).json()["id"]
    await c.get("/api/health")
    await c.get("/api/v1/characters", params={"search": "a", "limit": 2})
    await c.get("/api/v1/characters", params={"limit": "x"})
    await c.post("/api/v1/characters", json={})
    await c.post("/api/v1/characters", json={"name": "Bare"})
    await c.get(f"/api/v1/characters/{char_id}")
    await c.get("/api/v1/characters/missing")
    await c.patch(f"/api/v1/characters/{bare}", json={"status": "ready"})
    await c.patch(f"/api/v1/characters/{bare}", json={"status": "nope"})
    await c.get(f"/api/v1/characters/{char_id}/reference-image")
    await c.put(f"/api/v1/characters/{bare}/reference-image", json={})
    await c.put(f"/api/v1/characters/{bare}/reference-image", json={"imageUrl": "https://x/y.png"})
    await c.delete(f"/api/v1/characters/{bare}/reference-image")
    await c.post(f"/api/v1/characters/{char_id}/generate-initial-image", json={"prompt": "again"})
    await c.post(f"/api/v1/characters/{bare}/generate-360-set", json={})
    await c.post(f"/api/v1/characters/{char_id}/generate-360-set", json={"imageCount": 99})
    started = await c.post(
        f"/api/v1/characters/{char_id}/generate-360-set",
        json={"imageCount": 3},
        headers={"X-Mock-Scenario": "partial", "Idempotency-Key": "k"},
    )
    await c.post(
        f"/api/v1/characters/{char_id}/generate-360-set",
        json={"imageCount": 4},
        headers={"Idempotency-Key": "k"},
    )
    job = started.json()["jobId"]
    await c.get(f"/api/v1/jobs/{job}/status")
    await c.get("/api/v1/jobs", params={"status": "processing"})
    await c.get("/api/v1/jobs", params={"status": "bogus"})
    app.mock.finish(job)
    status = (await c.get(f"/api/v1/jobs/{job}/status")).json()
    await c.get(status["results"]["generatedImages"][0]["url"])
    await c.get("/media/jobs/nothing.png")
    await c.delete(f"/api/v1/jobs/{job}/status")
    await c.get("/api/v1/jobs/unknown/status")
    await c.delete("/api/v1/jobs/unknown/status")
    other = await c.post(f"/api/v1/characters/{char_id}/generate-360-set", json={})
    await c.delete(f"/api/v1/jobs/{other.json()['jobId']}/status")
    await c.post(
        f"/api/v1/characters/{char_id}/generate-core-set",
        json={"maxRetries": 1},
        headers={"X-Mock-Scenario": "success"},
    )
    await c.post(f"/api/v1/characters/{bare}/generate-core-set", json={})
    await c.post("/api/v1/admin/seed-reference-shots-enhanced", json={"dryRun": True})
    await c.get("/_mock/clock")
    await c.post("/_mock/clock", json={"advance": 1})
    await c.post("/_mock/faults", json={"rate": 1, "kinds": ["503"], "path_prefix": "/api/v1/"})
    await c.get("/api/v1/jobs")
    await c.get("/_mock/faults")
    await c.delete("/_mock/faults")
    await c.get("/_mock/requests")
    await c.get("/_mock/stats")
    await c.post("/_mock/scenario", json={"scenario": None})
    await c.post("/_mock/capacity", json={"capacity": 2})
    await c.delete(f"/api/v1/characters/{bare}")
    await c.post("/_mock/reset")
    statuses = {s for _, _, s in checked}
    assert {200, 201, 202, 400, 404, 409, 503} <= statuses
    assert len(checked) > 40


def test_checker_rejects_wrong_shapes() -> None:
    """The checker itself notices a missing field, a wrong type and an unknown enum value."""
    doc = openapi_document(ROWS)
    schema = {"$ref": "#/components/schemas/JobStatus"}
    good = {
        "success": True,
        "jobId": "j",
        "status": "pending",
        "progress": {"current": 0, "total": 1, "percentage": 0},
    }
    check(schema, good, doc)
    for bad in (
        {**good, "status": "done"},
        {k: v for k, v in good.items() if k != "progress"},
        {**good, "progress": {"current": "0", "total": 1, "percentage": 0}},
    ):
        with pytest.raises(AssertionError):
            check(schema, bad, doc)
    character = {"$ref": "#/components/schemas/Character"}
    stamp = "2025-10-02T09:14:07.512Z"
    base = {"id": "c", "name": "n", "characterId": "n", "createdAt": stamp, "updatedAt": stamp}
    check(character, {**base, "masterReferenceImage": None}, doc)
    with pytest.raises(AssertionError):  # through allOf: a media object without its id
        check(character, {**base, "masterReferenceImage": {"url": "u"}}, doc)
