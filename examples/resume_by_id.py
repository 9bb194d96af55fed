"""Start a job in one process and pick it up in another.

    python examples/resume_by_id.py

The first process starts a 360° set, hands the job to a second process and exits without
waiting; the second process (this script again, with ``resume JOB``) resumes the handle and waits.
Two forms work:

* ``job.to_json()`` -> ``client.jobs.resume(text)``: a :class:`charlib.Job` again, with the poll
  URL and the server's first estimate;
* the bare job id -> ``client.jobs.wait(job_id)`` (or ``client.jobs.resume(job_id)``).

Store either in your database or task queue, and any worker can finish the wait, even after a
crash or a deploy.

Talks to ``$CHARLIB_BASE_URL`` when it is set; otherwise starts the embedded mock server on a
free loopback port with a clock 600x faster than real time, and passes its URL to the child.
"""

from __future__ import annotations

import os
import subprocess
import sys
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

    with serve(speed=600) as server:
        yield server.url


def start() -> None:
    """Process 1: start two jobs, hand each to a child process, and leave."""
    with service() as base_url:
        with charlib.Client(base_url=base_url) as client:
            ada = client.characters.get_or_create(name="Ada Lovelace")  # a second run finds her
            if ada.master_reference_image is None:
                client.characters.generate_initial_image(ada.id, prompt="portrait of Ada")
            first = client.characters.generate_360_set(ada.id, image_count=6)
            second = client.characters.generate_360_set(ada.id, image_count=4)
        print(f"started {first.id} and {second.id}; this process does not wait")

        child_env = {**os.environ, "CHARLIB_BASE_URL": base_url}
        for handed_over in (first.to_json(), second.id):
            subprocess.run(
                [sys.executable, __file__, "resume", handed_over], env=child_env, check=True
            )


def resume(handed_over: str) -> None:
    """Process 2: resume the job from its JSON or its id, and wait for it."""
    with charlib.Client() as client:  # CHARLIB_BASE_URL from the environment
        if handed_over.startswith("{"):
            job = client.jobs.resume(handed_over)  # from Job.to_json()
            print(f"[pid {os.getpid()}] resumed {job.id} (poll URL {job.poll_url})")
            status = job.wait(timeout=15 * 60)
        else:
            print(f"[pid {os.getpid()}] waiting for job id {handed_over}")
            status = client.jobs.wait(handed_over, timeout=15 * 60)
        print(f"[pid {os.getpid()}] {status!r}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["resume"]:
        resume(sys.argv[2])
    else:
        start()
