"""``charlib jobs download`` and ``generate-360 --wait --out`` against a real mock server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import charlib
from mock_server import RunningServer
from tests.cli.conftest import Run, failed_job


def _finished(api: Run, character_id: str, count: int = 4) -> str:
    result = api("generate-360", character_id, "--image-count", str(count), "--wait", "--json")
    assert result.code == 0, result.err
    job_id: str = json.loads(result.out)["jobId"]
    return job_id


def test_generate_wait_out_saves_the_set(api: Run, character_id: str, tmp_path: Path) -> None:
    """The set is saved after the wait: a line per image on stderr, the summary on stdout."""
    result = api(
        "generate-360", character_id, "--image-count", "3", "--wait", "--out", str(tmp_path)
    )
    assert result.code == 0, result.err
    assert f"3 downloaded, 0 already there, 0 failed (3 of 3 images in {tmp_path})" in result.out
    assert f"contact sheet: {tmp_path / 'index.html'}" in result.out
    assert result.err.count(" done] saved ") == 3
    assert sorted(p.name for p in tmp_path.glob("*.png"))[0] == "01_enhanced_35a_front_full_v2.png"


def test_out_without_wait_is_a_usage_error(api: Run, character_id: str, tmp_path: Path) -> None:
    """--out needs --wait (exit 2), and nothing is started."""
    result = api("generate-360", character_id, "--out", str(tmp_path))
    assert result.code == 2
    assert "--wait" in result.err


def test_jobs_download_json_then_a_rerun_keeps_everything(
    api: Run, character_id: str, tmp_path: Path, server: RunningServer
) -> None:
    """--json prints the report; a second run keeps every file and fetches none (exit 0)."""
    job_id = _finished(api, character_id)
    first = api("jobs", "download", job_id, "--out", str(tmp_path), "--json")
    assert first.code == 0, first.err
    report = json.loads(first.out)
    assert report["jobId"] == job_id
    assert [item["position"] for item in report["downloaded"]] == [1, 2, 3, 4]
    assert report["failed"] == []
    assert report["manifest"] == str(tmp_path / "manifest.json")
    since = len(server.mock.requests())
    again = api("jobs", "download", job_id, "--out", str(tmp_path), "--concurrency", "2")
    assert again.code == 0, again.err
    # A run that found everything saved says so, not that it saved the images again.
    assert f"0 downloaded, 4 already there, 0 failed (4 of 4 images in {tmp_path})" in again.out
    assert "saved" not in again.out
    assert not [e for e in server.mock.requests()[since:] if e["path"].startswith("/media/")]
    forced = api("jobs", "download", job_id, "--out", str(tmp_path), "--overwrite", "--json")
    assert len(json.loads(forced.out)["downloaded"]) == 4


def test_a_resumed_download_counts_what_it_fetched_and_what_was_there(
    api: Run, character_id: str, tmp_path: Path
) -> None:
    """Two files lost since the first run: the summary says 2 downloaded and 2 already there,
    exit 0, and the JSON report lists the same split."""
    job_id = _finished(api, character_id)
    assert api("jobs", "download", job_id, "--out", str(tmp_path)).code == 0
    for lost in sorted(tmp_path.glob("*.png"))[:2]:
        lost.unlink()
    again = api("jobs", "download", job_id, "--out", str(tmp_path), "--no-progress")
    assert again.code == 0, again.err
    assert f"2 downloaded, 2 already there, 0 failed (4 of 4 images in {tmp_path})" in again.out
    report = json.loads(api("jobs", "download", job_id, "--out", str(tmp_path), "--json").out)
    assert (len(report["downloaded"]), len(report["skipped"])) == (0, 4)


def test_failed_images_exit_1_and_are_named(
    api: Run, character_id: str, tmp_path: Path, server: RunningServer
) -> None:
    """Files that cannot be saved: one error line each, exit 1; the same command later completes."""
    job_id = _finished(api, character_id, count=2)
    server.mock.set_faults(kinds=["expired"], path_prefix="/media/")
    try:
        result = api("jobs", "download", job_id, "--out", str(tmp_path))
    finally:
        server.mock.clear_faults()
    assert result.code == 1
    assert f"0 downloaded, 0 already there, 2 failed (0 of 2 images in {tmp_path})" in result.out
    assert result.err.count("error: 0") == 2
    assert "HTTP 403" in result.err
    again = api("jobs", "download", job_id, "--out", str(tmp_path))
    assert again.code == 0
    assert "2 downloaded, 0 already there, 0 failed (2 of 2 images" in again.out


def test_a_running_job_is_a_usage_error_naming_its_state(
    slow_api: Run, slow_job: str, tmp_path: Path
) -> None:
    """Exit 2 with the job's state; nothing is written."""
    running = slow_api("jobs", "download", slow_job, "--out", str(tmp_path / "a"))
    assert running.code == 2, running.err
    assert "only a finished job can be downloaded" in running.err
    assert not (tmp_path / "a").exists()


def test_unknown_job_and_unwritable_dest(api: Run, character_id: str, tmp_path: Path) -> None:
    """An unknown job exits 4; a destination that cannot be written exits 1, one line each."""
    unknown = api(
        "jobs", "download", "00000000-0000-4000-8000-000000000000", "--out", str(tmp_path)
    )
    assert unknown.code == 4
    assert unknown.err.startswith("error: ")
    job_id = _finished(api, character_id, count=1)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    blocked = api("jobs", "download", job_id, "--out", str(blocker / "sub"))
    assert blocked.code == 1
    assert blocked.err.startswith("error: cannot save into")
    assert "Traceback" not in blocked.err


def test_ctrl_c_says_how_to_resume(
    api: Run, character_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interrupted: exit 130 and the command that fetches what is missing."""
    job_id = _finished(api, character_id, count=1)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(charlib.Jobs, "download", interrupted)
    result = api("jobs", "download", job_id, "--out", str(tmp_path))
    assert result.code == 130
    assert f"resume with: charlib jobs download {job_id} --out {tmp_path}" in result.err


def test_download_of_a_cancelled_job_says_it_has_no_images(
    slow_api: Run, slow_job: str, tmp_path: Path
) -> None:
    """A cancelled job has no images: one error line says so and why, exit 1 (as for a cancelled
    wait), stdout stays empty and nothing is written (no empty contact sheet)."""
    assert slow_api("jobs", "cancel", slow_job).code == 0
    out = tmp_path / "set"
    for extra in ((), ("--json",)):
        result = slow_api("jobs", "download", slow_job, "--out", str(out), *extra)
        assert result.code == 1
        assert result.out == ""
        assert f"error: job {slow_job} was cancelled" in result.err
        assert "it has no images to save (nothing written" in result.err
        assert not out.exists()


def test_download_of_a_failed_job_says_why(
    slow_server: RunningServer, slow_api: Run, tmp_path: Path
) -> None:
    """A job that failed without images: the error line gives the job's reason, exit 1."""
    job_id = failed_job(slow_server)
    with charlib.Client(base_url=slow_server.url) as client:
        reason = client.jobs.get(job_id).error
    result = slow_api("jobs", "download", job_id, "--out", str(tmp_path / "set"))
    assert result.code == 1
    assert f"error: job {job_id} failed ({reason}): it has no images to save" in result.err
    assert not (tmp_path / "set").exists()
