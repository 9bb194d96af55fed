"""The command line, in-process: options, clock choice, and a failed start."""

from __future__ import annotations

import socket

import pytest

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
