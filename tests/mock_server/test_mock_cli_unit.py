"""The command line, in-process: options, clock choice, and a failed start."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from mock_server import StoreUnavailable, create_app, serve
from mock_server.__main__ import _clock, build_parser, main
from mock_server.clock import ManualClock, ScaledClock, SystemClock


def test_defaults_are_loopback_and_real_time() -> None:
    """No options: 127.0.0.1:8000, reference mode, seed 0, real time, default capacity."""
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.mode, args.seed, args.capacity) == (
        "127.0.0.1",
        8000,
        "reference",
        0,
        None,
    )
    assert isinstance(_clock(args), SystemClock)
    assert args.db is None
    assert args.api_key is None
    assert args.access_log is False


def test_clock_choice() -> None:
    """--speed picks a scaled clock, --manual-clock a manual one."""
    fast = _clock(build_parser().parse_args(["--speed", "600"]))
    assert isinstance(fast, ScaledClock)
    assert fast.speed == 600
    assert isinstance(_clock(build_parser().parse_args(["--manual-clock"])), ManualClock)


@pytest.mark.parametrize(
    "argv",
    [["--speed", "0"], ["--capacity", "0"], ["--mode", "live"], ["--port", "x"]],
)
def test_bad_options_exit_with_usage(argv: list[str]) -> None:
    """Invalid options are argparse errors (exit status 2)."""
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(argv)
    assert info.value.code == 2


def test_taken_port_returns_1(capsys: pytest.CaptureFixture[str]) -> None:
    """When the port is taken, main() reports it and returns 1 instead of a traceback."""
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        assert main(["--port", str(port), "--api-key", "hidden-key"]) == 1
    err = capsys.readouterr().err
    assert f"could not listen on 127.0.0.1:{port}" in err
    assert "hidden-key" not in err


def _other_programs_database(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, title TEXT)")


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: None, "cannot open the database"),  # its folder does not exist
        (lambda p: p.write_text("hello, not a database\n" * 100), "not a usable mock database"),
        (_other_programs_database, "jobs table lacks"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], object],
    says: str,
) -> None:
    """A bad --db path or a file that is not the mock's database: one clear line, exit 1."""
    path = (
        tmp_path / "missing-folder" / "mock.sqlite3"
        if says.startswith("cannot")
        else (tmp_path / "mock.sqlite3")
    )
    make(path)
    assert main(["--port", "0", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("charlib-mock: ")
    assert says in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_one_server_per_database_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second server on a file in use refuses to start; once the first closes it, it may."""
    path = str(tmp_path / "mock.sqlite3")
    first = create_app(db_path=path)
    with pytest.raises(StoreUnavailable, match="in use by another mock server"):
        create_app(db_path=path)
    assert main(["--port", "0", "--db", path]) == 1
    assert "in use by another mock server" in capsys.readouterr().err
    with pytest.raises(StoreUnavailable), serve(db_path=path):
        pass  # pragma: no cover - never reached
    first.engine.store.close()
    second = create_app(db_path=path)
    second.engine.store.close()
