"""The ``charlib`` command."""

from __future__ import annotations

import pytest

import charlib
from charlib.cli import main


def test_demo_says_coming_soon(capsys: pytest.CaptureFixture[str]) -> None:
    """``charlib demo`` explains that the demo lands with the mock server, and exits 0."""
    assert main(["demo"]) == 0
    assert "coming soon" in capsys.readouterr().out


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command the help is shown."""
    assert main([]) == 0
    assert "demo" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """``--version`` prints the package version."""
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert charlib.__version__ in capsys.readouterr().out
