"""``python -m bench``: run every benchmark, print the table, write ``bench/RESULTS.md``.

Options: ``--quick`` (smaller and faster), ``--smoke`` (seconds; what the tests run),
``--only NAME[,NAME...]`` (``sdk``, ``mock``, ``scale``, ``concurrency``, ``polling``,
``startup``, ``download``, ``batch``), ``--output PATH`` (default ``bench/RESULTS.md``; ``-``
writes nothing).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from bench import (
    batch,
    concurrency,
    download,
    mock_throughput,
    polling,
    scale,
    sdk_overhead,
    startup,
)
from bench.findings import CHANGES, REMAINING, WHY_NOT
from bench.harness import Row, Settings, render_table
from bench.load import wrk_available

__all__ = ["BENCHMARKS", "main", "render_results"]

BENCHMARKS: dict[str, Callable[[Settings], list[Row]]] = {
    "sdk": sdk_overhead.run,
    "mock": mock_throughput.run,
    "scale": scale.run,
    "concurrency": concurrency.run,
    "polling": polling.run,
    "startup": startup.run,
    "download": download.run,
    "batch": batch.run,
}

DEFAULT_OUTPUT = Path(__file__).with_name("RESULTS.md")


def _machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} at the "
        f"end; Python {platform.python_version()}; wrk {'installed' if wrk_available() else 'not installed (asyncio load generator)'}"  # noqa: E501
    )


def render_results(rows: list[Row], command: str, settings: Settings, seconds: float) -> str:
    """The Markdown document written to ``RESULTS.md``."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# Benchmark results",
        "",
        f"Produced by `{command}` ({settings.name} settings) on {stamp} in {seconds:.0f} s.",
        f"Machine: {_machine()}.",
        "",
        "Every ratio compares two things measured in the same run, alternating rounds (A B, "
        "B A, ...), as the median of the per-round ratios; absolute figures in the detail "
        "column only say how busy the machine was. Rerun with the command above; "
        "`python -m bench --quick` takes about a third of the time.",
        "",
        render_table(rows),
        "",
    ]
    notes = [(row, note) for row in rows for note in row.notes]
    if notes:
        parts += ["## Details", ""]
        parts += [f"- {row.target}: {note}" for row, note in notes]
        parts.append("")
    missed = [row for row in rows if row.met is False]
    parts += ["## Targets not met", ""]
    if not missed:
        parts += ["None in this run.", ""]
    for row in missed:
        reason = WHY_NOT.get(row.target, "No written reason yet.")
        parts += [f"### {row.target}: {row.measure}", "", reason, ""]
    parts += ["## What was changed, and what it bought", "", CHANGES.strip(), ""]
    parts += ["## Where the remaining costs are", "", REMAINING.strip(), ""]
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; returns the exit status (0 even when a target is missed)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="fewer and shorter rounds")
    size.add_argument("--smoke", action="store_true", help="tiny sizes: checks the harness runs")
    parser.add_argument("--only", default="", help="comma-separated: " + ", ".join(BENCHMARKS))
    parser.add_argument(
        "--no-wrk", action="store_true", help="use the asyncio load generator even if wrk exists"
    )
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="'-' to write nothing")
    args = parser.parse_args(argv)
    settings = Settings.named("smoke" if args.smoke else "quick" if args.quick else "full")
    if args.no_wrk:
        settings = dataclasses.replace(settings, use_wrk=False)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    started = time.monotonic()
    rows: list[Row] = []
    for name in names:
        print(f"== {name} ==", file=sys.stderr, flush=True)
        rows += BENCHMARKS[name](settings)
    elapsed = time.monotonic() - started
    print(render_table(rows))
    if args.output != "-":
        command = "python -m bench" + (
            " --smoke" if args.smoke else " --quick" if args.quick else ""
        )
        command += f" --only {','.join(names)}" if args.only else ""
        command += " --no-wrk" if args.no_wrk else ""
        document = render_results(rows, command, settings, elapsed)
        Path(args.output).write_text(document, encoding="utf-8")
        print(f"written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
