"""What a job's statuses tell about its timeline, in server time (pure: no I/O, time passed in).

The poll-delay rule (:mod:`charlib._polling`) plans best on the server's own clock: a step begins
at a server instant, and a plan made in server seconds is turned into a local sleep only at the
end. This module keeps the two facts that needs:

* :class:`ServerClock`: the server time at a local instant. ``Date`` counts whole seconds, so each
  response only says that the server's clock then read between ``Date`` and ``Date + 1``; at a
  known pace every response narrows the offset between the two clocks, and after a few of them
  the server's time is known to a fraction of a second.
* :class:`StepLog`: when each progress step began, on the server's clock. A status says it in one
  of two ways, and each is believed only when it falls inside the window in which the change must
  have happened (after the last poll that saw the previous step, no later than this one): the
  live service rewrites ``startedAt`` at every progress write (CONTRACT D5), and an estimate
  refreshed at each step (D6) that extrapolates the pace so far counts whole steps from the start
  of the current one. From consecutive starts come the step durations: their mean, and the
  shortest and longest seen, which bound when the next step can begin. An estimate given while
  the first step runs is the server's own expectation of a step, before any was retried: the
  shortest step is planned a third below it (or below the mean, if shorter) from the first step
  on, rather than half below a mean that a single retried step can lengthen.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

__all__ = ["Pace", "ServerClock", "StepLog"]

# Offsets are narrowed over this many recent responses (older ones carry the rate's error).
_CLOCK_SAMPLES = 24
# Seconds by which the bounds of the server's time may cross before they are disbelieved.
_CLOCK_SLACK = 0.5
# The server's expectation of a step is believed unless steps take this many times longer: an
# estimate that far off (a millisecond a step, say) says nothing about the shortest step.
_BELIEVED_FACTOR = 3.0
# Before this many step durations were seen, the shortest and longest are assumed, not measured.
_MIN_DURATIONS = 5
# Assumed spread of a step around a mean measured over that many steps: a third either way (30-60 s
# for 45 s); around a mean of fewer (or the server's assumption), half: one retried shot among
# the first few would otherwise make the shortest step look longer than it is, and skip a step.
_ASSUMED_SPREAD = 1 / 3
_EARLY_SPREAD = 1 / 2


@dataclass
class ServerClock:
    """Server seconds at a local instant, from (local time, ``Date``) pairs and a known pace."""

    samples: deque[tuple[float, float]] = field(
        default_factory=lambda: deque(maxlen=_CLOCK_SAMPLES)
    )

    def add(self, local: float, server: datetime | None) -> None:
        """Record one response's ``Date`` (``None``: the server sent none)."""
        if server is not None:
            self.samples.append((local, server.timestamp()))

    def at(self, local: float, rate: float) -> float | None:
        """The server's time at ``local`` (None before any ``Date``), for ``rate`` server
        seconds per local second."""
        if not self.samples:
            return None
        low = max(server - rate * when for when, server in self.samples)
        high = min(server + 1 - rate * when for when, server in self.samples)
        # Bounds that cross by a little: the pace is known to a part in a thousand or so, which
        # over the samples' span is a fraction of a second; their middle is still the best guess.
        if low > high + _CLOCK_SLACK:  # the pace moved since: trust the latest response alone
            when, server = self.samples[-1]
            low, high = server - rate * when, server + 1 - rate * when
        return (low + high) / 2 + rate * local

    def window(self) -> tuple[float, float] | None:
        """(earliest, latest) server time of the latest response (its ``Date`` and one second
        on), or None before any."""
        if not self.samples:
            return None
        server = self.samples[-1][1]
        return server, server + 1


@dataclass(frozen=True)
class Pace:
    """How long steps take on the server's clock: mean, shortest and longest (seconds).

    ``usual`` is the longest of an ordinary step, one that was not retried (``longest`` until
    enough steps were seen to tell): where most steps have ended, so where the last step's polls
    are closest together.
    """

    mean: float
    shortest: float
    longest: float
    usual: float

    @property
    def spread(self) -> float:
        """The standard deviation of one step, as if uniform between shortest and longest."""
        return max(self.longest - self.shortest, 0.0) / math.sqrt(12)


