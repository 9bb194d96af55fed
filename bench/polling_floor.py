"""The oracle floor of polling with somebody shown the progress: what no policy can beat.

An *oracle* knows when every step of the job starts (the mock's plan, read in-process), but of
the last step's end only its law. Shown the progress, it must see every step: one poll inside each
of the first N - 1 steps (it knows where they are, so one each is enough), and at least one inside
the last, whose end it does not know, so that poll goes just before the earliest end. Then it polls
the last step until a poll lands at or after the end. Its requests are N - 1 plus the expected polls
of its last-step *schedule*; its lag is the first poll at or after the end minus the end. A real
policy learns the step starts from the statuses and pays for what it does not know, so the
oracle's requests are a floor for any policy that shows every shot, at the same expected lag.

The law (:class:`StepLaw`) is the one the mock draws a shot from (``mock_server/lifecycle.py``,
``build_plan``; ``docs/mock-server.md`` "The job lifecycle"): attempts until one succeeds or
``maxRetries`` attempts are used (CONTRACT: ``maxRetries`` is attempts, default 3), each failing
with probability ``lifecycle.ATTEMPT_FAILURE_P`` (0.1), a failed attempt lasting 10-30 s and a
successful one 30-60 s of server time, uniform. So the last step lasts ``k`` failures then a
success with probability ``p**k (1 - p)``, or ``maxRetries`` failures with probability
``p**maxRetries``: a mixture of sums of uniforms, whose distribution function is exact
(:meth:`StepLaw.cdf`, inclusion-exclusion over the uniforms' widths).

The schedule is the best for that law, not uniform: with a poll costing its chance of being made
(the end not yet seen) and a second of expected lag costing ``weight`` polls, a poll late in the
window is made less often than an early one, so the spacing that minimises requests for a given
lag narrows as the window goes on (Barlow, Hunter and Proschan's inspection schedule; for a
uniform end each gap is ``1 / weight`` shorter than the one before). :func:`best_schedule` finds it
by dynamic programming over poll times on a 0.2 s grid (exact for the law, given the grid), and
:func:`fewest_requests` / :func:`least_lag` search ``weight`` for the lag or the request budget
asked for; when that falls between the best schedules of two nearby weights, the oracle draws one
of the two for each job (:class:`Mix`), which meets it exactly at the least expected cost.
:func:`uniform_schedule` is there to show what the even spacing would cost.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from bench.harness import Row
from mock_server.lifecycle import ATTEMPT_FAILURE_P, Plan

__all__ = [
    "FLOOR_TARGET",
    "GRID_SECONDS",
    "Mix",
    "Schedule",
    "StepLaw",
    "best_schedule",
    "evaluate",
    "fewest_requests",
    "floor_rows",
    "least_lag",
    "plan_facts",
    "realised",
    "uniform_schedule",
]

FLOOR_TARGET = "4. Polling: oracle floor (progress shown)"
GRID_SECONDS = 0.2  # the poll times the search chooses from are this far apart
_WEIGHTS = (1e-6, 1e4)  # the range of `weight` bisected (besides 0): polls worth a second of lag
_SEARCH_STEPS = 24  # bisection steps on log(weight): the bracket ends 1e10 ** (2 ** -24) apart


@lru_cache(maxsize=64)
def _corners(bounds: tuple[tuple[float, float], ...]) -> tuple[tuple[int, float], ...]:
    """``(sign, corner)`` of each term of the sum of uniforms' distribution function.

    Inclusion-exclusion: for ``n`` uniforms of widths ``w``, ``P(sum <= t)`` is the sum over the
    subsets ``S`` of ``(-1)**|S| (t - corner_S)_+**n / (n! prod w)``, where ``corner_S`` is the
    sum of the lows plus the widths in ``S``; one more power and factor give its integral.
    """
    low = sum(a for a, _ in bounds)
    widths = [b - a for a, b in bounds]
    return tuple(
        ((-1) ** sum(chosen), low + sum(w for w, c in zip(widths, chosen, strict=True) if c))
        for chosen in itertools.product((False, True), repeat=len(widths))
    )


def _sum_of_uniforms(bounds: tuple[tuple[float, float], ...], t: float, power: int) -> float:
    """``P(sum <= t)`` (``power`` 0) or its integral up to ``t`` (``power`` 1): see _corners."""
    n = len(bounds) + power
    total = sum(sign * (t - corner) ** n for sign, corner in _corners(bounds) if t > corner)
    return total / (math.factorial(n) * math.prod(b - a for a, b in bounds))


@dataclass(frozen=True)
class StepLaw:
    """How long one shot runs on the mock, in server seconds: the law the oracle plans on.

    Defaults are the mock's (``lifecycle.build_plan``): ``failure_p`` per attempt, failed attempts
    uniform over ``failure_s``, successful ones over ``success_s``, at most ``max_attempts``.
    """

    max_attempts: int = 3
    failure_p: float = ATTEMPT_FAILURE_P
    failure_s: tuple[float, float] = (10.0, 30.0)
    success_s: tuple[float, float] = (30.0, 60.0)

    @cached_property
    def branches(self) -> list[tuple[float, tuple[tuple[float, float], ...]]]:
        """``(probability, the attempts' uniforms)`` of each way the shot can go."""
        p = self.failure_p
        ways = [
            (p**k * (1 - p), (self.failure_s,) * k + (self.success_s,))
            for k in range(self.max_attempts)
        ]
        ways.append((p**self.max_attempts, (self.failure_s,) * self.max_attempts))
        return [(chance, bounds) for chance, bounds in ways if chance > 0]

    @property
    def earliest(self) -> float:
        """The shortest the shot can run."""
        return min(sum(low for low, _ in bounds) for _, bounds in self.branches)

    @property
    def latest(self) -> float:
        """The longest the shot can run."""
        return max(sum(high for _, high in bounds) for _, bounds in self.branches)

    @property
    def mean(self) -> float:
        """How long the shot runs on average."""
        return sum(c * sum((a + b) / 2 for a, b in bounds) for c, bounds in self.branches)

    def cdf(self, t: float) -> float:
        """``P(the shot has ended by t)``."""
        return sum(c * _sum_of_uniforms(bounds, t, 0) for c, bounds in self.branches)

    def cdf_integral(self, t: float) -> float:
        """The integral of :meth:`cdf` from 0 to ``t`` (what the lag is computed from)."""
        return sum(c * _sum_of_uniforms(bounds, t, 1) for c, bounds in self.branches)


@dataclass(frozen=True)
class Schedule:
    """Poll times over the last step (seconds from its start) and what they cost on average.

    ``requests``: expected polls in the last step (its first poll, before the earliest end,
    included); ``lag``: expected time from the step's end to the first poll at or after it.
    """

    polls: tuple[float, ...]
    requests: float
    lag: float


def evaluate(law: StepLaw, polls: tuple[float, ...]) -> Schedule:
    """The expected requests and lag of polling the last step at ``polls``.

    ``polls`` increase; the first is at or before the earliest end, the last at or after the latest.
    """
    cdf = [law.cdf(t) for t in polls]
    integral = [law.cdf_integral(t) for t in polls]
    # Poll k + 1 is made when the end is after poll k; an end between polls k and k + 1 waits
    # for k + 1: the integral of (t[k+1] - x) dF over the gap, by parts.
    requests = 1 + sum(1 - f for f in cdf[:-1])
    lag = sum(
        integral[k + 1] - integral[k] - (polls[k + 1] - polls[k]) * cdf[k]
        for k in range(len(polls) - 1)
    )
    return Schedule(polls, requests, lag)


def best_schedule(law: StepLaw, weight: float, grid: float = GRID_SECONDS) -> Schedule:
    """The schedule with the fewest ``requests + weight * lag`` among poll times on the grid.

    The first poll is at the earliest end, the last at the latest; ``cost[i]`` is the best
    expected cost still to pay once the end is known to be after ``times[i]`` (times the
    chance of that), chosen over every next poll ``j``.
    """
    count = math.ceil((law.latest - law.earliest) / grid - 1e-9) + 1
    times = [min(law.earliest + i * grid, law.latest) for i in range(count)]
    cdf = [law.cdf(t) for t in times]
    integral = [law.cdf_integral(t) for t in times]
    cost = [0.0] * count
    after = [count - 1] * count
    # The part of the cost of going on from i to j that depends on j is a line in cdf[i]:
    # cost[j] + weight * integral[j] - weight * times[j] * cdf[i].
    offset = [0.0] * count
    slope = [weight * t for t in times]
    offset[-1] = weight * integral[-1]
    for i in range(count - 2, -1, -1):
        f = cdf[i]
        values = [a - b * f for a, b in zip(offset[i + 1 :], slope[i + 1 :], strict=True)]
        best = min(values)
        after[i] = i + 1 + values.index(best)
        cost[i] = 1 - f + weight * (times[i] * f - integral[i]) + best
        offset[i] = cost[i] + weight * integral[i]
    polls, i = [times[0]], 0
    while i < count - 1:
        i = after[i]
        polls.append(times[i])
    return evaluate(law, tuple(polls))


@dataclass(frozen=True)
class Mix:
    """The oracle's last-step plan: ``first`` for a ``share`` of jobs (drawn), ``second`` else.

    The best schedules for each weight are the corners of the lower convex hull of (lag,
    requests); a lag or a request budget between two corners is met exactly, at the least cost,
    by drawing one of the two for each job. ``share`` is 1 when one schedule meets it alone.
    """

    first: Schedule  # within the limit asked for
    second: Schedule  # past it (``first`` when ``share`` is 1)
    share: float

    @property
    def requests(self) -> float:
        """Expected polls in the last step."""
        return self.share * self.first.requests + (1 - self.share) * self.second.requests

    @property
    def lag(self) -> float:
        """Expected detection lag (seconds)."""
        return self.share * self.first.lag + (1 - self.share) * self.second.lag

    def realised(self, duration: float) -> tuple[float, float]:
        """Expected ``(polls, lag)`` on a last step that ran ``duration`` seconds."""
        (polls, lag), (other_polls, other_lag) = (
            realised(self.first, duration),
            realised(self.second, duration),
        )
        q = self.share
        return q * polls + (1 - q) * other_polls, q * lag + (1 - q) * other_lag


def _search(
    law: StepLaw, measure: Callable[[Schedule], float], limit: float, heavier_fits: bool
) -> Mix | None:
    """Bisect log(weight) for where ``measure <= limit`` starts to hold; mix the two sides.

    Lag falls and requests rise as the weight of lag grows: a lag bound holds for the heavier
    weights (``heavier_fits``), a request budget for the lighter ones. Weight 0 gives the two
    polls every schedule has (the fewest requests); None if no weight fits.
    """

    def fits(schedule: Schedule) -> bool:
        return measure(schedule) <= limit + 1e-9

    lightest, heaviest = best_schedule(law, 0.0), best_schedule(law, _WEIGHTS[1])
    found, missed = (heaviest, lightest) if heavier_fits else (lightest, heaviest)
    if not fits(found):
        return None
    if fits(missed):
        return Mix(missed, missed, 1.0)
    light, heavy = (math.log(w) for w in _WEIGHTS)
    good, bad = (heavy, light) if heavier_fits else (light, heavy)
    for _ in range(_SEARCH_STEPS):
        middle = (good + bad) / 2
        schedule = best_schedule(law, math.exp(middle))
        if fits(schedule):
            good, found = middle, schedule
        else:
            bad, missed = middle, schedule
    share = (measure(missed) - limit) / (measure(missed) - measure(found))
    return Mix(found, missed, share)


def fewest_requests(law: StepLaw, lag: float) -> Mix | None:
    """The fewest expected requests of an oracle whose expected lag is at most ``lag``."""
    return _search(law, lambda s: s.lag, lag, heavier_fits=True)


def least_lag(law: StepLaw, requests: float) -> Mix | None:
    """The least expected lag of an oracle that makes at most ``requests`` on average.

    None when even two polls (one before the earliest end, one at the latest) are too many.
    """
    return _search(law, lambda s: s.requests, requests, heavier_fits=False)


def uniform_schedule(law: StepLaw, lag: float) -> Schedule:
    """Evenly spaced polls from the earliest end, spaced as widely as a lag of ``lag`` allows."""

    def spaced(gap: float) -> Schedule:
        count = math.ceil((law.latest - law.earliest) / gap - 1e-9)
        polls = (min(law.earliest + k * gap, law.latest) for k in range(count + 1))
        return evaluate(law, tuple(polls))

    low, high = GRID_SECONDS / 100, law.latest - law.earliest
    best = spaced(low)
    for _ in range(_SEARCH_STEPS):
        middle = (low + high) / 2
        schedule = spaced(middle)
        if schedule.lag <= lag:
            best, low = schedule, middle
        else:
            high = middle
    return best


def realised(schedule: Schedule, duration: float) -> tuple[int, float]:
    """``(polls, lag)`` the schedule makes on a last step that ran ``duration`` seconds."""
    for index, t in enumerate(schedule.polls):
        if t >= duration:
            return index + 1, t - duration
    raise ValueError(f"duration {duration} s is past the schedule's last poll")


def plan_facts(plan: Plan) -> dict[str, float]:
    """What the oracle reads of a job's plan: its steps, and how long the last one ran (s)."""
    return {
        "steps": len(plan.offsets),
        "last_step": (plan.duration_ms - plan.offsets[-1]) / 1000,
    }


def _law_of(rows: list[dict[str, float]]) -> StepLaw:
    """The law of the seeds' last steps (their jobs' ``maxRetries`` must agree)."""
    attempts = {int(r["max_attempts"]) for r in rows}
    if len(attempts) != 1:
        raise ValueError(f"the seeds' jobs differ in max_attempts: {sorted(attempts)}")
    return StepLaw(max_attempts=attempts.pop())


def _gaps(schedule: Schedule, shown: int = 12) -> str:
    """The schedule in a few words: its poll times' range and the first gaps between them."""
    gaps = [b - a for a, b in itertools.pairwise(schedule.polls)]
    return (
        f"{len(schedule.polls)} poll times from {schedule.polls[0]:.1f} to "
        f"{schedule.polls[-1]:.1f} s after the step's start, gaps "
        + ", ".join(f"{g:.1f}" for g in gaps[:shown])
        + (" ..." if len(gaps) > shown else "")
        + f" s, {max(gaps):.1f} s at most"
    )


def _describe(mix: Mix) -> str:
    """The oracle's last-step plan in a few words."""
    if mix.share >= 1:
        return _gaps(mix.first)
    return (
        f"for {mix.share:.0%} of jobs {_gaps(mix.first)} ({mix.first.requests:.2f} polls, lag "
        f"{mix.first.lag:.2f} s), for the others {_gaps(mix.second)} "
        f"({mix.second.requests:.2f} polls, lag {mix.second.lag:.2f} s)"
    )


def _spread(values: list[float]) -> str:
    """``min/median/max`` of per-seed values."""
    return f"{min(values):.2f}/{statistics.median(values):.2f}/{max(values):.2f}"


def _floor_note(law: StepLaw, floor: Mix, even: Schedule, rows: list[dict[str, float]]) -> str:
    """The law used, the oracle's plan, even spacing, and what the plan did on these seeds."""
    real = [floor.realised(r["last_step"]) for r in rows]
    return (
        f"the law of the last step (mock_server/lifecycle.py build_plan, docs/mock-server.md): "
        f"up to {law.max_attempts} attempts, each failing with probability {law.failure_p:g}, "
        f"a failure {law.failure_s[0]:g}-{law.failure_s[1]:g} s, a success "
        f"{law.success_s[0]:g}-{law.success_s[1]:g} s, uniform (mean {law.mean:.2f} s); "
        f"the oracle's last-step plan: {_describe(floor)}; evenly spaced instead: a poll every "
        f"{even.polls[1] - even.polls[0]:.2f} s from {law.earliest:g} s, "
        f"{even.requests:.2f} expected polls for a lag of {even.lag:.2f} s; on these seeds' own "
        f"last steps ({_spread([r['last_step'] for r in rows])} s) the oracle made "
        f"{statistics.mean(n for n, _ in real):.2f} polls in the last step on average, "
        f"lag {statistics.mean(lag for _, lag in real):.2f} s"
    )


def _totals(rows: list[dict[str, float]]) -> tuple[float, float, int]:
    """Over the seeds: the fixed policy's requests and mean lag, and the oracle's polls before
    the last step (one inside each step before it)."""
    fixed_requests = sum(r["fixed_requests"] for r in rows)
    fixed_lag = statistics.mean(r["fixed_lag"] for r in rows)
    return fixed_requests, fixed_lag, int(sum(r["steps"] - 1 for r in rows))


def _floor_row(
    law: StepLaw, rows: list[dict[str, float]], where: str, lag_goal: float, period: float
) -> Row:
    """The oracle's requests at ``lag_goal`` times the fixed mean lag / the fixed requests."""
    fixed_requests, fixed_lag, before = _totals(rows)
    target = lag_goal * fixed_lag
    measure = (
        "requests of an oracle that knows when every step starts (one poll in each; the best "
        f"last-step spacing for the law of its end) at {lag_goal:.2f}x the fixed mean lag / "
        "fixed 15 s requests"
    )
    floor = fewest_requests(law, target)
    if floor is None:
        detail = f"no schedule on a {GRID_SECONDS:g} s grid has a mean lag of {target:.2f} s"
        return Row(FLOOR_TARGET, measure, math.inf, "reported", None, f"{detail}; {where}")
    even = uniform_schedule(law, target)
    ratio = (before + len(rows) * floor.requests) / fixed_requests
    per_seed = [(r["steps"] - 1 + floor.requests) / r["fixed_requests"] for r in rows]
    detail = (
        f"{before + len(rows) * floor.requests:.1f} vs {fixed_requests:.0f} requests "
        f"(per seed: {before / len(rows):.0f} steps before the last + {floor.requests:.2f} "
        f"expected in it); expected lag {floor.lag:.2f} s ({lag_goal:.2f} x {fixed_lag:.2f} s); "
        f"{where}; per-seed request ratio min/median/max {_spread(per_seed)}; the best single "
        f"schedule: {(before + len(rows) * floor.first.requests) / fixed_requests:.3f}x; evenly "
        f"spaced last-step polls: {(before + len(rows) * even.requests) / fixed_requests:.3f}x"
    )
    notes = [_floor_note(law, floor, even, rows)]
    # The fixed lag of ten seeds is noisy (an end falls anywhere in a period); its expectation
    # is half the period: the floor there does not move from run to run.
    expected = fewest_requests(law, lag_goal * period / 2)
    if expected is not None:
        notes.append(
            f"at the fixed policy's expected lag instead ({period / 2:g} s, half its period; "
            f"this run's {fixed_lag:.2f} s): {expected.requests:.2f} expected last-step polls "
            f"for a lag of {expected.lag:.2f} s, "
            f"{(before + len(rows) * expected.requests) / fixed_requests:.3f}x the fixed requests"
        )
    return Row(FLOOR_TARGET, measure, ratio, "reported", None, detail, notes=notes)


def _budget_row(law: StepLaw, rows: list[dict[str, float]], where: str, request_goal: float) -> Row:
    """The oracle's lag at ``request_goal`` times the fixed requests / the fixed mean lag."""
    fixed_requests, fixed_lag, before = _totals(rows)
    budget = (request_goal * fixed_requests - before) / len(rows)  # last-step polls per seed
    measure = (
        f"mean lag of the same oracle at {request_goal:.2f}x the fixed requests / fixed 15 s "
        "mean lag"
    )
    cheap = least_lag(law, budget)
    if cheap is None:
        detail = f"{budget:.2f} last-step polls per seed: fewer than the two it needs"
        return Row(FLOOR_TARGET, measure, math.inf, "reported", None, f"{detail}; {where}")
    detail = (
        f"{budget:.2f} expected last-step polls per seed ({request_goal:.2f} x "
        f"{fixed_requests:.0f} requests in all): expected lag {cheap.lag:.2f} s vs "
        f"{fixed_lag:.2f} s; {where}"
    )
    ratio = cheap.lag / fixed_lag if fixed_lag > 0 else math.inf
    notes = [f"at {request_goal:.2f}x the fixed requests, last-step plan: {_describe(cheap)}"]
    return Row(FLOOR_TARGET, measure, ratio, "reported", None, detail, notes=notes)


def floor_rows(
    rows: list[dict[str, float]],
    where: str,
    lag_goal: float,
    request_goal: float,
    period: float,
) -> list[Row]:
    """The oracle floor against the fixed baseline of the same seeds, as two reported rows.

    ``rows`` are the per-seed figures of a polling run: ``fixed_requests``, ``fixed_lag`` and
    ``max_attempts`` of the job, and :func:`plan_facts` of its plan; ``period`` is the fixed
    policy's (seconds). The first row: the requests of the oracle held to ``lag_goal`` times the
    fixed mean lag; the second: the lag it would have to accept to make ``request_goal`` times
    the fixed requests.
    """
    law = _law_of(rows)
    return [
        _floor_row(law, rows, where, lag_goal, period),
        _budget_row(law, rows, where, request_goal),
    ]
