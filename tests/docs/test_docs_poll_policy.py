"""The PollPolicy table in docs/waiting.md states the real defaults."""

from __future__ import annotations

import dataclasses
import re
from fractions import Fraction
from pathlib import Path

import charlib

PAGE = Path(__file__).resolve().parents[2] / "docs" / "waiting.md"
ROW = re.compile(r"^\| `(\w+)` \| ([^|]+) \|", re.MULTILINE)


def _value(text: str) -> float | None:
    text = text.strip().removesuffix(" s")
    if text == "`None`":
        return None
    return float(Fraction(text))


def test_every_policy_field_is_documented_with_its_default() -> None:
    """Each PollPolicy field has a row whose default matches the code."""
    rows = {name: _value(default) for name, default in ROW.findall(PAGE.read_text("utf-8"))}
    defaults = {f.name: f.default for f in dataclasses.fields(charlib.PollPolicy)}
    assert set(defaults) <= set(rows), sorted(set(defaults) - set(rows))
    for name, default in defaults.items():
        if default is None:
            assert rows[name] is None, name
        else:
            assert rows[name] is not None
            assert abs(rows[name] - float(default)) < 1e-9, name  # type: ignore[arg-type]