@dataclass
class StepLog:
    """When each progress step began, in server seconds (see the module)."""

    starts: dict[int, float] = field(default_factory=dict)
    # The server's own expectation of a step (seconds), from its estimate while the first step
    # ran: before any step was retried, so no longer than an ordinary step on average.
    expected: float | None = None
    # The window of the previous response: a change seen now happened after its earliest.
    _previous: tuple[float, float] | None = None

    def observe(
        self,
        *,
        step: int | None,
        moved: bool,
        total: int,
        window: tuple[float, float] | None,
        started_at: datetime | None,
        estimated_at: datetime | None,
    ) -> None:
        """Record one response: ``step`` is the step shown while processing (None otherwise),
        ``moved`` whether it differs from the one shown before, ``window`` this response's
        server-time window."""
        previous, self._previous = self._previous, window
        if step is None or window is None or (step in self.starts and not moved):
            return
        if previous is not None and moved:
            after = previous[0]
        elif step == 0:
            after = -math.inf
        else:
            return  # joined mid-run: nothing bounds when this step began
        # A step begins after every earlier one did.
        after = max([after, *(start for index, start in self.starts.items() if index < step)])
        for candidate in _candidates(step, total, started_at, estimated_at):
            if after < candidate <= window[1]:
                self.starts[step] = candidate
                break
        first = self.starts.get(0)
        if step == 0 and first is not None and estimated_at is not None and total > 0:
            expected = (estimated_at.timestamp() - first) / total
            self.expected = expected if expected > 0 else None

    def start(self, step: int) -> float | None:
        """When ``step`` began (server seconds), if known."""
        return self.starts.get(step)

    def pace(self, step: int, total: int, estimated_at: datetime | None) -> Pace | None:
        """The pace of steps so far: measured from seen starts, else from the server's estimate
        (the time it gives for the steps left). None when neither says anything."""
        known = sorted(self.starts)
        durations = [self.starts[b] - self.starts[a] for a, b in pairwise(known) if b == a + 1]
        mean: float | None = None
        steps = 0  # how many steps the mean was measured over
        if len(known) >= 2 and known[-1] > known[0]:
            steps = known[-1] - known[0]
            mean = (self.starts[known[-1]] - self.starts[known[0]]) / steps
        start = self.starts.get(step)
        if mean is None and estimated_at is not None and start is not None and total > step:
            # The estimate extrapolates the steps so far (none yet: the server's assumption).
            steps = step
            mean = (estimated_at.timestamp() - start) / (total - step)
        if mean is None or not mean > 0:
            return None
        spread = _ASSUMED_SPREAD if steps >= _MIN_DURATIONS else _EARLY_SPREAD
        center = mean
        if self.expected is not None and self.expected * _BELIEVED_FACTOR >= mean:
            # The server said how long a step takes before any ran: a third either side of
            # that, from the first step on. A retried step lengthens the measured mean, not the
            # shortest step, so the shortest is planned on the smaller of the two.
            spread, center = _ASSUMED_SPREAD, min(mean, self.expected)
        shortest, longest = center * (1 - spread), mean * (1 + spread)
        usual = longest
        if len(durations) >= _MIN_DURATIONS:
            # Seen durations only ever widen the assumed spread, by about the gap expected
            # between the shortest of n draws and the shortest possible: planning on a shortest
            # step longer than the real one would skip one.
            ordered = sorted(durations)
            low, high = ordered[0], ordered[-1]
            # Half the range, from the median: a long (retried) step does not widen it.
            gap = (ordered[len(ordered) // 2] - low) / (len(ordered) // 2 + 1)
            shortest, longest = max(min(shortest, low - gap), 0.0), max(longest, high + gap)
            # As far above the median as the shortest is below it: a retried step (one failed
            # attempt and a successful one) runs past that, an ordinary one seldom does.
            usual = min(2 * ordered[len(ordered) // 2] - shortest, longest)
        return Pace(mean, max(shortest, 0.0), longest, usual)


def _candidates(
    step: int, total: int, started_at: datetime | None, estimated_at: datetime | None
) -> list[float]:
    """When a step may have begun, by what the status says (see the module).

    ``startedAt`` first: where it is the job's start it falls before the window of any later step
    (and is the start of the first), where it is rewritten it is the step's start.
    """
    out: list[float] = []
    if started_at is not None:
        out.append(started_at.timestamp())  # rewritten at every progress write (D5)
    if started_at is not None and estimated_at is not None and total > 0:
        begun, end = started_at.timestamp(), estimated_at.timestamp()
        if end > begun:
            # An estimate extrapolating the pace so far: end = start_of_step + pace * steps_left,
            # with pace = (end - begun) / total; so the step began `step` paces after `begun`.
            out.append(begun + (end - begun) * step / total)
    return out
