"""The polling policy as pure arithmetic: no I/O, no sleeping, time passed in."""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from charlib._polling import MAX_PACE, PollPolicy, PollTracker

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _tracker(**policy: float) -> PollTracker:
    return PollTracker(policy=PollPolicy(jitter=0.0, **policy), rng=random.Random(0))


def _server(seconds: float) -> datetime:
    """An HTTP Date header value: whole seconds only."""
    return EPOCH + timedelta(seconds=int(seconds))


def test_first_delay_is_the_initial_interval() -> None:
    """Before anything is seen, the first poll comes after initial_interval."""
    assert _tracker(initial_interval=2.0).next_delay(0.0) == 2.0


def test_pending_backs_off_geometrically_up_to_the_cap() -> None:
    """While a job stays pending, each delay grows by the backoff factor until max_interval."""
    tracker = _tracker(initial_interval=1.0, backoff=2.0, max_interval=10.0)
    delays = []
    now = 0.0
    for _ in range(6):
        tracker.observe(now, status="pending", total=27)
        delay = tracker.next_delay(now)
        delays.append(delay)
        now += delay
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_fixed_policy_polls_at_its_interval_whatever_happens() -> None:
    """PollPolicy.every(x) ignores progress and estimates."""
    tracker = PollTracker(policy=PollPolicy.every(15.0))
    tracker.observe(0.0, status="processing", current=3, total=27)
    assert tracker.next_delay(0.0) == 15.0
    tracker.observe(15.0, status="processing", current=26, total=27)
    assert tracker.next_delay(15.0) == 15.0


def test_delay_never_passes_the_deadline() -> None:
    """The sleep is cut to the time left, and is zero once the deadline is reached."""
    tracker = _tracker(initial_interval=5.0)
    assert tracker.next_delay(0.0, deadline=1.5) == 1.5
    assert tracker.next_delay(3.0, deadline=1.5) == 0.0


def test_retry_after_is_honoured_but_not_past_the_deadline() -> None:
    """A Retry-After longer than the planned delay wins, within the deadline."""
    tracker = _tracker(initial_interval=1.0)
    tracker.observe_error(0.0, retry_after=7.0)
    assert tracker.next_delay(0.0) == 7.0
    assert tracker.next_delay(0.0, deadline=4.0) == 4.0


def test_delays_are_clamped_to_min_and_max() -> None:
    """No adaptive delay is shorter than min_interval or longer than max_interval."""
    tracker = _tracker(min_interval=0.5, max_interval=3.0, initial_interval=1.0, backoff=10.0)
    tracker.observe(0.0, status="pending")
    tracker.observe(1.0, status="pending")
    assert tracker.next_delay(1.0) == 3.0
    fast = _tracker(min_interval=0.5, default_step=0.01)
    fast.observe(0.0, status="pending")
    fast.observe(1.0, status="processing", current=0, total=2)
    fast.observe(1.1, status="processing", current=1, total=2)
    assert fast.next_delay(1.1) >= 0.5


def test_jitter_only_stretches_delays() -> None:
    """Jitter spreads polls out but never brings one forward."""
    tracker = PollTracker(policy=PollPolicy(initial_interval=2.0, jitter=0.3), rng=random.Random(1))
    delays = [tracker.next_delay(0.0) for _ in range(200)]
    assert min(delays) >= 2.0
    assert max(delays) <= 2.6
    assert len(set(delays)) > 100


def test_processing_polls_about_once_per_expected_step() -> None:
    """After a step change, the next poll is aimed a little after the next step should end."""
    tracker = _tracker(step_margin=0.25)
    tracker.observe(0.0, status="pending", total=27)
    tracker.observe(1.0, status="processing", current=0, total=27)
    # Steps take 40 s; polls see them as they come.
    tracker.observe(41.0, status="processing", current=1, total=27)
    tracker.observe(81.0, status="processing", current=2, total=27)
    step = tracker.step_seconds()
    assert 35.0 <= step <= 45.0
    delay = tracker.next_delay(81.0)
    assert step <= delay <= 1.5 * step


def test_last_step_switches_to_short_polls() -> None:
    """On the last step, polls come every small fraction of a step: completion is seen early."""
    tracker = _tracker(hot_fraction=1 / 16, hot_start=0.6)
    tracker.observe(0.0, status="pending", total=3)
    tracker.observe(1.0, status="processing", current=0, total=3)
    tracker.observe(41.0, status="processing", current=1, total=3)
    tracker.observe(81.0, status="processing", current=2, total=3)
    step = tracker.step_seconds()
    first = tracker.next_delay(81.0)
    assert first < step  # the hot zone starts before the step is due to end
    now = 81.0 + first
    tracker.observe(now, status="processing", current=2, total=3)
    assert tracker.next_delay(now) == pytest.approx(step / 16)


def test_server_clock_rate_is_learned_from_date_headers() -> None:
    """A server clock running 60x faster is recognised; its estimates are scaled to local time."""
    tracker = _tracker()
    for local in (0.0, 0.5, 1.0):
        server = local * 60
        tracker.observe(
            local,
            status="processing",
            current=1,
            total=10,
            server_date=_server(server),
            estimated_completion_at=_server(server) + timedelta(seconds=9 * 45),
        )
    assert tracker.rate == pytest.approx(60.0, rel=0.05)
    # 45 server-seconds per step is 0.75 local seconds.
    assert tracker.step_seconds() == pytest.approx(0.75, rel=0.05)


