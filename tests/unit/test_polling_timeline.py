"""Polling planned on the server's clock: when each step began, who is watching, and the cost.

A simulated reference server (shots of 30-60 s, an occasional retried shot, ``startedAt`` and an
estimate refreshed at each step that extrapolates the pace so far, ``Date`` in whole seconds)
on a clock 20x faster than ours; no I/O, time passed in.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from charlib._pace import ServerClock, StepLog
from charlib._polling import PollPolicy, PollTracker

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
SPEED = 20.0
SHOTS = 27


def _at(seconds: float) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


@dataclass
class _Job:
    starts: list[float]  # server seconds, one per shot
    end: float

    @classmethod
    def drawn(cls, seed: int) -> _Job:
        rng = random.Random(seed)
        starts, t = [], 0.0
        for _ in range(SHOTS):
            starts.append(t)
            retried = rng.random() < 0.1
            t += rng.uniform(30, 60) + (rng.uniform(10, 30) if retried else 0.0)
        return cls(starts, t)

    def observe(self, tracker: PollTracker, local: float, server: float) -> int:
        """Feed the tracker what the server shows at ``server``; returns the step shown."""
        step = max(i for i, start in enumerate(self.starts) if start <= server)
        begun = self.starts[step]
        pace = begun / step if step else 45.0
        tracker.observe(
            local,
            status="processing",
            current=step,
            total=SHOTS,
            server_date=_at(int(server)),
            started_at=_at(0.0),
            estimated_completion_at=_at(begun + pace * (SHOTS - step)),
        )
        return step


@dataclass
class _Run:
    requests: int
    lag: float
    shown: int  # distinct steps seen


def _follow(seed: int, *, watched: bool, policy: PollPolicy | None = None) -> _Run:
    job = _Job.drawn(seed)
    tracker = PollTracker(policy=policy or PollPolicy(), rng=random.Random(seed), watched=watched)
    local = random.Random(-seed).uniform(0, 15 / SPEED) if policy else 0.0
    requests, shown = 0, set()
    while True:
        server = local * SPEED
        requests += 1
        if server >= job.end:
            return _Run(requests, server - job.end, len(shown))
        shown.add(job.observe(tracker, local, server))
        delay = tracker.next_delay(local)
        assert delay * SPEED >= 0.4 - 1e-9  # never under the 20 ms floor
        local += delay


SEEDS = range(40)


@pytest.fixture(scope="module")
def fixed() -> list[_Run]:
    """Polling every 15 server seconds, from a random phase."""
    return [_follow(s, watched=True, policy=PollPolicy.every(15 / SPEED)) for s in SEEDS]


def _ratios(runs: list[_Run], fixed: list[_Run]) -> tuple[float, float]:
    requests = sum(r.requests for r in runs) / sum(r.requests for r in fixed)
    lag = statistics.mean(r.lag for r in runs) / statistics.mean(r.lag for r in fixed)
    return requests, lag


def test_nobody_watching_polls_near_the_end_only(fixed: list[_Run]) -> None:
    """A bare wait: a quarter of fixed 15 s polling's requests, and a small fraction of its lag."""
    requests, lag = _ratios([_follow(s, watched=False) for s in SEEDS], fixed)
    assert requests <= 0.25
    assert lag <= 0.15


def test_a_watcher_is_shown_every_step_with_little_lag(fixed: list[_Run]) -> None:
    """Watched: every step seen in nearly every run, one poll per step or so, end seen early."""
    runs = [_follow(s, watched=True) for s in SEEDS]
    requests, lag = _ratios(runs, fixed)
    assert sum(r.shown == SHOTS for r in runs) >= 0.9 * len(runs)
    assert requests <= 0.65
    assert lag <= 0.15
    bare = [_follow(s, watched=False) for s in SEEDS]
    assert sum(r.requests for r in bare) < 0.5 * sum(r.requests for r in runs)


def test_a_planned_delay_never_passes_the_deadline() -> None:
    """However far a bare wait would jump, the sleep stops at the deadline."""
    job = _Job.drawn(1)
    tracker = PollTracker(policy=PollPolicy(jitter=0.0), rng=random.Random(0), watched=False)
    for local in (0.0, 0.1, 1.0):  # the first answers, until the server's pace is known
        job.observe(tracker, local, local * SPEED)
    assert tracker.next_delay(local) > 5.0  # a jump of many steps, in local seconds
    assert tracker.next_delay(local, deadline=local + 1.5) == pytest.approx(1.5)


def _log(*steps: tuple[float, int, float | None, float | None]) -> StepLog:
    """A log fed (server time, step, startedAt, estimate) responses of a 10-step job."""
    log, previous = StepLog(), None
    for server, step, started, estimate in steps:
        log.observe(
            step=step,
            moved=previous is not None and step != previous,
            total=10,
            window=(_at(server).timestamp(), _at(server + 1).timestamp()),
            started_at=None if started is None else _at(started),
            estimated_at=None if estimate is None else _at(estimate),
        )
        previous = step
    return log


def test_a_step_start_is_read_from_an_estimate_refreshed_at_each_step() -> None:
    """startedAt 0, estimate 400 at step 2: the pace is 40 s, so step 2 began at 80."""
    log = _log((5, 0, 0, 450), (60, 1, 0, 450), (100, 2, 0, 400))
    assert log.start(0) == _at(0).timestamp()
    assert log.start(2) == pytest.approx(_at(80).timestamp())


def test_a_start_outside_the_window_of_the_change_is_not_believed() -> None:
    """An estimate implying a start before the poll that still showed the previous step (or an
    optimistic one made when asked) tells nothing; the step's start stays unknown."""
    log = _log((5, 0, 0, 450), (90, 1, 0, 450), (100, 2, 0, 400))
    assert log.start(2) is None  # implied 80, but step 1 was still showing at 90


def test_a_started_at_rewritten_at_each_step_is_the_step_start() -> None:
    """The live service rewrites startedAt at every progress write (D5): that is the start."""
    log = _log((5, 0, 0, None), (60, 1, 47, None), (100, 2, 95, None))
    assert log.start(1) == _at(47).timestamp()
    assert log.start(2) == _at(95).timestamp()
    pace = log.pace(2, 10, None)
    assert pace is not None
    assert pace.mean == pytest.approx(47.5)


def test_the_server_clock_is_read_to_a_fraction_of_a_second() -> None:
    """Date counts whole seconds; many responses at a known pace narrow the server time."""
    clock, rng = ServerClock(), random.Random(3)
    offset = 1000.37
    for local in sorted(rng.uniform(0, 10) for _ in range(20)):
        clock.add(local, _at(int(offset + SPEED * local)))
    server = clock.at(11.0, SPEED)
    assert server is not None
    assert abs(server - (_at(offset + SPEED * 11.0)).timestamp()) < 0.3


@pytest.mark.parametrize("watched", [True, False])
def test_an_absurd_pace_cannot_turn_polling_into_a_tight_loop(watched: bool) -> None:
    """An estimate that makes steps a millisecond long, on a job that never moves: the planned
    polls back off (a few dozen in a minute), they do not hammer the server at the floor."""
    tracker = PollTracker(policy=PollPolicy(), rng=random.Random(0), watched=watched)
    local, polls = 0.0, 0
    while local < 60.0:
        polls += 1
        server = 100.0 + local * SPEED
        tracker.observe(
            local,
            status="processing",
            current=0,
            total=SHOTS,
            server_date=_at(int(server)),
            started_at=_at(100.0),
            estimated_completion_at=_at(100.0 + 0.001 * SHOTS),
        )
        local += tracker.next_delay(local)
    assert polls <= 40
