"""``charlib batch run`` as a real process against a real mock over HTTP: killed with SIGKILL at
seeded random moments and resumed, in both server modes; two processes on one ledger; Ctrl-C.

The mock serves from this test process (uvicorn in a thread, a SQLite store) at high speed; the
batch is a subprocess, so a kill really stops it at any instruction.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import charlib
from charlib.batch import read_status
from mock_server import RunningServer, serve

ROOT = Path(__file__).resolve().parents[2]
CHARACTERS = 20
SHOTS = 2
RUN_TIMEOUT = 120.0
# Server seconds per real second: the reference mode's 2-shot job takes ~0.2 s; the upstream
# mode generates all 27 shots whatever image_count says (~0.4 s).
SPEED = {"reference": 300, "upstream": 2000}


def _write_cast(path: Path) -> Path:
    lines = [
        "name,prompt,image_count",
        *(f"Cast {i},portrait {i},{SHOTS}" for i in range(CHARACTERS)),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(params=["reference", "upstream"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    mode = request.param
    with serve(
        speed=SPEED[mode],
        mode=mode,
        scenario="success",
        capacity=50,
        db_path=str(tmp_path / "mock.sqlite3"),
    ) as running:
        yield running


def _start(url: str, cast: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "charlib.cli", "--base-url", url, "batch", "run"]
    command += [str(cast), "--out", str(out), "--max-active", "6", "--poll", "0.05", *extra]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("CHARLIB_API_KEY", None)
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _check_done(url: str, out: Path) -> None:
    """One 360-set job per character on the server, each image on disk once, ledger complete."""
    status = read_status(out)
    assert dict(status.counts) == {"complete": CHARACTERS}
    with charlib.Client(base_url=url) as client:
        jobs = list(client.jobs.list_all(job_type="360-set", limit=100))
        per_character = Counter(job.character_id for job in jobs)
        assert len(per_character) == CHARACTERS
        assert set(per_character.values()) == {1}
        by_id = {job.job_id: client.jobs.get(job.job_id) for job in jobs}
    for record in status.records:
        assert record.job_id in by_id
        results = by_id[record.job_id].results
        assert results is not None
        images = sorted(path.name for path in record.folder.iterdir() if path.suffix == ".png")
        assert images == sorted(record.files)
        assert len(images) == len(results.generated_images)
        assert len({name[:2] for name in images}) == len(images)  # one file per shot position
        assert not list(record.folder.glob("*.part"))
    assert len(status.jobs) == CHARACTERS


def test_sigkill_at_random_moments_then_resume(server: RunningServer, tmp_path: Path) -> None:
    """Killed with SIGKILL at several seeded moments and resumed each time, the batch ends with
    exactly one job per character, every image on disk once and the ledger complete."""
    cast, out = _write_cast(tmp_path / "cast.csv"), tmp_path / "sets"
    moments = random.Random(12).sample([0.8, 1.0, 1.2, 1.4, 1.6, 1.9, 2.2], 4)
    killed = 0
    for moment in moments:
        process = _start(server.url, cast, out, "--no-progress")
        try:
            process.wait(timeout=moment)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.communicate(timeout=30)  # reaped: its pid is known dead to the next run
    assert killed >= 2, "the kills did not land while the batch ran"
    final = _start(server.url, cast, out, "--no-progress")
    stdout, stderr = final.communicate(timeout=RUN_TIMEOUT)
    assert final.returncode == 0, stderr
    assert f"{CHARACTERS} characters: {CHARACTERS} complete" in stdout
    _check_done(server.url, out)


@pytest.mark.parametrize("server", ["upstream"], indirect=True)
def test_two_processes_share_one_ledger(server: RunningServer, tmp_path: Path) -> None:
    """Two batch processes on the same directory split the cast: no character is worked on
    twice, both exit 0 once everything is saved."""
    cast, out = _write_cast(tmp_path / "cast.csv"), tmp_path / "sets"
    first = _start(server.url, cast, out, "--no-progress", "--json")
    second = _start(server.url, cast, out, "--no-progress", "--json")
    results = [process.communicate(timeout=RUN_TIMEOUT) for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], results
    _check_done(server.url, out)


@pytest.mark.parametrize("server", ["reference"], indirect=True)
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_stops_and_prints_how_to_resume(
    server: RunningServer, tmp_path: Path, stop: signal.Signals
) -> None:
    """SIGINT (and SIGTERM alike) stops the run with exit 130, the report written and the exact
    command that resumes it, which does."""
    cast, out = _write_cast(tmp_path / "cast.csv"), tmp_path / "sets"
    process = _start(server.url, cast, out, "--no-progress")
    deadline = time.monotonic() + 30
    while not (out / ".charlib-batch.sqlite").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    command = (
        f"charlib --base-url {server.url} batch run {cast} --out {out} --max-active 6 "
        "--poll 0.05 --no-progress"
    )
    assert f"interrupted; resume with: {command}" in stderr
    assert "Traceback" not in stderr
    assert (out / "report.csv").is_file()
    if stop == signal.SIGTERM:
        return  # the resume is the same as after SIGINT
    resumed = _start(server.url, cast, out, "--no-progress")
    _, stderr = resumed.communicate(timeout=RUN_TIMEOUT)
    assert resumed.returncode == 0, stderr
    _check_done(server.url, out)
