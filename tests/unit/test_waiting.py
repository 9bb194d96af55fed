"""The sans-IO wait state: what a wait does with each poll's outcome, with time passed in."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from charlib import (
    APIConnectionError,
    InternalServerError,
    InvalidParameterError,
    JobCancelledError,
    JobFailedError,
    JobStatus,
    NotFoundError,
    PartialResultError,
    PollPolicy,
    RateLimitError,
    RetryPolicy,
    WaitTimeoutError,
)
from charlib._wait_options import group_call
from charlib._waiting import DEFAULT_WAIT_TIMEOUT, Waiter, WaitGroup, is_transient, outcome

REQUEST = httpx.Request("GET", "http://test/api/v1/jobs/j/status")


def _status(
    state: str, current: int = 0, total: int = 27, job_id: str = "j", **extra: Any
) -> JobStatus:
    body = {
        "success": True,
        "jobId": job_id,
        "status": state,
        "progress": {
            "current": current,
            "total": total,
            "percentage": round(100 * current / total),
        },
        **extra,
    }
    return JobStatus.model_validate(body)


def _http_error(cls: type[Exception], status: int, headers: dict[str, str] | None = None) -> Any:
    response = httpx.Response(status, headers=headers, json={"error": "x"}, request=REQUEST)
    return cls("boom", response=response, body={"error": "x"})


def test_default_deadline_is_45_minutes() -> None:
    """Without a timeout, a wait gives up after the documented 45 minutes."""
    waiter = Waiter("j", now=100.0)
    assert DEFAULT_WAIT_TIMEOUT == 45 * 60
    assert waiter.deadline == 100.0 + 45 * 60


def test_timeout_none_means_no_deadline_only_when_asked() -> None:
    """timeout=None is accepted and means no deadline."""
    assert Waiter("j", now=0.0, timeout=None).deadline is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timeout": -1.0}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"poll": 0}, "poll"),
        ({"poll": "fast"}, "poll"),
        ({"on_progress": 3}, "on_progress"),
    ],
)
def test_bad_wait_arguments_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    """Nonsense arguments raise InvalidParameterError naming the argument."""
    with pytest.raises(InvalidParameterError, match=field):
        Waiter("j", now=0.0, **kwargs)


def test_only_changes_are_reported() -> None:
    """The same snapshot twice is news once; a new step is news again."""
    seen: list[JobStatus] = []
    waiter = Waiter("j", now=0.0, on_progress=seen.append)
    for now, current in [(1.0, 3), (2.0, 3), (3.0, 4)]:
        status = _status("processing", current)
        changed, finished = waiter.accept(status, now)
        assert not finished
        if changed:
            waiter.report(status)
    assert [s.progress.current for s in seen] == [3, 4]


def test_completed_finishes_the_wait() -> None:
    """A completed snapshot ends the wait at once."""
    waiter = Waiter("j", now=0.0)
    assert waiter.accept(_status("completed", 27), 1.0) == (True, True)


def test_cancel_is_believed_once_it_held_for_about_a_step() -> None:
    """A cancelled job is watched for about one step before the wait ends (the live service can
    flip it back to processing at its next progress write)."""
    waiter = Waiter("j", now=0.0, poll=PollPolicy(default_step=45, jitter=0))
    assert waiter.accept(_status("cancelled", 5), 1.0) == (True, False)
    delay = waiter.next_delay(1.0)
    assert 0 < delay <= 45 * 1.3 / 3 + 1e-9  # a few looks within the window
    assert waiter.accept(_status("cancelled", 5), 30.0) == (False, False)
    assert waiter.accept(_status("cancelled", 5), 1.0 + 45 * 1.3) == (False, True)


def test_cancel_is_believed_at_the_deadline() -> None:
    """At the deadline a cancel still being confirmed ends the wait as cancelled."""
    waiter = Waiter("j", now=0.0, timeout=10.0)
    assert waiter.accept(_status("cancelled", 5), 1.0) == (True, False)
    assert waiter.accept(_status("cancelled", 5), 10.0) == (False, True)


def test_cancelled_then_processing_again_keeps_waiting() -> None:
    """If the job is processing again after a cancel, the wait reports that truth and goes on."""
    waiter = Waiter("j", now=0.0)
    waiter.accept(_status("cancelled", 5), 1.0)
    assert waiter.accept(_status("processing", 6), 20.0) == (True, False)
    assert waiter.accept(_status("cancelled", 6), 21.0) == (True, False)


def test_async_callback_is_refused_by_a_sync_wait() -> None:
    """An async on_progress with a sync client is an InvalidParameterError, not a lost call."""

    async def callback(status: JobStatus) -> None:
        pass

    with pytest.raises(InvalidParameterError, match="on_progress"):
        Waiter("j", now=0.0, on_progress=callback)
    Waiter("j", now=0.0, on_progress=callback, asynchronous=True)


def test_progress_must_be_a_bar_or_a_bool() -> None:
    """progress='yes' is an InvalidParameterError naming progress."""
    with pytest.raises(InvalidParameterError, match="progress"):
        Waiter("j", now=0.0, progress="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [
        APIConnectionError(request=REQUEST),
        _http_error(RateLimitError, 429, {"Retry-After": "3"}),
        _http_error(InternalServerError, 503),
    ],
)
def test_transient_errors_are_absorbed(error: Exception) -> None:
    """Connection errors, 429 and 5xx while waiting are recorded, not raised."""
    waiter = Waiter("j", now=0.0)
    waiter.reject(error, 1.0)  # type: ignore[arg-type]
    assert waiter.last_error is error
    assert is_transient(error, RetryPolicy())  # type: ignore[arg-type]


def test_retry_after_from_a_429_delays_the_next_poll() -> None:
    """A 429's Retry-After is honoured by the next delay."""
    waiter = Waiter("j", now=0.0, poll=PollPolicy(initial_interval=0.5, jitter=0))
    waiter.reject(_http_error(RateLimitError, 429, {"Retry-After": "9"}), 0.0)
    assert waiter.next_delay(0.0) == pytest.approx(9.0)


