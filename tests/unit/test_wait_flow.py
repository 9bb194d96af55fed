"""The waiting loops as sans-I/O flows, stepped by hand: the commands they yield for each reply.

No client, no clock, no sleeping: a test plays the runner, sending each command's reply and moving
its own time forward when told to sleep.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from charlib import (
    APIConnectionError,
    InternalServerError,
    JobFailedError,
    JobStatus,
    NotFoundError,
    PollPolicy,
    RetryPolicy,
    WaitTimeoutError,
)
from charlib._wait_flow import (
    Cancel,
    Command,
    Emit,
    Flow,
    Poll,
    Report,
    Sleep,
    advance,
    group_flow,
    wait_flow,
    watch_flow,
)
from charlib._wait_options import group_call
from charlib._waiting import FINAL_LOOK, Waiter, WaitGroup

REQUEST = httpx.Request("GET", "http://test/api/v1/jobs/j/status")
FIXED = PollPolicy.every(5)  # a poll every 5 s: delays the tests can predict


def _status(state: str, current: int = 0, job_id: str = "j", **extra: Any) -> JobStatus:
    progress = {"current": current, "total": 27, "percentage": round(100 * current / 27)}
    body = {"jobId": job_id, "status": state, "progress": progress, **extra}
    return JobStatus.model_validate(body)


def _http_error(cls: Any, status: int) -> Any:
    response = httpx.Response(status, json={"error": "x"}, request=REQUEST)
    return cls("boom", response=response, body={"error": "x"})


class Runner:
    """Plays the I/O side for a flow: local time, and a record of every command seen."""

    def __init__(self) -> None:
        self.now = 0.0
        self.seen: list[Command] = []

    def clock(self) -> float:
        return self.now

    def start(self, flow: Flow) -> Command | None:
        return self.reply(flow, None)

    def reply(self, flow: Flow, value: object) -> Command | None:
        """Send ``value`` and return the next command, carrying out Sleep/Report/Emit itself
        (they need no reply) until the flow asks for a poll or a cancel, or ends."""
        command = advance(flow, value)
        while isinstance(command, Sleep | Report | Emit):
            self.seen.append(command)
            if isinstance(command, Sleep):
                self.now += command.seconds
            command = advance(flow, None)
        if command is not None:
            self.seen.append(command)
        return command

    def answer_polls(
        self, flow: Flow, command: Command | None, status: JobStatus
    ) -> Command | None:
        """Answer ``command`` and every further Poll with ``status``, until the flow ends, raises
        or asks for something else."""
        while isinstance(command, Poll):
            command = self.reply(flow, [status])
        return command

    def kinds(self) -> list[str]:
        return [type(command).__name__ for command in self.seen]


def test_a_terminal_first_poll_is_reported_emitted_and_ends_without_sleeping() -> None:
    """A job already completed: one poll, then report and emit it, then the flow ends."""
    runner = Runner()
    flow = watch_flow(Waiter("j", now=0.0, poll=FIXED), runner.clock)
    assert runner.start(flow) == Poll(("j",), 45 * 60)
    done = _status("completed", 27)
    assert runner.reply(flow, [done]) is None
    assert runner.kinds() == ["Poll", "Report", "Emit"]
    assert runner.seen[-1] == Emit(done)


def test_an_unchanged_snapshot_is_neither_reported_nor_emitted() -> None:
    """The same snapshot twice: the second poll is followed straight by the next sleep."""
    runner = Runner()
    flow = watch_flow(Waiter("j", now=0.0, poll=FIXED), runner.clock)
    runner.start(flow)
    runner.reply(flow, [_status("processing", 3)])
    runner.reply(flow, [_status("processing", 3)])
    assert runner.kinds() == ["Poll", "Report", "Emit", "Sleep", "Poll", "Sleep", "Poll"]


def test_a_transient_error_sleeps_then_polls_again() -> None:
    """A 503 while waiting is not raised: the flow sleeps and asks for another poll."""
    runner = Runner()
    flow = watch_flow(Waiter("j", now=0.0, poll=FIXED), runner.clock)
    runner.start(flow)
    command = runner.reply(flow, [_http_error(InternalServerError, 503)])
    assert isinstance(command, Poll)
    assert runner.kinds() == ["Poll", "Sleep", "Poll"]
    assert runner.now == 5.0


def test_a_final_error_is_raised_at_once() -> None:
    """A 404 ends the wait: the flow raises it instead of planning a sleep."""
    runner = Runner()
    flow = watch_flow(Waiter("j", now=0.0), runner.clock)
    runner.start(flow)
    with pytest.raises(NotFoundError):
        runner.reply(flow, [_http_error(NotFoundError, 404)])
    assert runner.kinds() == ["Poll"]


def test_the_retry_policy_decides_which_errors_are_waited_out() -> None:
    """With 503 left out of ``retry_statuses``, a 503 while waiting is final."""
    runner = Runner()
    retry = RetryPolicy(retry_statuses={502})
    flow = watch_flow(Waiter("j", now=0.0, retry=retry), runner.clock)
    runner.start(flow)
    with pytest.raises(InternalServerError):
        runner.reply(flow, [_http_error(InternalServerError, 503)])


def test_the_deadline_ends_with_a_final_look_then_wait_timeout() -> None:
    """Sleeps stop at the deadline; the poll made there still gets a final look; then
    WaitTimeoutError carries the job id and the last status."""
    runner = Runner()
    flow = watch_flow(Waiter("j", now=0.0, timeout=12, poll=FIXED), runner.clock)
    command = runner.start(flow)
    with pytest.raises(WaitTimeoutError) as caught:
        runner.answer_polls(flow, command, _status("processing", 1))
    sleeps = [command.seconds for command in runner.seen if isinstance(command, Sleep)]
    assert sleeps == [5, 5, 2]
    polls = [command for command in runner.seen if isinstance(command, Poll)]
    assert [poll.left for poll in polls] == [12, 7, FINAL_LOOK, FINAL_LOOK]
    assert caught.value.job_id == "j"
    assert caught.value.last_status == _status("processing", 1)


def test_closing_the_flow_early_closes_the_progress_bar() -> None:
    """A caller that stops iterating closes the flow, and with it the waiter's bar."""

    class Bar:
        closed = False

        def update(self, status: JobStatus) -> None:
            pass

        def close(self) -> None:
            self.closed = True

    bar = Bar()
    waiter = Waiter("j", now=0.0, progress=bar)  # type: ignore[arg-type]  # any update/close
    flow = watch_flow(waiter, Runner().clock)
    advance(flow, None)
    status = _status("processing", 1)
    assert advance(flow, [status]) == Report(waiter, status)
    assert not bar.closed
    flow.close()
    assert bar.closed


