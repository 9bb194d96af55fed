"""Validation: 400 naming the wire field, 413 for big bodies, defaults for an empty body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

Char = Callable[..., Awaitable[str]]

START_CASES: list[tuple[Any, str]] = [
    ({"qualityThreshold": 101}, "qualityThreshold must be a number between 0 and 100"),
    ({"qualityThreshold": -1}, "qualityThreshold must be a number between 0 and 100"),
    ({"qualityThreshold": "80"}, "qualityThreshold must be a number between 0 and 100"),
    ({"qualityThreshold": True}, "qualityThreshold must be a number between 0 and 100"),
    ({"imageCount": 0}, "imageCount must be an integer between 1 and 27"),
    ({"imageCount": 28}, "imageCount must be an integer between 1 and 27"),
    ({"imageCount": 2.5}, "imageCount must be an integer between 1 and 27"),
    ({"imageCount": "3"}, "imageCount must be an integer between 1 and 27"),
    ({"maxRetries": 0}, "maxRetries must be an integer between 1 and 10"),
    ({"maxRetries": 1.5}, "maxRetries must be an integer between 1 and 10"),
    ({"customSeed": "42"}, "customSeed must be an integer (a safe JavaScript integer)"),
    ({"customSeed": 1.5}, "customSeed must be an integer (a safe JavaScript integer)"),
    ({"customSeed": 2**60}, "customSeed must be an integer (a safe JavaScript integer)"),
    ({"style": 5}, "style must be a string"),
    ({"angles": "front"}, "angles must be a list of strings"),
    ({"angles": ["front", 1]}, "angles must be a list of strings"),
]


@pytest.mark.parametrize(("body", "message"), START_CASES)
async def test_generate_360_rejects_bad_fields(
    client: httpx.AsyncClient, character: Char, body: Any, message: str
) -> None:
    """Each bad field is a 400 with success false and a message naming it."""
    char_id = await character(client)
    response = await client.post(f"/api/v1/characters/{char_id}/generate-360-set", json=body)
    assert response.status_code == 400
    assert response.json() == {"success": False, "status": "failed", "error": message}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{", "Invalid JSON body"),
        (b"[1, 2]", "Invalid JSON body: expected a JSON object"),
        (b"null", "Invalid JSON body: expected a JSON object"),
        (b'"text"', "Invalid JSON body: expected a JSON object"),
        (b'{"imageCount": NaN}', "Invalid JSON body"),
        (b"   ", "Invalid JSON body"),
    ],
)
async def test_generate_360_rejects_malformed_bodies(
    client: httpx.AsyncClient, character: Char, raw: bytes, message: str
) -> None:
    """Malformed JSON or a non-object is a 400 (reference mode, D13)."""
    char_id = await character(client)
    response = await client.post(f"/api/v1/characters/{char_id}/generate-360-set", content=raw)
    assert response.status_code == 400
    assert response.json()["error"] == message


async def test_empty_body_means_defaults(client: httpx.AsyncClient, character: Char) -> None:
    """No body at all starts a 27-image job with the default options."""
    char_id = await character(client)
    response = await client.post(f"/api/v1/characters/{char_id}/generate-360-set")
    assert response.status_code == 202
    status = (await client.get(response.json()["pollUrl"])).json()
    assert status["progress"]["total"] == 27


@pytest.mark.parametrize(
    "body",
    [
        {"qualityThreshold": 0, "customSeed": 0, "maxRetries": 1, "imageCount": 1},
        {"qualityThreshold": 100, "imageCount": 27, "maxRetries": 10, "customSeed": -5},
        {"style": "character_turnaround", "angles": [], "unknownKey": {"x": 1}},
        {"imageCount": 3.0, "qualityThreshold": 75.5, "style": None},
    ],
)
async def test_edge_values_are_accepted(
    client: httpx.AsyncClient, character: Char, body: dict[str, Any]
) -> None:
    """Boundary values (0 included, D3), unknown keys and null-as-absent are accepted."""
    char_id = await character(client)
    response = await client.post(f"/api/v1/characters/{char_id}/generate-360-set", json=body)
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "0"}, "limit must be a positive integer"),
        ({"limit": "-3"}, "limit must be a positive integer"),
        ({"limit": "ten"}, "limit must be a positive integer"),
        ({"page": "0"}, "page must be a positive integer"),
        ({"page": "x"}, "page must be a positive integer"),
        (
            {"status": "done"},
            "status must be one of pending, processing, completed, failed, cancelled",
        ),
        ({"jobType": "video"}, "jobType must be one of core-set, 360-set, single-image"),
        ({"jobType": ""}, "jobType must be one of core-set, 360-set, single-image"),
        ({"page": "1000000001"}, "page must be an integer between 1 and 1000000000"),
    ],
)
async def test_job_list_rejects_bad_parameters(
    client: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    """Bad list parameters are a 400 in the list envelope."""
    response = await client.get("/api/v1/jobs", params=params)
    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["jobs"], body["error"]) == (False, [], message)
    assert body["pagination"]["totalDocs"] == 0


async def test_body_over_one_mebibyte_is_413(client: httpx.AsyncClient, character: Char) -> None:
    """Content-Length above 1 MiB is refused before reading; so is a streamed body."""
    char_id = await character(client)
    url = f"/api/v1/characters/{char_id}/generate-360-set"
    big = b'{"style": "' + b"x" * (1024 * 1024) + b'"}'
    response = await client.post(url, content=big)
    assert response.status_code == 413
    assert response.json()["success"] is False

    async def stream() -> Any:
        for _ in range(20):
            yield b" " * 65536

    streamed = await client.post(url, content=stream())
    assert streamed.status_code == 413


async def test_character_list_parameters(client: httpx.AsyncClient) -> None:
    """Character list: bad page/limit is a 400 in the {error} envelope."""
    response = await client.get("/api/v1/characters", params={"limit": "0"})
    assert response.status_code == 400
    assert response.json() == {"error": "limit must be a positive integer"}


async def test_unknown_scenario_is_400(client: httpx.AsyncClient, character: Char) -> None:
    """An unknown X-Mock-Scenario is refused."""
    char_id = await character(client)
    response = await client.post(
        f"/api/v1/characters/{char_id}/generate-360-set",
        json={},
        headers={"X-Mock-Scenario": "explode"},
    )
    assert response.status_code == 400
    assert "X-Mock-Scenario" in response.json()["error"]


async def test_huge_limits_clamp(client: httpx.AsyncClient) -> None:
    """Any limit above 100 (even beyond 64 bits) clamps to 100 on both lists."""
    jobs = await client.get("/api/v1/jobs", params={"limit": str(10**30)})
    assert jobs.json()["pagination"]["limit"] == 100
    chars = await client.get("/api/v1/characters", params={"limit": str(10**30)})
    assert chars.json()["limit"] == 100


async def test_405_lists_every_allowed_method(client: httpx.AsyncClient) -> None:
    """A wrong method gets 405 with every method of the path in Allow."""
    response = await client.put("/api/v1/jobs/x/status")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "DELETE"}


async def test_clock_admin_rejects_null(client: httpx.AsyncClient) -> None:
    """null is not a number of seconds."""
    response = await client.post("/_mock/clock", json={"advance": None})
    assert response.status_code == 400
    assert response.json()["error"] == "advance must be a number"
