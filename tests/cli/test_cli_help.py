"""``--help`` on every command, ``--version``, and the bare command."""

from __future__ import annotations

import socket

import pytest

import charlib
from charlib.cli import main
from tests.cli.conftest import Run

COMMANDS = [
    [],
    ["demo"],
    ["generate-360"],
    ["jobs"],
    ["jobs", "list"],
    ["jobs", "status"],
    ["jobs", "wait"],
    ["jobs", "cancel"],
    ["characters"],
    ["characters", "list"],
    ["characters", "create"],
    ["characters", "initial-image"],
    ["mock"],
    ["mock", "serve"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "charlib")
def test_help_exits_0_with_examples(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Every command and subcommand has ``--help``, with usage and examples, and exits 0."""
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: charlib" + "".join(f" {word}" for word in command))
    assert "examples:" in out


@pytest.mark.parametrize("command", [[], ["jobs", "wait"], ["generate-360"], ["demo"]])
def test_help_documents_exit_codes(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """The help of the top level and of the waiting commands lists the exit codes."""
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    out = capsys.readouterr().out
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "130"):
        assert f"\n  {code}" in out


def test_mock_serve_help_has_the_mock_server_options(capsys: pytest.CaptureFixture[str]) -> None:
    """``charlib mock serve --help`` lists the options of ``python -m mock_server``."""
    from mock_server.__main__ import build_parser

    with pytest.raises(SystemExit) as info:
        main(["mock", "serve", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for action in build_parser()._actions:
        for option in action.option_strings:
            assert option in out


def test_mock_serve_port_gives_its_default_and_a_taken_port_suggests_port_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--port``'s help gives its default (8000); a taken port exits 1 with one error line and
    the way out (another --port, or --port 0), no traceback."""
    with pytest.raises(SystemExit):
        main(["mock", "serve", "--help"])
    assert "default 8000" in " ".join(capsys.readouterr().out.split())
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        assert main(["mock", "serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"could not listen on 127.0.0.1:{port}" in err
    assert "or --port 0 (any free one)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("group", [[], ["jobs"], ["characters"], ["mock"]])
def test_a_group_without_a_command_prints_its_help(group: list[str], run: Run) -> None:
    """``charlib``, ``charlib jobs``... without a command print their help and exit 0."""
    result = run(*group)
    assert result.code == 0
    assert result.out.startswith("usage: charlib")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """``--version`` prints the package version."""
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"charlib {charlib.__version__}"
