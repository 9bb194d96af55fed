"""The batch commands' front door: a bad cast refused before anything is sent, the status table
and its JSON, a directory that holds no batch."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

import charlib
from charlib.cli import main
from mock_server import RunningServer, serve


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with serve(speed=2000, scenario="success") as running:
        yield running


def test_a_bad_cast_is_refused_with_its_line_and_nothing_is_sent(
    server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2, the line and field named; the server has no character afterwards."""
    cast = tmp_path / "cast.csv"
    cast.write_text("name,image_count\nAda,2\nBob,lots\n")
    code = main(["--base-url", server.url, "batch", "run", str(cast), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "error: cast.csv, line 3: image_count: must be an integer" in capsys.readouterr().err
    with charlib.Client(base_url=server.url) as client:
        assert client.characters.list().total_docs == 0
    assert not (tmp_path / "o").exists()


def test_run_then_status_as_a_table_and_as_json(
    server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run exits 0 with a summary; status prints one line per character, or JSON."""
    cast = tmp_path / "cast.jsonl"
    cast.write_text('{"name": "Ada", "prompt": "p", "image_count": 1}\n{"name": "Bob"}\n')
    out = str(tmp_path / "sets")
    code = main(["--base-url", server.url, "batch", "run", str(cast), "--out", out])
    captured = capsys.readouterr()
    assert code == 1  # Bob has no prompt and no reference
    assert "2 characters: 1 complete, 1 no-reference" in captured.out
    assert "bob: no-reference: no master reference" in captured.err
    assert "shots] " in captured.err  # progress lines for a log, stderr not being a terminal
    assert main(["batch", "status", out]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["LINE", "CHARACTER", "STATE"]
    assert table[1].split()[:3] == ["1", "ada", "complete"]
    assert table[2].split()[:3] == ["2", "bob", "no-reference"]
    assert main(["batch", "status", out, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False
    assert [c["outcome"] for c in document["characters"]] == ["complete", "no-reference"]
    assert len(document["jobs"]) == 1


def test_status_of_a_directory_without_a_batch_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2 naming the missing ledger."""
    assert main(["batch", "status", str(tmp_path)]) == 2
    assert ".charlib-batch.sqlite not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--max-active", "8", "--retry-failed", "0", "--require-all", "--poll", "0.5"],
        ["--retry-failed", "3", "--job-timeout", "90", "--no-progress", "--json"],
    ],
)
def test_the_resume_command_gives_back_every_option_not_left_at_its_default(
    options: list[str],
) -> None:
    """The command printed on Ctrl-C is the one typed, defaults said again left out."""
    from charlib._cli.batch import resume_command
    from charlib._cli.parser import parse

    typed = ["--base-url", "http://127.0.0.1:9", "batch", "run", "cast.csv", "--out", "sets"]
    words = ["charlib", *typed, *options]
    assert shlex.split(resume_command(parse([*typed, *options]))) == words
    defaults = ["--max-active", "4", "--retry-failed", "1"]
    assert shlex.split(resume_command(parse([*typed, *defaults, *options]))) == words
