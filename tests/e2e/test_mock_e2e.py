"""The mock over real sockets: uvicorn in a thread, the CLI in a subprocess, and a node client."""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from mock_server import RunningServer, serve

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _flow(client: httpx.Client) -> tuple[str, str]:
    """Create a character with a master reference and start a job; (character id, poll url)."""
    char_id = client.post("/api/v1/characters", json={"name": "E2E"}).json()["id"]
    client.post(f"/api/v1/characters/{char_id}/generate-initial-image", json={"prompt": "p"})
    started = client.post(f"/api/v1/characters/{char_id}/generate-360-set", json={})
    assert started.status_code == 202
    return char_id, started.json()["pollUrl"]


def _poll_until_final(client: httpx.Client, url: str, budget: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(url).json()
        if body["status"] in ("completed", "failed", "cancelled"):
            return body
        time.sleep(0.02)
    raise AssertionError(f"job not final within {budget} s")


def test_full_flow_over_uvicorn(mock_server: RunningServer) -> None:
    """Create, generate, poll to completed over HTTP; one Date header from the server clock."""
    with httpx.Client(base_url=mock_server.url, timeout=10) as client:
        _, poll = _flow(client)
        final = _poll_until_final(client, poll)
        assert final["status"] == "completed"
        response = client.get(final["results"]["generatedImages"][0]["url"])
        assert response.content.startswith(b"\x89PNG")
        assert len(response.headers.get_list("date")) == 1
        assert "server" not in response.headers


def test_reset_fault_is_a_connection_error(mock_server: RunningServer) -> None:
    """Over a socket, reset drops the connection after the work was done."""
    with httpx.Client(base_url=mock_server.url, timeout=10) as client:
        char_id = client.post("/api/v1/characters", json={"name": "Reset"}).json()["id"]
        client.post(f"/api/v1/characters/{char_id}/generate-initial-image", json={"prompt": "p"})
        mock_server.mock.set_faults(kinds=["reset"], path_prefix="/api/v1/characters")
        with pytest.raises(httpx.TransportError):
            client.post(f"/api/v1/characters/{char_id}/generate-360-set", json={})
        mock_server.mock.clear_faults()
        assert client.get("/api/v1/jobs").json()["pagination"]["totalDocs"] == 1


def test_idempotent_race_over_sockets(mock_server: RunningServer) -> None:
    """Eight threads POST the same key at once: one job."""
    with httpx.Client(base_url=mock_server.url, timeout=10) as client:
        char_id = client.post("/api/v1/characters", json={"name": "Race"}).json()["id"]
        client.post(f"/api/v1/characters/{char_id}/generate-initial-image", json={"prompt": "p"})
    url = f"{mock_server.url}/api/v1/characters/{char_id}/generate-360-set"

    def post(_: int) -> str:
        with httpx.Client(timeout=10) as c:
            r = c.post(url, json={"imageCount": 2}, headers={"Idempotency-Key": "same"})
            return str(r.json()["jobId"])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(post, range(8)))
    assert len(ids) == 1


def test_serve_reports_a_dead_server_thread() -> None:
    """serve() fails fast when uvicorn cannot bind (port taken)."""
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(RuntimeError, match="failed to start"), serve(port=port):
            pass


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    """Run ``python -m mock_server --port 0 ...``; returns the process and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = _readline(process.stdout, 20.0)
    assert "listening on http://127.0.0.1:" in line, line
    url = line.split("listening on ", 1)[1].split()[0]
    return process, url


def _readline(stream: IO[str], timeout: float) -> str:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(stream.readline).result(timeout=timeout)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Subprocesses to kill at the end of a test, whatever happens."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_cli_survives_kill_9(tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    """kill -9 a `python -m mock_server --db` and restart it: the job is still there, going on."""
    db = str(tmp_path / "mock.sqlite3")
    first, url = _start_cli("--db", db, "--speed", "60", "--seed", "5")
    processes.append(first)
    with httpx.Client(base_url=url, timeout=10) as client:
        char_id, poll = _flow(client)
        before = client.get(poll).json()
        assert before["status"] == "processing"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    second, url = _start_cli("--db", db, "--speed", "60", "--seed", "5")
    processes.append(second)
    with httpx.Client(base_url=url, timeout=10) as client:
        after = client.get(poll).json()
        assert after["status"] in ("processing", "completed")
        assert after["startedAt"] == before["startedAt"]
        assert client.get(f"/api/v1/characters/{char_id}").status_code == 200
        client.post("/_mock/clock", json={"advance": 3600})
        assert client.get(poll).json()["status"] in ("completed", "failed")
    second.send_signal(signal.SIGINT)
    assert second.wait(timeout=15) == 0


def test_cli_help_and_ctrl_c(processes: list[subprocess.Popen[str]]) -> None:
    """--help works; Ctrl-C stops the server with exit status 0 and no traceback."""
    shown = subprocess.run(
        [sys.executable, "-m", "mock_server", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "--speed" in shown.stdout
    assert "--api-key" in shown.stdout
    process, url = _start_cli("--api-key", "k-123", "--mode", "upstream")
    processes.append(process)
    with httpx.Client(base_url=url, timeout=10) as client:
        health = client.get("/api/health").json()
        assert health["mode"] == "upstream"
        assert client.get("/api/v1/jobs").status_code == 401
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0
    _, err = process.communicate(timeout=10)
    assert "Traceback" not in err
    assert "k-123" not in err


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_node_fetch_flow(mock_server: RunningServer) -> None:
    """A JavaScript client (fetch under node) runs the whole flow to completion."""
    result = subprocess.run(
        ["node", str(HERE / "flow.mjs"), mock_server.url],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["status"] == "completed"
    assert summary["tasksSeen"] >= 1
