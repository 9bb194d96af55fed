"""How a job looks to a person: a progress bar, a one-line repr, HTML for notebooks (a status with
its contact sheet, and a job handle).

Kept apart from the models and the waiting loop so neither imports tqdm: the bar's import happens
only when a caller asks for ``progress=True``. Every string a server sent (the current task, an
error, a shot's name) goes through :func:`charlib._text.terminal_safe` before it is shown.
"""

from __future__ import annotations

import html
import warnings
from collections import Counter
from typing import TYPE_CHECKING, Any

from charlib._text import terminal_safe

if TYPE_CHECKING:
    from datetime import datetime

    from charlib._models import JobResults, JobStatus

__all__ = [
    "JobsProgressBar",
    "ProgressBar",
    "job_html",
    "results_html",
    "results_summary",
    "status_html",
    "status_summary",
]


def results_summary(results: JobResults) -> str:
    """``27 images, 1 failed, 29 attempts``."""
    parts = [f"{len(results.generated_images)} images"]
    if results.failed_images:
        parts.append(f"{len(results.failed_images)} failed")
    if results.total_attempts is not None:
        parts.append(f"{results.total_attempts} attempts")
    return ", ".join(parts)


def status_summary(status: JobStatus) -> str:
    """``processing 10/27 (37%) Generating 85mm PROFILE RIGHT MCU (Enhanced)``, or similar."""
    progress = status.progress
    parts = [str(status.status.value)]
    if progress.total:
        parts.append(f"{progress.current}/{progress.total}")
    parts.append(f"({progress.percentage:g}%)")
    if status.results is not None:
        parts.append(results_summary(status.results))
    elif progress.current_task:
        parts.append(progress.current_task)
    if status.error:
        parts.append(f"error: {status.error}")
    return terminal_safe(" ".join(parts))


def _esc(text: str) -> str:
    """Server text for HTML: without control characters, then escaped."""
    return html.escape(terminal_safe(text))


def status_html(status: JobStatus) -> str:
    """An HTML fragment for Jupyter: status, progress, and a table of images with thumbnails."""
    return "<div>" + _job_line(status.job_id, status) + "".join(_status_rows(status)) + "</div>"


def job_html(
    job_id: str, poll_url: str, estimated_completion: datetime | None, last: JobStatus | None
) -> str:
    """An HTML fragment for a job handle: its id, poll URL and estimated completion, then what
    :func:`status_html` shows of the last status the handle saw, when it saw one."""
    rows = [_job_line(job_id, last), f"<br>poll URL <code>{_esc(poll_url)}</code>"]
    if estimated_completion is not None and (last is None or not last.is_terminal):
        rows.append(f"<br>estimated completion {_esc(estimated_completion.isoformat())}")
    if last is not None:
        rows.extend(_status_rows(last))
    return "<div>" + "".join(rows) + "</div>"


def _job_line(job_id: str, status: JobStatus | None) -> str:
    """``Job <id> — <state>`` (the state only when known)."""
    line = f"<b>Job</b> <code>{_esc(job_id)}</code>"
    if status is not None:
        line += f" &mdash; <b>{_esc(status.status.value)}</b>"
    return line


def _status_rows(status: JobStatus) -> list[str]:
    """A status below its job line: the progress bar, the current task, the error, the results."""
    esc = _esc
    progress = status.progress
    rows = [
        f'<br><progress value="{progress.percentage:g}" max="100"></progress> '
        f"{progress.percentage:g}% ({progress.current}/{progress.total})",
    ]
    if progress.current_task:
        rows.append(f"<br><i>{esc(progress.current_task)}</i>")
    if status.error:
        rows.append(f'<br><span style="color:#b00">{esc(status.error)}</span>')
    if status.results is not None:
        rows.append(results_html(status.results))
    return rows


def results_html(results: JobResults) -> str:
    """The contact sheet of a job's results: its shots in canonical order as a grid of images
    (by URL) with angle and quality, failed shots as labelled placeholders (as ``index.html``)."""
    from charlib._contact_sheet import result_cards, sheet_html

    return sheet_html(result_cards(results))


def _tqdm(**options: Any) -> Any:
    """A tqdm.auto bar; in Jupyter without ipywidgets, a text bar without a warning about it."""
    from tqdm import TqdmExperimentalWarning, TqdmWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TqdmWarning)
        warnings.simplefilter("ignore", TqdmExperimentalWarning)
        # Imported in here, not above: tqdm.auto warns "IProgress not found" while it is being
        # imported (in a kernel without ipywidgets), not when a bar is made. Only here at all:
        # importing charlib must not import tqdm.
        from tqdm.auto import tqdm

        try:
            return tqdm(**options)
        except ImportError:  # tqdm.notebook without ipywidgets
            from tqdm.std import tqdm as text_tqdm

            return text_tqdm(**options)


class ProgressBar:
    """A tqdm bar (a widget in Jupyter, text in a terminal) fed with one job's statuses.

    The bar counts percent, since the live service's ``total`` can change mid-run; the shot count
    and the current task are shown beside it. Pass one as ``progress=`` to customise it, e.g.
    ``ProgressBar("Ada", file=sys.stdout)`` (keyword options go to tqdm).
    """

    def __init__(self, description: str = "360 set", **tqdm_options: Any) -> None:
        self._bar = _tqdm(total=100, desc=description, unit="%", **tqdm_options)

    def update(self, status: JobStatus) -> None:
        """Move the bar to ``status``."""
        progress = status.progress
        percent = 100.0 if status.status.value == "completed" else float(progress.percentage)
        self._bar.n = max(0.0, min(100.0, percent))
        shots = f"{progress.current}/{progress.total}" if progress.total else ""
        task = progress.current_task or status.status.value
        self._bar.set_postfix_str(terminal_safe(f"{shots} {task}".strip()), refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        """Close the bar (idempotent)."""
        self._bar.close()


class JobsProgressBar:
    """A tqdm bar for many jobs: one tick per job that ends, with a tally of how they ended."""

    def __init__(self, total: int, description: str = "jobs", **tqdm_options: Any) -> None:
        self._bar = _tqdm(total=total, desc=description, unit="job", **tqdm_options)
        self._tally: Counter[str] = Counter()

    def update(self, status: JobStatus) -> None:
        """Count ``status``, a job that has just ended."""
        state = status.status.value
        self._tally["partial" if status.is_partial else state] += 1
        tally = ", ".join(f"{count} {name}" for name, count in sorted(self._tally.items()))
        self._bar.set_postfix_str(terminal_safe(tally), refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        """Close the bar (idempotent)."""
        self._bar.close()
