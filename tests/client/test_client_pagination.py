"""``jobs.list_all``: lazy, page by page, stopping at the last page (sync and async)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import FakeServer, collect

PAGES = 3
PAGE_SIZE = 2


def _job(n: int) -> dict[str, Any]:
    return {"jobId": f"job-{n}", "status": "completed", "progress": {"current": 1, "total": 1}}


def paged(request: httpx.Request) -> httpx.Response:
    """A job list of PAGES full pages, honouring ``page`` and ``limit``."""
    page = int(request.url.params.get("page", "1"))
    limit = int(request.url.params.get("limit", "10"))
    total = PAGES * PAGE_SIZE
    jobs = [_job(n) for n in range((page - 1) * limit, min(page * limit, total))]
    pages = -(-total // limit)
    pagination = {
        "totalDocs": total,
        "limit": limit,
        "page": page,
        "totalPages": pages,
        "hasNextPage": page < pages,
        "hasPrevPage": page > 1,
    }
    return httpx.Response(200, json={"success": True, "jobs": jobs, "pagination": pagination})


async def test_list_all_yields_every_job_and_stops_at_the_last_page(
    server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """All jobs of all pages come out in order, with exactly one request per page."""
    server.script(paged)
    jobs = await collect(make_client().jobs.list_all(status="completed", limit=PAGE_SIZE))
    assert [job.job_id for job in jobs] == [f"job-{n}" for n in range(PAGES * PAGE_SIZE)]
    assert [r.url.params["page"] for r in server.requests] == ["1", "2", "3"]
    assert all(r.url.params["status"] == "completed" for r in server.requests)
    assert all(r.url.params["limit"] == str(PAGE_SIZE) for r in server.requests)


async def test_list_all_fetches_only_the_pages_needed(
    flavor: str, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """Nothing is fetched before iteration; taking 3 jobs of 2 per page costs 2 requests."""
    server.script(paged)
    iterator = make_client().jobs.list_all(limit=PAGE_SIZE)
    assert server.requests == []
    taken = []
    for _ in range(3):
        taken.append(await _next(iterator))
    assert [job.job_id for job in taken] == ["job-0", "job-1", "job-2"]
    assert len(server.requests) == 2


async def _next(iterator: Any) -> charlib.JobStatus:
    if hasattr(iterator, "__anext__"):
        return await iterator.__anext__()  # type: ignore[no-any-return]
    return next(iterator)  # type: ignore[no-any-return]


async def test_list_all_stops_on_an_empty_page(
    server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """A server that claims more pages but sends none cannot make iteration loop."""
    body = {
        "success": True,
        "jobs": [],
        "pagination": {"totalDocs": 5, "limit": 10, "page": 1, "hasNextPage": True},
    }
    server.script(lambda _: httpx.Response(200, json=body))
    assert await collect(make_client().jobs.list_all()) == []
    assert len(server.requests) == 1


@pytest.mark.parametrize("limit", [0, 101, "10"])
async def test_list_all_validates_eagerly(
    limit: Any, server: FakeServer, make_client: Callable[..., Any]
) -> None:
    """A bad page size is rejected when ``list_all`` is called, not at the first item."""
    with pytest.raises(charlib.InvalidParameterError):
        make_client().jobs.list_all(limit=limit)
    assert server.requests == []