def test_not_found_aborts_the_wait() -> None:
    """A job that does not exist is not waited for: NotFoundError propagates."""
    waiter = Waiter("j", now=0.0)
    with pytest.raises(NotFoundError):
        waiter.reject(_http_error(NotFoundError, 404), 1.0)


def test_deadline_raises_wait_timeout_with_the_last_status() -> None:
    """At the deadline, WaitTimeoutError carries the job id and the last status seen."""
    waiter = Waiter("j", now=0.0, timeout=10.0)
    waiter.accept(_status("processing", 7), 1.0)
    assert waiter.next_delay(9.5) <= 0.5
    with pytest.raises(WaitTimeoutError) as caught:
        waiter.next_delay(10.0)
    assert caught.value.job_id == "j"
    assert caught.value.last_status is not None
    assert caught.value.last_status.progress.current == 7
    assert isinstance(caught.value, TimeoutError)


def test_time_left_is_cut_to_the_deadline_but_leaves_a_final_look() -> None:
    """A poll near the deadline gets only the time left, yet never less than a short final look."""
    waiter = Waiter("j", now=0.0, timeout=10.0)
    assert waiter.time_left(0.0) == 10.0
    assert waiter.time_left(7.0) == 3.0
    left = waiter.time_left(10.0)
    assert left is not None
    assert 0 < left <= 2.0
    assert Waiter("j", now=0.0, timeout=None).time_left(5.0) is None


def test_outcome_maps_terminal_states() -> None:
    """completed returns, failed and cancelled raise, partial raises only when asked."""
    partial = _status(
        "completed",
        27,
        results={"generatedImages": [{"url": "u", "angle": "a"}], "failedImages": [{"angle": "b"}]},
    )
    assert outcome(partial) is partial
    with pytest.raises(PartialResultError):
        outcome(partial, raise_on_partial=True)
    with pytest.raises(JobFailedError, match="boom"):
        outcome(_status("failed", 3, error="boom"))
    with pytest.raises(JobCancelledError):
        outcome(_status("cancelled", 3))


def test_group_hands_out_at_most_concurrency_polls() -> None:
    """A group of ten jobs with concurrency 3 asks for three polls at a time."""
    group = WaitGroup([f"j{i}" for i in range(10)], group_call([], concurrency=3)[1], now=0.0)
    assert group.due(0.0) == [0, 1, 2]
    assert group.due(0.0) == [3, 4, 5]


def test_group_results_come_back_in_input_order() -> None:
    """Whatever order jobs finish in, results() follows the input order."""
    group = WaitGroup(["a", "b"], group_call([])[1], now=0.0)
    group.due(0.0)
    assert group.accept(1, _status("failed", 2, job_id="b"), 1.0) == (True, True)
    assert not group.done
    assert group.accept(0, _status("completed", 27, job_id="a"), 2.0) == (True, True)
    assert group.done
    assert [s.job_id for s in group.results()] == ["a", "b"]


def test_group_deadline_carries_what_finished() -> None:
    """The group's WaitTimeoutError lists the finished statuses and the unfinished ids."""
    group = WaitGroup(["a", "b"], group_call([], timeout=5.0)[1], now=0.0)
    group.due(0.0)
    group.accept(0, _status("completed", 27, job_id="a"), 1.0)
    group.accept(1, _status("processing", 2, job_id="b"), 1.0)
    with pytest.raises(WaitTimeoutError) as caught:
        group.next_delay(5.0)
    assert caught.value.job_id == "b"
    assert list(caught.value.finished) == ["a"]
    assert caught.value.unfinished == ["b"]


def test_group_rejects_a_single_string() -> None:
    """Passing one job id string instead of a list is caught, naming job_ids."""
    with pytest.raises(InvalidParameterError, match="job_ids"):
        WaitGroup("abc", group_call([])[1], now=0.0)
