"""Start a 360° set for several characters and wait for all of them at once.

    python examples/many_characters.py

``client.jobs.wait_all`` polls every job from one schedule, with a bounded number of requests in
flight, and returns each job's final status in input order: failed and cancelled jobs are
returned, not raised. ``on_progress`` sees every change of every job; here it keeps a one-line
summary up to date.

Talks to ``$CHARLIB_BASE_URL`` when it is set; otherwise starts the embedded mock server on a
free loopback port with a clock 600x faster than real time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import charlib

NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald"]


@contextmanager
def service() -> Iterator[str]:
    """The base URL to use: ``$CHARLIB_BASE_URL``, or an embedded mock server for this run."""
    if os.environ.get("CHARLIB_BASE_URL"):
        yield os.environ["CHARLIB_BASE_URL"]
        return
    from mock_server import serve

    with serve(speed=600) as server:
        yield server.url


class Summary:
    """The latest snapshot of every job, printed as one line whenever the picture changes."""

    def __init__(self, job_ids: list[str]) -> None:
        self.latest: dict[str, charlib.JobStatus | None] = dict.fromkeys(job_ids)
        self.shown = ""

    def __call__(self, status: charlib.JobStatus) -> None:
        self.latest[status.job_id] = status
        seen = [s for s in self.latest.values() if s is not None]
        done = sum(s.is_terminal for s in seen)
        running = sum(s.status == charlib.JobState.PROCESSING for s in seen)
        mean = sum(s.progress.percentage for s in seen) / len(self.latest)
        line = f"{done}/{len(self.latest)} done, {running} running, {mean:3.0f}% overall"
        if line != self.shown:
            print(line)
            self.shown = line


def main() -> None:
    with service() as base_url, charlib.Client(base_url=base_url) as client:
        jobs: dict[str, str] = {}  # job id -> character name
        for name in NAMES:
            character = client.characters.get_or_create(name=name)  # a second run finds them
            if character.master_reference_image is None:
                client.characters.generate_initial_image(character.id, prompt=f"portrait of {name}")
            job = client.characters.generate_360_set(character.id, image_count=6)
            jobs[job.id] = name
        print(f"started {len(jobs)} jobs")

        summary = Summary(list(jobs))
        finals = client.jobs.wait_all(list(jobs), timeout=30 * 60, on_progress=summary)

        print(f"{'character':<10} {'status':<10} {'images':>6} {'failed':>6}")
        for status in finals:
            made = len(status.results.generated_images) if status.results else 0
            failed = len(status.results.failed_images) if status.results else 0
            print(f"{jobs[status.job_id]:<10} {status.status:<10} {made:>6} {failed:>6}")


if __name__ == "__main__":
    main()
