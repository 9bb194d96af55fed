"""The oracle floor of polling with a progress consumer (bench.polling_floor), by hand."""

from __future__ import annotations

import statistics

import pytest

from bench.polling_floor import (
    FLOOR_TARGET,
    StepLaw,
    best_schedule,
    evaluate,
    fewest_requests,
    floor_rows,
    least_lag,
    plan_facts,
    uniform_schedule,
)
from mock_server.lifecycle import Plan, build_plan
from mock_server.shots import SHOTS

#: One attempt that always succeeds: the last step ends uniformly 30-60 s after it starts.
UNIFORM = StepLaw(max_attempts=1, failure_p=0.0)


def hand_plan(last_step_ms: int) -> Plan:
    """Three shots of one successful attempt each, 40 s, 35 s, then ``last_step_ms``."""
    attempts = ((40_000,), (35_000,), (last_step_ms,))
    return Plan(
        SHOTS[:3],
        (0, 40_000, 75_000),
        attempts,
        (80, 80, 80),
        (False, False, False),
        0,
        75_000 + last_step_ms,
    )


def test_evaluate_counts_polls_and_lag_of_a_uniform_end() -> None:
    """Polls at 30, 45, 60 s on a 30-60 s uniform end: 1 + 1 + 1/2 polls, a 7.5 s mean lag."""
    schedule = evaluate(UNIFORM, (30.0, 45.0, 60.0))
    assert schedule.requests == pytest.approx(2.5)
    assert schedule.lag == pytest.approx(7.5)


def test_best_schedule_narrows_its_gaps_by_one_over_the_weight() -> None:
    """A lag second worth 1/2 poll on a uniform end: gaps 10, 8, 6, 4, 2 s (each 2 s shorter)."""
    schedule = best_schedule(UNIFORM, 0.5)
    assert schedule.polls == pytest.approx((30.0, 40.0, 48.0, 54.0, 58.0, 60.0))
    assert schedule.requests == pytest.approx(10 / 3)  # 1 + 1 + 2/3 + 2/5 + 1/5 + 1/15
    assert schedule.lag == pytest.approx(11 / 3)  # (10² + 8² + 6² + 4² + 2²) / (2 x 30)


def test_fewest_requests_beats_even_spacing_and_keeps_the_lag() -> None:
    """For a 7.5 s lag: two polls are too few, even spacing needs 2.5, the best fewer."""
    two = fewest_requests(UNIFORM, 15.0)
    assert two is not None
    assert two.first == evaluate(UNIFORM, (30.0, 60.0))
    assert two.share == 1.0
    best = fewest_requests(UNIFORM, 7.5)
    assert best is not None
    assert best.lag == pytest.approx(7.5)
    assert best.first.lag <= 7.5 < best.second.lag
    assert uniform_schedule(UNIFORM, 7.5).requests == pytest.approx(2.5)
    assert 2.4 < best.requests < 2.45
    assert least_lag(UNIFORM, 1.9) is None
    cheap = least_lag(UNIFORM, 2.0)
    assert cheap is not None
    assert cheap.first == evaluate(UNIFORM, (30.0, 60.0))
    assert cheap.lag == pytest.approx(15.0)


def test_the_default_law_is_the_mocks() -> None:
    """The last step of the mock's seeded plans (3 attempts) follows StepLaw's mean and spread."""
    law = StepLaw()
    durations = [
        (plan.duration_ms - plan.offsets[-1]) / 1000
        for plan in (build_plan(seed=s, shot_count=2, max_attempts=3) for s in range(3000))
    ]
    assert law.mean == pytest.approx(0.9 * 45 + 0.09 * 65 + 0.009 * 85 + 0.001 * 60)
    assert statistics.mean(durations) == pytest.approx(law.mean, abs=0.8)
    within = sum(d <= 60 for d in durations) / len(durations)
    assert within == pytest.approx(law.cdf(60.0), abs=0.02)
    assert law.earliest <= min(durations)
    assert max(durations) <= law.latest == 120.0


def test_floor_rows_of_a_hand_made_plan() -> None:
    """A lag target past the two-poll lag: 2 polls in the last step, one in each of the 2 before."""
    law = StepLaw()
    rows = [
        {"seed": seed, "fixed_requests": fixed, "fixed_lag": 500.0, "max_attempts": 3.0}
        | plan_facts(hand_plan(45_000))
        for seed, fixed in ((1, 8.0), (2, 12.0))
    ]
    assert rows[0]["steps"] == 3
    assert rows[0]["last_step"] == 45.0
    # 0.15 x 500 s = 75 s, above the mean lag of polls at 30 and 120 s (120 - 47.175 s).
    requests, lag = floor_rows(rows, "2 seeds", 0.15, 0.40, 15.0)
    assert requests.target == lag.target == FLOOR_TARGET
    assert requests.met is None
    assert requests.goal == "reported"
    assert requests.value == pytest.approx((2 + 2) * 2 / 20)
    assert "per-seed request ratio min/median/max 0.33/0.42/0.50" in requests.detail
    assert "2.00 polls in the last step on average, lag 75.00 s" in requests.notes[0]
    assert "expected lag instead (7.5 s, half its period" in requests.notes[1]
    # 0.40 x 20 requests = 8: 2 per seed in the last step, the two-poll schedule's lag.
    assert lag.value == pytest.approx((120 - law.mean) / 500)
    _, unreachable = floor_rows(rows, "2 seeds", 0.15, 0.30, 15.0)
    assert unreachable.value == float("inf")
