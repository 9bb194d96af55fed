"""Idempotency-Key on POST: same key and body replay, another body conflicts, races make one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

from mock_server import MockApp

Char = Callable[..., Awaitable[str]]


async def test_same_key_same_body_is_the_same_job(
    app: MockApp, client: httpx.AsyncClient, character: Char
) -> None:
    """A retried POST with the same key returns the first response and creates nothing."""
    url = f"/api/v1/characters/{await character(client)}/generate-360-set"
    headers = {"Idempotency-Key": "abc-123"}
    first = await client.post(url, json={"imageCount": 3}, headers=headers)
    app.mock.advance(30)
    second = await client.post(url, content=b'{ "imageCount" : 3 }', headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    listed = (await client.get("/api/v1/jobs")).json()
    assert listed["pagination"]["totalDocs"] == 1


async def test_same_key_other_body_is_409(client: httpx.AsyncClient, character: Char) -> None:
    """Reusing a key with a different body is a conflict."""
    url = f"/api/v1/characters/{await character(client)}/generate-360-set"
    headers = {"Idempotency-Key": "k1"}
    assert (await client.post(url, json={"imageCount": 3}, headers=headers)).status_code == 202
    conflict = await client.post(url, json={"imageCount": 4}, headers=headers)
    assert conflict.status_code == 409
    assert conflict.json()["success"] is False
    other_scenario = await client.post(
        url, json={"imageCount": 3}, headers={**headers, "X-Mock-Scenario": "fail"}
    )
    assert other_scenario.status_code == 409


async def test_without_a_key_every_post_creates(client: httpx.AsyncClient, character: Char) -> None:
    """No key, no deduplication."""
    url = f"/api/v1/characters/{await character(client)}/generate-360-set"
    a = (await client.post(url, json={})).json()["jobId"]
    b = (await client.post(url, json={})).json()["jobId"]
    assert a != b


async def test_concurrent_identical_posts_create_one_job(
    client: httpx.AsyncClient, character: Char
) -> None:
    """Twenty identical concurrent POSTs with one key yield one job id."""
    url = f"/api/v1/characters/{await character(client)}/generate-360-set"
    headers = {"Idempotency-Key": "race"}
    responses = await asyncio.gather(
        *(client.post(url, json={"imageCount": 2}, headers=headers) for _ in range(20))
    )
    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["jobId"] for r in responses}) == 1
    assert (await client.get("/api/v1/jobs")).json()["pagination"]["totalDocs"] == 1


async def test_character_creation_is_idempotent(client: httpx.AsyncClient) -> None:
    """Keys work on every creating POST (here: characters)."""
    headers = {"Idempotency-Key": "char-1"}
    first = await client.post("/api/v1/characters", json={"name": "Once"}, headers=headers)
    second = await client.post("/api/v1/characters", json={"name": "Once"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    too_long = await client.post(
        "/api/v1/characters", json={"name": "X"}, headers={"Idempotency-Key": "k" * 300}
    )
    assert too_long.status_code == 400
