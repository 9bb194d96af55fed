"""Loading cassettes: a valid file loads; anything else is a clear error naming file and problem."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mock_server import CassetteError, create_app
from mock_server.__main__ import main
from mock_server.cassettes import load_cassettes
from tests.mock_server.cassette_kit import small, write


def test_a_directory_of_cassettes_loads_by_name(tmp_path: Path) -> None:
    """Every NAME.json of a directory is loaded under NAME; other files are ignored."""
    write(tmp_path, "one", small())
    write(tmp_path, "two.v2", small("failed"))
    (tmp_path / "README.txt").write_text("not a cassette")
    loaded = load_cassettes(tmp_path)
    assert sorted(loaded) == ["one", "two.v2"]
    assert loaded["one"].outcome == "completed"
    assert loaded["one"].start_offset_ms == 5_000
    assert loaded["one"].duration_ms == 95_000


def test_files_and_lists_of_paths(tmp_path: Path) -> None:
    """A single file, or a list mixing files and directories, loads too."""
    a = write(tmp_path / "a", "first", small())
    write(tmp_path / "b", "second", small())
    assert sorted(load_cassettes(a)) == ["first"]
    assert sorted(load_cassettes([a, tmp_path / "b"])) == ["first", "second"]


def _broken(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    cassette = copy.deepcopy(small())
    change(cassette)
    return cassette


def _last(cassette: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = cassette["timeline"][-1]["body"]
    return body


BROKEN: dict[str, tuple[Any, str]] = {
    "not-an-object": ([1, 2], "the document must be a JSON object"),
    "wrong-format": (_broken(lambda c: c.update(format="vcr")), "format must be"),
    "future-version": (_broken(lambda c: c.update(version=2)), "version 2 is not supported"),
    "unknown-key": (_broken(lambda c: c.update(extra=1)), "unknown key 'extra'"),
    "no-timeline": (_broken(lambda c: c.pop("timeline")), "timeline must be a list"),
    "empty-timeline": (_broken(lambda c: c.update(timeline=[])), "timeline must be a list"),
    "no-job-id": (_broken(lambda c: c["job"].pop("jobId")), "job.jobId must be a string"),
    "bad-time": (
        _broken(lambda c: c["timeline"][1].update(serverTime="yesterday")),
        "timeline[1].serverTime must be an ISO-8601 time",
    ),
    "time-goes-back": (
        _broken(lambda c: c["timeline"][2].update(serverTime="2025-01-01T00:00:00Z")),
        "timeline[2].serverTime goes back in time",
    ),
    "unknown-status": (
        _broken(lambda c: c["timeline"][1]["body"].update(status="running")),
        "timeline[1].body.status must be one of",
    ),
    "number-as-text": (
        _broken(lambda c: c["timeline"][1]["body"]["progress"].update(current="1")),
        "timeline[1].body.progress.current must be a number",
    ),
    "not-final": (
        _broken(lambda c: _last(c).update(status="processing")),
        "the last step must be final",
    ),
    "pending-again": (
        _broken(lambda c: c["timeline"][2]["body"].update(status="pending")),
        "timeline[2] is pending again",
    ),
    "completed-early": (
        _broken(lambda c: c["timeline"][1]["body"].update(status="completed")),
        "timeline[1] is completed before the end",
    ),
    "images-not-a-list": (
        _broken(lambda c: _last(c)["results"].update(generatedImages="all")),
        "generatedImages must be a list",
    ),
    "authorization": (
        _broken(lambda c: c["request"].update(headers={"Authorization": "Bearer x"})),
        "request.headers.Authorization looks like a credential",
    ),
    "api-key": (
        _broken(lambda c: c["recorded"].update(api_key="k")),
        "recorded.api_key looks like a credential",
    ),
    "bearer-value": (
        _broken(lambda c: c["recorded"].update(note="Bearer abc")),
        "recorded.note holds a bearer token",
    ),
    "too-deep": (
        _broken(lambda c: c["recorded"].update(deep=json.loads("[" * 40 + "]" * 40))),
        "nested deeper than 32 levels",
    ),
    "infinite": (
        _broken(lambda c: _last(c)["progress"].update(percentage=float("inf"))),
        "is not a finite number",
    ),
    "long-span": (
        _broken(lambda c: c["timeline"][-1].update(serverTime="2026-03-01T00:00:00Z")),
        "spans more than 7 days",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_cassette_names_the_file_and_the_problem(tmp_path: Path, case: str) -> None:
    """Each kind of bad content is refused at load time, by file and reason."""
    content, reason = BROKEN[case]
    path = write(tmp_path, "tape", content)
    with pytest.raises(CassetteError) as caught:
        create_app(cassettes=tmp_path)
    assert str(caught.value).startswith(f"{path}: ")
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"format": ', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_unreadable_bytes(tmp_path: Path, content: bytes, reason: str) -> None:
    """Truncated JSON, bytes that are not UTF-8 and pathological nesting are refused."""
    (tmp_path / "tape.json").write_bytes(content)
    with pytest.raises(CassetteError, match=reason):
        load_cassettes(tmp_path)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A file over 16 MiB is refused by its size (a sparse file: nothing is written)."""
    path = tmp_path / "huge.json"
    with open(path, "wb") as file:
        file.truncate(17 * 1024 * 1024)
    with pytest.raises(CassetteError, match="at most 16 MiB") as caught:
        load_cassettes(path)
    assert str(caught.value) == f"{path}: {17 * 1024 * 1024} bytes; a cassette holds at most 16 MiB"


