"""``charlib demo``: the whole lifecycle against the embedded mock."""

from __future__ import annotations

import json
import re

from tests.cli.conftest import Run

FAST = ("--speed", "3000")
ROW = re.compile(r"^\s*\d+\s+\S.*\s(ok|FAILED.*)$")


def test_demo_completes_with_a_27_row_table(run: Run) -> None:
    """The default demo exits 0, prints one row per shot of the 27 and says completed."""
    result = run("demo", *FAST)
    assert result.code == 0, result.err
    rows = [line for line in result.out.splitlines() if ROW.match(line)]
    assert len(rows) == 27
    assert rows[0].split()[0] == "1"
    assert rows[-1].split()[0] == "27"
    assert "completed" in result.out.splitlines()[-2]
    assert "Traceback" not in result.err


def test_demo_progress_moves_shot_by_shot(run: Run) -> None:
    """Without a terminal, progress is one line per change on stderr, ending at 100%."""
    result = run("demo", "--speed", "300", "--image-count", "8")
    assert result.code == 0
    lines = [line for line in result.err.splitlines() if line.startswith("[")]
    assert len(set(lines)) >= 3
    assert lines[-1].startswith("[100%] 8/8 completed")
    assert all(line not in result.out for line in lines)


def test_demo_json_is_one_document(run: Run) -> None:
    """``--json`` prints one parseable document (camelCase) and nothing else on stdout."""
    result = run("demo", *FAST, "--image-count", "5", "--json")
    assert result.code == 0
    document = json.loads(result.out)
    assert document["job"]["status"] == "completed"
    assert len(document["job"]["results"]["generatedImages"]) == 5
    assert document["character"]["id"] == document["job"]["characterId"]
    assert "[" not in result.err  # no progress lines when stderr is not a terminal


def test_demo_partial_shows_failures_and_completes(run: Run) -> None:
    """With failing shots the table shows them (error, attempts) and the job still completes."""
    result = run("demo", *FAST, "--scenario", "partial")
    assert result.code == 0
    failed = [line for line in result.out.splitlines() if "FAILED after" in line]
    assert failed
    assert "completed (partial)" in result.out
    rows = [line for line in result.out.splitlines() if ROW.match(line)]
    assert len(rows) == 27


def test_demo_fail_exits_1(run: Run) -> None:
    """When every shot fails the job fails: the table shows why and the exit code is 1."""
    result = run("demo", *FAST, "--scenario", "fail", "--image-count", "3")
    assert result.code == 1
    assert "failed: No images were successfully generated" in result.out


def test_demo_no_progress(run: Run) -> None:
    """``--no-progress`` keeps stderr free of progress lines."""
    result = run("demo", *FAST, "--image-count", "2", "--no-progress")
    assert result.code == 0
    assert "%]" not in result.err
