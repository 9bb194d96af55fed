"""The state of a wait, decided once: what `Jobs` and `AsyncJobs` (through
:mod:`charlib._wait_flow`) feed each poll's outcome to.

This module owns wait state: the deadline, which snapshots are news, reporting them (progress bar,
``on_progress``), believing a cancel, the final outcome and `WaitTimeoutError`. When to poll next
is :mod:`charlib._polling`'s rule; the order of polls, sleeps and reports is the flow's.

A wait has three separate budgets, and this module owns only the last one:

1. the per-request ``timeout`` of the client (one HTTP exchange),
2. the client's retry policy (one logical request),
3. the overall wait deadline (``timeout=`` of ``wait``/``watch``/``wait_all``).

While waiting, polls are made without the client's own retries: a transient error (connection
refused while a server restarts, 429/503, a garbled body: whatever the client's
:class:`~charlib.RetryPolicy` would retry) is recorded here, the next poll is planned by the
polling policy (honouring ``Retry-After`` up to the retry policy's cap), and nothing sleeps past
the deadline.

`Waiter` follows one job; `WaitGroup` follows many with one schedule, handing out only as many
polls at a time as the caller allows in flight.
"""

from __future__ import annotations

import heapq
import inspect
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from charlib._config import RetryPolicy
from charlib._exceptions import (
    APIStatusError,
    CharlibError,
    InvalidParameterError,
    JobCancelledError,
    JobFailedError,
    PartialResultError,
    WaitTimeoutError,
)
from charlib._models import JobState
from charlib._polling import PollPolicy, PollTracker
from charlib._retry import RetryMode, is_retryable

if TYPE_CHECKING:
    from charlib._display import JobsProgressBar, ProgressBar
    from charlib._group_bar import ShotsProgressBar
    from charlib._models import JobStatus
    from charlib._wait_options import GroupOptions, WaitOptions

__all__ = [
    "DEFAULT_WAIT_TIMEOUT",
    "FINAL_LOOK",
    "ProgressCallback",
    "WaitGroup",
    "Waiter",
    "check_wait_options",
    "is_transient",
]

DEFAULT_WAIT_TIMEOUT = 45 * 60.0
"""The overall deadline of a wait when none is given: the live service's 30-45 minute advice."""

FINAL_LOOK = 2.0
"""A poll (or cancel) made at the deadline still gets this long: the job may have just ended."""

ProgressCallback = Callable[["JobStatus"], Any]


def is_transient(error: CharlibError, retry: RetryPolicy) -> bool:
    """Whether a failed poll is worth repeating: the rule of the client's retries of a GET."""
    return is_retryable(error, RetryMode.SAFE, retry)


def _time_left(deadline: float | None, now: float) -> float | None:
    return None if deadline is None else max(deadline - now, FINAL_LOOK)


