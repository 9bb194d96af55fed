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
from itertools import pairwise

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
    first_pace: float = 45.0  # the step the server's estimate assumes while step 0 runs

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
        pace = begun / step if step else self.first_pace
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


def test_the_server_clock_stays_read_closely_when_the_pace_is_a_little_off() -> None:
    """A pace off by 0.2 % makes the bounds of 24 responses cross by a little: their middle is
    still within a quarter second, not the half second of the latest response alone."""
    for seed in range(50):
        rng, clock = random.Random(seed), ServerClock()
        offset = 1000 + rng.random()
        for local in sorted(rng.uniform(0, 3) for _ in range(24)):
            clock.add(local, _at(int(offset + SPEED * local)))
        server = clock.at(3.0, SPEED * 1.002)
        assert server is not None
        assert abs(server - _at(offset + SPEED * 3.0).timestamp()) < 0.25


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


def _on_last_step(durations: list[float]) -> tuple[PollTracker, _Job, float]:
    """A watched tracker led by its own delays (no jitter) to its first look at the last step
    of a job with these step durations; returns it, the job and the local time."""
    starts = [sum(durations[:i]) for i in range(len(durations))]
    job = _Job(starts, starts[-1] + 1000.0)  # the last step never ends here
    tracker = PollTracker(policy=PollPolicy(jitter=0.0), rng=random.Random(0), watched=True)
    local = 0.0
    while job.observe(tracker, local, local * SPEED) < len(durations) - 1:
        local += tracker.next_delay(local)
    return tracker, job, local


def _next_poll(tracker: PollTracker, job: _Job, local: float) -> float:
    """Feed the tracker the status at ``local``; the server time of the poll it plans next."""
    job.observe(tracker, local, local * SPEED)
    return (local + tracker.next_delay(local)) * SPEED


def test_the_last_steps_polls_narrow_towards_the_end_of_an_ordinary_step() -> None:
    """On the last step, the first gap between polls is the widest, the ones near the end of an
    ordinary step the narrowest: the step is ever likelier to end before the next poll."""
    tracker, job, local = _on_last_step([30.0 + 30.0 * ((7 * i) % 11) / 10 for i in range(SHOTS)])
    polls = []
    while local * SPEED < job.starts[-1] + 70:
        polls.append(local * SPEED)
        local = _next_poll(tracker, job, local) / SPEED
    gaps = [(a - job.starts[-1], b - a) for a, b in pairwise(polls)]
    first = [gap for at, gap in gaps if 27 <= at < 37]  # from just before the earliest end
    late = [gap for at, gap in gaps if 50 <= at < 60]  # towards the end of an ordinary step
    assert len(first) >= 4
    assert len(late) >= 6
    assert statistics.mean(first) > 1.5 * statistics.mean(late)


def test_an_early_or_late_answer_on_the_last_step_leads_to_the_same_next_poll() -> None:
    """The last step's polls are fixed server times from its start: a poll answered half a
    second late does not push the next one back, and one that landed before the time it was aimed
    at (the server's time is known to a fraction of a second) is not aimed at that time again."""
    nexts = []
    for late in (0.0, 0.5, -0.7):
        tracker, job, local = _on_last_step([45.0] * SHOTS)
        while local * SPEED < job.starts[-1] + 36:  # the tracker's own polls, answered on time
            local = _next_poll(tracker, job, local) / SPEED
        nexts.append(_next_poll(tracker, job, local + late / SPEED))
    assert nexts[1] == pytest.approx(nexts[0], abs=0.25)
    assert nexts[2] == pytest.approx(nexts[0], abs=0.25)


def test_a_long_first_step_does_not_stretch_the_plan_past_two_short_steps() -> None:
    """The server's estimate while step 0 ran says 45 s a step: after a 90 s (retried) first
    step, the look for step 1 still comes before 2 x 30 s, so two short steps are both shown."""
    starts = [0.0, 90.0, 120.0, 150.0, 180.0]
    job = _Job(starts, 1000.0)
    for seed in range(20):
        shown = set()
        tracker = PollTracker(policy=PollPolicy(), rng=random.Random(seed), watched=True)
        local = random.Random(-seed).uniform(0, 0.5)
        while local * SPEED < starts[-1]:
            shown.add(job.observe(tracker, local, local * SPEED))
            local += tracker.next_delay(local)
        assert shown == {0, 1, 2, 3}


def test_the_servers_first_estimate_sets_a_third_either_side_from_the_first_step() -> None:
    """An estimate of 45 s a step while step 0 ran: from step 1 on, the shortest step planned is
    30 s, a third under it (not half of the 50 s measured over a long step and a short one)."""
    log = _log((5, 0, 0, 450), (61, 1, 0, 600), (101, 2, 0, 500))
    pace = log.pace(2, 10, _at(500))
    assert pace is not None
    assert pace.shortest == pytest.approx(30.0)
    assert pace.longest > 60.0


def test_the_usual_step_end_leaves_a_retried_step_out() -> None:
    """Ten 40-50 s steps and one of 85 s: the longest step is past 85 s, the usual one near 60."""
    durations = [40, 50, 45, 42, 48, 85, 44, 46, 41, 49, 47]
    starts = [float(sum(durations[:i])) for i in range(len(durations) + 1)]
    log = StepLog(starts=dict(enumerate(starts)))
    pace = log.pace(len(durations), 20, None)
    assert pace is not None
    assert pace.longest > 85.0
    assert pace.shortest < pace.usual < 60.0


def test_an_absurd_first_estimate_does_not_shrink_the_planned_shortest_step() -> None:
    """An estimate of a millisecond a step while step 0 ran, then 45 s steps: the watcher still
    looks about once a step (the estimate is not believed), not dozens of times."""
    starts = [45.0 * i for i in range(8)]
    job = _Job(starts, end=45.0 * SHOTS, first_pace=0.001)
    tracker = PollTracker(policy=PollPolicy(), rng=random.Random(0), watched=True)
    local, polls = 0.0, 0
    while local * SPEED < starts[-1]:
        polls += 1
        job.observe(tracker, local, local * SPEED)
        local += tracker.next_delay(local)
    assert polls <= 3 * len(starts)
