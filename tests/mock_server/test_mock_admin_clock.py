"""The admin API, the control handle, scenarios and the three clocks."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server import ManualClock, MockApp, ScaledClock, SystemClock, create_app
from mock_server.clock import MAX_SERVER_MS

Char = Callable[..., Awaitable[str]]
Start = Callable[..., Awaitable[str]]


async def test_clock_admin_on_a_manual_clock(client: httpx.AsyncClient) -> None:
    """GET shows now/speed/mode; POST advances; speed on a manual clock is a clear 400."""
    clock = (await client.get("/_mock/clock")).json()
    assert clock == {
        "now": "2026-01-01T00:00:00.000Z",
        "nowMs": 1_767_225_600_000,
        "speed": 0.0,
        "mode": "manual",
    }
    moved = (await client.post("/_mock/clock", json={"advance": 90.5})).json()
    assert moved["now"] == "2026-01-01T00:01:30.500Z"
    refused = await client.post("/_mock/clock", json={"speed": 10})
    assert refused.status_code == 400
    assert "manual" in refused.json()["error"]
    for bad in ({"advance": -1}, {"advance": "1"}, {}, {"rewind": 1}):
        assert (await client.post("/_mock/clock", json=bad)).status_code == 400


async def test_clock_admin_on_a_scaled_clock(make_app: Callable[..., MockApp]) -> None:
    """A scaled clock can be advanced (an offset) and re-sped."""
    app = make_app(clock=ScaledClock(60, start_ms=0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as c:
        body = (await c.post("/_mock/clock", json={"advance": 3600, "speed": 120})).json()
        assert body["mode"] == "scaled"
        assert body["speed"] == 120
        assert body["nowMs"] >= 3_600_000


async def test_reset_forgets_everything_but_time(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """POST /_mock/reset clears data, faults, scenario and journal; the clock keeps its time."""
    await start_job(client, await character(client), {})
    app.mock.advance(10)
    app.mock.set_scenario("fail")
    app.mock.set_faults(rate=0.0)
    assert (await client.post("/_mock/reset")).json() == {"success": True}
    assert (await client.get("/api/v1/jobs")).json()["pagination"]["totalDocs"] == 0
    assert app.mock.faults is None
    assert app.mock.now_ms() == 1_767_225_610_000
    assert [r["path"] for r in app.mock.requests()] == ["/api/v1/jobs"]


async def test_requests_journal(app: MockApp, client: httpx.AsyncClient) -> None:
    """The journal lists client requests with server-clock times, not admin calls."""
    await client.get("/api/health")
    app.mock.advance(1)
    await client.get("/api/v1/jobs", params={"limit": "0"})
    await client.get("/_mock/stats")
    journal = (await client.get("/_mock/requests")).json()["requests"]
    assert journal == [
        {"method": "GET", "path": "/api/health", "status": 200, "time": "2026-01-01T00:00:00.000Z"},
        {
            "method": "GET",
            "path": "/api/v1/jobs",
            "status": 400,
            "time": "2026-01-01T00:00:01.000Z",
        },
    ]


async def test_stats(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """Stats count jobs by status and describe processing time and quality."""
    char_id = await character(client)
    done = await start_job(client, char_id, {"imageCount": 2}, **{"X-Mock-Scenario": "success"})
    app.mock.finish(done)
    await start_job(client, char_id, {})
    stats = (await client.get("/_mock/stats")).json()
    assert stats["jobs"]["byStatus"]["completed"] == 1
    assert stats["jobs"]["byStatus"]["processing"] == 1
    assert stats["activeJobs"] == 1
    assert stats["queueDepth"] == 0
    assert stats["meanProcessingTimeMs"] > 0
    assert stats["quality"]["count"] == 2
    assert sum(stats["quality"]["histogram"].values()) == 2


async def test_default_scenario_and_capacity_admin(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """POST /_mock/scenario sets the default outcome; /_mock/capacity the slots."""
    assert (await client.post("/_mock/scenario", json={"scenario": "bogus"})).status_code == 400
    assert (await client.post("/_mock/scenario", json={"scenario": "fail"})).status_code == 200
    job = await start_job(client, await character(client), {"imageCount": 2, "maxRetries": 1})
    assert app.mock.finish(job)["status"] == "failed"
    assert (await client.post("/_mock/capacity", json={"capacity": 0})).status_code == 400
    assert (await client.post("/_mock/capacity", json={"capacity": 3})).json()["capacity"] == 3
    with pytest.raises(ValueError, match="scenario"):
        app.mock.set_scenario("nope")


async def test_scenarios_via_header(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """success, partial, fail and slow do what they say, deterministically."""
    char_id = await character(client)
    outcomes = {}
    for scenario in ("success", "partial", "fail", "slow"):
        job = await start_job(client, char_id, {"imageCount": 6}, **{"X-Mock-Scenario": scenario})
        outcomes[scenario] = app.mock.finish(job)
    assert not outcomes["success"]["results"]["failedImages"]
    partial = outcomes["partial"]["results"]
    assert partial["failedImages"]
    assert partial["generatedImages"]
    assert outcomes["partial"]["status"] == "completed"
    assert outcomes["fail"]["status"] == "failed"
    assert outcomes["fail"]["results"]["generatedImages"] == []  # results kept (D16 REF)
    slow = outcomes["slow"]["results"]["processingTime"]
    assert slow > 2 * outcomes["success"]["results"]["processingTime"]
    one = await client.post(
        f"/api/v1/characters/{char_id}/generate-360-set",
        json={"imageCount": 1},
        headers={"X-Mock-Scenario": "partial"},
    )
    assert one.status_code == 400


async def test_custom_seed_makes_jobs_repeatable(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """The same customSeed gives the same results on the same server seed."""
    char_id = await character(client)
    a = await start_job(client, char_id, {"customSeed": 0, "imageCount": 5})
    b = await start_job(client, char_id, {"customSeed": 0, "imageCount": 5})
    first, second = app.mock.finish(a)["results"], app.mock.finish(b)["results"]
    assert [i["quality"] for i in first["generatedImages"]] == [
        i["quality"] for i in second["generatedImages"]
    ]
    assert first["processingTime"] == second["processingTime"]


def test_manual_clock() -> None:
    """A manual clock stands still, advances, refuses negative steps and speed."""
    clock = ManualClock(start_ms=1000)
    assert clock.now_ms() == 1000
    clock.advance(1.5)
    assert clock.now_ms() == 2500
    with pytest.raises(ValueError, match="negative"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="manual"):
        clock.set_speed(2)
    clock.not_before(500)
    assert clock.now_ms() == 2500
    other = ManualClock()
    other.restore(clock.state())
    assert other.now_ms() >= 2500


def test_scaled_clock_runs_faster_and_never_goes_back() -> None:
    """A scaled clock moves ``speed`` times faster than real time and is monotonic."""
    clock = ScaledClock(1000, start_ms=0)
    readings = [clock.now_ms()]
    deadline = time.monotonic() + 2
    while readings[-1] < 50 and time.monotonic() < deadline:
        time.sleep(0.005)
        readings.append(clock.now_ms())
    assert readings[-1] >= 50
    assert readings == sorted(readings)
    clock.set_speed(1)
    assert clock.speed == 1
    clock.advance(10)
    assert clock.now_ms() >= 10_000
    with pytest.raises(ValueError, match="speed"):
        ScaledClock(0)


def test_system_clock_follows_real_time_plus_offset() -> None:
    """SystemClock is real time; advance adds an offset that survives a restore."""
    clock = SystemClock()
    assert abs(clock.now_ms() - time.time() * 1000) < 5_000
    clock.advance(3600)
    again = SystemClock()
    again.restore(clock.state())
    assert again.now_ms() - time.time() * 1000 > 3_500_000


@pytest.mark.parametrize("make_clock", [ManualClock, lambda: ScaledClock(60), SystemClock])
async def test_the_clock_stops_at_its_limit(
    make_app: Callable[..., MockApp], make_clock: Callable[[], Any]
) -> None:
    """Advancing past year 9000 is a clear 400; every route, reset included, keeps working."""
    app = make_app(clock=make_clock())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as c:
        statuses = [
            (await c.post("/_mock/clock", json={"advance": 315_360_000})).status_code
            for _ in range(800)  # ten years each: 2026 + 7,000 years
        ]
        assert 400 in statuses
        refused = await c.post("/_mock/clock", json={"advance": 315_360_000})
        assert refused.status_code == 400
        assert refused.json()["error"] == "the server clock cannot pass 9000-01-01T00:00:00Z"
        assert (await c.get("/_mock/clock")).json()["nowMs"] <= MAX_SERVER_MS
        for path in ("/api/health", "/api/v1/jobs", "/api/v1/characters"):
            response = await c.get(path)
            assert response.status_code == 200, path
            assert response.headers["date"]
        assert (await c.post("/_mock/reset")).status_code == 200


@pytest.mark.parametrize(
    "anchor",
    [
        {"kind": "manual", "server_ms": 10**20},
        {"kind": "scaled", "wall": 0, "server_ms": float("inf"), "speed": 1},
        {"kind": "scaled", "wall": time.time(), "server_ms": 1e30, "speed": 1e9},
        {"kind": "system", "wall": 0, "server_ms": 1e25},
    ],
)
@pytest.mark.parametrize("make_clock", [ManualClock, lambda: ScaledClock(60), SystemClock])
async def test_a_stored_clock_beyond_the_limit_cannot_stop_a_server(
    tmp_path: Path, anchor: dict[str, Any], make_clock: Callable[[], Any]
) -> None:
    """A database holding an absurd clock anchor (an older version's) starts, serves and resets."""
    db = tmp_path / "mock.sqlite3"
    first = create_app(clock=ManualClock(), db_path=str(db))
    first.engine.store.set_meta("clock", json.dumps(anchor))
    first.engine.store.close()
    app = create_app(clock=make_clock(), db_path=str(db))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as c:
        for path in ("/api/health", "/api/v1/jobs", "/_mock/clock"):
            assert (await c.get(path)).status_code == 200, path
        assert (await c.post("/_mock/reset")).status_code == 200
    assert app.mock.now_ms() <= MAX_SERVER_MS
    app.engine.store.close()
