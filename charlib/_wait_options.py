"""The arguments of a wait, declared once and passed along as one value.

``wait_call``, ``watch_call`` and ``group_call`` declare the keyword parameters of every wait
(``Jobs.wait``/``watch``/``wait_all``/``as_completed``, their async twins, the job handles'
shortcuts, ``Characters.generate_360_set_and_wait``); those methods borrow the declaration
(:func:`charlib._signature.takes`) and call it, and everything below (the handle, the resource,
the waiting state) reads the :class:`WaitOptions` or :class:`GroupOptions` it returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from charlib._polling import PollPolicy
from charlib._waiting import DEFAULT_WAIT_TIMEOUT, ProgressCallback

if TYPE_CHECKING:
    from charlib._display import JobsProgressBar, ProgressBar
    from charlib._job import AsyncJob, Job
    from charlib._models import JobStatus

__all__ = ["GroupOptions", "WaitOptions", "group_call", "wait_call", "watch_call"]


@dataclass(frozen=True, slots=True)
class WaitOptions:
    """The keyword arguments of a wait (a watch: the first four)."""

    timeout: float | None
    poll: PollPolicy | float | None
    on_progress: ProgressCallback | None
    progress: bool | ProgressBar
    cancel_on_timeout: bool = False
    raise_on_partial: bool = False


@dataclass(frozen=True, slots=True)
class GroupOptions:
    """The keyword arguments of a wait for many jobs."""

    timeout: float | None
    poll: PollPolicy | float | None
    concurrency: int
    on_progress: ProgressCallback | None
    progress: bool | JobsProgressBar


def wait_call(
    job_id: str | Job | AsyncJob | JobStatus,
    *,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll: PollPolicy | float | None = None,
    on_progress: ProgressCallback | None = None,
    progress: bool | ProgressBar = False,
    cancel_on_timeout: bool = False,
    raise_on_partial: bool = False,
) -> tuple[str | Job | AsyncJob | JobStatus, WaitOptions]:
    """The parameters of ``Jobs.wait`` (and of every method that waits for one job).

    Args:
        job_id: the job to wait for (its id, the :class:`Job` handle, or a :class:`JobStatus`).
        timeout: overall deadline in seconds (default 45 minutes; ``None``: no deadline).
        poll: a :class:`PollPolicy`, or a fixed interval in seconds (default: adaptive).
        on_progress: called with each changed snapshot.
        progress: ``True`` draws a progress bar (tqdm: text in a terminal, a widget in Jupyter).
        cancel_on_timeout: cancel the job on the server before raising ``WaitTimeoutError``.
        raise_on_partial: raise ``PartialResultError`` if some images failed.
    """
    return job_id, WaitOptions(
        timeout, poll, on_progress, progress, cancel_on_timeout, raise_on_partial
    )


def watch_call(
    job_id: str | Job | AsyncJob | JobStatus,
    *,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll: PollPolicy | float | None = None,
    on_progress: ProgressCallback | None = None,
    progress: bool | ProgressBar = False,
) -> tuple[str | Job | AsyncJob | JobStatus, WaitOptions]:
    """The parameters of ``Jobs.watch`` (and of the handles' ``watch``).

    Args:
        job_id: the job to follow (its id, or the :class:`Job` handle).
        timeout: overall deadline in seconds (default 45 minutes; ``None``: no deadline).
        poll: a :class:`PollPolicy`, or a fixed interval in seconds (default: adaptive).
        on_progress: called with each changed snapshot.
        progress: ``True`` draws a progress bar (tqdm: text in a terminal, a widget in Jupyter).
    """
    return job_id, WaitOptions(timeout, poll, on_progress, progress)


def group_call(
    job_ids: Iterable[str | Job | AsyncJob | JobStatus],
    *,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll: PollPolicy | float | None = None,
    concurrency: int = 8,
    on_progress: ProgressCallback | None = None,
    progress: bool | JobsProgressBar = False,
) -> tuple[Iterable[str | Job | AsyncJob | JobStatus], GroupOptions]:
    """The parameters of ``Jobs.wait_all`` and ``Jobs.as_completed``.

    Args:
        job_ids: the jobs (ids, handles or statuses, mixed as you like).
        timeout: one deadline for them all, in seconds (default 45 minutes; ``None``: none).
        poll: a :class:`PollPolicy` for each job, or a fixed interval in seconds.
        concurrency: at most this many status requests in flight at once.
        on_progress: called with each changed snapshot of any of the jobs.
        progress: ``True`` draws one bar for all the jobs; or a :class:`JobsProgressBar`.
    """
    return job_ids, GroupOptions(timeout, poll, concurrency, on_progress, progress)
