"""The progress bar of a wait for many jobs: shots across all of them, with jobs done beside it.

A bar that ticks once per finished job sits at 0/10 for most of a ten-job run, since jobs of
the same size tend to end together. This one counts shots: each job's total (its
``progress.total``, 27 until its first status says otherwise) makes the bar's total, and each
poll that shows a job further along moves it. A job that ends counts all its shots, however it
ended; how many ended which way is shown beside the bar (``jobs done 3/10 (2 completed,
1 failed)``).

Imported only when a caller asks for ``progress=True`` (it imports tqdm through
:mod:`charlib._display`).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from charlib._display import _tqdm
from charlib._text import terminal_safe

if TYPE_CHECKING:
    from charlib._models import JobStatus

__all__ = ["ShotsProgressBar"]


class ShotsProgressBar:
    """A tqdm bar for many jobs counting shots across them; jobs done (and how) beside it.

    Fed by the wait: `shots` with the shot count after every change, `update` with each job
    that ends (the same call a per-job bar receives).
    """

    def __init__(self, jobs: int, description: str = "shots", **tqdm_options: Any) -> None:
        self._jobs = jobs
        self._ended = 0
        self._tally: Counter[str] = Counter()
        self._bar = _tqdm(total=27 * jobs, desc=description, unit="shot", **tqdm_options)
        self._show()

    def shots(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` shots over all the jobs."""
        self._bar.total = max(total, 1)
        self._bar.n = max(0, min(done, total))
        self._show()

    def update(self, status: JobStatus) -> None:
        """Count ``status``, a job that has just ended."""
        self._ended += 1
        self._tally["partial" if status.is_partial else status.status.value] += 1
        self._show()

    def _show(self) -> None:
        text = f"jobs done {self._ended}/{self._jobs}"
        if self._tally:
            text += " (" + ", ".join(f"{n} {name}" for name, n in sorted(self._tally.items())) + ")"
        self._bar.set_postfix_str(terminal_safe(text), refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        """Close the bar (idempotent)."""
        self._bar.close()
