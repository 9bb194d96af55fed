"""Properties of the timeline over random jobs and times (hypothesis), and SQL = Python filters."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.lifecycle import (
    JOB_STATUSES,
    TERMINAL,
    JobFacts,
    next_write_after,
    status_at,
    view,
)
from mock_server.store import JobQuery, SQLiteStore
from tests.mock_server.test_mock_lifecycle import T0, make_job

ORDER = {"pending": 0, "processing": 1, "completed": 2, "failed": 2, "cancelled": 2}


@st.composite
def jobs(draw: st.DrawFn) -> JobFacts:
    """A random job: mode, scenario, size, attempts, queueing delay, maybe a cancel."""
    mode = draw(st.sampled_from(["reference", "upstream"]))
    scenario = draw(st.sampled_from(["random", "success", "partial", "fail", "slow"]))
    count = draw(st.integers(1, 27))
    attempts = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**63 - 1))
    queued_ms = draw(st.integers(0, 600_000))
    job = make_job(
        count=count, attempts=attempts, scenario=scenario, mode=mode, seed=seed, queued_ms=queued_ms
    )
    if draw(st.booleans()):
        cancel = draw(st.integers(T0, job.end_ms - 1))
        until = next_write_after(job, cancel) if mode == "upstream" else None
        job = replace(job, cancelled_ms=cancel, cancel_until_ms=until)
    return job


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(job=jobs(), times=st.lists(st.integers(0, 4 * 3_600_000), min_size=2, max_size=12))
def test_views_are_consistent_and_move_forward(job: JobFacts, times: list[int]) -> None:
    """status_at agrees with view; progress never exceeds total; reference never goes back."""
    previous = None
    for offset in sorted(times):
        now = T0 + offset
        v = view(job, now)
        assert v.status in JOB_STATUSES
        assert status_at(job, now) == v.status
        assert 0 <= v.current <= v.total
        assert 0 <= v.percentage <= 100
        if v.status in ("completed", "failed"):
            assert v.completed_ms == job.end_ms
        if job.mode == "reference" and previous is not None:
            assert ORDER[v.status] >= ORDER[previous.status]
            if previous.status in TERMINAL:
                assert v == previous  # final is final
            elif v.status == "processing" and previous.status == "processing":
                assert v.current >= previous.current
        previous = v


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(jobs(), min_size=1, max_size=15), offset=st.integers(0, 4 * 3_600_000))
def test_sql_status_filter_matches_python(
    tmp_path_factory: pytest.TempPathFactory, batch: list[JobFacts], offset: int
) -> None:
    """The SQL status predicate selects exactly the jobs whose derived status matches."""
    path = tmp_path_factory.mktemp("sql") / "jobs.sqlite3"
    store = SQLiteStore(path)
    try:
        for seq, job in enumerate(batch, 1):
            frozen = T0 + offset // 2 if seq % 4 == 0 and job.mode == "upstream" else None
            store.add_job(replace(job, job_id=f"j{seq}", seq=seq, frozen_ms=frozen))
        now = T0 + offset
        counts = store.count_by_status(now)
        for status in JOB_STATUSES:
            listed, total = store.list_jobs(now, JobQuery(status=status, limit=100))
            assert total == counts[status]
            assert all(status_at(j, now) == status for j in listed)
        assert sum(counts.values()) == len(batch)
    finally:
        store.close()
