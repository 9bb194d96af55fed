"""``charlib record``: a job to a cassette, against real mock servers on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mock_server import RunningServer, create_app
from tests.cli.conftest import Run


def test_record_a_job_by_id(api: Run, character_id: str, tmp_path: Path) -> None:
    """A job started elsewhere is followed to its end and written; the mock accepts the file."""
    started = api("generate-360", character_id, "--image-count", "2", "--json")
    job_id = json.loads(started.out)["jobId"]
    out = tmp_path / "ada.json"
    result = api("record", job_id, "--out", str(out), "--no-progress")
    assert result.code == 0, result.err
    assert result.out.startswith("recorded ")
    assert f"job {job_id} (completed) to {out}" in result.out
    assert "cassette:ada" in result.err
    cassette = json.loads(out.read_text(encoding="utf-8"))
    assert cassette["job"]["jobId"] == job_id
    assert cassette["request"] is None
    assert "ada" in create_app(cassettes=out).engine.replays


def test_record_start_json(api: Run, character_id: str, tmp_path: Path) -> None:
    """``--start`` starts the job with the generation options and keeps the request."""
    out = tmp_path / "one.json"
    result = api(
        "record", "--start", character_id, "--image-count", "1", "--custom-seed", "0",
        "--out", str(out), "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["status"] == "completed"
    assert document["path"] == str(out)
    assert document["states"] >= 1
    cassette = json.loads(out.read_text(encoding="utf-8"))
    assert cassette["request"]["body"] == {"imageCount": 1, "customSeed": 0}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "give a JOB_ID to record, or --start CHARACTER_ID"),
        (("JOB", "--start", "CHAR"), "not both"),
        (("JOB", "--image-count", "2"), "generation options go with --start"),
    ],
)
def test_usage_errors(run: Run, tmp_path: Path, argv: tuple[str, ...], message: str) -> None:
    """Contradictory or missing arguments: exit 2 with one line, before any request."""
    result = run(
        "--base-url", "http://127.0.0.1:9", "record", *argv, "--out", str(tmp_path / "x.json")
    )
    assert result.code == 2
    assert message in result.err


def test_an_existing_file_or_a_wrong_name_is_refused(run: Run, tmp_path: Path) -> None:
    """The cassette is not overwritten without --force, and must be NAME.json."""
    existing = tmp_path / "kept.json"
    existing.write_text("{}")
    result = run("--base-url", "http://127.0.0.1:9", "record", "JOB", "--out", str(existing))
    assert result.code == 2
    assert "exists (--force replaces it)" in result.err
    assert existing.read_text() == "{}"
    result = run("--base-url", "http://127.0.0.1:9", "record", "JOB", "--out", str(tmp_path / "x"))
    assert result.code == 2
    assert "NAME.json" in result.err


def test_unknown_job_and_dead_server(api: Run, run: Run, tmp_path: Path) -> None:
    """An unknown job is exit 4 at once; so is a server that is not there."""
    out = tmp_path / "x.json"
    assert api("record", "00000000-0000-4000-8000-000000000000", "--out", str(out)).code == 4
    assert run("--base-url", "http://127.0.0.1:9", "record", "J", "--out", str(out)).code == 4
    assert not out.exists()


def test_a_timeout_writes_nothing(slow_api: Run, slow_job: str, tmp_path: Path) -> None:
    """At the deadline: exit 3, and no half cassette."""
    out = tmp_path / "late.json"
    result = slow_api("record", slow_job, "--out", str(out), "--timeout", "0.5", "--no-progress")
    assert result.code == 3
    assert not out.exists()


def test_the_server_is_not_written_with_its_key(
    server: RunningServer, run: Run, character_id: str, tmp_path: Path
) -> None:
    """--api-key never reaches the file."""
    out = tmp_path / "k.json"
    result = run(
        "--base-url", server.url, "--api-key", "sk-cli-secret-42",
        "record", "--start", character_id, "--image-count", "1", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "sk-cli-secret-42" not in out.read_text(encoding="utf-8")
