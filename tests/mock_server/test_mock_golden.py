"""Golden bodies (tests/fixtures/contract) against the mock's responses: same keys and types."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server import MockApp

Char = Callable[..., Awaitable[str]]
Start = Callable[..., Awaitable[str]]

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "contract"


def golden(name: str) -> Any:
    """A golden body by file name."""
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def assert_shape(expected: Any, actual: Any, where: str = "$") -> None:
    """``actual`` has every key of ``expected`` with the same JSON type (extra keys allowed)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            assert_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: expected array"
        if expected and actual:
            for item in actual:
                assert_shape(expected[0], item, f"{where}[]")
    elif isinstance(expected, bool):
        assert isinstance(actual, bool), f"{where}: expected boolean, got {actual!r}"
    elif isinstance(expected, (int, float)):
        assert isinstance(actual, (int, float)), where
        assert not isinstance(actual, bool), where
    elif isinstance(expected, str):
        assert isinstance(actual, str), f"{where}: expected string, got {actual!r}"
    else:
        assert actual is None, where


def test_golden_files_are_present() -> None:
    """The shared golden bodies are in the repository."""
    assert len(list(GOLDEN.glob("*.json"))) >= 12


async def _shapes(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> dict[str, Any]:
    """Produce one mock response per golden file."""
    out: dict[str, Any] = {}
    char_id = await character(client)
    bare = (await client.post("/api/v1/characters", json={"name": "Bare"})).json()["id"]
    out["start-no-master-reference-400.json"] = (
        await client.post(f"/api/v1/characters/{bare}/generate-360-set", json={})
    ).json()
    accepted = await client.post(
        f"/api/v1/characters/{char_id}/generate-360-set", json={"imageCount": 3}
    )
    out["accepted-202.json"] = accepted.json()
    out["status-processing.json"] = (await client.get(accepted.json()["pollUrl"])).json()
    app.mock.set_capacity(1)
    queued = await start_job(client, char_id, {})
    out["status-pending.json"] = (await client.get(f"/api/v1/jobs/{queued}/status")).json()
    app.mock.advance(20)
    out["list-200.json"] = (
        await client.get("/api/v1/jobs", params={"status": "processing"})
    ).json()
    running = accepted.json()["jobId"]
    out["cancel-ok-200.json"] = (await client.delete(f"/api/v1/jobs/{running}/status")).json()
    out["status-cancelled.json"] = (await client.get(f"/api/v1/jobs/{running}/status")).json()
    await client.delete(f"/api/v1/jobs/{queued}/status")
    partial = await start_job(client, char_id, {"imageCount": 3}, **{"X-Mock-Scenario": "partial"})
    out["status-completed-partial.json"] = app.mock.finish(partial)
    out["cancel-terminal-400.json"] = (await client.delete(f"/api/v1/jobs/{partial}/status")).json()
    failed = await start_job(client, char_id, {"imageCount": 2}, **{"X-Mock-Scenario": "fail"})
    app.mock.finish(failed)
    out["status-failed.json"] = (await client.get(f"/api/v1/jobs/{failed}/status")).json()
    unknown = "00000000-0000-4000-8000-000000000000"
    out["status-not-found-404.json"] = (await client.get(f"/api/v1/jobs/{unknown}/status")).json()
    return out


async def test_reference_responses_match_golden_shapes(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """Every golden body (except the upstream-only one) has the shape of a mock response."""
    produced = await _shapes(app, client, character, start_job)
    names = {p.name for p in GOLDEN.glob("*.json")} - {"start-unknown-character-upstream-500.json"}
    assert names <= set(produced)
    for name in sorted(names):
        assert_shape(golden(name), produced[name], name)
    assert produced["status-completed-partial.json"]["results"]["failedImages"]
    assert produced["status-cancelled.json"]["status"] == "cancelled"
    assert produced["status-failed.json"]["status"] == "failed"


async def test_upstream_unknown_character_matches_golden(
    make_app: Callable[..., MockApp],
) -> None:
    """The upstream golden 500 body is what upstream mode answers for an unknown character."""
    app = make_app(mode="upstream")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://u") as c:
        response = await c.post(
            "/api/v1/characters/66f1c0ffee00000000000a01/generate-360-set", json={}
        )
    assert response.status_code == 500
    assert response.json() == golden("start-unknown-character-upstream-500.json")


@pytest.mark.parametrize("name", ["status-processing.json", "status-completed-partial.json"])
def test_shape_checker_catches_missing_keys(name: str) -> None:
    """The checker itself fails when a required key is missing."""
    body = golden(name)
    broken = {k: v for k, v in body.items() if k != "progress"}
    with pytest.raises(AssertionError):
        assert_shape(body, broken)
