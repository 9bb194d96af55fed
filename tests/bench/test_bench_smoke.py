"""Smoke run of the benchmark harness: it runs end to end and produces its table (no timings)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench.harness import Row, alternate, median_ratio, render_table

ROOT = Path(__file__).resolve().parents[2]
TARGETS = (
    "1. SDK overhead",
    "2. Mock throughput",
    "2. Job list at scale",
    "3. Scale: status latency",
    "3. Scale: memory",
    "3. Scale: memory per wait",
    "3. Scale: async throughput",
    "4. Polling: requests",
    "4. Polling: detection lag",
    "5. Start-up",
    "6. Download: throughput",
    "6. Download: vs a hand-written loop",
    "6. Download: memory",
)


def test_smoke_run_prints_and_writes_the_table(tmp_path: Path) -> None:
    """`python -m bench --smoke` exits 0, prints a row per target and writes the results file."""
    output = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--no-wrk", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "| Target | Measure | Ratio |" in done.stdout
    for target in TARGETS:
        assert f"| {target} |" in done.stdout, target
    document = output.read_text(encoding="utf-8")
    assert "`python -m bench --smoke --no-wrk`" in document
    assert "## What was changed, and what it bought" in document


def test_alternate_swaps_the_order_every_round() -> None:
    """A/B rounds run A B, B A, A B, ... and return each side's results in round order."""
    calls: list[str] = []

    def side(name: str) -> Callable[[], int]:
        def run() -> int:
            calls.append(name)
            return len(calls)

        return run

    first, second = alternate(side("a"), side("b"), 3)
    assert calls == ["a", "b", "b", "a", "a", "b"]
    assert first == [1, 4, 5]
    assert second == [2, 3, 6]


def test_median_ratio_and_table() -> None:
    """Ratios are taken per round, then the median; the table has one line per row."""
    assert median_ratio([2.0, 3.0, 10.0], [1.0, 1.0, 1.0]) == 3.0
    table = render_table([Row("T", "m", 1.5, "≤ 2", True, "d")])
    assert table.splitlines()[-1] == "| T | m | 1.500 | ≤ 2 | met | d |"
