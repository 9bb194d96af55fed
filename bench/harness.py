"""What every benchmark shares: settings, A/B alternation, medians, result rows, the table.

Figures on a shared, noisy machine are only comparable within one run, so every benchmark
measures its own baseline in the same run, alternating the two sides round by round (A B, then
B A, ...) so that drift hits both alike, and reports the median of the per-round ratios.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = [
    "Row",
    "Settings",
    "alternate",
    "cpu_seconds",
    "median",
    "median_ratio",
    "render_table",
]

_T = TypeVar("_T")


@dataclass(frozen=True)
class Settings:
    """Sizes of one run: ``full`` (the default), ``quick`` or ``smoke`` (tests: seconds)."""

    name: str = "full"
    rounds: int = 9
    sdk_requests: int = 400
    load_seconds: float = 3.0
    load_rounds: int = 5
    scale_jobs: int = 10_000
    scale_requests: int = 400
    waiters: int = 1000
    concurrency_requests: int = 800
    wait_seconds: float = 20.0
    poll_speed: float = 40.0
    poll_seeds: int = 10
    startup_rounds: int = 9
    use_wrk: bool = True

    @classmethod
    def named(cls, name: str) -> Settings:
        """The settings called ``name``."""
        if name == "full":
            return cls()
        if name == "quick":
            return cls(
                name="quick",
                rounds=5,
                sdk_requests=200,
                load_seconds=2.0,
                load_rounds=3,
                scale_requests=200,
                concurrency_requests=600,
                wait_seconds=15.0,
                poll_speed=60.0,
                poll_seeds=3,
                startup_rounds=5,
            )
        if name == "smoke":
            return cls(
                name="smoke",
                rounds=1,
                sdk_requests=10,
                load_seconds=0.3,
                load_rounds=1,
                scale_jobs=100,
                scale_requests=20,
                waiters=20,
                concurrency_requests=40,
                wait_seconds=3.0,
                poll_speed=3000.0,
                poll_seeds=1,
                startup_rounds=1,
            )
        raise ValueError(f"unknown settings {name!r}")


@dataclass
class Row:
    """One line of the results table."""

    target: str
    measure: str
    value: float
    goal: str
    met: bool | None  # None: reported, no threshold
    detail: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """``met``, ``NOT met`` or ``-``."""
        if self.met is None:
            return "-"
        return "met" if self.met else "NOT met"


def alternate(a: Callable[[], _T], b: Callable[[], _T], rounds: int) -> tuple[list[_T], list[_T]]:
    """Run ``a`` and ``b`` ``rounds`` times each, in the order A B, B A, A B, ...

    Returns the results of ``a`` and of ``b``, round by round.
    """
    first: list[_T] = []
    second: list[_T] = []
    for index in range(rounds):
        if index % 2 == 0:
            first.append(a())
            second.append(b())
        else:
            second.append(b())
            first.append(a())
    return first, second


def median(values: list[float]) -> float:
    """The median (``nan`` for no values)."""
    return statistics.median(values) if values else float("nan")


def median_ratio(numerators: list[float], denominators: list[float]) -> float:
    """The median of the per-round ratios ``numerators[i] / denominators[i]``."""
    return median([n / d for n, d in zip(numerators, denominators, strict=True) if d > 0])


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) used so far by ``pid`` (default: this process)."""
    if pid is None or pid == os.getpid():
        return time.process_time()
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def render_table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| Target | Measure | Ratio | Goal | Verdict | Detail |",
        "|---|---|---:|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.target} | {row.measure} | {row.value:.3f} | {row.goal} | {row.verdict} "
            f"| {row.detail} |"
        )
    return "\n".join(lines)
