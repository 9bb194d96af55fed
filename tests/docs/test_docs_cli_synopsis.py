"""docs/cli.md's synopsis lines (``charlib CMD ARG [--opt]`` in its bash blocks: placeholders,
not examples with values) show ``--json`` for every command whose ``--help`` offers it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from charlib.cli import main

CLI_PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _is_synopsis(line: str) -> bool:
    """A line of placeholders and options (``JOB_ID``, ``[--poll S]``), not an example: no
    comment, quote, variable or number."""
    if not line.startswith("charlib ") or re.search(r"[#\"'$]|(?<![\w-])\d+(?![\w-])", line):
        return False
    return "[--" in line or re.search(r"\b[A-Z][A-Z_]+\b", line) is not None


def _synopses() -> list[str]:
    """Each synopsis line of the page, continuation lines joined to it."""
    text = CLI_PAGE.read_text(encoding="utf-8")
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith(" ") and lines and lines[-1].startswith("charlib "):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line)
    return [line for line in lines if _is_synopsis(line)]


def _command(synopsis: str) -> list[str]:
    words = []
    for word in synopsis.split()[1:]:
        if not re.fullmatch(r"[a-z][a-z0-9-]*", word):
            break
        words.append(word)
    return words


def test_synopses_are_found() -> None:
    """The page's synopses are extracted (a broken pattern would make the check vacuous)."""
    commands = {" ".join(_command(line)) for line in _synopses()}
    assert {"jobs status", "jobs cancel", "characters create", "record", "batch run"} <= commands


@pytest.mark.parametrize("synopsis", _synopses())
def test_synopsis_shows_json_when_the_command_has_it(
    synopsis: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command whose --help lists --json shows it in its synopsis line."""
    with pytest.raises(SystemExit):
        main([*_command(synopsis), "--help"])
    if "--json" in capsys.readouterr().out:
        assert "[--json]" in synopsis
