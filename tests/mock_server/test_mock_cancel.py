"""Cancel is immediate and final in reference mode, and frees the job's capacity slot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from mock_server import MockApp

Char = Callable[..., Awaitable[str]]
Start = Callable[..., Awaitable[str]]


async def test_cancel_is_immediate_and_final(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """After DELETE the job is cancelled at once and stays so, with frozen progress."""
    job = await start_job(client, await character(client), {"imageCount": 5})
    app.mock.advance(100)
    before = (await client.get(f"/api/v1/jobs/{job}/status")).json()
    response = await client.delete(f"/api/v1/jobs/{job}/status")
    assert response.json() == {"success": True, "message": "Job cancelled successfully"}
    now = (await client.get(f"/api/v1/jobs/{job}/status")).json()
    assert now["status"] == "cancelled"
    assert now["progress"] == before["progress"]
    assert now["completedAt"] == "2026-01-01T00:01:40.000Z"
    assert now["message"] == "Job was cancelled."
    assert "results" not in now
    for _ in range(5):
        app.mock.advance(3600)
        later = (await client.get(f"/api/v1/jobs/{job}/status")).json()
        assert later == now
    again = await client.delete(f"/api/v1/jobs/{job}/status")
    assert again.status_code == 400
    assert again.json() == {"success": False, "message": "Cannot cancel job with status: cancelled"}


async def test_cancel_a_finished_job_is_400(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """A completed job cannot be cancelled (400, contract message)."""
    job = await start_job(client, await character(client), {"imageCount": 1})
    app.mock.finish(job)
    response = await client.delete(f"/api/v1/jobs/{job}/status")
    assert response.status_code == 400
    assert response.json()["message"] == "Cannot cancel job with status: completed"


async def test_cancel_frees_the_slot_for_the_queue(
    make_app: Callable[..., MockApp], character: Char, start_job: Start
) -> None:
    """With capacity 1, cancelling the running job starts the next one right away."""
    app = make_app(capacity=1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as c:
        char_id = await character(c)
        first = await start_job(c, char_id, {"imageCount": 27})
        second = await start_job(c, char_id, {"imageCount": 2})
        third = await start_job(c, char_id, {"imageCount": 2})
        app.mock.advance(10)
        assert (await c.get(f"/api/v1/jobs/{second}/status")).json()["status"] == "pending"
        await c.delete(f"/api/v1/jobs/{first}/status")
        started = (await c.get(f"/api/v1/jobs/{second}/status")).json()
        assert started["status"] == "processing"
        assert started["startedAt"] == "2026-01-01T00:00:10.000Z"
        assert (await c.get(f"/api/v1/jobs/{third}/status")).json()["status"] == "pending"
        await c.delete(f"/api/v1/jobs/{third}/status")  # a pending job can be cancelled too
        cancelled = (await c.get(f"/api/v1/jobs/{third}/status")).json()
        assert cancelled["status"] == "cancelled"
        assert "startedAt" not in cancelled
        app.mock.finish_all()
        final = (await c.get(f"/api/v1/jobs/{second}/status")).json()["status"]
        assert final in ("completed", "failed")


async def test_capacity_changes_move_only_waiting_jobs(
    make_app: Callable[..., MockApp], character: Char, start_job: Start
) -> None:
    """Raising capacity starts waiting jobs now; lowering it never stops running ones."""
    app = make_app(capacity=1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as c:
        char_id = await character(c)
        jobs = [await start_job(c, char_id, {"imageCount": 3}) for _ in range(3)]
        app.mock.advance(5)

        async def statuses() -> list[str]:
            return [(await c.get(f"/api/v1/jobs/{j}/status")).json()["status"] for j in jobs]

        assert await statuses() == ["processing", "pending", "pending"]
        app.mock.set_capacity(3)
        assert await statuses() == ["processing", "processing", "processing"]
        started = (await c.get(f"/api/v1/jobs/{jobs[2]}/status")).json()["startedAt"]
        assert started == "2026-01-01T00:00:05.000Z"
        app.mock.set_capacity(1)
        assert await statuses() == ["processing", "processing", "processing"]
        late = await start_job(c, char_id, {"imageCount": 1})
        assert (await c.get(f"/api/v1/jobs/{late}/status")).json()["status"] == "pending"
        app.mock.finish(late)
        assert all(s in ("completed", "failed") for s in await statuses())
