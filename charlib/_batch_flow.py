"""The batch's scheduler, written once: a generator that says which calls to make, which jobs
to poll and how long to sleep, and never does any of it.

It claims rows from the ledger while fewer than ``max_active`` characters are before their
download (a character holds its place from its first call until its job has ended), runs each
through :func:`charlib._batch_steps.step_flow`, and follows every job that runs with one
schedule: each job has a :class:`~charlib._waiting.Waiter` (the SDK's rules for one wait:
adaptive delay, ``Retry-After``, transient errors), kept in one heap of due times.
``WaitGroup`` (behind ``wait_all``) is not used because its set of jobs is fixed when it is
made, and a batch adds a job whenever a place frees up.

The runners (:mod:`charlib._batch_run`) carry the commands out: :class:`Calls` (a batch of
calls, one per character; reply: one result or ``CharlibError`` each, in order),
:class:`PollJobs` (reply: a ``JobStatus`` or ``CharlibError`` each) and the wait flows'
:class:`~charlib._wait_flow.Sleep`.

When the service pushes back (429, 503), no new character is taken and the refused call waits
for the time it asked for (``Retry-After``, else a doubling delay), shared by the whole batch.
"""

from __future__ import annotations

import contextlib
import heapq
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from charlib._batch_ledger import Ledger, LostClaim
from charlib._batch_steps import (
    AwaitJob,
    Call,
    Download,
    Rules,
    StartJob,
    StepFlow,
    step_flow,
)
from charlib._exceptions import APIStatusError, CharlibError
from charlib._wait_flow import Sleep
from charlib._waiting import Waiter, is_transient

if TYPE_CHECKING:
    from charlib._config import RetryPolicy
    from charlib._models import JobStatus
    from charlib._polling import PollPolicy

__all__ = ["BatchFlow", "Calls", "PollJobs", "Scheduler", "batch_flow"]

HEARTBEAT = 10.0  # seconds between heartbeats (well inside the ledger's lease)
CLAIM_AGAIN = 2.0  # seconds before looking again for rows when none could be claimed
MAX_CALL_RETRIES = 5  # a call refused as transient is made again this often, then given up
MAX_ROW_ERRORS = 3  # a row whose steps failed this often is left for a later run
MAX_PAUSE = 120.0


@dataclass(frozen=True, slots=True)
class Calls:
    """Make these calls (``(key, call)`` pairs, at most one per character)."""

    items: tuple[tuple[str, Call], ...]


@dataclass(frozen=True, slots=True)
class PollJobs:
    """Fetch the status of each job once."""

    job_ids: tuple[str, ...]


Command: TypeAlias = Calls | PollJobs | Sleep
BatchFlow: TypeAlias = Generator[Command, Any, None]


@dataclass(slots=True)
class _Wait:
    key: str
    waiter: Waiter
    started: float