@pytest.mark.parametrize("name", ["-dash", "with space", "a" * 65, "ünï"])
def test_names_are_plain(tmp_path: Path, name: str) -> None:
    """A file whose stem cannot be a cassette name is an error naming it."""
    write(tmp_path, name, small())
    with pytest.raises(CassetteError, match=r"the file name must be NAME\.json"):
        load_cassettes(tmp_path)


def test_missing_paths_and_duplicate_names(tmp_path: Path) -> None:
    """A path that does not exist, and two files with one name, are errors."""
    with pytest.raises(CassetteError, match="no such cassette file or directory"):
        load_cassettes(tmp_path / "nowhere")
    a = write(tmp_path / "a", "same", small())
    b = write(tmp_path / "b", "same", small())
    with pytest.raises(CassetteError, match="another cassette is called same"):
        load_cassettes([a, b])


def test_a_final_state_repeated_keeps_the_first(tmp_path: Path) -> None:
    """Bodies after the first final one are dropped (a final state never changes)."""
    cassette = small()
    extra = copy.deepcopy(cassette["timeline"][-1])
    extra["serverTime"] = "2026-01-01T00:10:00.000Z"
    extra["body"]["message"] = "later"
    cassette["timeline"].append(extra)
    loaded = load_cassettes(write(tmp_path, "tape", cassette))["tape"]
    assert len(loaded.steps) == 4
    assert loaded.duration_ms == 95_000


def test_one_cancel_that_did_not_hold_is_kept(tmp_path: Path) -> None:
    """A recorded D1 window (cancelled, then processing again) loads; two do not."""
    cassette = small()
    window = copy.deepcopy(cassette["timeline"][1])
    window["body"]["status"] = "cancelled"
    window["serverTime"] = "2026-01-01T00:00:20.000Z"
    cassette["timeline"].insert(2, window)
    loaded = load_cassettes(write(tmp_path, "tape", cassette))["tape"]
    assert loaded.cancel_window == (20_000, 50_000)
    again, resumed = copy.deepcopy(window), copy.deepcopy(cassette["timeline"][3])
    again["serverTime"] = "2026-01-01T00:01:00.000Z"
    resumed["serverTime"] = "2026-01-01T00:01:10.000Z"
    cassette["timeline"][4:4] = [again, resumed]
    write(tmp_path, "tape", cassette)
    with pytest.raises(CassetteError, match="more than one cancel"):
        load_cassettes(tmp_path)


def test_the_command_refuses_a_bad_cassette(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m mock_server --cassettes DIR`` with a bad file: one line, exit 1."""
    write(tmp_path, "tape", {"format": "vcr"})
    assert main(["--port", "0", "--cassettes", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("charlib-mock: ")
    assert "tape.json" in err
    assert err.count("\n") == 1


def test_the_command_refuses_an_unknown_default_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--scenario cassette:NAME`` naming no loaded cassette is a usage error (exit 2)."""
    write(tmp_path, "tape", small())
    assert main(["--port", "0", "--cassettes", str(tmp_path), "--scenario", "cassette:x"]) == 2
    assert "no cassette called 'x' is loaded" in capsys.readouterr().err


def test_an_unreadable_file(tmp_path: Path) -> None:
    """A file that cannot be opened is an error naming it (not a traceback)."""
    path = write(tmp_path, "tape", small())
    os.chmod(path, 0)
    try:
        if os.access(path, os.R_OK):  # root reads anything: nothing to test
            pytest.skip("running as a user who can read any file")
        with pytest.raises(CassetteError, match="cannot be read"):
            load_cassettes(path)
    finally:
        os.chmod(path, 0o600)


def test_states_within_one_second_are_spread_over_it(tmp_path: Path) -> None:
    """Steps sharing a ``Date`` second are spread evenly over it, so each can be seen."""
    cassette = small()
    for step in cassette["timeline"][1:3]:
        step["serverTime"] = "2026-01-01T00:00:05.000Z"
    loaded = load_cassettes(write(tmp_path, "tape", cassette))["tape"]
    assert [step.offset_ms for step in loaded.steps] == [0, 5_000, 5_500, 95_000]


def test_a_cancel_that_lasts_until_the_end(tmp_path: Path) -> None:
    """Cancelled, then completed (the cancel came during the last shot: D1) is one window."""
    cassette = small()
    cassette["timeline"][2]["body"]["status"] = "cancelled"
    loaded = load_cassettes(write(tmp_path, "tape", cassette))["tape"]
    assert loaded.cancel_window == (50_000, 95_000)
    assert loaded.outcome == "completed"
