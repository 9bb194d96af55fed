"""Give a job a time budget; if it is not done by then, cancel it on the server.

    python examples/cancel_on_timeout.py

``wait(timeout=...)`` is the overall deadline of the wait (not of one HTTP request). When it
passes, ``WaitTimeoutError`` says which job and what was last seen; with
``cancel_on_timeout=True`` the job is cancelled on the server first, so nothing keeps running
(and costing) after the caller gave up. Without it, the job goes on and can be waited for again.

Talks to ``$CHARLIB_BASE_URL`` when it is set; otherwise starts the embedded mock server on a
free loopback port with a clock 60x faster than real time (a 27-shot set then takes ~20 s).
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

    with serve(speed=60) as server:
        yield server.url


def main() -> None:
    with service() as base_url, charlib.Client(base_url=base_url) as client:
        ada = client.characters.get_or_create(name="Ada Lovelace")  # a second run finds her
        if ada.master_reference_image is None:
            client.characters.generate_initial_image(ada.id, prompt="portrait of Ada")
        job = client.characters.generate_360_set(ada.id)  # all 27 shots
        print("started job", job.id)

        try:
            job.wait(timeout=2.0, cancel_on_timeout=True)
        except charlib.WaitTimeoutError as exc:
            print(f"gave up on {exc.job_id}; last seen: {exc.last_status!r}")

        # The server has the job as cancelled (the live service may take a moment: its cancel
        # does not stop the worker, so a wait confirms a cancel before believing it).
        status = client.jobs.get(job.id)
        print("on the server:", repr(status))

        # Waiting for a cancelled job raises JobCancelledError, with the final status.
        try:
            client.jobs.wait(job.id, timeout=60)
        except charlib.JobCancelledError as exc:
            print("wait says:", exc)


if __name__ == "__main__":
    main()
