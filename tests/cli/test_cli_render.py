"""The command's pure pieces: tables, durations, outcome lines, ``--field`` parsing."""

from __future__ import annotations

import pytest

from charlib import JobResults, JobStatus
from charlib._cli.commands import parse_field
from charlib._cli.context import UsageError
from charlib._cli.render import duration, outcome_line, results_table, table


def _status(**fields: object) -> JobStatus:
    return JobStatus.model_validate({"jobId": "j", "status": "completed", **fields})


def test_table_pads_and_aligns() -> None:
    """Columns are padded to the widest cell; the named ones align right."""
    text = table(("#", "name"), [(1, "a"), (10, "bcd")], right="0")
    assert text.splitlines() == [" #  name", " 1  a", "10  bcd"]


@pytest.mark.parametrize(
    ("seconds", "text"), [(4.24, "4.2s"), (61, "1m 01s"), (1273, "21m 13s"), (3720, "1h 02m")]
)
def test_duration(seconds: float, text: str) -> None:
    """Durations read as seconds, minutes or hours."""
    assert duration(seconds) == text


def test_results_table_lists_failures_with_attempts_in_order() -> None:
    """Failed shots show their error and attempts; ``order`` sorts rows by generation order."""
    results = {
        "generatedImages": [{"angle": "B", "quality": 81}],
        "failedImages": [{"angle": "A", "error": "Image generation failed", "attempts": 3}],
    }
    text = results_table(JobResults.model_validate(results), order=["A", "B"])
    rows = text.splitlines()[1:]
    assert rows[0].split()[:2] == ["1", "A"]
    assert rows[0].endswith("FAILED after 3 attempts: Image generation failed")
    assert rows[1].split() == ["2", "B", "81", "ok"]


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        ({"results": {"generatedImages": [{}, {}]}}, "completed: 2 images"),
        (
            {"results": {"generatedImages": [{}], "failedImages": [{}]}},
            "completed (partial): 1 image, 1 shot failed",
        ),
        ({"status": "failed", "error": "boom"}, "failed: boom"),
        ({"status": "failed"}, "failed: no reason given"),
        ({"status": "cancelled"}, "cancelled"),
        ({}, "completed"),
    ],
)
def test_outcome_line(fields: dict[str, object], line: str) -> None:
    """The last line names the outcome and, when known, the counts or the reason."""
    assert outcome_line(_status(**fields)) == line


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("eye_color=grey", ("eye_color", "grey")),
        ("motto=a=b", ("motto", "a=b")),
        ("age:=36", ("age", 36)),
        ('tags:=["x"]', ("tags", ["x"])),
        ("note=", ("note", "")),
    ],
)
def test_parse_field(text: str, pair: tuple[str, object]) -> None:
    """KEY=VALUE gives a string, KEY:=JSON a JSON value."""
    assert parse_field(text) == pair


@pytest.mark.parametrize("text", ["age", "=3", "age:=not json", ":=1"])
def test_parse_field_rejects(text: str) -> None:
    """A field without a key, without ``=``, or with bad JSON after ``:=`` is a usage error."""
    with pytest.raises(UsageError):
        parse_field(text)
