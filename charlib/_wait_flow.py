"""The waiting loops, written once: generators that say what to do next and never do it.

A flow yields commands (poll these jobs, sleep this long, report this snapshot, hand this status to
the caller, cancel this job) and is sent back what a command produced: the outcomes of the polls,
the outcome of the cancel. :class:`~charlib.Jobs` carries the commands out with blocking calls,
:class:`~charlib.AsyncJobs` with awaits; everything else about a wait is decided here, once, on top
of the wait state of :mod:`charlib._waiting`.

How a batch of polls goes out is the runners' one real difference: the async runner sends a
batch at once (``asyncio.gather``); the sync runner sends one request after another, so it asks
for ``one_by_one`` batches and is handed no further poll once the deadline has passed.

Time comes from the ``now`` function a flow is given (the client clock's ``monotonic``), read at
the points where a hand-written loop would read it. A flow does no I/O and never sleeps, so it can
be stepped by hand (``flow.send(...)``) in a test.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from charlib._exceptions import CharlibError, WaitTimeoutError
from charlib._waiting import Waiter, WaitGroup, outcome

if TYPE_CHECKING:
    from charlib._models import CancelResult, JobStatus

__all__ = [
    "Cancel",
    "Command",
    "Emit",
    "Flow",
    "Poll",
    "Report",
    "Sleep",
    "advance",
    "group_flow",
    "wait_flow",
    "watch_flow",
]

logger = logging.getLogger("charlib")


@dataclass(frozen=True, slots=True)
class Poll:
    """Fetch the status of each of ``job_ids`` once, in a single attempt that takes no longer
    than ``left`` seconds (``None``: the client's timeout). Reply: one ``JobStatus`` or
    ``CharlibError`` per job, in order."""

    job_ids: tuple[str, ...]
    left: float | None


@dataclass(frozen=True, slots=True)
class Sleep:
    """Sleep ``seconds`` on the client's clock. Reply: nothing."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Report:
    """Show a changed snapshot: ``waiter.report(status)``, awaiting what an async ``on_progress``
    returns. Reply: nothing."""

    waiter: Waiter
    status: JobStatus


@dataclass(frozen=True, slots=True)
class Emit:
    """Hand ``status`` to the caller: the next item of ``watch`` or ``as_completed``, or the
    result of ``wait``. Reply: nothing."""

    status: JobStatus


@dataclass(frozen=True, slots=True)
class Cancel:
    """Cancel ``job_id`` with one short attempt. Reply: a list of one ``CancelResult`` or
    ``CharlibError``."""

    job_id: str


Command: TypeAlias = Poll | Sleep | Report | Emit | Cancel
# What a flow is sent back: a list of outcomes after Poll and Cancel, None after the others.
Flow: TypeAlias = Generator[Command, Any, None]


def advance(flow: Flow, reply: object) -> Command | None:
    """Send ``reply`` (to the last command; ``None`` to start) and return the flow's next command,
    or ``None`` once the flow has ended. Whatever the flow raises propagates."""
    try:
        return flow.send(reply)
    except StopIteration:
        return None


def watch_flow(waiter: Waiter, now: Callable[[], float], *, emit: bool = True) -> Flow:
    """Poll one job until it ends, reporting (and, with ``emit``, emitting) each change.

    Raises:
        WaitTimeoutError: at the deadline (``JobCancelledError`` if a cancel was being confirmed).
        CharlibError: a poll failed in a way that is not worth waiting out.
    """
    if emit:
        waiter.tracker.watched = True  # every change is handed to the caller
    try:
        while True:
            outcomes: list[JobStatus | CharlibError] = yield Poll(
                (waiter.job_id,), waiter.time_left(now())
            )
            status = outcomes[0]
            changed, finished = waiter.feed(status, now())
            if changed:
                assert not isinstance(status, CharlibError)  # feed raised or reported no change
                yield Report(waiter, status)
                if emit:
                    yield Emit(status)
            if finished:
                return
            yield Sleep(waiter.next_delay(now()))
    finally:
        waiter.close()


def wait_flow(
    waiter: Waiter,
    now: Callable[[], float],
    cancel_on_timeout: bool = False,
    raise_on_partial: bool = False,
) -> Flow:
    """`watch_flow` without emitting, then emit the one result: the completed status.

    Raises:
        JobFailedError, JobCancelledError, PartialResultError: as :func:`outcome` decides.
        WaitTimeoutError: at the deadline, after a cancel when ``cancel_on_timeout`` (a cancel
            that fails is logged as a warning, and the timeout raised all the same).
    """
    try:
        yield from watch_flow(waiter, now, emit=False)
    except WaitTimeoutError:
        if cancel_on_timeout:
            replies: list[CancelResult | CharlibError] = yield Cancel(waiter.job_id)
            if isinstance(replies[0], CharlibError):
                logger.warning(
                    "Could not cancel job %s after the wait timed out: %s",
                    waiter.job_id,
                    replies[0],
                )
        raise
    assert waiter.last is not None  # a finished watch has seen the terminal status
    yield Emit(outcome(waiter.last, raise_on_partial=raise_on_partial))


def group_flow(group: WaitGroup, now: Callable[[], float], *, one_by_one: bool = False) -> Flow:
    """Poll many jobs on one schedule, in batches of at most ``group.concurrency``; report each
    change and emit each terminal status as its job ends.

    With ``one_by_one`` each batch is handed out a poll at a time, with the time left measured
    afresh, and no further poll once the deadline has passed (a runner that polls one after
    another would otherwise overrun the deadline by up to a poll per job).

    Raises:
        WaitTimeoutError: at the deadline, with ``.finished`` and ``.unfinished``.
        CharlibError: a poll failed in a way that is not worth waiting out.
    """
    try:
        while not group.done:
            batch = group.due(now())
            for part in [[index] for index in batch] if one_by_one else [batch]:
                if one_by_one and group.overdue(now()):
                    break  # the rest of the batch would overrun: next_delay raises
                ids = tuple(group.job_ids[index] for index in part)
                outcomes: list[JobStatus | CharlibError] = yield Poll(ids, group.time_left(now()))
                for index, status in zip(part, outcomes, strict=True):
                    changed, finished = group.feed(index, status, now())
                    if changed:
                        assert not isinstance(status, CharlibError)
                        yield Report(group.waiters[index], status)
                    if finished:
                        yield Emit(group.finished[index])
            if not group.done:
                yield Sleep(group.next_delay(now()))
    finally:
        group.close()
