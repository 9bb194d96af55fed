"""Every example in examples/ runs as a user would run it, against the embedded mock server.

Scripts run in a subprocess (``python examples/x.py``) with ``CHARLIB_BASE_URL`` unset, so each
starts its own mock; the test file runs under a fresh pytest; the notebook runs top to bottom in a
real Jupyter kernel on this interpreter. Timeouts are generous upper bounds, not timings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TIMEOUT = 120  # seconds: a hang fails the test instead of the suite


def run_example(*args: str, cwd: Path = EXAMPLES) -> subprocess.CompletedProcess[str]:
    """Run ``python *args`` like a user would: no CHARLIB_* variables, output captured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARLIB_")}
    env["PYTHONUNBUFFERED"] = "1"
    result = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def test_every_example_is_tested() -> None:
    """A new file in examples/ needs a test here."""
    tested = {
        "quickstart_sync.py",
        "quickstart_async.py",
        "many_characters.py",
        "resume_by_id.py",
        "cancel_on_timeout.py",
        "testing_with_fixtures.py",
        "download_sets.py",
        "quickstart.ipynb",
    }
    found = {p.name for p in EXAMPLES.iterdir() if p.suffix in (".py", ".ipynb")}
    assert found == tested


def test_quickstart_sync() -> None:
    """The sync quickstart completes an 8-shot set, lists the images and draws a bar."""
    result = run_example("quickstart_sync.py")
    assert "completed 8/8 (100%)" in result.stdout
    assert result.stdout.count("/media/jobs/") == 8
    assert "360 set: 100%" in result.stderr  # tqdm writes to stderr


def test_quickstart_async() -> None:
    """The async quickstart watches the job step by step up to completion."""
    result = run_example("quickstart_async.py")
    lines = [line.split() for line in result.stdout.splitlines() if line.startswith("  ")]
    assert lines[0][0] in ("pending", "processing")
    assert lines[-1][:2] == ["completed", "100%"]
    assert "8 images, partial=False" in result.stdout


def test_many_characters() -> None:
    """wait_all returns every job in input order, with a summary line that ends at 100%."""
    result = run_example("many_characters.py")
    assert "started 6 jobs" in result.stdout
    assert "6/6 done, 0 running, 100% overall" in result.stdout
    table = result.stdout.split("character ")[1].splitlines()[1:]
    assert [row.split()[0] for row in table] == [
        "Ada",
        "Grace",
        "Alan",
        "Edsger",
        "Barbara",
        "Donald",
    ]
    assert all(row.split()[1] in ("completed", "failed") for row in table)


def test_resume_by_id() -> None:
    """Two child processes resume the jobs (from JSON and from the id) and see them complete."""
    result = run_example("resume_by_id.py")
    assert "this process does not wait" in result.stdout
    assert "resumed " in result.stdout
    assert "waiting for job id " in result.stdout
    assert result.stdout.count(": completed ") == 2
    pids = {line.split("]")[0] for line in result.stdout.splitlines() if line.startswith("[pid")}
    assert len(pids) == 2


def test_cancel_on_timeout() -> None:
    """The wait times out, the job is cancelled on the server, and a later wait says so."""
    result = run_example("cancel_on_timeout.py")
    assert "gave up on " in result.stdout
    assert "on the server: JobStatus(" in result.stdout
    assert ": cancelled " in result.stdout
    assert "wait says: Job " in result.stdout


def test_download_sets(tmp_path: Path) -> None:
    """Three sets saved as each job ends (files, manifest, contact sheet); a re-run fetches none."""
    result = run_example("download_sets.py", str(tmp_path))
    assert "started 3 jobs, reused 0" in result.stdout
    assert result.stdout.count(" 8 saved, 0 kept, 0 failed -> ") == 3
    assert "downloaded again: 24 files already there, 0 fetched" in result.stdout
    for name in ("ada", "grace", "alan"):
        saved = sorted(path.name for path in (tmp_path / name).glob("*.png"))
        assert saved[0] == "01_enhanced_35a_front_full_v2.png"
        assert len(saved) == 8
        manifest = json.loads((tmp_path / name / "manifest.json").read_text(encoding="utf-8"))
        assert [entry["file"] for entry in manifest["images"]] == saved
        assert (tmp_path / name / "index.html").read_text(encoding="utf-8").count("<img ") == 8


def test_download_sets_run_twice_starts_no_new_job(tmp_path: Path) -> None:
    """Run again into the same OUT_DIR (as the docs show), it reuses the three jobs whose sets
    the folders hold: no job started, nothing fetched, exit 0."""
    run_example("download_sets.py", str(tmp_path))
    first = {
        name: json.loads((tmp_path / name / "manifest.json").read_text(encoding="utf-8"))["job_id"]
        for name in ("ada", "grace", "alan")
    }
    again = run_example("download_sets.py", str(tmp_path))
    assert "started 0 jobs, reused 3" in again.stdout
    assert again.stdout.count(" 0 saved, 8 kept, 0 failed -> ") == 3
    for name, job_id in first.items():
        manifest = json.loads((tmp_path / name / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["job_id"] == job_id


def test_download_sets_refuses_a_folder_of_an_unknown_job(tmp_path: Path) -> None:
    """A folder holding a job this service does not know stops the run before any job starts,
    with one line naming the folder (no traceback, exit 1)."""
    (tmp_path / "grace").mkdir()
    (tmp_path / "grace" / "manifest.json").write_text(
        json.dumps({"job_id": "00000000-0000-4000-8000-000000000000"}), encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARLIB_")}
    result = subprocess.run(
        [sys.executable, "download_sets.py", str(tmp_path)],
        cwd=EXAMPLES,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 1
    assert "grace holds the set of job 00000000-0000-4000-8000-000000000000" in result.stderr
    assert "nothing was started" in result.stderr
    assert "Traceback" not in result.stderr
    assert "started" not in result.stdout
    assert not (tmp_path / "ada").exists()


def test_testing_with_fixtures_runs_as_a_copied_test_file(tmp_path: Path) -> None:
    """The example test file passes when copied into a project of its own, warnings as errors."""
    (tmp_path / "test_app.py").write_text(
        (EXAMPLES / "testing_with_fixtures.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\naddopts = --strict-markers\nfilterwarnings = error\n"
        "asyncio_default_fixture_loop_scope = function\n",
        encoding="utf-8",
    )
    result = run_example("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path)
    assert "8 passed" in result.stdout


def _kernel_spec(tmp_path: Path) -> str:
    """A kernel spec for this very interpreter, so the notebook imports this checkout's charlib."""
    name = "charlib-examples"
    spec_dir = tmp_path / "jupyter" / "kernels" / name
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "charlib examples",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return name


def test_notebook_runs_top_to_bottom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """quickstart.ipynb runs in a real kernel without errors and shows the thumbnails table."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    for name in [k for k in os.environ if k.startswith("CHARLIB_")]:
        monkeypatch.delenv(name)
    # Resolve the kernel from a private spec (not whatever "python3" means on this machine),
    # and keep Jupyter's config and runtime files inside the test's own directory.
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    kernel = _kernel_spec(tmp_path)

    notebook = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name=kernel,
        timeout=TIMEOUT,
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    html = "".join(
        out.get("data", {}).get("text/html", "")
        for out in outputs
        if out.output_type in ("execute_result", "display_data")
    )
    assert html.count("<img ") >= 8
    assert "/media/jobs/" in html
    assert "completed" in html
