"""Generate a 360° reference set and wait for it, with a progress bar (synchronous client).

    python examples/quickstart_sync.py

Talks to ``$CHARLIB_BASE_URL`` when it is set; otherwise starts the embedded mock server on a
free loopback port with a clock 120x faster than real time, so the run takes a few seconds.
"""

from __future__ import annotations

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

    with serve(speed=120) as server:
        yield server.url


def main() -> None:
    with service() as base_url, charlib.Client(base_url=base_url) as client:
        ada = client.characters.get_or_create(name="Ada Lovelace")  # a second run finds her
        if ada.master_reference_image is None:
            # A 360° set needs a master reference image; this generates and attaches one.
            client.characters.generate_initial_image(ada.id, prompt="portrait of Ada, studio light")

        job = client.characters.generate_360_set(ada.id, image_count=8)
        print("started job", job.id)

        # Polls adaptively until the job ends: at most 15 minutes here (default 45).
        status = job.wait(timeout=15 * 60, progress=True)  # raises JobFailedError if it failed
        print(repr(status))  # JobStatus('…': completed 8/8 (100%) 8 images, 8 attempts)

        results = status.results
        assert results is not None  # a completed job always has results
        for image in results.generated_images:
            print(f"  {image.angle:<32} quality {image.quality:>3g}  {image.url}")
        for failed in results.failed_images:  # a partial success (status.is_partial)
            print(f"  {failed.angle:<32} FAILED after {failed.attempts} attempts: {failed.error}")


if __name__ == "__main__":
    main()
