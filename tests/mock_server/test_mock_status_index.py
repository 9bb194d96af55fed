"""The stores' status indexes agree with status_at as time moves and facts change (hypothesis).

The memory store keeps each job in the list of its status at a moving time and asks
``status_at`` again only at the instants ``changes_at`` names; the SQLite store selects plain
jobs by ``plain_window`` (``status_of`` as ranges of their times). A store asked about times in
any order, with cancels, new slots and freezes in between, must still list exactly what
``status_at`` says, newest first, with the same totals and pages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.lifecycle import (
    JOB_STATUSES,
    JOB_TYPES,
    JobFacts,
    changes_at,
    plain_window,
    status_at,
    status_of,
)
from mock_server.store import JobQuery, Store
from tests.mock_server.test_mock_timeline_stores import (
    CHARACTERS,
    NOW,
    STORES,
    TIMES,
    check_pages,
    facts,
    filled,
)

# One step of a run: ask at a time, or change a job's facts (cancel, new slot, freeze).
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("ask"), NOW),
        # Just before, at and just after one of a job's instants: where a rule's edges are.
        st.tuples(st.just("edge"), st.integers(0, 13), st.integers(0, 3), st.integers(-1, 1)),
        st.tuples(st.just("cancel"), st.integers(0, 13), TIMES, st.none() | TIMES),
        st.tuples(st.just("move"), st.integers(0, 13), TIMES, st.integers(0, 30)),
        st.tuples(st.just("freeze"), NOW),
    ),
    min_size=1,
    max_size=12,
)


def _check(store: Store, jobs: dict[str, JobFacts], order: list[str], now: int) -> None:
    """Every filter and page of ``store`` at ``now`` is what status_at says of ``jobs``."""
    newest = [jobs[job_id] for job_id in reversed(order)]
    assert store.count_by_status(now) == {
        s: Counter(status_at(j, now) for j in newest)[s] for s in JOB_STATUSES
    }
    for status in JOB_STATUSES:
        for character in (None, CHARACTERS[1]):
            for job_type in (None, JOB_TYPES[1]):
                first = JobQuery(
                    status=status, character_id=character, job_type=job_type, limit=100
                )
                check_pages(store, newest, now, first, replace(first, page=2, limit=2))


@pytest.mark.parametrize("kind", list(STORES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=facts(), steps=STEPS)
def test_filters_follow_status_at_through_time_and_changes(
    kind: str, initial: list[JobFacts], steps: list[tuple[object, ...]]
) -> None:
    """Asked at times in any order, with cancels, new slots and freezes between, a store lists
    by status exactly as status_at does."""
    jobs = {job.job_id: job for job in initial}
    order = [job.job_id for job in initial]
    with filled(kind, initial) as store:
        for step in steps:
            action = step[0]
            if action == "ask":
                _check(store, jobs, order, int(step[1]))  # type: ignore[call-overload]
            elif action == "edge" and order:
                job = jobs[order[int(step[1]) % len(order)]]  # type: ignore[call-overload]
                instants = changes_at(job)
                at = instants[int(step[2]) % len(instants)]  # type: ignore[call-overload]
                _check(store, jobs, order, max(0, at + int(step[3])))  # type: ignore[call-overload]
            elif action == "freeze":
                now = int(step[1])  # type: ignore[call-overload]
                store.freeze(now)
                for job_id in order:
                    stored = store.get_job(job_id)
                    assert stored is not None
                    jobs[job_id] = stored
                _check(store, jobs, order, now)
            elif order:
                job_id = order[int(step[1]) % len(order)]  # type: ignore[call-overload]
                job = jobs[job_id]
                if action == "cancel":
                    cancelled, until = step[2], step[3]
                    store.set_cancel(job_id, cancelled, until)  # type: ignore[arg-type]
                    jobs[job_id] = replace(job, cancelled_ms=cancelled, cancel_until_ms=until)  # type: ignore[arg-type]
                else:
                    start, length = int(step[2]), int(step[3])  # type: ignore[call-overload]
                    store.set_schedule([(job_id, start, start + length)])
                    jobs[job_id] = replace(job, start_ms=start, end_ms=start + length)


@given(job=facts().filter(bool).map(lambda jobs: jobs[0]), now=NOW)
def test_status_changes_only_at_the_instants_changes_at_names(job: JobFacts, now: int) -> None:
    """Between two instants of changes_at (and before the first) status_at stays the same."""
    instants = changes_at(job)
    before = [t for t in instants if t <= now]
    since = before[-1] if before else -1
    assert status_at(job, now) == status_at(job, since if before else now - 1000)
    assert list(instants) == sorted(set(instants))


@given(
    start=TIMES,
    length=st.integers(0, 30),
    outcome=st.sampled_from(["completed", "failed"]),
    now=NOW,
)
def test_plain_window_is_status_of_for_a_plain_job(
    start: int, length: int, outcome: str, now: int
) -> None:
    """For a job without cancel or freeze, its times lie in plain_window(s) exactly for the
    status s that status_of gives."""
    end = start + length
    actual = status_of(now, start, end, outcome, None, None, None)
    for status in JOB_STATUSES:
        window = plain_window(status, now)
        inside = not window.empty and all(
            (
                window.start_from is None or start >= window.start_from,
                window.start_until is None or start < window.start_until,
                window.end_from is None or end >= window.end_from,
                window.end_until is None or end < window.end_until,
                window.outcome is None or outcome == window.outcome,
            )
        )
        assert inside == (status == actual), status
