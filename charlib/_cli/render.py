"""What the command prints: JSON documents for scripts, aligned tables and short lines for people.

Pure functions from models to text; the commands decide where the text goes. Server text is
made terminal-safe here where layout depends on it (a table cell stays on its line and its width
is measured without escape sequences); ``Context.out`` and ``Context.err`` do it for everything
else, and JSON documents escape what a terminal must not see (as JSON escapes), keeping the values.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel

from charlib._models import Character, JobResults, JobStatus
from charlib._text import json_safe, terminal_safe

__all__ = [
    "duration",
    "json_text",
    "outcome_line",
    "progress_text",
    "results_table",
    "status_lines",
    "table",
    "timestamp",
    "wire",
]


def wire(model: BaseModel) -> Any:
    """The model as the wire shows it: camelCase keys, absent fields left out."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def json_text(document: Any) -> str:
    """One indented JSON document (control characters in strings written as escapes)."""
    return json_safe(json.dumps(document, indent=2, ensure_ascii=False))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, right: str = "") -> str:
    """Rows under headers, columns padded to fit; columns named in ``right`` align right.

    ``right`` is a string of column indexes (``"02"``: the first and third).
    """
    cells = [[str(header) for header in headers]]
    cells += [["" if value is None else terminal_safe(str(value)) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        padded = [
            value.rjust(width) if str(i) in right else value.ljust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def timestamp(value: datetime | None) -> str:
    """``2026-11-28 13:53:40 UTC``, or ``-``."""
    if value is None:
        return "-"
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float) -> str:
    """``20m 13s``, ``1h 02m``, ``4.2s``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def progress_text(status: JobStatus) -> str:
    """``12/27 (44%)``, or ``(44%)`` when the server gives no total."""
    progress = status.progress
    shots = f"{progress.current}/{progress.total} " if progress.total else ""
    return f"{shots}({progress.percentage:g}%)"


def results_table(results: JobResults, order: Sequence[str] = ()) -> str:
    """One row per shot: generated images, then failed ones (each with its error and attempts).

    With ``order`` (shot names in generation order), rows follow it instead; unknown names last.
    """
    rows: list[tuple[str, str, str]] = []
    for image in results.generated_images:
        rows.append((image.angle or "?", _number(image.quality), "ok"))
    for failed in results.failed_images:
        attempts = f" after {failed.attempts} attempts" if failed.attempts else ""
        rows.append((failed.angle or "?", "", f"FAILED{attempts}: {failed.error or 'no reason'}"))
    if order:
        rank = {name: index for index, name in enumerate(order)}
        rows.sort(key=lambda row: rank.get(row[0], len(rank)))
    numbered = [(index, *row) for index, row in enumerate(rows, start=1)]
    return table(("#", "shot", "quality", "result"), numbered, right="02")


def outcome_line(status: JobStatus) -> str:
    """The last line about a finished job: ``completed: 27 images``, ``failed: <why>``, ..."""
    state = status.status.value
    results = status.results
    if state == "completed":
        if results is None:
            return "completed"
        made, failed = len(results.generated_images), len(results.failed_images)
        images = f"{made} image" + ("" if made == 1 else "s")
        if failed:
            shots = "shot" if failed == 1 else "shots"
            return f"completed (partial): {images}, {failed} {shots} failed"
        return f"completed: {images}"
    if state == "failed":
        return terminal_safe(f"failed: {status.error or status.message or 'no reason given'}")
    return terminal_safe(state)


def status_lines(status: JobStatus) -> list[str]:
    """``jobs status`` for people: one ``key  value`` line per known fact."""
    progress = status.progress
    facts: list[tuple[str, str]] = [
        ("job", status.job_id),
        ("status", status.status.value),
        ("progress", progress_text(status)),
    ]
    if progress.current_task and not status.is_terminal:
        facts.append(("task", progress.current_task))
    if status.character_id:
        facts.append(("character", status.character_id))
    if status.job_type is not None:
        facts.append(("type", status.job_type.value))
    for key, value in (
        ("created", status.created_at),
        ("started", status.started_at),
        ("completed", status.completed_at),
    ):
        if value is not None:
            facts.append((key, timestamp(value)))
    if status.estimated_completion_at is not None and not status.is_terminal:
        facts.append(("estimated", timestamp(status.estimated_completion_at)))
    if status.error:
        facts.append(("error", status.error))
    width = max(len(key) for key, _ in facts)
    return [f"{key.ljust(width)}  {terminal_safe(value)}" for key, value in facts]


def reference_url(character: Character) -> str | None:
    """The URL of a character's master reference image, when the server populated it."""
    media = character.master_reference
    return media.url if media is not None else None
