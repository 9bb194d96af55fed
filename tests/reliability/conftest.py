"""Reliability fixtures: mock server subprocesses on a chosen port, a hostile server with clients
of each flavor, and SDK-side helpers.

Every server binds 127.0.0.1; every wait here is bounded. Subprocess output is captured in full
(the security tests read it) and every process started is killed at the end of its test.
"""

from __future__ import annotations

import concurrent.futures
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

import charlib
from tests.reliability.hostile_server import Clients, HostileServer, running

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for a server that must keep it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MockProcess:
    """One ``python -m mock_server`` subprocess and everything it wrote."""

    args: list[str]
    env: dict[str, str]
    process: subprocess.Popen[str] | None = None
    url: str = ""
    banner: str = ""
    output: list[str] = field(default_factory=list)  # stdout + stderr of finished runs
    returncode: int | None = None

    def start(self) -> str:
        """Start the server and wait for its banner; returns its URL."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mock_server", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        stdout = self.process.stdout
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            try:
                line = pool.submit(stdout.readline).result(timeout=STARTUP_TIMEOUT)
            except concurrent.futures.TimeoutError:
                self.kill()
                raise AssertionError(f"mock server did not start: {self.output}") from None
        if "listening on http://127.0.0.1:" not in line:
            self.kill()
            raise AssertionError(f"unexpected banner {line!r}; output: {self.output}")
        self.banner = line
        self.url = line.split("listening on ", 1)[1].split()[0]
        return self.url

    def kill(self, sig: int | None = None) -> None:
        """Stop the process (SIGKILL unless ``sig`` is given) and keep what it wrote."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            if sig is None:
                process.kill()
            else:
                process.send_signal(sig)
        try:
            out, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate(timeout=10)
        self.output.append(self.banner + (out or "") + (err or ""))
        self.returncode = process.returncode
        self.process = None


@pytest.fixture
def mock_process() -> Iterator[list[MockProcess]]:
    """Register :class:`MockProcess` objects here: all are killed when the test ends."""
    started: list[MockProcess] = []
    yield started
    for server in started:
        server.kill()


@pytest.fixture
def spawn(mock_process: list[MockProcess]) -> Callable[..., MockProcess]:
    """``spawn(*cli_args, env=None)``: a started :class:`MockProcess` (killed at teardown)."""

    def factory(*args: str, env: dict[str, str] | None = None) -> MockProcess:
        server = MockProcess(list(args), {**os.environ, **(env or {})})
        mock_process.append(server)
        server.start()
        return server

    return factory


def wait_healthy(url: str, budget: float = STARTUP_TIMEOUT) -> None:
    """Poll ``/api/health`` until it answers 200 (bounded)."""
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} not healthy within {budget} s")


def ready_character(client: charlib.Client, name: str) -> str:
    """A character with a master reference (so it can start 360 jobs); its id."""
    character = client.characters.create(name=name)
    client.characters.generate_initial_image(character.id, prompt=f"portrait of {name}")
    return character.id


async def aready_character(client: charlib.AsyncClient, name: str) -> str:
    """:func:`ready_character` for the async client."""
    character = await client.characters.create(name=name)
    await client.characters.generate_initial_image(character.id, prompt=f"portrait of {name}")
    return character.id


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    """A started hostile server (stopped at the end of the test)."""
    with running() as server:
        yield server


@pytest.fixture(params=["sync", "async"])
async def make(request: pytest.FixtureRequest, hostile: HostileServer) -> AsyncIterator[Clients]:
    """Factory: clients of the parametrized flavor for the hostile server (closed at the end)."""
    clients = Clients(hostile.url, request.param)
    yield clients
    await clients.close()
