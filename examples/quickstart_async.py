"""Generate a 360° reference set with the asynchronous client, watching every change.

    python examples/quickstart_async.py

Talks to ``$CHARLIB_BASE_URL`` when it is set; otherwise starts the embedded mock server on a
free loopback port with a clock 120x faster than real time, so the run takes a few seconds.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager

import charlib


@contextmanager
def service() -> Iterator[str]:
    """The base URL to use: ``$CHARLIB_BASE_URL``, or an embedded mock server for this run."""
    if os.environ.get("CHARLIB_BASE_URL"):
        yield os.environ["CHARLIB_BASE_URL"]
        return
    from mock_server import serve

    # The server runs in a thread of its own, so it keeps serving while asyncio awaits.
    with serve(speed=120) as server:
        yield server.url


async def main(base_url: str) -> None:
    async with charlib.AsyncClient(base_url=base_url) as client:
        ada = await client.characters.get_or_create(name="Ada Lovelace")  # a second run finds her
        if ada.master_reference_image is None:
            await client.characters.generate_initial_image(ada.id, prompt="portrait of Ada")

        job = await client.characters.generate_360_set(ada.id, image_count=8)
        print("started job", job.id)

        # One snapshot per change of status or progress; the last one is terminal.
        async for status in job.watch(timeout=15 * 60):
            progress = status.progress
            print(f"  {status.status:<10} {progress.percentage:>3g}%  {progress.current_task}")

        final = await client.jobs.get(job.id)
        print(repr(final))
        if final.status == charlib.JobState.COMPLETED and final.results:
            print(f"{len(final.results.generated_images)} images, partial={final.is_partial}")


if __name__ == "__main__":
    with service() as url:
        asyncio.run(main(url))
