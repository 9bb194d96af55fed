"""Upstream mode reproduces the live service's quirks (CONTRACT §14)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from mock_server import ManualClock, MockApp

Char = Callable[..., Awaitable[str]]
Start = Callable[..., Awaitable[str]]


@pytest.fixture
def upstream_app(make_app: Callable[..., MockApp]) -> MockApp:
    """An upstream-mode app on a manual clock."""
    return make_app(mode="upstream")


@pytest.fixture
async def up(upstream_app: MockApp) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the upstream-mode app."""
    transport = httpx.ASGITransport(app=upstream_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://up") as client:
        yield client


async def test_health_says_upstream(up: httpx.AsyncClient) -> None:
    """The mode shows in health."""
    assert (await up.get("/api/health")).json()["mode"] == "upstream"


async def test_unknown_character_is_500_not_found(up: httpx.AsyncClient) -> None:
    """D11: 500 with error "Not Found" on start; CRUD gives the generic 500s."""
    response = await up.post(
        "/api/v1/characters/66f1c0ffee00000000000a01/generate-360-set", json={}
    )
    assert response.status_code == 500
    assert response.json() == {"success": False, "status": "failed", "error": "Not Found"}
    fetch = await up.get("/api/v1/characters/x")
    assert (fetch.status_code, fetch.json()) == (500, {"error": "Failed to fetch character"})
    ref = await up.get("/api/v1/characters/x/reference-image")
    assert ref.status_code == 500
    assert ref.json()["error"] == "Not Found"


async def test_empty_or_malformed_body_is_500(up: httpx.AsyncClient, character: Char) -> None:
    """D13: an empty or malformed body is a 500 carrying the parser message."""
    char_id = await character(up)
    url = f"/api/v1/characters/{char_id}/generate-360-set"
    empty = await up.post(url)
    assert empty.status_code == 500
    assert empty.json()["error"] == "Unexpected end of JSON input"
    broken = await up.post(url, content=b"{oops")
    assert broken.status_code == 500
    assert broken.json()["error"].startswith("Unexpected token")


async def test_falsy_values_take_defaults(up: httpx.AsyncClient, character: Char) -> None:
    """D3: 0 means default (imageCount 0 -> 27) and total follows imageCount -> 27 -> imageCount."""
    char_id = await character(up)
    response = await up.post(
        f"/api/v1/characters/{char_id}/generate-360-set", json={"imageCount": 0, "maxRetries": 0}
    )
    assert response.json()["message"].endswith("Generating 27 images.")


async def test_total_jumps_and_shots_run_in_reverse(
    upstream_app: MockApp, up: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """D7/D22: total 8 -> 27 -> 8, all 27 shots in reverse, processingTime 0 (D4)."""
    job = await start_job(
        up, await character(up), {"imageCount": 8}, **{"X-Mock-Scenario": "success"}
    )
    url = f"/api/v1/jobs/{job}/status"
    totals = []
    tasks = []
    for _ in range(400):
        body = (await up.get(url)).json()
        totals.append(body["progress"]["total"])
        tasks.append(body["progress"].get("currentTask"))
        if body["status"] == "completed":
            break
        upstream_app.mock.advance(1 if len(totals) < 4 else 20)
    assert totals[0] == 8
    assert 27 in totals
    assert totals[-1] == 8
    assert "Generating 50mm 25° RIGHT MCU (Enhanced)" in tasks
    first_shot = next(t for t in tasks if t and t.startswith("Generating"))
    assert first_shot == "Generating 50mm 25° RIGHT MCU (Enhanced)"
    results = body["results"]
    assert results["success"] is True
    assert results["processingTime"] == 0
    assert len(results["generatedImages"]) == 27
    assert results["generatedImages"][0]["url"].startswith("https://media.rumbletv.com/media/")
    assert body["progress"] == {
        "current": 8,
        "total": 8,
        "percentage": 100,
        "currentTask": "Completed",
    }


async def test_cancel_flips_back_and_the_job_finishes(
    upstream_app: MockApp, up: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """D1: cancelled until the next progress write, then processing, then completed; D21."""
    job = await start_job(up, await character(up), {}, **{"X-Mock-Scenario": "success"})
    url = f"/api/v1/jobs/{job}/status"
    upstream_app.mock.advance(10)
    assert (await up.delete(url)).json()["success"] is True
    cancelled = (await up.get(url)).json()
    assert cancelled["status"] == "cancelled"
    assert "completedAt" not in cancelled
    upstream_app.mock.advance(61)
    assert (await up.get(url)).json()["status"] == "processing"
    final = upstream_app.mock.finish(job)
    assert final["status"] == "completed"
    assert final["results"]["generatedImages"]


async def test_failed_job_has_no_results(
    upstream_app: MockApp, up: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """D16: a failed job carries no results; the pending state already has startedAt (D21)."""
    job = await start_job(up, await character(up), {"maxRetries": 1}, **{"X-Mock-Scenario": "fail"})
    final = upstream_app.mock.finish(job)
    assert final["status"] == "failed"
    assert "results" not in final
    assert final["error"] == "No images were successfully generated"


async def test_restart_leaves_zombies(
    tmp_path: Path, make_app: Callable[..., MockApp], character: Char, start_job: Start
) -> None:
    """D2/D19: after a restart an in-flight job stays put; cancel claims success:false."""
    db = str(tmp_path / "up.sqlite3")
    clock = ManualClock()
    first = make_app(mode="upstream", db_path=db, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=first), base_url="http://a"
    ) as c:
        job = await start_job(c, await character(c), {})
        first.mock.advance(120)
        before = (await c.get(f"/api/v1/jobs/{job}/status")).json()
    first.engine.store.close()
    second = make_app(mode="upstream", db_path=db, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=second), base_url="http://b"
    ) as c:
        second.mock.advance(7200)
        after = (await c.get(f"/api/v1/jobs/{job}/status")).json()
        assert after["status"] == "processing"
        assert after["progress"] == before["progress"]
        cancel = await c.delete(f"/api/v1/jobs/{job}/status")
        assert cancel.status_code == 200
        assert cancel.json() == {
            "success": False,
            "message": "Job was not actively running, but marked as cancelled",
        }
        assert (await c.get(f"/api/v1/jobs/{job}/status")).json()["status"] == "processing"
    second.engine.store.close()


async def test_upstream_has_no_queue(
    upstream_app: MockApp, up: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """The live service starts every job at once: no capacity limit by default upstream."""
    char_id = await character(up)
    jobs = [await start_job(up, char_id, {}) for _ in range(6)]
    for job in jobs:
        assert (await up.get(f"/api/v1/jobs/{job}/status")).json()["status"] == "processing"
    assert upstream_app.mock.stats()["queueDepth"] == 0
