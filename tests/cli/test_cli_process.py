"""The installed ``charlib`` console script, run as a separate process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from charlib import Client
from charlib.cli import main
from mock_server import RunningServer

SCRIPT = Path(sys.executable).with_name("charlib")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARLIB_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _charlib(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
        check=False,
    )


def test_console_script_is_installed() -> None:
    """``pip install -e .`` put a ``charlib`` script next to the interpreter."""
    assert SCRIPT.exists()


def test_help() -> None:
    """``charlib --help`` exits 0 and lists the commands."""
    result = _charlib("--help")
    assert result.returncode == 0
    for command in ("demo", "generate-360", "jobs", "characters", "mock"):
        assert command in result.stdout


def test_demo_json_in_a_process() -> None:
    """``charlib demo --json`` runs the whole set and prints one JSON document, exit 0."""
    result = _charlib("demo", "--json", "--speed", "3000")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["job"]["status"] == "completed"
    assert len(document["job"]["results"]["generatedImages"]) == 27


@pytest.fixture
def mock_process() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``charlib mock serve --port 0 --speed 600`` running; yields it and its URL."""
    process = subprocess.Popen(
        [str(SCRIPT), "mock", "serve", "--port", "0", "--speed", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in banner, process.stderr and process.stderr.read()
        url = banner.split("listening on ")[1].split()[0]
        yield process, url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_mock_serve_then_commands(
    mock_process: tuple[subprocess.Popen[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """``charlib mock serve`` serves until Ctrl-C (exit 0); the other commands work against it."""
    process, url = mock_process
    assert main(["--base-url", url, "characters", "create", "Ada", "--prompt", "p", "--json"]) == 0
    character_id = json.loads(capsys.readouterr().out)["id"]
    assert main(["--base-url", url, "generate-360", character_id, "--image-count", "1"]) == 0
    capsys.readouterr()
    assert main(["--base-url", url, "jobs", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["jobs"][0]["characterId"] == character_id
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0


def test_ctrl_c_while_waiting_cancels_with_cancel_on_interrupt(slow_server: RunningServer) -> None:
    """A real SIGINT during ``jobs wait --cancel-on-interrupt``: the job is cancelled, exit 130."""
    with Client(base_url=slow_server.url) as client:
        character = client.characters.create(name=f"Signal {uuid.uuid4().hex[:8]}")
        client.characters.generate_initial_image(character.id, prompt="portrait")
        job = client.characters.generate_360_set(character.id)
        argv = ["--base-url", slow_server.url, "jobs", "wait", job.id, "--cancel-on-interrupt"]
        process = subprocess.Popen(
            [str(SCRIPT), *argv, "--poll", "0.1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        try:
            assert process.stderr is not None
            first = process.stderr.readline()  # the first progress line: it is waiting now
            assert first.startswith("[")
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:  # a failed assertion must not leave it (or its pipes)
                process.kill()
                process.communicate()
        assert process.returncode == 130, err
        assert f"cancel requested for job {job.id}" in err
        assert client.jobs.get(job.id).status.value == "cancelled"


def test_job_id_from_generate_360_feeds_the_next_command(
    server: RunningServer, character_id: str
) -> None:
    """``JOB=$(charlib generate-360 ID)`` then ``charlib jobs status "$JOB"`` works in a shell:
    stdout holds the id alone, the line for people goes to stderr."""
    script = (
        'JOB=$("$CHARLIB" --base-url "$URL" generate-360 "$CHARACTER" --image-count 1) '
        '&& "$CHARLIB" --base-url "$URL" jobs status "$JOB" --json && echo "job=$JOB"'
    )
    env = {**_env(), "CHARLIB": str(SCRIPT), "URL": server.url, "CHARACTER": character_id}
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    job_id = result.stdout.splitlines()[-1].removeprefix("job=")
    assert "started job " + job_id in result.stderr
    assert json.loads("".join(result.stdout.splitlines()[:-1]))["jobId"] == job_id
