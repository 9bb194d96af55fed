"""Fixtures for the ``charlib`` command's tests: real mock servers on loopback, and a runner."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

import charlib
from charlib.cli import main
from mock_server import RunningServer, ScaledClock, serve

#: Fast enough that a 27-shot set (~20 server minutes) takes well under a second here.
FAST = 3000.0


@dataclass
class Result:
    """What one run of the command produced."""

    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def _no_service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never talk to a service named by the environment."""
    monkeypatch.delenv("CHARLIB_BASE_URL", raising=False)
    monkeypatch.delenv("CHARLIB_API_KEY", raising=False)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    """A mock server shared by a module's tests, its clock running FAST."""
    with serve(clock=ScaledClock(FAST), seed=3) as running:
        yield running


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``charlib ARGV...`` in-process; returns the exit code and what it printed."""

    def runner(*argv: str) -> Result:
        capsys.readouterr()  # forget earlier output
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return runner


@pytest.fixture
def api(server: RunningServer, run: Run) -> Run:
    """Like ``run``, against the shared server (``--base-url``)."""

    def runner(*argv: str) -> Result:
        return run("--base-url", server.url, *argv)

    return runner


@pytest.fixture
def character_id(server: RunningServer) -> str:
    """A new character on the shared server, with a master reference image."""
    with charlib.Client(base_url=server.url) as client:
        character = client.characters.create(name=f"Grace Hopper {uuid.uuid4().hex[:8]}")
        client.characters.generate_initial_image(character.id, prompt="portrait of Grace")
        return character.id


def failed_job(server: RunningServer) -> str:
    """A new 1-shot job on ``server`` that fails without images (the "fail" scenario), over."""
    with charlib.Client(base_url=server.url) as client:
        character = client.characters.create(name=f"Fay {uuid.uuid4().hex[:8]}")
        client.characters.generate_initial_image(character.id, prompt="portrait of Fay")
        server.mock.set_scenario("fail")
        try:
            job = client.characters.generate_360_set(character.id, image_count=1)
        finally:
            server.mock.set_scenario(None)
    server.mock.finish(job.id)
    return job.id


@pytest.fixture(scope="module")
def slow_server() -> Iterator[RunningServer]:
    """A mock server whose jobs outlast any test (a shot takes seconds here): for cancel,
    timeout and interrupt tests."""
    with serve(clock=ScaledClock(10.0), seed=5) as running:
        yield running


@pytest.fixture
def slow_api(slow_server: RunningServer, run: Run) -> Run:
    """Like ``run``, against the slow server."""

    def runner(*argv: str) -> Result:
        return run("--base-url", slow_server.url, *argv)

    return runner


@pytest.fixture
def slow_job(slow_server: RunningServer) -> str:
    """A job just started on the slow server (27 shots: minutes of wall time)."""
    with charlib.Client(base_url=slow_server.url) as client:
        name = f"Ada Lovelace {uuid.uuid4().hex[:8]}"
        character = client.characters.create(name=name)
        client.characters.generate_initial_image(character.id, prompt="portrait of Ada")
        return client.characters.generate_360_set(character.id).id