def test_wait_emits_only_the_outcome() -> None:
    """``wait_flow`` reports every change but emits one thing: the completed status."""
    runner = Runner()
    flow = wait_flow(Waiter("j", now=0.0, poll=FIXED), runner.clock)
    runner.start(flow)
    runner.reply(flow, [_status("processing", 1)])
    done = _status("completed", 27)
    assert runner.reply(flow, [done]) is None
    assert runner.kinds() == ["Poll", "Report", "Sleep", "Poll", "Report", "Emit"]
    assert runner.seen[-1] == Emit(done)


def test_wait_raises_for_a_failed_job() -> None:
    """A failed job ends ``wait_flow`` with JobFailedError, not an emitted status."""
    runner = Runner()
    flow = wait_flow(Waiter("j", now=0.0), runner.clock)
    runner.start(flow)
    with pytest.raises(JobFailedError):
        runner.reply(flow, [_status("failed", 3, error="no GPU")])
    assert "Emit" not in runner.kinds()


def test_cancel_on_timeout_cancels_before_raising(caplog: pytest.LogCaptureFixture) -> None:
    """At the deadline, with cancel_on_timeout, the flow asks for one cancel; a cancel that
    fails is logged and the WaitTimeoutError raised all the same."""
    runner = Runner()
    flow = wait_flow(Waiter("j", now=0.0, timeout=3, poll=FIXED), runner.clock, True)
    command = runner.answer_polls(flow, runner.start(flow), _status("processing", 1))
    assert command == Cancel("j")
    with caplog.at_level(logging.WARNING, logger="charlib"), pytest.raises(WaitTimeoutError):
        runner.reply(flow, [APIConnectionError("refused", request=REQUEST)])
    assert "Could not cancel job j" in caplog.text


def test_no_cancel_on_timeout_unless_asked() -> None:
    """Without cancel_on_timeout the deadline raises straight away."""
    runner = Runner()
    flow = wait_flow(Waiter("j", now=0.0, timeout=3, poll=FIXED), runner.clock)
    command = runner.start(flow)
    with pytest.raises(WaitTimeoutError):
        runner.answer_polls(flow, command, _status("processing", 1))
    assert "Cancel" not in runner.kinds()


def test_a_group_asks_for_a_whole_batch_at_once() -> None:
    """By default a group hands out one Poll per batch of at most ``concurrency`` jobs."""
    runner = Runner()
    group = WaitGroup(["a", "b", "c"], group_call([], concurrency=2, poll=FIXED)[1], now=0.0)
    flow = group_flow(group, runner.clock)
    assert runner.start(flow) == Poll(("a", "b"), 45 * 60)
    a, b = _status("completed", 27, job_id="a"), _status("processing", 1, job_id="b")
    assert runner.reply(flow, [a, b]) == Poll(("c",), 45 * 60)
    assert runner.kinds() == ["Poll", "Report", "Emit", "Report", "Sleep", "Poll"]
    assert runner.seen[2] == Emit(a)
    assert runner.seen[4] == Sleep(0.0)  # "c" has been due since the start


def test_one_by_one_polls_each_job_of_a_batch_in_turn() -> None:
    """With ``one_by_one`` each job of a batch is its own Poll, with the time left measured
    again before each."""
    runner = Runner()
    group = WaitGroup(["a", "b"], group_call([], timeout=60, poll=FIXED)[1], now=0.0)
    flow = group_flow(group, runner.clock, one_by_one=True)
    assert runner.start(flow) == Poll(("a",), 60)
    runner.now = 10.0  # the first request took 10 s
    assert runner.reply(flow, [_status("processing", 1, job_id="a")]) == Poll(("b",), 50)


def test_one_by_one_stops_polling_once_the_deadline_has_passed() -> None:
    """A sequential runner is handed no further poll of a batch after the deadline."""
    runner = Runner()
    group = WaitGroup(["a", "b", "c"], group_call([], timeout=5, poll=FIXED)[1], now=0.0)
    flow = group_flow(group, runner.clock, one_by_one=True)
    runner.start(flow)
    runner.now = 6.0  # the first poll overran the deadline
    with pytest.raises(WaitTimeoutError) as caught:
        runner.reply(flow, [_status("processing", 1, job_id="a")])
    assert [c.job_ids for c in runner.seen if isinstance(c, Poll)] == [("a",)]
    assert caught.value.unfinished == ["a", "b", "c"]
