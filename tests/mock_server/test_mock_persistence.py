"""SQLite persistence: a restart keeps characters, media, jobs and keys; jobs carry on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from mock_server import ManualClock, MockApp, ScaledClock, create_app
from mock_server.lifecycle import JobFacts
from mock_server.store import JobQuery, MemoryStore, SQLiteStore

Char = Callable[..., Awaitable[str]]
Start = Callable[..., Awaitable[str]]


def _client(app: MockApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p")


async def test_restart_loses_nothing(tmp_path: Path, character: Char, start_job: Start) -> None:
    """A new app on the same file shows the same job, still progressing, and the same keys."""
    db = str(tmp_path / "mock.sqlite3")
    first = create_app(clock=ManualClock(), db_path=db, seed=3)
    async with _client(first) as c:
        char_id = await character(c)
        job = await start_job(c, char_id, {"imageCount": 5})
        keyed = await c.post(
            f"/api/v1/characters/{char_id}/generate-360-set",
            json={},
            headers={"Idempotency-Key": "k"},
        )
        first.mock.advance(60)
        before = (await c.get(f"/api/v1/jobs/{job}/status")).json()
    first.engine.store.close()

    # A fresh manual clock starts at its default: the stored clock state moves it forward.
    second = create_app(clock=ManualClock(), db_path=db, seed=3)
    async with _client(second) as c:
        assert second.mock.now_ms() >= first.mock.now_ms()
        after = (await c.get(f"/api/v1/jobs/{job}/status")).json()
        assert after == before
        doc = (await c.get(f"/api/v1/characters/{char_id}")).json()
        assert doc["masterReferenceImage"]["dinoAssetId"]
        image = await c.get(doc["masterReferenceImage"]["url"])
        assert image.status_code == 200
        again = await c.post(
            f"/api/v1/characters/{char_id}/generate-360-set",
            json={},
            headers={"Idempotency-Key": "k"},
        )
        assert again.json()["jobId"] == keyed.json()["jobId"]
        fresh = await start_job(c, char_id, {})
        assert fresh not in (job, keyed.json()["jobId"])  # ids never repeat after a restart
        final = second.mock.finish(job)
        assert final["status"] in ("completed", "failed")
    second.engine.store.close()


def test_scaled_clock_stays_ahead_across_restarts(tmp_path: Path) -> None:
    """A scaled clock persists its anchor: after a restart server time has not gone back."""
    db = str(tmp_path / "clock.sqlite3")
    first = create_app(clock=ScaledClock(1000), db_path=db)
    first.mock.advance(86_400)
    before = first.mock.now_ms()
    first.engine.store.close()
    second = create_app(clock=ScaledClock(1000), db_path=db)
    assert second.mock.now_ms() >= before
    second.engine.store.close()


def _job(i: int, character: str, start: int, end: int, outcome: str) -> JobFacts:
    return JobFacts(
        job_id=f"job-{i:05d}",
        seq=i,
        character_id=character,
        created_ms=i,
        start_ms=start,
        end_ms=end,
        outcome=outcome,
        seed=i,
        image_count=1,
        max_attempts=1,
        request={"imageCount": 1},
        cancelled_ms=start + 1 if i % 7 == 0 else None,
    )


def test_memory_and_sqlite_filter_alike_on_10000_jobs(tmp_path: Path) -> None:
    """Both stores derive the same status filters and counts over 10,000 jobs."""
    memory, sqlite = MemoryStore(), SQLiteStore(tmp_path / "big.sqlite3")
    jobs = [
        _job(i, f"c{i % 13}", 10 * i, 10 * i + 5000, "failed" if i % 5 == 0 else "completed")
        for i in range(1, 10_001)
    ]
    sqlite._db.execute("BEGIN")
    for job in jobs:
        memory.add_job(job)
        sqlite.add_job(job)
    sqlite._db.execute("COMMIT")
    now = 60_000
    assert memory.count_by_status(now) == sqlite.count_by_status(now)
    for status in ("pending", "processing", "completed", "failed", "cancelled", None):
        for character in (None, "c3"):
            query = JobQuery(status=status, character_id=character, page=3, limit=25)
            a = memory.list_jobs(now, query)
            b = sqlite.list_jobs(now, query)
            assert [j.job_id for j in a[0]] == [j.job_id for j in b[0]]
            assert a[1] == b[1]
    sqlite.close()


def test_sqlite_transactions_are_all_or_nothing(tmp_path: Path) -> None:
    """A failing block leaves nothing behind; nested blocks join the outer transaction."""
    store = SQLiteStore(tmp_path / "tx.sqlite3")
    doc = {"id": "a" * 24, "name": "A", "characterId": "a"}

    def failing_block() -> None:
        with store.transaction():
            store.add_character(doc, 1, 0)
            with store.transaction():
                store.next_seq("x")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_block()
    assert store.get_character(doc["id"]) is None
    assert store.get_meta("seq:x") is None
    with store.transaction():
        store.add_character(doc, 1, 0)
    assert store.get_character(doc["id"]) == doc
    store.close()
