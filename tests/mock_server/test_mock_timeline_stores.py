"""Every store selects jobs by the lifecycle's rules (hypothesis over random facts and times).

The stores do not hold a copy of the timeline: the memory store calls ``status_of``/``holds_slot``
in its loops and the SQLite store calls them as SQL functions. These properties would catch a
store that filtered by anything else.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.lifecycle import (
    COMPLETED,
    FAILED,
    JOB_STATUSES,
    JOB_TYPES,
    JobFacts,
    is_active,
    status_at,
)
from mock_server.store import JobQuery, MemoryStore, SQLiteStore, Store, open_store

CHARACTERS = ("c0", "c1", "c2")
#: Small times, so that ``now`` often lands exactly on a start, end, cancel or freeze.
TIMES = st.integers(0, 60)
NOW = st.integers(0, 70)

STORES: dict[str, Callable[[], Store]] = {
    "memory": MemoryStore,
    "default": lambda: open_store(None),
    "sqlite": lambda: SQLiteStore(":memory:"),
}


@st.composite
def facts(draw: st.DrawFn) -> list[JobFacts]:
    """Jobs in creation order with arbitrary stored times (not only ones the engine writes)."""
    count = draw(st.integers(0, 14))
    created = sorted(draw(st.lists(st.integers(0, 5), min_size=count, max_size=count)))
    jobs = []
    for seq, created_ms in enumerate(created, 1):
        start = draw(TIMES)
        jobs.append(
            JobFacts(
                job_id=f"job-{seq:02d}",
                seq=seq,
                character_id=draw(st.sampled_from(CHARACTERS)),
                created_ms=created_ms,
                start_ms=start,
                end_ms=start + draw(st.integers(0, 30)),
                outcome=draw(st.sampled_from([COMPLETED, FAILED])),
                seed=seq,
                image_count=1,
                max_attempts=1,
                job_type=draw(st.sampled_from(JOB_TYPES)),
                request={"n": seq},
                cancelled_ms=draw(st.none() | TIMES),
                cancel_until_ms=draw(st.none() | TIMES),
                frozen_ms=draw(st.none() | TIMES),
            )
        )
    return jobs


@contextmanager
def filled(kind: str, jobs: list[JobFacts]) -> Iterator[Store]:
    """A fresh store of ``kind`` holding ``jobs``."""
    store = STORES[kind]()
    try:
        for job in jobs:
            store.add_job(job)
        yield store
    finally:
        store.close()


def ids(jobs: list[JobFacts]) -> list[str]:
    """The job ids, in order."""
    return [job.job_id for job in jobs]


def check_pages(store: Store, newest: list[JobFacts], now: int, *queries: JobQuery) -> None:
    """Each page ``store`` lists at ``now`` for ``queries``, and its total, is what status_at
    says of ``newest`` (the jobs, newest first)."""
    for query in queries:
        expected = [
            j
            for j in newest
            if (query.status is None or status_at(j, now) == query.status)
            and (query.job_type is None or j.job_type == query.job_type)
            and (query.character_id is None or j.character_id == query.character_id)
        ]
        page, total = store.list_jobs(now, query)
        start = (query.page - 1) * query.limit
        assert page == expected[start : start + query.limit]
        assert total == len(expected)


@pytest.mark.parametrize("kind", list(STORES))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jobs=facts(), now=NOW, job_type=st.none() | st.sampled_from(JOB_TYPES))
def test_status_filters_select_what_status_at_says(
    kind: str, jobs: list[JobFacts], now: int, job_type: str | None
) -> None:
    """list_jobs, count_by_status and finished_jobs select exactly by status_at, newest first."""
    newest = jobs[::-1]
    with filled(kind, jobs) as store:
        assert store.count_by_status(now) == {
            s: Counter(status_at(j, now) for j in jobs)[s] for s in JOB_STATUSES
        }
        for status in (*JOB_STATUSES, None):
            for character in (None, "c1"):
                first = JobQuery(
                    status=status, character_id=character, job_type=job_type, limit=100
                )
                check_pages(store, newest, now, first, replace(first, page=2, limit=3))
        finished = [j for j in newest if status_at(j, now) in (COMPLETED, FAILED)]
        assert ids(store.finished_jobs(now, 4)) == ids(finished[:4])


@pytest.mark.parametrize("kind", list(STORES))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jobs=facts(), now=NOW)
def test_active_jobs_and_freeze_select_what_is_active_says(
    kind: str, jobs: list[JobFacts], now: int
) -> None:
    """active_jobs is is_active in creation order; freeze stops exactly those jobs."""
    active = [j for j in jobs if is_active(j, now)]
    with filled(kind, jobs) as store:
        assert ids(store.active_jobs(now)) == ids(active)
        assert store.freeze(now) == len(active)
        frozen = set(ids(active))
        for job in jobs:
            stored = store.get_job(job.job_id)
            assert stored is not None
            assert stored.frozen_ms == (now if job.job_id in frozen else job.frozen_ms)
        assert store.active_jobs(now) == []


def test_sqlite_file_needs_no_functions_to_open(tmp_path: Path) -> None:
    """A database file refers to none of the store's SQL functions; its jobs table is unchanged."""
    path = tmp_path / "plain.sqlite3"
    store = SQLiteStore(path)
    store.add_job(
        JobFacts(
            job_id="j1",
            seq=1,
            character_id="c0",
            created_ms=1,
            start_ms=2,
            end_ms=3,
            outcome=COMPLETED,
            seed=1,
            image_count=1,
            max_attempts=1,
        )
    )
    store.close()
    plain = sqlite3.connect(path)
    try:
        assert plain.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        columns = [row[1] for row in plain.execute("PRAGMA table_info(jobs)")]
        assert columns == [
            "job_id", "seq", "character_id", "job_type", "created_ms", "start_ms", "end_ms",
            "outcome", "seed", "image_count", "max_attempts", "scenario", "mode", "request",
            "cancelled_ms", "cancel_until_ms", "frozen_ms",
        ]  # fmt: skip
        assert plain.execute("SELECT job_id FROM jobs").fetchall() == [("j1",)]
    finally:
        plain.close()
