"""The bar of wait_all / as_completed counts shots across all the jobs, jobs done beside it.

In process, on the mock's virtual time, sync and async: the bar is the default one
(``progress=True``), read back from the captured stderr stream tqdm writes to.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from charlib.testing import in_process_async_client, in_process_client
from mock_server import ManualClock, create_app

SHOTS = 3
JOBS = 3
FRAME = re.compile(r"(\d+)/(\d+) \[[^\]]*jobs done (\d+)/(\d+)")


def _frames(text: str) -> list[tuple[int, int, int, int]]:
    """(shots done, shots in all, jobs done, jobs) of every frame the bar drew."""
    return [
        (int(a), int(b), int(c), int(d))
        for a, b, c, d in (m.groups() for m in FRAME.finditer(text.replace("\r", "\n")))
    ]


def _check(frames: list[tuple[int, int, int, int]]) -> None:
    """Shots move before any job ends, one at a time, to all of them; jobs done at the end."""
    total = SHOTS * JOBS
    final = [f for f in frames if f[1] == total]
    assert final, frames
    assert final[-1] == (total, total, JOBS, JOBS)
    early = {done for done, _, ended, _ in final if ended == 0}
    assert {1, 2, 3} <= early  # the bar moved with shots while no job had ended
    seen = sorted({done for done, *_ in final})
    assert seen == list(range(seen[0], total + 1))  # every shot, none skipped


def _app() -> Any:
    app = create_app(clock=ManualClock(), seed=5)
    app.mock.set_scenario("success")
    return app


@pytest.mark.parametrize("how", ["wait_all", "as_completed"])
def test_group_bar_counts_shots_across_jobs(how: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Client: wait_all/as_completed(progress=True) shows shots of all jobs and jobs done."""
    app = _app()
    with in_process_client(app) as client:
        character = client.characters.create(name="Ada")
        client.characters.generate_initial_image(character.id, prompt="p")
        ids = [
            client.characters.generate_360_set(character.id, image_count=SHOTS).id
            for _ in range(JOBS)
        ]
        if how == "wait_all":
            done = client.jobs.wait_all(ids, progress=True)
        else:
            done = list(client.jobs.as_completed(ids, progress=True))
    assert len(done) == JOBS
    _check(_frames(capsys.readouterr().err))


@pytest.mark.parametrize("how", ["wait_all", "as_completed"])
def test_async_group_bar_counts_shots_across_jobs(
    how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """AsyncClient: the same bar, the same frames."""
    app = _app()

    async def main() -> int:
        async with in_process_async_client(app) as client:
            character = await client.characters.create(name="Ada")
            await client.characters.generate_initial_image(character.id, prompt="p")
            ids = [
                (await client.characters.generate_360_set(character.id, image_count=SHOTS)).id
                for _ in range(JOBS)
            ]
            if how == "wait_all":
                return len(await client.jobs.wait_all(ids, progress=True))
            return len([s async for s in client.jobs.as_completed(ids, progress=True)])

    assert asyncio.run(main()) == JOBS
    _check(_frames(capsys.readouterr().err))


def test_group_bar_tallies_how_jobs_ended(capsys: pytest.CaptureFixture[str]) -> None:
    """A failed job counts its shots as done and is tallied apart from the completed ones."""
    app = create_app(clock=ManualClock(), seed=5)
    with in_process_client(app) as client:
        character = client.characters.create(name="Ada")
        client.characters.generate_initial_image(character.id, prompt="p")
        ids = []
        for scenario in ("success", "fail"):
            app.mock.set_scenario(scenario)
            ids.append(client.characters.generate_360_set(character.id, image_count=2).id)
        client.jobs.wait_all(ids, progress=True, timeout=None)
    err = capsys.readouterr().err
    assert "4/4" in err
    assert "jobs done 2/2 (1 completed, 1 failed)" in err
