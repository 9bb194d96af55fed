"""The scheduler stepped by hand (no network): places, the shared back-off, lost starts."""

from __future__ import annotations

from pathlib import Path

import httpx

import charlib
from charlib._batch_flow import Calls, Scheduler, _Wait, batch_flow
from charlib._batch_ledger import LEDGER_NAME, Ledger
from charlib._batch_steps import EnsureCharacter, Rules
from charlib._wait_flow import Sleep
from charlib._waiting import Waiter
from charlib.batch import parse_cast

CAST = parse_cast("name\nAda\nBob\nCy\n", jsonl=False)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _state(tmp_path: Path, max_active: int) -> Scheduler:
    ledger = Ledger(tmp_path / LEDGER_NAME)
    ledger.add_cast(CAST)
    return Scheduler(ledger, Rules(tmp_path), charlib.RetryPolicy(), max_active=max_active)


def _rate_limited(seconds: int) -> charlib.RateLimitError:
    request = httpx.Request("GET", "http://service/api/v1/characters")
    response = httpx.Response(429, headers={"Retry-After": str(seconds)}, request=request)
    return charlib.RateLimitError("429 Too Many Requests", response=response, body=None)


def test_no_more_characters_than_places(tmp_path: Path) -> None:
    """With max_active=2, the first round calls for two characters only."""
    flow = batch_flow(_state(tmp_path, 2), Clock())
    command = next(flow)
    assert isinstance(command, Calls)
    assert [key for key, _ in command.items] == ["ada", "bob"]
    assert all(isinstance(call, EnsureCharacter) for _, call in command.items)


def test_a_429_pauses_new_characters_and_repeats_the_call_after_retry_after(
    tmp_path: Path,
) -> None:
    """A call refused with 429 is made again after Retry-After, and no other character is
    taken in the meantime, though a place is free."""
    clock = Clock()
    state = _state(tmp_path, 2)
    flow = batch_flow(state, clock)
    first = next(flow)
    assert isinstance(first, Calls)
    [(key, call)] = [item for item in first.items if item[0] == "ada"]
    # ada is refused; bob's character call fails for good (its row is given back).
    replies = [
        _rate_limited(30) if k == "ada" else charlib.CharlibError("boom") for k, _ in first.items
    ]
    nap = flow.send(replies)
    assert isinstance(nap, Sleep)
    assert 0 < nap.seconds <= 30
    assert state.pause_until == 30
    assert set(state.flows) == {"ada"}  # bob given back, no one taken in its place
    clock.now = 30
    again = flow.send(None)
    assert isinstance(again, Calls)
    assert again.items[0] == (key, call)  # the same call, made again
    assert {k for k, _ in again.items} >= {"ada"}


def test_a_character_dropped_while_its_job_runs_is_not_polled_again(tmp_path: Path) -> None:
    """When another process takes a row whose job this one follows, the next poll of that job
    ends nothing and the batch goes on without it."""
    clock = Clock()
    state = _state(tmp_path, 1)
    flow = batch_flow(state, clock)
    command = next(flow)
    assert isinstance(command, Calls)
    [(key, _)] = command.items
    # Pretend the flow reached its job and then lost the row.
    state.flows.pop(key).close()
    state.waits["job-1"] = _Wait(key, Waiter("job-1", now=0.0, timeout=None), 0.0)
    state.feed_polls(("job-1",), [charlib.CharlibError("ignored")], 0.0)
    assert "job-1" not in state.waits
