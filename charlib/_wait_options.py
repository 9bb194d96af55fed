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
    """The parameters of ``Jobs.wait`` (and of every method that waits for one job)."""
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
    """The parameters of ``Jobs.watch`` (and of the handles' ``watch``)."""
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
    """The parameters of ``Jobs.wait_all`` and ``Jobs.as_completed``."""
    return job_ids, GroupOptions(timeout, poll, concurrency, on_progress, progress)