def _check_timeout(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or math.isnan(timeout):
        raise InvalidParameterError(
            "timeout", f"must be a number of seconds or None, got {timeout!r}"
        )
    if timeout < 0:
        raise InvalidParameterError("timeout", f"must not be negative, got {timeout!r}")
    return None if math.isinf(timeout) else float(timeout)


def _policy(poll: PollPolicy | float | None) -> PollPolicy:
    if poll is None:
        return PollPolicy()
    if isinstance(poll, PollPolicy):
        return poll
    if isinstance(poll, bool) or not isinstance(poll, (int, float)) or not poll > 0:
        raise InvalidParameterError("poll", f"must be a PollPolicy or seconds > 0, got {poll!r}")
    return PollPolicy.every(float(poll))


def _change_key(status: JobStatus) -> tuple[object, ...]:
    """What makes two snapshots different to a watcher (timestamps and estimates do not)."""
    progress = status.progress
    return (
        status.status,
        progress.current,
        progress.total,
        progress.percentage,
        progress.current_task,
        status.results is not None,
    )


class Waiter:
    """The state of one wait for one job. Pure: the caller passes the time and does the I/O.

    Feed it each poll's outcome (`feed`), `report` the snapshots that changed, then ask
    `next_delay`. `feed` says whether the snapshot is news and whether the wait is over.
    """

    def __init__(
        self,
        job_id: str,
        *,
        now: float,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | float | None = None,
        on_progress: ProgressCallback | None = None,
        progress: bool | ProgressBar = False,
        asynchronous: bool = False,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not isinstance(job_id, str) or not job_id:
            raise InvalidParameterError("job_id", f"must be a non-empty string, got {job_id!r}")
        _check_callback(on_progress, asynchronous)
        timeout = _check_timeout(timeout)
        self.job_id = job_id
        self.deadline = None if timeout is None else now + timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self.tracker = PollTracker(
            policy=_policy(poll),
            rng=rng or random.Random(),
            max_retry_after=self.retry.max_retry_after,
        )
        self.last: JobStatus | None = None
        self.last_error: CharlibError | None = None
        self._key: tuple[object, ...] | None = None
        self._on_progress = on_progress
        self._bar = _make_bar(progress)
        self._cancel_seen_at: float | None = None
        # Polls aim at each step only for somebody shown them; `watch` says so too.
        self.tracker.watched = on_progress is not None or self._bar is not None

    def time_left(self, now: float) -> float | None:
        """What a poll made now may take: the time to the deadline, never less than a final look."""
        return _time_left(self.deadline, now)

    def accept(self, status: JobStatus, now: float) -> tuple[bool, bool]:
        """Record a snapshot. Returns ``(changed, finished)``."""
        progress = status.progress
        self.tracker.observe(
            now,
            status=status.status.value,
            current=progress.current,
            total=progress.total,
            estimated_completion_at=status.estimated_completion_at,
            server_date=status.server_date,
            retry_after=status.retry_after,
            started_at=status.started_at,
        )
        self.last, self.last_error = status, None
        key = _change_key(status)
        changed = key != self._key
        self._key = key
        if not status.status.is_terminal:
            self._cancel_seen_at = None
            return changed, False
        if status.status is not JobState.CANCELLED:
            return changed, True
        # The live service can flip a cancelled job back to processing at its next progress
        # write (cancel does not stop its worker, CONTRACT D1): believe a cancel once it has
        # held for about a step, or at the deadline.
        if self._cancel_seen_at is None:
            self._cancel_seen_at = now
        held = now - self._cancel_seen_at
        at_deadline = self.deadline is not None and now >= self.deadline
        return changed, at_deadline or held >= self._cancel_window()

    def report(self, status: JobStatus) -> object:
        """Show a changed snapshot: move the bar, call ``on_progress`` (its result is returned,
        for the async runner to await)."""
        if self._bar is not None:
            self._bar.update(status)
        return None if self._on_progress is None else self._on_progress(status)

    def feed(self, outcome: JobStatus | CharlibError, now: float) -> tuple[bool, bool]:
        """Record one poll's outcome, a snapshot or an error. Returns ``(changed, finished)``."""
        if isinstance(outcome, CharlibError):
            self.reject(outcome, now)
            return False, False
        return self.accept(outcome, now)

    def reject(self, error: CharlibError, now: float) -> None:
        """Record a failed poll; re-raise it unless it is transient."""
        if not is_transient(error, self.retry):
            raise error
        self.last_error = error
        retry_after = error.retry_after if isinstance(error, APIStatusError) else None
        self.tracker.observe_error(now, retry_after=retry_after)

    def next_delay(self, now: float) -> float:
        """Seconds to sleep before the next poll. Raises `WaitTimeoutError` at the deadline."""
        if self.deadline is not None and now >= self.deadline:
            if self._cancel_seen_at is not None and self.last is not None:
                raise JobCancelledError(self.last)
            raise self.timeout_error()
        return self.planned_delay(now, self.deadline)

    def planned_delay(self, now: float, deadline: float | None) -> float:
        """The policy's delay before the next poll, within ``deadline`` (no deadline check)."""
        delay = self.tracker.next_delay(now, deadline)
        if self._cancel_seen_at is not None:
            # A few looks while a cancel is being confirmed, the last one when it is believed.
            window = self._cancel_window()
            remaining = self._cancel_seen_at + window - now
            delay = max(0.0, min(delay, window / 3, remaining))
        return delay

    def _cancel_window(self) -> float:
        policy = self.tracker.policy
        window = self.tracker.step_seconds() * (1 + policy.step_margin)
        return min(window, 2 * policy.max_interval)

    def timeout_error(self) -> WaitTimeoutError:
        """The error for a deadline that passed, carrying the job id and the last status seen."""
        error = WaitTimeoutError(self.job_id, self.last)
        if self.last_error is not None:
            error.__cause__ = self.last_error
        return error

    def close(self) -> None:
        """Release the progress bar, if any."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


async def report_async(waiter: Waiter, status: JobStatus) -> None:
    """Report a changed snapshot from an async runner (awaiting an async ``on_progress``)."""
    result = waiter.report(status)
    if inspect.isawaitable(result):
        await result


def _check_callback(on_progress: object, asynchronous: bool) -> None:
    if on_progress is None:
        return
    if not callable(on_progress):
        raise InvalidParameterError("on_progress", "must be callable")
    if not asynchronous and inspect.iscoroutinefunction(on_progress):
        raise InvalidParameterError(
            "on_progress", "is an async function: use it with AsyncClient, or pass a plain one"
        )


def outcome(status: JobStatus, *, raise_on_partial: bool = False) -> JobStatus:
    """The result of a finished wait: the status if it completed, else the matching error."""
    if status.status is JobState.FAILED:
        raise JobFailedError(status)
    if status.status is JobState.CANCELLED:
        raise JobCancelledError(status)
    if raise_on_partial and status.is_partial:
        raise PartialResultError(status)
    return status


_Bar = TypeVar("_Bar", "ProgressBar", "JobsProgressBar")


def _bar(progress: object, make: Callable[[], _Bar]) -> _Bar | None:
    """``progress=``: ``True`` makes the default bar; a bar object is used as it is."""
    if progress is True:
        return make()
    if progress is False or progress is None:
        return None
    if callable(getattr(progress, "update", None)) and callable(getattr(progress, "close", None)):
        return progress  # type: ignore[return-value]  # duck-typed: any object with update/close
    raise InvalidParameterError(
        "progress", f"must be True, False or a progress bar object, got {progress!r}"
    )


def check_wait_options(options: WaitOptions, *, asynchronous: bool) -> None:
    """Check a wait's options before anything is sent (``generate_360_set_and_wait`` checks
    them before it starts a job, not after): the checks :class:`Waiter` makes, without a bar."""
    _check_callback(options.on_progress, asynchronous)
    _check_timeout(options.timeout)
    _policy(options.poll)
    progress = options.progress
    if progress is not True and progress is not False and progress is not None:
        _make_bar(progress)  # a bar object, or what claims to be one, is checked


def _make_bar(progress: bool | ProgressBar) -> ProgressBar | None:
    from charlib._display import ProgressBar

    return _bar(progress, ProgressBar)


def _make_group_bar(
    progress: bool | JobsProgressBar, total: int
) -> JobsProgressBar | ShotsProgressBar | None:
    """``progress=True``: a bar of shots across the jobs; a bar object is used as it is."""
    if progress is True:
        from charlib._group_bar import ShotsProgressBar

        return ShotsProgressBar(total)
    from charlib._display import JobsProgressBar

    return _bar(progress, lambda: JobsProgressBar(total))


#: Shots a job is counted for until its first status gives its total (a full 360 set).
DEFAULT_SHOTS = 27


@dataclass(order=True)
class _Due:
    at: float
    index: int


class WaitGroup:
    """The state of one wait for many jobs: a `Waiter` each, and one schedule of polls.

    ``due(now)`` hands out the jobs to poll now (at most ``concurrency`` at a time); the caller
    polls them, feeds each outcome back, and sleeps ``next_delay(now)``.
    """

    def __init__(
        self,
        job_ids: Iterable[str],
        options: GroupOptions,
        *,
        now: float,
        asynchronous: bool = False,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """``options``: those of ``wait_all`` (:func:`charlib._wait_options.group_call`)."""
        if isinstance(job_ids, str):
            raise InvalidParameterError(
                "job_ids", "must be a collection of job ids, not one string"
            )
        try:
            ids = list(job_ids)
        except TypeError:
            raise InvalidParameterError(
                "job_ids", f"must be a list of job ids, got {job_ids!r}"
            ) from None
        concurrency = options.concurrency
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidParameterError("concurrency", f"must be an int >= 1, got {concurrency!r}")
        timeout = _check_timeout(options.timeout)
        rng = rng or random.Random()
        self.job_ids = ids
        self.concurrency = concurrency
        self.deadline = None if timeout is None else now + timeout
        # Each job keeps its own policy state; the group's deadline bounds them all.
        self.waiters = [
            Waiter(
                job_id,
                now=now,
                timeout=timeout,
                poll=options.poll,
                on_progress=options.on_progress,
                asynchronous=asynchronous,
                retry=retry,
                rng=rng,
            )
            for job_id in ids
        ]
        self.finished: dict[int, JobStatus] = {}
        self._queue = [_Due(now, index) for index in range(len(ids))]
        heapq.heapify(self._queue)
        self._bar = _make_group_bar(options.progress, len(ids))
        # (shots done, shots in all) per job, for a bar that counts shots across the jobs.
        self._shots = [(0, DEFAULT_SHOTS)] * len(ids)
        if self._bar is not None:
            for waiter in self.waiters:
                waiter.tracker.watched = True  # the bar moves with every step

    @property
    def done(self) -> bool:
        """Whether every job has reached a terminal state."""
        return len(self.finished) == len(self.waiters)

    def due(self, now: float) -> list[int]:
        """Indexes of the jobs to poll now, earliest first, at most ``concurrency``."""
        batch: list[int] = []
        while self._queue and self._queue[0].at <= now and len(batch) < self.concurrency:
            batch.append(heapq.heappop(self._queue).index)
        return batch

    def time_left(self, now: float) -> float | None:
        """What a poll made now may take: the time to the deadline, never less than a final look."""
        return _time_left(self.deadline, now)

    def overdue(self, now: float) -> bool:
        """Whether the deadline has passed."""
        return self.deadline is not None and now >= self.deadline

    def accept(self, index: int, status: JobStatus, now: float) -> tuple[bool, bool]:
        """Record a snapshot of job ``index``. Returns ``(changed, finished)`` for that job."""
        waiter = self.waiters[index]
        changed, finished = waiter.accept(status, now)
        if changed or finished:
            self._count_shots(index, status, finished)
        if finished:
            self.finished[index] = status
            if self._bar is not None:
                self._bar.update(status)
        else:
            self._schedule(index, now)
        return changed, finished

    def _count_shots(self, index: int, status: JobStatus, finished: bool) -> None:
        """Record job ``index``'s shots (all of them once it ended) and show the sum."""
        total = status.progress.total or self._shots[index][1]
        self._shots[index] = (total if finished else min(status.progress.current, total), total)
        show = getattr(self._bar, "shots", None)
        if callable(show):
            show(sum(done for done, _ in self._shots), sum(total for _, total in self._shots))

    def feed(self, index: int, outcome: JobStatus | CharlibError, now: float) -> tuple[bool, bool]:
        """Record one poll's outcome for job ``index``. Returns ``(changed, finished)``."""
        if isinstance(outcome, CharlibError):
            self.reject(index, outcome, now)
            return False, False
        return self.accept(index, outcome, now)

    def reject(self, index: int, error: CharlibError, now: float) -> None:
        """Record a failed poll of job ``index``; re-raise it unless it is transient."""
        self.waiters[index].reject(error, now)
        self._schedule(index, now)

    def next_delay(self, now: float) -> float:
        """Seconds until the next poll is due. Raises `WaitTimeoutError` at the deadline."""
        if self.overdue(now):
            raise self.timeout_error()
        if not self._queue:
            return 0.0
        delay = max(0.0, self._queue[0].at - now)
        if self.deadline is not None:
            delay = min(delay, self.deadline - now)
        return delay

    def results(self) -> list[JobStatus]:
        """The terminal status of every job, in input order (call once `done`)."""
        return [self.finished[index] for index in range(len(self.waiters))]

    def timeout_error(self) -> WaitTimeoutError:
        """A `WaitTimeoutError` naming the first unfinished job and carrying what finished."""
        unfinished = [i for i in range(len(self.waiters)) if i not in self.finished]
        first = self.waiters[unfinished[0]]
        error = WaitTimeoutError(
            first.job_id,
            first.last,
            message=(
                f"Gave up waiting: {len(unfinished)} of {len(self.waiters)} jobs unfinished "
                f"(first: {first.job_id})"
            ),
        )
        error.finished = {self.job_ids[i]: status for i, status in self.finished.items()}
        error.unfinished = [self.job_ids[i] for i in unfinished]
        return error

    def close(self) -> None:
        """Release the progress bar, if any."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _schedule(self, index: int, now: float) -> None:
        delay = self.waiters[index].planned_delay(now, self.deadline)
        heapq.heappush(self._queue, _Due(now + delay, index))
