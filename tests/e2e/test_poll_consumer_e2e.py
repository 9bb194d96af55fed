"""Whether anybody is shown the progress reaches the polling policy (in process, virtual time).

A bare ``wait`` polls for the end only; ``wait(on_progress=...)``, ``wait(progress=...)`` and
``watch`` poll for every step, and are shown every one of them. Requests are counted from the
mock's journal; the two jobs have the same seed, so the same plan, and each wait follows its
job from the start.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

import charlib
from charlib.testing import in_process_client
from mock_server import ManualClock, create_app

SHOTS = 12
# No cap on a single sleep: at real time a bare wait's jumps are capped by max_interval (60 s),
# which hides how much less it polls; without the cap it polls for the end only.
POLICY = charlib.PollPolicy(max_interval=3600)


def _polls(app: Any, job_id: str) -> int:
    path = f"/api/v1/jobs/{job_id}/status"
    return sum(1 for e in app.mock.requests() if e["path"] == path and e["method"] == "GET")


def _shown_by(how: str, client: charlib.Client, job_id: str) -> set[int]:
    """Follow ``job_id`` the way ``how`` says; the steps shown to the caller."""
    seen: set[int] = set()

    def note(status: charlib.JobStatus) -> None:
        if status.status is charlib.JobState.PROCESSING:
            seen.add(status.progress.current)

    ways: dict[str, Callable[[], object]] = {
        "on_progress": lambda: client.jobs.wait(job_id, on_progress=note, poll=POLICY),
        "progress": lambda: client.jobs.wait(
            job_id, progress=charlib.ProgressBar(file=io.StringIO()), on_progress=note, poll=POLICY
        ),
        "watch": lambda: [note(status) for status in client.jobs.watch(job_id, poll=POLICY)],
    }
    ways[how]()
    return seen


@pytest.mark.parametrize("how", ["on_progress", "progress", "watch"])
def test_a_bare_wait_polls_less_than_one_somebody_watches(how: str) -> None:
    """Watched: every step shown. Bare: most of the polls inside the steps left out, the same
    final status."""
    app = create_app(clock=ManualClock(), seed=3)
    app.mock.set_scenario("success")
    with in_process_client(app) as client:
        character = client.characters.create(name="Ada")
        client.characters.generate_initial_image(character.id, prompt="p")
        watched = client.characters.generate_360_set(character.id, image_count=SHOTS, custom_seed=7)
        shown = _shown_by(how, client, watched.id)
        # Started once the first has ended, so that its wait follows it from its start too.
        bare = client.characters.generate_360_set(character.id, image_count=SHOTS, custom_seed=7)
        final = client.jobs.wait(bare.id, poll=POLICY)
    assert final.status is charlib.JobState.COMPLETED
    assert shown == set(range(SHOTS))
    bare_polls, watched_polls = _polls(app, bare.id), _polls(app, watched.id)
    assert watched_polls >= SHOTS  # one poll inside every step at least
    # Both look for the end alike; the bare wait leaves out most of the polls inside the steps.
    assert watched_polls - bare_polls >= SHOTS // 2, (bare_polls, watched_polls)