@dataclass
class Scheduler:
    """The state of one batch run in this process (pure but for the ledger's SQLite)."""

    ledger: Ledger
    rules: Rules
    retry: RetryPolicy
    max_active: int = 4
    poll: PollPolicy | float | None = None
    job_timeout: float | None = None
    only: frozenset[str] | None = None
    on_change: Callable[[], object] | None = None
    flows: dict[str, StepFlow] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)
    parked: dict[str, tuple[float, Call]] = field(default_factory=dict)
    waits: dict[str, _Wait] = field(default_factory=dict)
    downloading: set[str] = field(default_factory=set)
    given_up: set[str] = field(default_factory=set)
    errors: Counter[str] = field(default_factory=Counter)
    not_before: dict[str, float] = field(default_factory=dict)
    refusals: Counter[str] = field(default_factory=Counter)
    pause_until: float = 0.0
    claim_at: float = 0.0
    exhausted: bool = False
    others_busy: bool = False
    heartbeat_at: float = 0.0
    _due: list[tuple[float, str]] = field(default_factory=list)

    # -- admission ----------------------------------------------------------------------------

    @property
    def places_taken(self) -> int:
        """Characters that hold a place: every flow not yet downloading."""
        return len(self.flows) - len(self.downloading)

    def tick(self, now: float) -> None:
        """Heartbeat when due, unpark calls whose wait is over, take rows while there is room."""
        if now >= self.heartbeat_at:
            self.ledger.heartbeat()
            self.heartbeat_at = now + HEARTBEAT
        for key, (at, call) in list(self.parked.items()):
            if at <= now:
                del self.parked[key]
                self.calls[key] = call
        while self.places_taken < self.max_active and now >= max(self.claim_at, self.pause_until):
            skip = self.given_up | {key for key, at in self.not_before.items() if at > now}
            row = self.ledger.claim(skip=skip | set(self.flows), only=self.only)
            self.exhausted = row is None
            if row is None:
                # Rows another live process holds may come back (it may die): look again later.
                self.others_busy = self.ledger.busy_elsewhere(self.only) > 0
                self.claim_at = now + CLAIM_AGAIN
                break
            self.flows[row.key] = step_flow(self.ledger, row, self.rules)
            self._advance(row.key, now, None)

    def finished(self, now: float) -> bool:
        """Nothing left for this process: no character in hand, nothing left to claim, no row
        of this run waiting to be tried again, and none held by another live process (this one
        waits for them, and takes them over if that process dies)."""
        waiting = any(at > now and key not in self.given_up for key, at in self.not_before.items())
        return not self.flows and self.exhausted and not waiting and not self.others_busy

    # -- driving the step flows ---------------------------------------------------------------

    def _advance(self, key: str, now: float, reply: object) -> None:
        """Send ``reply`` (an error is thrown) into ``key``'s flow; file its next step."""
        flow = self.flows[key]
        try:
            step = flow.throw(reply) if isinstance(reply, BaseException) else flow.send(reply)
        except StopIteration:
            self._end(key, given_up=True)
            return
        except LostClaim:
            self._end(key, given_up=True)  # another process has the row now
            return
        except (CharlibError, OSError) as error:
            self._fail(key, now, error)
            return
        self._file(key, now, step)

    def _file(self, key: str, now: float, step: AwaitJob | Call) -> None:
        if isinstance(step, AwaitJob):
            waiter = Waiter(step.job_id, now=now, timeout=None, poll=self.poll, retry=self.retry)
            self.waits[step.job_id] = _Wait(key, waiter, now)
            heapq.heappush(self._due, (now, step.job_id))
            return
        if isinstance(step, Download):
            self.downloading.add(key)
        self.calls[key] = step

    def _end(self, key: str, *, given_up: bool) -> None:
        flow = self.flows.pop(key)
        flow.close()
        self.downloading.discard(key)
        self.calls.pop(key, None)
        self.parked.pop(key, None)
        if given_up:
            self.given_up.add(key)
        if self.on_change is not None:
            self.on_change()

    def _fail(self, key: str, now: float, error: BaseException) -> None:
        """A step failed: give the row back with the error; try it again later in this run,
        a few times, then leave it for the next run."""
        self.errors[key] += 1
        with contextlib.suppress(LostClaim):  # the row is another process's now
            self.ledger.release(key, f"{type(error).__name__}: {error}")
        last = self.errors[key] >= MAX_ROW_ERRORS
        self._end(key, given_up=last)
        if not last:
            self.not_before[key] = now + min(MAX_PAUSE, 2.0 ** self.errors[key])
            self.claim_at = min(self.claim_at, self.not_before[key])

    def take_calls(self) -> tuple[tuple[str, Call], ...]:
        """The calls to make now (all of them: at most one per character in hand)."""
        items = tuple(self.calls.items())
        self.calls.clear()
        return items

    def feed_calls(
        self, items: tuple[tuple[str, Call], ...], replies: list[Any], now: float
    ) -> None:
        """Hand each call's result to its flow; park a call the service pushed back on."""
        for (key, call), reply in zip(items, replies, strict=True):
            if key not in self.flows:
                continue
            if isinstance(reply, CharlibError) and self._should_wait(key, reply, now, call):
                continue
            self.refusals.pop(key, None)
            self._advance(key, now, reply)

    def _should_wait(self, key: str, error: CharlibError, now: float, call: Call) -> bool:
        """Whether to make ``call`` again later (a transient refusal); a job start never is:
        it may have started a job, so its flow lists the jobs again instead."""
        if not is_transient(error, self.retry):
            return False
        if isinstance(call, StartJob):
            self._push_back(error, now, 0.0)
            return False
        self.refusals[key] += 1
        if self.refusals[key] > MAX_CALL_RETRIES:
            return False
        delay = self._push_back(error, now, 2.0 ** self.refusals[key])
        self.parked[key] = (now + delay, call)
        return True

    def _push_back(self, error: CharlibError, now: float, fallback: float) -> float:
        """How long a refused request waits; 429 and 503 pause new characters as long."""
        retry_after = error.retry_after if isinstance(error, APIStatusError) else None
        delay = min(MAX_PAUSE, retry_after if retry_after is not None else fallback)
        if isinstance(error, APIStatusError) and error.status_code in (429, 503):
            self.pause_until = max(self.pause_until, now + delay)
        return delay

    # -- the jobs' one schedule ---------------------------------------------------------------

    def due_polls(self, now: float) -> tuple[str, ...]:
        """The jobs whose next poll is due (each at most once)."""
        due: list[str] = []
        while self._due and self._due[0][0] <= now:
            _, job_id = heapq.heappop(self._due)
            if job_id in self.waits:
                due.append(job_id)
        return tuple(due)

    def feed_polls(self, job_ids: tuple[str, ...], replies: list[Any], now: float) -> None:
        """Feed each poll to its job's waiter; hand an ended job to its flow."""
        for job_id, reply in zip(job_ids, replies, strict=True):
            wait = self.waits[job_id]
            if wait.key not in self.flows:  # the character was dropped meanwhile (lost claim)
                del self.waits[job_id]
                continue
            try:
                changed, ended = wait.waiter.feed(reply, now)
            except CharlibError as error:  # not worth waiting out (e.g. the job is gone)
                del self.waits[job_id]
                self._advance(wait.key, now, error)
                continue
            if isinstance(reply, APIStatusError):
                self._push_back(reply, now, 0.0)
            if ended:
                del self.waits[job_id]
                self._advance(wait.key, now, reply)
            elif self._overdue(wait, now):
                del self.waits[job_id]
                self._advance(wait.key, now, wait.waiter.timeout_error())
            else:
                if changed and not isinstance(reply, CharlibError):
                    self._progress(wait.key, reply)
                delay = wait.waiter.planned_delay(now, None)
                heapq.heappush(self._due, (now + delay, job_id))

    def _overdue(self, wait: _Wait, now: float) -> bool:
        return self.job_timeout is not None and now - wait.started >= self.job_timeout

    def _progress(self, key: str, status: JobStatus) -> None:
        try:
            self.ledger.progress(key, status.progress.current)
        except LostClaim:
            self._end(key, given_up=True)
            return
        if self.on_change is not None:
            self.on_change()

    def next_wake(self, now: float) -> float:
        """Seconds until something is due: a poll, a parked call, a claim, a heartbeat."""
        times = [self.heartbeat_at]
        if self._due:
            times.append(self._due[0][0])
        times.extend(at for at, _ in self.parked.values())
        if self.places_taken < self.max_active:
            times.append(max(self.claim_at, self.pause_until))
        return max(0.0, min(times) - now)

    def close(self) -> None:
        """End every flow still in hand (their rows are given back by the runner)."""
        for key in list(self.flows):
            self._end(key, given_up=False)


def batch_flow(state: Scheduler, now: Callable[[], float]) -> BatchFlow:
    """Run the batch to its end: no character left that this process may take. A job that
    outlives ``job_timeout`` is not waited for further: its row is given back (the job goes on;
    the next run waits for it again)."""
    try:
        while True:
            state.tick(now())
            if state.calls:
                items = state.take_calls()
                if any(isinstance(call, StartJob) for _, call in items):
                    state.ledger.flush()  # every intent on disk before its start is sent
                replies: list[Any] = yield Calls(items)
                state.feed_calls(items, replies, now())
                continue
            due = state.due_polls(now())
            if due:
                outcomes: list[Any] = yield PollJobs(due)
                state.feed_polls(due, outcomes, now())
                continue
            if state.finished(now()):
                return
            yield Sleep(state.next_wake(now()))
    finally:
        state.close()
