"""The quickstart's "Configure" table lists every option of ``charlib.Client`` and
``charlib.AsyncClient``, and no other."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import charlib

QUICKSTART = Path(__file__).resolve().parents[2] / "docs" / "quickstart.md"


def _table_options() -> list[str]:
    text = QUICKSTART.read_text(encoding="utf-8")
    section = text.split("## Configure", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", section, re.M)


@pytest.mark.parametrize("client", [charlib.Client, charlib.AsyncClient])
def test_configure_table_lists_every_client_option(client: type) -> None:
    """Each keyword of the client's constructor has a row (max_response_bytes included)."""
    assert set(_table_options()) == set(inspect.signature(client).parameters)
