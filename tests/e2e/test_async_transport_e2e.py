"""A default AsyncClient against the mock on uvicorn (127.0.0.1), every byte through the pool's
asyncio network backend (``charlib._asyncio_backend``): requests with bodies, many concurrent
polls, a wait, and a download of large images, the same as the sync client's."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import charlib
from mock_server import ScaledClock, serve

IMAGE_BYTES = 3 * 1024 * 1024  # each image padded to about this: many reads, flow control


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.png")}


def test_a_whole_flow_over_the_asyncio_backend(tmp_path: Path, connects: list[str]) -> None:
    """Create a character, start a 6-shot set, poll it from 64 tasks at once, wait for it and
    download it (3 at a time, 3 MB images): all through the asyncio backend, on a few
    kept-alive connections, and the files are byte for byte the sync client's."""
    with serve(clock=ScaledClock(2000), media_size=IMAGE_BYTES) as server:

        async def run() -> tuple[charlib.JobStatus, list[charlib.JobStatus], int]:
            async with charlib.AsyncClient(base_url=server.url) as client:
                character = await client.characters.create(name="Asyncio E2E")
                await client.characters.generate_initial_image(character.id, prompt="portrait")
                job = await client.characters.generate_360_set(character.id, image_count=6)
                polls = await asyncio.gather(*(client.jobs.get(job.id) for _ in range(64)))
                final = await client.jobs.wait(job.id, timeout=3600)
                report = await client.jobs.download(job.id, tmp_path / "async", concurrency=3)
                return final, polls, len(report.downloaded)

        final, polls, saved = asyncio.run(run())
        assert final.status == "completed"
        assert {poll.job_id for poll in polls} == {final.job_id}
        assert saved == 6
        assert set(connects) == {"127.0.0.1"}
        assert len(connects) <= 8  # kept alive: the in-flight bound and the download's three
        with charlib.Client(base_url=server.url) as sync:
            sync.jobs.download(final.job_id, tmp_path / "sync", concurrency=3)
    mine = _digests(tmp_path / "async")
    assert len(mine) == 6
    assert all(p.stat().st_size >= IMAGE_BYTES for p in (tmp_path / "async").glob("*.png"))
    assert mine == _digests(tmp_path / "sync")