def test_rate_is_not_trusted_before_the_server_clock_moved_enough() -> None:
    """One-second Date resolution makes a short span meaningless: the rate stays 1 until then."""
    tracker = _tracker()
    tracker.observe(0.0, status="pending", server_date=_server(0.0))
    tracker.observe(2.0, status="pending", server_date=_server(2.0))
    assert tracker.rate == 1.0


def test_second_poll_comes_soon_to_measure_the_server_clock() -> None:
    """After the first response, the next poll is a quick probe of the server clock's pace."""
    tracker = _tracker(initial_interval=5.0, probe_interval=0.25)
    tracker.observe(0.0, status="processing", current=0, total=27, server_date=_server(0))
    assert tracker.next_delay(0.0) == 0.25
    tracker.observe(0.25, status="processing", current=3, total=27, server_date=_server(150))
    assert tracker.rate == pytest.approx(600, rel=0.01)
    assert tracker.next_delay(0.25) != 0.25


def test_a_terminal_state_is_confirmed_by_one_more_cheap_look() -> None:
    """After a terminal state the tracker still plans a (non-hasty) confirming poll."""
    tracker = _tracker(min_interval=0.1)
    tracker.observe(0.0, status="cancelled", current=4, total=27)
    assert tracker.next_delay(0.0) >= 0.1


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_interval", 0.0), ("max_interval", -1.0), ("initial_interval", float("nan"))],
)
def test_policy_rejects_nonsense_naming_the_field(field: str, value: float) -> None:
    """A bad PollPolicy value raises ValueError naming the field."""
    with pytest.raises(ValueError, match=field):
        PollPolicy(**{field: value})  # type: ignore[arg-type]


@dataclass
class _Run:
    requests: int
    lag: float


def _simulate(seed: int, policy: PollPolicy, speed: float) -> _Run:
    """One 27-shot job with 30-60 s shots on a server clock `speed` times faster than ours."""
    rng = random.Random(seed)
    durations = [rng.uniform(30, 60) for _ in range(27)]
    queued = 0.5
    starts = [queued + sum(durations[:i]) for i in range(27)]
    end = queued + sum(durations)
    tracker = PollTracker(policy=policy, rng=random.Random(seed))
    local, requests = 0.0, 0
    while True:
        server = local * speed
        requests += 1
        if server >= end:
            return _Run(requests, server - end)
        if server < queued:
            tracker.observe(local, status="pending", total=27, server_date=_server(server))
        else:
            current = max(i for i, start in enumerate(starts) if start <= server)
            per_step = (server - queued) / current if current else 45.0
            eta = _server(server) + timedelta(seconds=per_step * (27 - current))
            tracker.observe(
                local,
                status="processing",
                current=current,
                total=27,
                server_date=_server(server),
                estimated_completion_at=eta,
            )
        local += tracker.next_delay(local)


@pytest.mark.parametrize("speed", [1.0, 60.0])
def test_adaptive_polling_beats_fixed_15s_polling(speed: float) -> None:
    """Over simulated jobs: at most half the requests and a quarter of the lag of 15 s polls."""
    seeds = range(120)
    fixed = [_simulate(s, PollPolicy.every(15.0 / speed), speed) for s in seeds]
    adaptive = [_simulate(s, PollPolicy(), speed) for s in seeds]
    requests = statistics.mean(r.requests for r in adaptive) / statistics.mean(
        r.requests for r in fixed
    )
    lag = statistics.mean(r.lag for r in adaptive) / statistics.mean(r.lag for r in fixed)
    assert requests <= 0.5
    assert lag <= 0.25


@pytest.mark.parametrize(("current", "total"), [(1, 27), (26, 27)])
def test_a_runaway_date_cannot_turn_polling_into_a_tight_loop(current: int, total: int) -> None:
    """``Date`` an hour later on every answer, a job that never moves: a few dozen polls in a
    minute, not thousands (the pace counts for at most MAX_PACE; failed predictions back off)."""
    tracker = PollTracker(policy=PollPolicy(), rng=random.Random(0))
    local, polls = 0.0, 0
    while local < 60.0:
        polls += 1
        server = _server(3600.0 * polls)
        tracker.observe(
            local,
            status="processing",
            current=current,
            total=total,
            server_date=server,
            estimated_completion_at=server + timedelta(seconds=45 * (total - current)),
        )
        local += tracker.next_delay(local)
    assert tracker.rate <= MAX_PACE
    assert polls <= 40


def test_a_step_overdue_for_whole_steps_backs_off_in_the_hot_zone() -> None:
    """On the last step, short polls while completion is due; longer ones once it is overdue."""
    tracker = _tracker(hot_fraction=1 / 16)
    tracker.observe(0.0, status="pending", total=3)
    tracker.observe(1.0, status="processing", current=0, total=3)
    tracker.observe(41.0, status="processing", current=1, total=3)
    tracker.observe(81.0, status="processing", current=2, total=3)
    step = tracker.step_seconds()
    due = tracker.next_delay(81.0 + step)
    overdue = tracker.next_delay(81.0 + 5 * step)
    assert due == pytest.approx(step / 16)
    assert overdue > 2 * due
