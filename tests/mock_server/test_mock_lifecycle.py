"""The job timeline as a pure function of (facts, now): no I/O, no app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from mock_server.lifecycle import (
    JobFacts,
    Plan,
    build_plan,
    holds_slot,
    next_write_after,
    percentage,
    status_at,
    status_of,
    view,
)
from mock_server.shots import SHOTS

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def make_job(
    *,
    count: int = 3,
    attempts: int = 3,
    scenario: str = "success",
    mode: str = "reference",
    seed: int = 7,
    queued_ms: int = 0,
) -> JobFacts:
    """Facts of a job created at T0 whose slot starts ``queued_ms`` later."""
    plan = build_plan(
        seed=seed, shot_count=count, max_attempts=attempts, scenario=scenario, mode=mode
    )
    start = T0 + queued_ms
    return JobFacts(
        job_id="00000000-0000-4000-8000-000000000001",
        seq=1,
        character_id="c1",
        created_ms=T0,
        start_ms=start,
        end_ms=start + plan.duration_ms,
        outcome=plan.outcome,
        seed=seed,
        image_count=count,
        max_attempts=attempts,
        scenario=scenario,
        mode=mode,
    )


def shot_start(job: JobFacts, i: int) -> int:
    """Absolute start of the i-th shot of ``job``."""
    return job.start_ms + job.plan().offsets[i]


Expect = tuple[str, int, int, str | None]
CASES: list[tuple[str, Callable[[], JobFacts], Callable[[JobFacts], int], Expect]] = [
    (
        "queued",
        lambda: make_job(queued_ms=5000),
        lambda j: T0,
        ("pending", 0, 3, "Initializing..."),
    ),
    (
        "queued, just before its slot",
        lambda: make_job(queued_ms=5000),
        lambda j: j.start_ms - 1,
        ("pending", 0, 3, "Initializing..."),
    ),
    (
        "first shot",
        make_job,
        lambda j: T0,
        ("processing", 0, 3, "Generating 35mm FRONT FULL (Enhanced)"),
    ),
    (
        "second shot starts",
        make_job,
        lambda j: shot_start(j, 1),
        ("processing", 1, 3, "Generating 35mm 3Q LEFT (Enhanced)"),
    ),
    (
        "just before the third shot",
        make_job,
        lambda j: shot_start(j, 2) - 1,
        ("processing", 1, 3, "Generating 35mm 3Q LEFT (Enhanced)"),
    ),
    (
        "last shot",
        make_job,
        lambda j: j.end_ms - 1,
        ("processing", 2, 3, "Generating 35mm 3Q RIGHT (Enhanced)"),
    ),
    ("done", make_job, lambda j: j.end_ms, ("completed", 3, 3, "Completed")),
    ("long after", make_job, lambda j: j.end_ms + 10**9, ("completed", 3, 3, "Completed")),
    (
        "every shot failed",
        lambda: make_job(scenario="fail"),
        lambda j: j.end_ms,
        ("failed", 2, 3, "Generating 35mm 3Q RIGHT (Enhanced)"),
    ),
]


@pytest.mark.parametrize(
    ("name", "job_of", "time_of", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_timeline_table(
    name: str,
    job_of: Callable[[], JobFacts],
    time_of: Callable[[JobFacts], int],
    expected: Expect,
) -> None:
    """Each (job, time) shows the expected status, progress and task."""
    job = job_of()
    now = time_of(job)
    v = view(job, now)
    assert (v.status, v.current, v.total, v.task) == expected
    assert status_at(job, now) == v.status
    assert v.percentage == percentage(v.current, v.total)


def test_one_progress_state_per_shot() -> None:
    """Sampling every second shows exactly N+1 distinct states (initial + one per shot)."""
    job = make_job(count=27, queued_ms=3000, scenario="random")
    states = []
    for t in range(T0, job.end_ms + 2000, 1000):
        v = view(job, t)
        state = (v.status, v.current, v.task, v.estimated_ms)
        if not states or states[-1] != state:
            states.append(state)
    assert len(states) == 27 + 2  # pending, 27 shots, final
    assert [s[1] for s in states[1:-1]] == list(range(27))
    assert [s[2] for s in states[1:-1]] == [f"Generating {s.name}" for s in SHOTS]


def test_percentages_match_the_contract() -> None:
    """Percentages shown while processing 27 shots are those listed in CONTRACT §6.2."""
    expected = [0, 4, 7, 11, 15, 19, 22, 26, 30, 33, 37, 41, 44, 48, 52, 56, 59, 63, 67, 70, 74]
    expected += [78, 81, 85, 89, 93, 96]
    assert [percentage(i, 27) for i in range(27)] == expected


def test_plan_is_deterministic_and_realistic() -> None:
    """Same seed, same plan; successful attempts last 30-60 s of server time."""
    a = build_plan(seed=42, shot_count=27, max_attempts=3)
    b = build_plan.__wrapped__(seed=42, shot_count=27, max_attempts=3)
    assert a == b
    for run in a.runs:
        if run.succeeded:
            assert 30_000 <= run.attempt_ms[-1] <= 60_000
            assert run.quality is not None
            assert 70 <= run.quality <= 98
        assert 1 <= run.attempts <= 3


@pytest.mark.parametrize("seed", range(20))
def test_scenarios_hold_their_promise(seed: int) -> None:
    """success: nothing fails; partial: some fail, some succeed; fail: all fail; slow: longer."""
    ok = build_plan(seed=seed, shot_count=27, max_attempts=3, scenario="success")
    part = build_plan(seed=seed, shot_count=27, max_attempts=3, scenario="partial")
    bad = build_plan(seed=seed, shot_count=27, max_attempts=3, scenario="fail")
    slow = build_plan(seed=seed, shot_count=27, max_attempts=3, scenario="slow")
    assert not ok.failed
    assert part.failed
    assert part.succeeded
    assert not bad.succeeded
    assert bad.outcome == "failed"
    assert all(r.attempts == 3 for r in bad.runs)
    assert slow.duration_ms >= 3 * ok.duration_ms
    assert not slow.failed


def test_random_scenario_mostly_succeeds() -> None:
    """Without a scenario most jobs succeed fully and some partially."""
    plans = [build_plan(seed=s, shot_count=27, max_attempts=3) for s in range(300)]
    partial = sum(1 for p in plans if p.failed)
    retried = sum(1 for p in plans if p.total_attempts > 27)
    assert 0 < partial < 60
    assert retried > 150


def test_completed_results_and_processing_time() -> None:
    """A completed job carries its plan and processingTime = end - start."""
    job = make_job(scenario="random", count=5, queued_ms=2000)
    v = view(job, job.end_ms)
    assert v.results == job.plan()
    assert v.processing_ms == job.end_ms - job.start_ms
    assert v.started_ms == job.start_ms
    assert v.completed_ms == job.end_ms


def test_estimates_refresh_per_shot() -> None:
    """The estimate is constant within a shot and refreshed from the pace so far."""
    job = make_job(count=4, scenario="random")
    plan: Plan = job.plan()
    first = view(job, T0)
    assert first.estimated_ms == T0 + 4 * 45_000
    s2 = shot_start(job, 2)
    second = view(job, s2)
    assert second.estimated_ms == s2 + (s2 - T0) * 2 // 2
    assert view(job, s2 + 1).estimated_ms == second.estimated_ms
    assert plan.runs[0].offset_ms == 0


def test_cancel_freezes_progress_for_good() -> None:
    """Reference cancel: status cancelled from the cancel time on, progress frozen, completedAt."""
    job = make_job(count=5, scenario="success")
    c = shot_start(job, 2) + 10
    cancelled = replace(job, cancelled_ms=c)
    assert view(cancelled, c - 1).status == "processing"
    for t in (c, job.end_ms, job.end_ms + 10**8):
        v = view(cancelled, t)
        assert (v.status, v.current, v.completed_ms, v.results) == ("cancelled", 2, c, None)
        assert status_at(cancelled, t) == "cancelled"


def test_upstream_sequence() -> None:
    """Upstream: preamble with total 27, reversed shots, startedAt reset, total back at the end."""
    job = make_job(count=8, mode="upstream", scenario="success")
    v0 = view(job, T0)
    assert (v0.status, v0.total, v0.task) == ("processing", 8, "Initializing...")
    v1 = view(job, T0 + 1500)
    assert (v1.total, v1.task) == (27, "Starting core set generation...")
    first = view(job, shot_start(job, 0))
    assert first.task == "Generating 50mm 25° RIGHT MCU (Enhanced)"
    later = view(job, shot_start(job, 5) + 5)
    assert later.started_ms == shot_start(job, 5)
    assert later.total == 27
    done = view(job, job.end_ms)
    assert (done.status, done.current, done.total, done.processing_ms) == ("completed", 8, 8, 0)
    assert done.completed_ms == job.end_ms


def test_upstream_cancel_is_cosmetic() -> None:
    """Upstream: a cancel shows until the next progress write, then the job carries on."""
    job = make_job(count=3, mode="upstream", scenario="success")
    c = shot_start(job, 3) + 100
    until = next_write_after(job, c)
    assert until == shot_start(job, 4)
    cancelled = replace(job, cancelled_ms=c, cancel_until_ms=until)
    shown = view(cancelled, c)
    assert shown.status == "cancelled"
    assert shown.completed_ms is None
    assert view(cancelled, until).status == "processing"
    assert view(cancelled, job.end_ms).status == "completed"


def test_upstream_failed_has_no_results() -> None:
    """Upstream: a failed job keeps no results (D16)."""
    job = make_job(count=3, mode="upstream", scenario="fail", attempts=1)
    v = view(job, job.end_ms)
    assert v.status == "failed"
    assert v.results is None
    assert v.error == "No images were successfully generated"


def test_frozen_upstream_job_stays_put() -> None:
    """Upstream: a job orphaned by a restart shows its state at the restart forever."""
    job = make_job(count=3, mode="upstream")
    frozen = replace(job, frozen_ms=shot_start(job, 1) + 1)
    stuck = view(frozen, job.end_ms + 10**6)
    assert stuck.status == "processing"
    assert stuck.estimated_ms is None  # not active in this process: no estimate (D6)
    assert status_at(frozen, job.end_ms + 10**6) == "processing"


def test_seeded_plans_are_stable_across_versions() -> None:
    """Pinned plans: a change of draws would silently change every seeded job users rely on."""
    plan = build_plan(seed=42, shot_count=5, max_attempts=3)
    assert plan.attempt_ms == ((30819,), (37314,), (52174,), (32848,), (30976,))
    assert plan.qualities == (93, 74, 93, 88, 72)
    partial = build_plan(seed=7, shot_count=4, max_attempts=2, scenario="partial")
    assert partial.attempt_ms == ((42937,), (11582, 12373), (56911,), (33084,))
    assert partial.qualities == (90, None, 87, 81)


# (now, start, end, outcome, cancelled, cancel_until, frozen) -> status; boundaries included.
RULE_CASES = [
    ((9, 10, 20, "completed", None, None, None), "pending"),
    ((10, 10, 20, "completed", None, None, None), "processing"),
    ((19, 10, 20, "failed", None, None, None), "processing"),
    ((20, 10, 20, "failed", None, None, None), "failed"),
    ((14, 10, 20, "completed", 15, None, None), "processing"),
    ((15, 10, 20, "completed", 15, None, None), "cancelled"),
    ((99, 10, 20, "completed", 15, None, None), "cancelled"),
    ((16, 10, 20, "completed", 15, 17, None), "cancelled"),
    ((17, 10, 20, "completed", 15, 17, None), "processing"),
    ((99, 10, 20, "completed", None, None, 12), "processing"),
    ((99, 10, 20, "completed", 15, None, 12), "processing"),
    ((99, 10, 20, "completed", 15, None, 15), "cancelled"),
    ((11, 10, 20, "completed", None, None, 12), "processing"),
    ((99, 10, 20, "completed", None, None, 9), "pending"),
]


@pytest.mark.parametrize(("facts", "expected"), RULE_CASES)
def test_status_rule_at_its_boundaries(
    facts: tuple[int, int, int, str, int | None, int | None, int | None], expected: str
) -> None:
    """status_of: starts and ends are inclusive-exclusive; cancels show; freezing stops time."""
    assert status_of(*facts) == expected


def test_slot_rule() -> None:
    """holds_slot: until the end, unless frozen or cancelled for good (reference cancel)."""
    assert holds_slot(19, 20, None, None, None)
    assert not holds_slot(20, 20, None, None, None)
    assert not holds_slot(5, 20, None, None, 3)  # frozen by a restart
    assert not holds_slot(5, 20, 4, None, None)  # reference cancel frees the slot
    assert holds_slot(5, 20, 4, 6, None)  # upstream cancel: the worker keeps going
