"""The job timeline as a pure function of stored facts and the current server time.

Nothing here runs in the background. A job is a handful of facts written once at creation
(:class:`JobFacts`: when it was created, when its capacity slot lets it start, its seed and
options) plus, at most, a cancel time. Everything a client can observe — status, progress,
``currentTask``, estimates, results — is computed from those facts and ``now`` by :func:`view`.
So thousands of idle jobs cost nothing, and a restarted server shows exactly what the crashed one
would have shown.

The generation itself is a :class:`Plan` drawn from the job's seed by :func:`build_plan`: for every
shot, how many attempts it took, how long each one ran (30-60 s of server time for a success),
whether it finally failed, and its quality score. The plan is deterministic, so it is recomputed
(and cached) instead of stored.

Reference-mode timeline over N shots (times relative to the job's slot start ``S``)::

    created ≤ t < S        pending     0/N   "Initializing..."        (queued behind other jobs)
    S + off(i) ≤ t < ...   processing  i/N   "Generating {shot i}"    one state per shot
    t ≥ S + duration       completed   N/N   "Completed"              (or failed: progress frozen)
    cancelled at c         cancelled   progress frozen at c, completedAt = c, final

The upstream mode reproduces the live service's quirks (CONTRACT §13/§14): a brief
``Initializing...``/``Starting core set generation...`` preamble with ``total`` 27, all 27 shots in
reverse order whatever ``imageCount`` says, ``startedAt`` rewritten by every progress write, a
cancel that only shows until the next progress write, no ``completedAt`` on cancel, and no
results on failure.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from mock_server.shots import SHOTS, Shot

__all__ = [
    "CANCELLED",
    "COMPLETED",
    "FAILED",
    "JOB_STATUSES",
    "JOB_TYPES",
    "MEAN_SHOT_MS",
    "PENDING",
    "PROCESSING",
    "SCENARIOS",
    "TERMINAL",
    "JobFacts",
    "JobView",
    "PlainWindow",
    "Plan",
    "ShotRun",
    "build_plan",
    "changes_at",
    "holds_slot",
    "is_active",
    "next_write_after",
    "percentage",
    "plain_window",
    "status_at",
    "status_of",
    "view",
]

PENDING = "pending"
PROCESSING = "processing"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
JOB_STATUSES = (PENDING, PROCESSING, COMPLETED, FAILED, CANCELLED)
TERMINAL = frozenset({COMPLETED, FAILED, CANCELLED})
JOB_TYPES = ("core-set", "360-set", "single-image")

#: Per-job scenarios selectable with ``X-Mock-Scenario`` ("random" is the default, seeded).
SCENARIOS = ("success", "partial", "fail", "slow")

#: The mean successful attempt (the middle of 30-60 s): basis of every completion estimate.
MEAN_SHOT_MS = 45_000
#: Probability that one attempt fails in the default (seeded random) scenario.
ATTEMPT_FAILURE_P = 0.1
#: How much longer shots take in the ``slow`` scenario.
SLOW_FACTOR = 5
#: Upstream preamble: worker start (1 s) then "Starting core set generation..." (2 s).
UPSTREAM_INIT_MS = 1_000
UPSTREAM_PREAMBLE_MS = 3_000

SHOT_ERROR = "Image generation failed"
NO_IMAGES_ERROR = "No images were successfully generated"


@dataclass(frozen=True, slots=True)
class ShotRun:
    """How one shot went: attempts, their durations, and the outcome."""

    index: int  # position in the job's generation order (0-based)
    shot: Shot
    offset_ms: int  # start, relative to the job's processing start
    attempt_ms: tuple[int, ...]
    succeeded: bool
    quality: int | None  # set when succeeded
    blank_dino: bool = False  # upstream D17: the asset id was read before it was set

    @property
    def duration_ms(self) -> int:
        """Time spent on all attempts of this shot."""
        return sum(self.attempt_ms)

    @property
    def attempts(self) -> int:
        """Number of attempts made."""
        return len(self.attempt_ms)


@dataclass(frozen=True)
class Plan:
    """The whole (deterministic) generation run of one job.

    Stored compactly as parallel tuples (a plan is rebuilt or cached for every poll of a running
    job, so it must be cheap); :attr:`runs` gives the same data as :class:`ShotRun` objects.
    """

    shots: tuple[Shot, ...]
    offsets: tuple[int, ...]  # start of each shot, relative to the job's processing start
    attempt_ms: tuple[tuple[int, ...], ...]
    qualities: tuple[int | None, ...]  # None: the shot failed
    blanks: tuple[bool, ...]
    preamble_ms: int
    duration_ms: int

    @cached_property
    def runs(self) -> tuple[ShotRun, ...]:
        """One :class:`ShotRun` per shot, in generation order."""
        return tuple(
            ShotRun(i, shot, off, att, q is not None, q, blank_dino=blank)
            for i, (shot, off, att, q, blank) in enumerate(
                zip(
                    self.shots,
                    self.offsets,
                    self.attempt_ms,
                    self.qualities,
                    self.blanks,
                    strict=True,
                )
            )
        )

    @property
    def succeeded(self) -> tuple[ShotRun, ...]:
        """Shots that produced an image, in generation order."""
        return tuple(r for r in self.runs if r.succeeded)

    @property
    def failed(self) -> tuple[ShotRun, ...]:
        """Shots that exhausted their attempts."""
        return tuple(r for r in self.runs if not r.succeeded)

    @property
    def total_attempts(self) -> int:
        """Attempts over all shots."""
        return sum(len(a) for a in self.attempt_ms)

    @property
    def outcome(self) -> str:
        """``completed`` if at least one image was produced, else ``failed``."""
        return COMPLETED if any(q is not None for q in self.qualities) else FAILED


@lru_cache(maxsize=16_384)  # covers 10,000 running jobs polled in turn
def build_plan(
    *,
    seed: int,
    shot_count: int,
    max_attempts: int,
    scenario: str = "random",
    mode: str = "reference",
    quality_threshold: float | None = None,
) -> Plan:
    """Draw the generation run of a job from its seed (pure and cached).

    Args:
        seed: the job's seed (derived from the server seed and ``customSeed`` or the job's number).
        shot_count: shots to generate (reference mode: the first N in canonical order; upstream
            mode ignores it and runs all 27 in reverse, defect D7/D22).
        max_attempts: attempts per shot (the wire's ``maxRetries``).
        scenario: ``random`` (seeded, ~10 % of attempts fail), ``success``, ``partial``, ``fail``
            or ``slow`` (like ``success``, five times longer).
        mode: ``reference`` or ``upstream``.
        quality_threshold: when set (legacy core-set path), an image below it is retried while
            attempts remain, and the last attempt is accepted whatever its score.

    Returns:
        The plan; equal arguments give an equal plan.
    """
    rng = random.Random(seed)
    # Bound methods, looked up once. The draws (and their order) are part of the seed contract:
    # changing them changes every seeded job, so keep them stable.
    uniform, randint = rng.random, rng.randint
    if mode == "upstream":
        shots: tuple[Shot, ...] = tuple(reversed(SHOTS))
        preamble = UPSTREAM_PREAMBLE_MS
    else:
        shots = SHOTS[: max(1, min(shot_count, len(SHOTS)))]
        preamble = 0
    count = len(shots)
    doomed: set[int] = set()
    if scenario == "fail":
        doomed = set(range(count))
    elif scenario == "partial" and count >= 2:
        how_many = rng.randint(1, max(1, min(count - 1, count // 4)))
        doomed = set(rng.sample(range(count), how_many))
    factor = SLOW_FACTOR if scenario == "slow" else 1
    offsets: list[int] = []
    all_attempts: list[tuple[int, ...]] = []
    qualities: list[int | None] = []
    blanks: list[bool] = []
    offset = preamble
    for index in range(count):
        attempts: list[int] = []
        quality: int | None = None
        succeeded = False
        while len(attempts) < max_attempts:
            last = len(attempts) + 1 == max_attempts
            if index in doomed:
                fails = True
            elif scenario in ("success", "slow", "partial"):
                fails = False
            else:
                fails = uniform() < ATTEMPT_FAILURE_P
            if fails:
                attempts.append(randint(10_000, 30_000) * factor)
                continue
            attempts.append(randint(30_000, 60_000) * factor)
            score = randint(70, 98)
            if quality_threshold is not None and score < quality_threshold and not last:
                continue
            quality, succeeded = score, True
            break
        blanks.append(mode == "upstream" and uniform() < 0.5)
        offsets.append(offset)
        all_attempts.append(tuple(attempts))
        qualities.append(quality if succeeded else None)
        offset += sum(attempts)
    return Plan(
        shots,
        tuple(offsets),
        tuple(all_attempts),
        tuple(qualities),
        tuple(blanks),
        preamble,
        offset,
    )


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What is stored about a job. Times are server-clock epoch milliseconds."""

    job_id: str
    seq: int
    character_id: str
    created_ms: int
    start_ms: int  # when its capacity slot lets it start (moved only by a cancel or capacity)
    end_ms: int  # start_ms + plan duration (denormalised for filtering)
    outcome: str  # completed | failed (denormalised from the plan)
    seed: int
    image_count: int
    max_attempts: int
    scenario: str = "random"
    mode: str = "reference"
    job_type: str = "360-set"
    request: dict[str, Any] = field(default_factory=dict, compare=False)
    cancelled_ms: int | None = None
    cancel_until_ms: int | None = None  # upstream D1: the cancel shows until the next write
    frozen_ms: int | None = None  # upstream D19: a job orphaned by a restart stops here

    def plan(self) -> Plan:
        """The job's (cached) generation plan."""
        return build_plan(
            seed=self.seed,
            shot_count=self.image_count,
            max_attempts=self.max_attempts,
            scenario=self.scenario,
            mode=self.mode,
        )


@dataclass(frozen=True, slots=True)
class JobView:
    """What a client sees of a job at one instant."""

    status: str
    current: int
    total: int
    percentage: int
    task: str | None
    started_ms: int | None
    completed_ms: int | None
    estimated_ms: int | None
    error: str | None = None
    results: Plan | None = None  # the plan whose outcome is shown, when results are visible
    processing_ms: int = 0
    # A replayed job's body as recorded (ids, times and media already its own; media URLs
    # relative): sent as it is, so a recording's quirks reach the client (mock_server.replay).
    recorded: dict[str, Any] | None = None


def percentage(current: int, total: int) -> int:
    """``Math.round(current / total * 100)`` in integers (0 when total is 0)."""
    if total <= 0:
        return 0
    return (200 * current + total) // (2 * total)


# The two rules below decide which status a job is in and whether it takes part in capacity. They
# take the stored columns one by one (no plan, no object) so that the in-memory store can call them
# in its loops and the SQLite store can register them as SQL functions: every filter, count and
# scan of either store calls these, so there is no second copy to drift.


def _job_time(now: int, frozen_ms: int | None) -> int:
    """Server time as a job sees it: a job frozen by a restart (upstream D19) stops there."""
    return now if frozen_ms is None or now < frozen_ms else frozen_ms


def status_of(
    now: int,
    start_ms: int,
    end_ms: int,
    outcome: str,
    cancelled_ms: int | None,
    cancel_until_ms: int | None,
    frozen_ms: int | None,
) -> str:
    """The status of a job with these stored facts at server time ``now``: the timeline's rule.

    A frozen job (upstream D19) stops at ``frozen_ms``; a cancel shows from ``cancelled_ms`` on
    (upstream D1: only until ``cancel_until_ms``); otherwise the job is pending until its slot
    starts, processing until its plan ends, then its outcome.

    Args:
        now: server time in epoch milliseconds.
        start_ms, end_ms, outcome, cancelled_ms, cancel_until_ms, frozen_ms: the stored facts
            of the same names (see :class:`JobFacts`).

    Returns:
        One of :data:`JOB_STATUSES`.
    """
    # The job list calls this once per stored job: skip the call for the usual, unfrozen job.
    t = now if frozen_ms is None else _job_time(now, frozen_ms)
    if (
        cancelled_ms is not None
        and cancelled_ms <= t
        and (cancel_until_ms is None or t < cancel_until_ms)
    ):
        return CANCELLED
    if t < start_ms:
        return PENDING
    if t < end_ms:
        return PROCESSING
    return outcome


def changes_at(job: JobFacts) -> tuple[int, ...]:
    """The instants at which :func:`status_at` of ``job`` can change, in order.

    :func:`status_of` compares the time with ``start_ms``, ``end_ms``, ``cancelled_ms`` and
    ``cancel_until_ms`` only (a freeze stops the job's time, so it adds no instant of its own);
    between two of these instants the status stays what it was at the first. An index of
    statuses at a moving time asks again at these instants and at no others.
    """
    instants = {job.start_ms, job.end_ms}
    for instant in (job.cancelled_ms, job.cancel_until_ms):
        if instant is not None:
            instants.add(instant)
    return tuple(sorted(instants))


@dataclass(frozen=True, slots=True)
class PlainWindow:
    """Where the stored times of a *plain* job (no cancel, no freeze) lie when it has a status.

    Every bound is inclusive on the ``_from`` side and exclusive on the ``_until`` side; None is
    unbounded. ``empty`` means no plain job has the status (only a cancel makes ``cancelled``).
    """

    start_from: int | None = None
    start_until: int | None = None
    end_from: int | None = None
    end_until: int | None = None
    outcome: str | None = None
    empty: bool = False


def plain_window(status: str, now: int) -> PlainWindow:
    """:func:`status_of` at ``now`` for a job with neither a cancel nor a freeze, as ranges.

    For such a job ``status_of`` only compares ``now`` with its start and end, so the jobs in
    ``status`` are those whose times lie in this window: what an index on those times can find
    without calling ``status_of`` on every job. The property tests hold it to ``status_of``.
    """
    if status == PENDING:
        return PlainWindow(start_from=now + 1)
    if status == PROCESSING:
        return PlainWindow(start_until=now + 1, end_from=now + 1)
    if status in (COMPLETED, FAILED):
        return PlainWindow(start_until=now + 1, end_until=now + 1, outcome=status)
    return PlainWindow(empty=True)


def holds_slot(
    now: int,
    end_ms: int,
    cancelled_ms: int | None,
    cancel_until_ms: int | None,
    frozen_ms: int | None,
) -> bool:
    """Whether a job with these facts holds or waits for a capacity slot at ``now``.

    Until its plan ends, unless a restart froze it (D19) or a reference-mode cancel freed its slot
    (an upstream cancel, which has ``cancel_until_ms``, leaves the worker running). Never true once
    ``end_ms <= now``, so a store may narrow the search with an index on ``end_ms`` first.
    """
    return (
        end_ms > now and frozen_ms is None and (cancelled_ms is None or cancel_until_ms is not None)
    )


def status_at(job: JobFacts, now: int) -> str:
    """The status of ``job`` at server time ``now`` (:func:`status_of` over its facts)."""
    return status_of(
        now,
        job.start_ms,
        job.end_ms,
        job.outcome,
        job.cancelled_ms,
        job.cancel_until_ms,
        job.frozen_ms,
    )


def is_active(job: JobFacts, now: int) -> bool:
    """Whether ``job`` holds or waits for a capacity slot at ``now`` (:func:`holds_slot`)."""
    return holds_slot(now, job.end_ms, job.cancelled_ms, job.cancel_until_ms, job.frozen_ms)


def next_write_after(job: JobFacts, t: int) -> int:
    """Upstream: when the next progress write after ``t`` happens (it overwrites a cancel)."""
    plan = job.plan()
    rel = t - job.start_ms
    if rel < 0:
        return job.start_ms
    if job.mode == "upstream" and rel < UPSTREAM_INIT_MS:
        return job.start_ms + UPSTREAM_INIT_MS
    k = bisect_right(plan.offsets, rel)
    if k < len(plan.offsets):
        return job.start_ms + plan.offsets[k]
    return job.end_ms


def _reference_active(job: JobFacts, plan: Plan, t: int) -> JobView:
    n = len(plan.shots)
    if t < job.start_ms:
        return JobView(
            PENDING, 0, n, 0, "Initializing...", None, None, job.start_ms + n * MEAN_SHOT_MS
        )
    i = bisect_right(plan.offsets, t - job.start_ms) - 1
    shot_start = job.start_ms + plan.offsets[i]
    # One estimate per progress step: the mean so far, extrapolated (refreshed at each shot).
    if i == 0:
        estimate = job.start_ms + n * MEAN_SHOT_MS
    else:
        estimate = shot_start + (shot_start - job.start_ms) * (n - i) // i
    return JobView(
        PROCESSING,
        i,
        n,
        percentage(i, n),
        f"Generating {plan.shots[i].name}",
        job.start_ms,
        None,
        estimate,
    )


def _reference(job: JobFacts, plan: Plan, now: int) -> JobView:
    n = len(plan.shots)
    c = job.cancelled_ms
    if c is not None and c <= now:
        seen = _reference_active(job, plan, c)
        return JobView(
            CANCELLED, seen.current, n, seen.percentage, seen.task, seen.started_ms, c, None
        )
    if now < job.end_ms:
        return _reference_active(job, plan, now)
    processing = job.end_ms - job.start_ms
    if plan.outcome == COMPLETED:
        return JobView(
            COMPLETED, n, n, 100, "Completed", job.start_ms, job.end_ms, None, None, plan,
            processing,
        )  # fmt: skip
    return JobView(
        FAILED,
        n - 1,
        n,
        percentage(n - 1, n),
        f"Generating {plan.shots[-1].name}",
        job.start_ms,
        job.end_ms,
        None,
        NO_IMAGES_ERROR,
        plan,
        processing,
    )


def _upstream_active(job: JobFacts, plan: Plan, t: int, now: int) -> JobView:
    count = job.image_count
    if t < job.start_ms:
        return JobView(PENDING, 0, count, 0, "Initializing...", job.created_ms, None, None)
    rel = t - job.start_ms
    if rel < UPSTREAM_INIT_MS:
        return JobView(PROCESSING, 0, count, 0, "Initializing...", job.start_ms, None, None)
    if rel < UPSTREAM_PREAMBLE_MS:
        started = job.start_ms + UPSTREAM_INIT_MS
        return JobView(PROCESSING, 0, 27, 0, "Starting core set generation...", started, None, None)
    i = bisect_right(plan.offsets, rel) - 1
    n = len(plan.shots)
    started = job.start_ms + plan.offsets[i]  # D5: every progress write resets startedAt
    pct = percentage(i, n)
    estimate = None
    # D6: only for a job running in this process (not one orphaned by a restart), computed from
    # the reset startedAt, so wildly optimistic.
    if pct > 0 and job.frozen_ms is None:
        elapsed = max(0, now - started)
        estimate = now + round(elapsed * (100 / pct - 1))
    task = f"Generating {plan.shots[i].name}"
    return JobView(PROCESSING, i, n, pct, task, started, None, estimate)


def _upstream(job: JobFacts, plan: Plan, now: int) -> JobView:
    status = status_at(job, now)
    if status == CANCELLED:
        assert job.cancelled_ms is not None
        seen = _upstream_active(job, plan, job.cancelled_ms, job.cancelled_ms)
        # D21: no completedAt on cancel; D1: only until the worker's next write.
        return JobView(
            CANCELLED, seen.current, seen.total, seen.percentage, seen.task, seen.started_ms, None,
            None,
        )  # fmt: skip
    if status in (PENDING, PROCESSING):
        return _upstream_active(job, plan, _job_time(now, job.frozen_ms), now)
    n = len(plan.shots)
    last_write = job.start_ms + plan.offsets[-1]
    if plan.outcome == COMPLETED:
        count = job.image_count  # D7: total jumps back to imageCount at the end
        # D4: processingTime is "now minus now"
        return JobView(
            COMPLETED, count, count, 100, "Completed", last_write, job.end_ms, None, None, plan, 0
        )
    # D16: a failed job keeps no results.
    return JobView(
        FAILED,
        n - 1,
        n,
        percentage(n - 1, n),
        f"Generating {plan.shots[-1].name}",
        last_write,
        job.end_ms,
        None,
        NO_IMAGES_ERROR,
    )


def view(job: JobFacts, now: int, plan: Plan | None = None) -> JobView:
    """What a client sees of ``job`` at server time ``now`` (milliseconds).

    Args:
        job: the stored facts.
        now: server time in epoch milliseconds.
        plan: the job's plan, if the caller has it already (else it is built, cached).
    """
    if plan is None:
        plan = job.plan()
    if job.mode == "upstream":
        return _upstream(job, plan, now)
    return _reference(job, plan, now)
