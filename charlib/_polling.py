"""The polling policy: when to ask again, as pure arithmetic (no I/O, no sleeping).

A job moves in steps (one per shot); the caller wants to see each step soon after it happens and,
above all, to learn of completion quickly, without hammering the server. The policy therefore:

* learns the **rate** of the server's clock against ours from the ``Date`` header of each response
  (a mock may run 60x faster than real time); server timestamps are never compared with the
  local clock directly;
* when the job's own times allow it (:mod:`charlib._pace`: when each step began, the pace, the
  shortest and longest step), **plans on the server's clock** and turns the plan into a local
  sleep at the end. Whether anybody is shown the progress (``watched``) decides the plan: a
  watcher gets one poll per step, after the next step's latest start and before the earliest
  start of the one after it (so no step is skipped); a bare wait jumps to just before the last
  step's earliest end. On the last step, short polls (about ``timed_hot_fraction`` of a step
  apart, closer together as the end of an ordinary step nears) from just before its earliest end
  keep the detection lag small;
* otherwise learns the **cadence** of progress steps from when it saw them change, on the local
  clock, polls about once per expected step, a little after the step should end, and switches to
  short polls on the last step from shortly before the expected end ("hot zone");
* backs off geometrically while a job is pending or nothing can be predicted;
* honours ``Retry-After``, adds jitter, clamps to ``[min_interval, max_interval]`` and never sleeps
  past the caller's deadline.

What a server says can change the plan only so much. Its clock's pace counts for at most
:data:`MAX_PACE` times real time either way (a ``Date`` that runs away, say an hour per response,
would otherwise shrink every predicted step towards nothing and turn the wait into a stream of
requests); and a prediction that keeps failing (the step it expected has not come, or the job was
joined mid-run and does not move) loses weight poll by poll: the delay grows geometrically, as
while a job is pending, instead of polling at the predicted cadence for ever.

`PollTracker` holds what was observed; `PollTracker.next_delay` is the whole decision.

This module owns the poll-delay rule and nothing else: the state of a wait (deadline, changes,
reporting, a cancel being confirmed) belongs to :mod:`charlib._waiting`, and the retry policy whose
``Retry-After`` cap applies here is the client's, passed in.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime

from charlib._config import RetryPolicy
from charlib._exceptions import InvalidParameterError
from charlib._models import JobState
from charlib._pace import Pace, ServerClock, StepLog

__all__ = ["MAX_PACE", "PollPolicy", "PollTracker"]

# Backoff stops growing after this many unchanged polls (and never overflows).
_MAX_BACKOFF_STEPS = 32
# The last step's polls: the first gap and the last before an ordinary step's end, in
# `timed_hot_fraction` of a step; at most this many are laid out (a lost job is spaced by _stuck).
_WIDEST = 1.45
_NARROWEST = 0.55
_MAX_LAST_POLLS = 400
# Nobody watching: how many standard deviations of the steps left a jump keeps short of the
# last step's earliest end (3: about one jump in a thousand lands after the job ended).
_SAFETY = 3.0

#: The fastest (and slowest) a server clock is believed to run against ours: an hour per second.
#: A sped-up mock runs at up to a few thousand times real time; a faster pace is a broken clock.
MAX_PACE = 3600.0


@dataclass(frozen=True)
class PollPolicy:
    """How often a wait asks for a job's status. All intervals are local seconds.

    The defaults suit both the live service (steps of 30-60 s) and a sped-up mock server.

    Attributes:
        min_interval: never poll more often than this.
        max_interval: never wait longer than this between two polls.
        initial_interval: the first delay, before anything is known about the job.
        backoff: growth factor of the delay while nothing can be predicted (e.g. pending).
        default_step: assumed seconds per progress step (server time) until one is observed.
        step_margin: poll this fraction of a step after a step is expected to end.
        hot_fraction: on the last step, poll every ``hot_fraction`` of a step.
        timed_hot_fraction: the same, when the server's own times say when the step began and
            how long steps take (the window of the end is then known, and worth polling closely):
            the gaps narrow from 1.45 to 0.55 times this across that window, where the step
            grows ever likelier to end before the next poll.
        hot_start: on the last step, start the short polls at this fraction of the step.
        jitter: each delay is stretched by a random factor in ``[1, 1 + jitter]`` (never
            shortened, so a poll aimed at an expected change never lands just before it).
        probe_interval: the second poll comes this soon, to measure the server clock's rate
            (a sped-up mock can finish a whole step within ``initial_interval``).
        fixed: if set, poll at exactly this interval (no adaptation, no jitter).
    """

    min_interval: float = 0.02
    max_interval: float = 60.0
    initial_interval: float = 1.0
    backoff: float = 1.5
    default_step: float = 45.0
    step_margin: float = 0.3
    hot_fraction: float = 1 / 18
    timed_hot_fraction: float = 1 / 36
    hot_start: float = 0.6
    jitter: float = 0.1
    probe_interval: float = 0.1
    fixed: float | None = None

    def __post_init__(self) -> None:
        # (field, lowest allowed, highest allowed, lowest excluded?)
        bounds: tuple[tuple[str, float, float, bool], ...] = (
            ("min_interval", 0, math.inf, True),
            ("max_interval", 0, math.inf, True),
            ("initial_interval", 0, math.inf, True),
            ("default_step", 0, math.inf, True),
            ("probe_interval", 0, math.inf, True),
            ("backoff", 1, 100, False),
            ("step_margin", 0, 10, False),
            ("hot_fraction", 0, 1, True),
            ("timed_hot_fraction", 0, 1, True),
            ("hot_start", 0, 1, False),
            ("jitter", 0, 0.999, False),
        )
        for name, low, high, open_low in bounds:
            value = getattr(self, name)
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not (number and math.isfinite(value) and low <= value <= high) or (
                open_low and value == low
            ):
                side = "(" if open_low else "["
                raise InvalidParameterError(
                    f"PollPolicy.{name}", f"must be a number in {side}{low}, {high}], got {value!r}"
                )
        if self.min_interval > self.max_interval:
            raise InvalidParameterError("PollPolicy.min_interval", "must not exceed max_interval")
        fixed = self.fixed
        if fixed is not None and not (
            isinstance(fixed, (int, float)) and math.isfinite(fixed) and fixed > 0
        ):
            raise InvalidParameterError("PollPolicy.fixed", f"must be seconds > 0, got {fixed!r}")

    @classmethod
    def every(cls, seconds: float) -> PollPolicy:
        """A fixed interval: poll every ``seconds``, whatever the job does."""
        return cls(fixed=seconds, min_interval=min(seconds, 0.05), max_interval=max(seconds, 60.0))


@dataclass
class _RateEstimator:
    """Server seconds per local second, from (local time, server ``Date``) pairs.

    ``Date`` has one-second resolution, so the estimate is trusted only once the server's clock has
    moved far enough for that rounding to matter little.
    """

    first: tuple[float, float] | None = None
    last: tuple[float, float] | None = None
    samples: int = 0
    min_server_span: float = 3.0

    def add(self, local: float, server: datetime | None) -> None:
        if server is None:
            return
        point = (local, server.timestamp())
        if self.first is None:
            self.first = point
        self.last = point
        self.samples += 1

    def _spans(self) -> tuple[float, float]:
        """(local seconds, server seconds) between the first and the last sample."""
        if self.first is None or self.last is None:
            return 0.0, 0.0
        return self.last[0] - self.first[0], self.last[1] - self.first[1]

    @property
    def trusted(self) -> bool:
        """Whether enough server time has passed between samples for the rate to mean something."""
        local_span, server_span = self._spans()
        return local_span > 0 and server_span >= self.min_server_span

    @property
    def settled(self) -> bool:
        """Whether the pace is known well enough to plan by: measured, or surely near real time.

        ``Date`` rounds to whole seconds, so a server that moved ``n`` seconds moved less than
        ``n + 1``; once that bounds the rate below 2, planning on real time is safe enough.
        """
        local_span, server_span = self._spans()
        return self.trusted or (local_span > 0 and (server_span + 1) / local_span <= 2)

    @property
    def rate(self) -> float:
        """Server seconds per local second, within ``[1 / MAX_PACE, MAX_PACE]`` (1.0 until
        trusted)."""
        local_span, server_span = self._spans()
        if not self.trusted:
            return 1.0
        return min(max(server_span / local_span, 1 / MAX_PACE), MAX_PACE)


@dataclass
class PollTracker:
    """What one wait has seen of one job, and the decision of when to look again.

    Feed every status response to `observe` (with the local monotonic time it arrived), then ask
    `next_delay` how long to sleep. Pure: the random source is injected, time is passed in.
    """

    policy: PollPolicy = field(default_factory=PollPolicy)
    rng: random.Random = field(default_factory=random.Random)
    # A server's Retry-After is honoured up to this: the client's RetryPolicy.max_retry_after.
    max_retry_after: float = RetryPolicy.max_retry_after

    status: str | None = None
    current: int = 0
    total: int = 0
    last_poll: float | None = None
    unchanged_polls: int = 0
    retry_after: float | None = None
    # Local time at which the most recent step change most likely happened (midpoint of the
    # interval between the poll that did not see it and the poll that did).
    step_changed_at: float | None = None
    # The earliest the most recent step change can have happened (the poll before it was seen).
    step_changed_after: float | None = None
    # (local time, step index) of the first step change seen; with step_changed_at it gives cadence.
    _first_step: tuple[float, int] | None = None
    # The server's latest estimate: (server seconds to completion, steps left) when it was given.
    _eta: tuple[float, int] | None = None
    _rate: _RateEstimator = field(default_factory=_RateEstimator)
    # Whether anybody is shown each step (a bar, a callback, ``watch``): then every step is
    # polled for; otherwise only completion matters.
    watched: bool = True
    _clock: ServerClock = field(default_factory=ServerClock)
    _steps: StepLog = field(default_factory=StepLog)
    _estimated_at: datetime | None = None
    # The last step's poll times (server seconds): the one the next poll is aimed at, and the
    # latest one a poll was made for. The server's time is known to half a second or so, so a
    # poll can land before the time it was aimed at: it is not aimed at that time again.
    _aim: float | None = None
    _aimed: float = -math.inf

    def observe(
        self,
        now: float,
        *,
        status: str,
        current: int = 0,
        total: int = 0,
        estimated_completion_at: datetime | None = None,
        server_date: datetime | None = None,
        retry_after: float | None = None,
        started_at: datetime | None = None,
    ) -> None:
        """Record one status response that arrived at local monotonic time ``now``."""
        self._rate.add(now, server_date)
        self._clock.add(now, server_date)
        processing = status == "processing"
        self._steps.observe(
            step=current if processing else None,
            moved=processing and (self.status != "processing" or current != self.current),
            total=total,
            window=self._clock.window() if server_date is not None else None,
            started_at=started_at,
            estimated_at=estimated_completion_at,
        )
        self._estimated_at = estimated_completion_at
        if self._aim is not None:
            self._aimed, self._aim = self._aim, None
        step_moved = (
            self.status == "processing" and status == "processing" and current != self.current
        )
        started = self.status != "processing" and status == "processing"
        if (step_moved or started) and self.status is not None:
            changed_at = self._when_changed(
                now, moved_by=current - self.current if step_moved else 0
            )
            if step_moved:
                if self._first_step is None and self.step_changed_at is not None:
                    self._first_step = (self.step_changed_at, self.current)
                elif self._first_step is None:
                    self._first_step = (changed_at, current)
            self.step_changed_at = changed_at
            self.step_changed_after = self.last_poll if self.last_poll is not None else now
        if status != self.status or current != self.current or total != self.total:
            self.unchanged_polls = 0
        else:
            self.unchanged_polls += 1
        if estimated_completion_at is not None and server_date is not None:
            remaining_server = (estimated_completion_at - server_date).total_seconds()
            self._eta = (max(0.0, remaining_server), total - current)
        self.status, self.current, self.total = status, current, total
        self.retry_after = retry_after
        self.last_poll = now

    def observe_error(self, now: float, *, retry_after: float | None = None) -> None:
        """Record a failed poll (transient error): back off as if nothing changed."""
        self.unchanged_polls += 1
        self.retry_after = retry_after
        self.last_poll = now

    @property
    def rate(self) -> float:
        """Estimated server seconds per local second (1.0 until measured)."""
        return self._rate.rate

    def step_seconds(self) -> float:
        """Expected local seconds per step: observed, else the server's estimate, else default."""
        if self._first_step is not None and self.step_changed_at is not None:
            first_at, first_index = self._first_step
            steps = self.current - first_index
            if steps > 0 and self.step_changed_at > first_at:
                return (self.step_changed_at - first_at) / steps
        if self._eta is not None:
            remaining_server, remaining_steps = self._eta
            if remaining_steps > 0 and remaining_server > 0:
                return remaining_server / remaining_steps / self.rate
        return self.policy.default_step / self.rate

    def _when_changed(self, now: float, moved_by: int) -> float:
        """Best guess of when a change seen at ``now`` happened.

        It happened after the previous poll and no later than this one. Within that window, the
        time the cadence predicted is the best guess; without a prediction, the window's middle.
        """
        previous = self.last_poll if self.last_poll is not None else now
        guess = (previous + now) / 2
        if moved_by > 0 and self.step_changed_at is not None:
            guess = self.step_changed_at + moved_by * self.step_seconds()
        return min(max(guess, previous), now)

    def next_delay(self, now: float, deadline: float | None = None) -> float:
        """Seconds to sleep before the next poll (0 when the deadline has already passed)."""
        policy = self.policy
        planned = None if policy.fixed is not None else self._planned(now)
        if policy.fixed is not None:
            delay = policy.fixed
        elif planned is not None:
            # Planned on the server's clock: jitter of a fraction of the shortest poll spacing,
            # so that a poll aimed just after a change never lands a step late.
            delay, spacing = planned
            delay += self.rng.uniform(0.0, policy.jitter * spacing)
            delay = min(max(delay, policy.min_interval), policy.max_interval)
        else:
            delay = self._jittered(self._adaptive_delay(now))
            samples = self._rate.samples
            if samples and not self._rate.settled:
                # Until the server clock's pace is known (a mock may run 600x), predictions in
                # local seconds can be far off: probe soon, then back off, until it is known.
                # Against a real-time server this costs a few early requests.
                probe = policy.initial_interval * self._growth(samples - 2)
                delay = min(delay, policy.probe_interval if samples == 1 else probe)
            delay = min(max(delay, policy.min_interval), policy.max_interval)
        if not math.isfinite(delay):
            delay = policy.max_interval
        if self.retry_after is not None and math.isfinite(self.retry_after):
            delay = max(delay, min(self.retry_after, self.max_retry_after))
        if deadline is not None:
            delay = min(delay, deadline - now)
        return max(0.0, delay)

    def _planned(self, now: float) -> tuple[float, float] | None:
        """(delay, hot spacing) in local seconds, planned on the server's clock from when the
        current step began and the pace of steps; None when those are not known."""
        if self.status != "processing" or not self._rate.trusted:
            return None
        start = self._steps.start(self.current)
        pace = self._steps.pace(self.current, self.total, self._estimated_at)
        rate = self.rate
        server_now = self._clock.at(now, rate)
        if start is None or pace is None or server_now is None:
            return None
        hot = self.policy.timed_hot_fraction * pace.mean
        # A poll made for a target is answered a little before or after it on the server's
        # clock as estimated here: a quarter of the short spacing counts as on time.
        target = self._target(server_now, start, pace, hot / 4)
        return max(0.0, target - server_now) / rate, hot / rate

    def _target(self, now: float, start: float, pace: Pace, early: float) -> float:
        """When to look next, in server seconds, for a step that began at ``start`` (a target
        less than ``early`` ahead counts as reached)."""
        policy = self.policy
        hot = policy.timed_hot_fraction * pace.mean
        left = self.total - self.current  # steps left, the current one included
        if left <= 1:
            return self._last_step_target(now, start, pace, early)
        if self.watched:
            # The next step begins by start + longest, the one after it not before
            # start + 2 * shortest: a poll in between shows every step.
            target = start + min(pace.longest + hot, 2 * pace.shortest - hot)
            if now + early < target:
                return target
            # Still this step, so the one after the next cannot begin within `shortest`.
            return now + max(pace.shortest - hot, hot) * self._stuck(now, start, pace)
        # Nobody is shown the steps: jump towards the last one, landing before its hot zone
        # unless the steps left run far faster than seen (_SAFETY deviations).
        current_ends = start + max(pace.mean, now - start + hot)
        last_begins = current_ends + pace.mean * (left - 2)
        margin = _SAFETY * pace.spread * math.sqrt(left - 1)
        target = last_begins + pace.shortest - hot - margin
        return max(target, now + max(hot, pace.shortest / 4) * self._stuck(now, start, pace))

    def _last_step_target(self, now: float, start: float, pace: Pace, early: float) -> float:
        """The next of the last step's polls, in server seconds: completion comes next.

        The polls are fixed times from the step's start (a poll answered late does not push
        the next ones back): from a little before the step's earliest end, gaps that narrow
        from :data:`_WIDEST` to :data:`_NARROWEST` ``timed_hot_fraction`` of a step by the end
        of an ordinary step, as the chance that the step ends before the next poll grows; past
        that end, gaps as wide as the first, spaced more by each overdue part of a step.
        """
        hot = self.policy.timed_hot_fraction * pace.mean
        widest, narrowest = _WIDEST * hot, _NARROWEST * hot
        at = start + pace.shortest - hot
        ordinary_end = max(start + pace.usual, at + widest)
        # Linear narrowing (the best spacing for an end equally likely anywhere in the window):
        # the gaps that fit in it, and how much each is shorter than the one before.
        count = max(1, round(2 * (ordinary_end - at) / (widest + narrowest)))
        shrink = (widest - narrowest) / count
        gap = widest
        overdue_step = self.policy.step_margin * pace.mean
        reached = max(now + early, self._aimed)
        for _ in range(_MAX_LAST_POLLS):
            if at > reached:
                self._aim = at
                return at
            at += gap
            if at < ordinary_end:
                gap = max(gap - shrink, narrowest)
            else:
                gap = widest * self._growth(int((at - ordinary_end) / overdue_step))
        return now + widest * self._stuck(now, start, pace)

    def _stuck(self, now: float, start: float, pace: Pace) -> float:
        """1, or more and more once a step has run twice its longest (a lost job, or a pace the
        server got wrong): by whole steps past that, the polls spread out geometrically."""
        past = now - start - 2 * pace.longest
        return 1.0 if past <= 0 else self._growth(int(past / pace.mean) + 1)

    def _adaptive_delay(self, now: float) -> float:
        policy = self.policy
        if self.status is None:
            return policy.initial_interval
        if self.status == "processing" and self.step_changed_at is not None:
            step = self.step_seconds()
            step_end = self.step_changed_at + step
            if self.total > 0 and self.total - self.current <= 1:
                # Last step: completion comes next. Short polls from a little before it is due.
                # Measured from the earliest the step can have begun: a short last step is
                # what makes detection late, so plan for it.
                began = self.step_changed_after if self.step_changed_after is not None else now
                hot_from = began + policy.hot_start * step
                if now < hot_from:
                    return hot_from - now
                # Overdue by whole steps: the prediction was wrong; trust it less and less.
                overdue = max(0.0, now - self.step_changed_at - 2 * step)
                return policy.hot_fraction * step * self._growth(int(overdue / step))
            target = step_end + policy.step_margin * step
            if now < target:
                return target - now
            # The step runs long: look again a quarter step later, then back off.
            return policy.step_margin * step * self._growth(self.unchanged_polls - 1)
        if self.status == "processing":
            # Joined mid-run: the current step's start is unknown, so look soon and learn; the
            # longer nothing moves, the less the predicted step counts (both back off).
            growth = self._growth(self.unchanged_polls)
            return min(policy.initial_interval, self.step_seconds() / 2) * growth
        if JobState(self.status).is_terminal:
            # A terminal state seen once is confirmed by one more look (the live service can
            # flip a cancelled job back to processing); keep that look cheap but not hasty.
            return self.step_seconds() * policy.step_margin
        return policy.initial_interval * self._growth(self.unchanged_polls)

    def _growth(self, steps: int) -> float:
        """``backoff ** steps``, bounded so that it never overflows."""
        return float(self.policy.backoff ** min(max(0, steps), _MAX_BACKOFF_STEPS))

    def _jittered(self, delay: float) -> float:
        jitter = self.policy.jitter
        if jitter <= 0:
            return delay
        return delay * self.rng.uniform(1.0, 1.0 + jitter)
