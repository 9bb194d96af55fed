"""``charlib.RetryPolicy`` through the public API: what a client retries, how long it sleeps (on
the injected clock), how ``max_retries`` combines with it, and that waits follow it too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import FakeClock, FakeServer, golden, resolve

JOB = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"


def _busy(**headers: str) -> httpx.Response:
    return httpx.Response(503, json={"error": "busy"}, headers=headers)


def _pending() -> httpx.Response:
    return httpx.Response(200, json=golden("status-pending"))


def test_retry_policy_is_public_with_the_documented_defaults() -> None:
    """``charlib.RetryPolicy()`` is the policy a client uses when given none."""
    policy = charlib.RetryPolicy()
    assert (policy.max_retries, policy.base_delay, policy.max_delay) == (3, 0.5, 8.0)
    assert (policy.jitter, policy.max_retry_after) == (0.5, 60.0)
    assert policy.retry_statuses == {408, 429, 500, 502, 503, 504}
    with charlib.Client() as client:
        assert client.retry == policy
    assert charlib.RetryPolicy(retry_statuses=[503, 429]).retry_statuses == {429, 503}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_retries", -1),
        ("max_retries", 1.5),
        ("base_delay", -0.1),
        ("max_delay", float("inf")),
        ("jitter", 1.5),
        ("jitter", True),
        ("max_retry_after", float("nan")),
        ("retry_statuses", "503"),
        ("retry_statuses", [503, 99]),
    ],
)
def test_bad_policy_fields_raise_a_typed_error_naming_the_field(field: str, value: Any) -> None:
    """Each field is checked when the policy is made; the error names ``RetryPolicy.<field>``."""
    with pytest.raises(charlib.InvalidParameterError) as caught:
        charlib.RetryPolicy(**{field: value})
    assert caught.value.field == f"RetryPolicy.{field}"


def test_a_client_refuses_what_is_not_a_policy() -> None:
    """``retry=`` must be a RetryPolicy (a dict or a number is a mistake, said at once)."""
    with pytest.raises(charlib.InvalidParameterError) as caught:
        charlib.Client(retry={"max_retries": 1})  # type: ignore[arg-type]
    assert caught.value.field == "retry"


async def test_a_status_left_out_of_retry_statuses_is_raised_at_once(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """With 503 left out, a 503 is not retried: one request, no sleep."""
    server.script(_busy(), _pending())
    client = make_client(retry=charlib.RetryPolicy(retry_statuses={502}))
    with pytest.raises(charlib.InternalServerError):
        await resolve(client.jobs.get(JOB))
    assert len(server.requests) == 1
    assert clock.sleeps == []


async def test_base_delay_and_max_delay_shape_the_backoff(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """Without jitter the sleeps are exactly the doubling steps, capped at ``max_delay``."""
    server.script(_busy())
    policy = charlib.RetryPolicy(max_retries=5, base_delay=1.0, max_delay=3.0, jitter=0)
    with pytest.raises(charlib.InternalServerError):
        await resolve(make_client(retry=policy).jobs.get(JOB))
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0, 3.0]


async def test_jitter_draws_within_the_fraction_of_each_step(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """``jitter=0.2``: every sleep lies in ``[0.8 * step, step]``."""
    server.script(_busy())
    policy = charlib.RetryPolicy(max_retries=6, base_delay=1.0, max_delay=4.0, jitter=0.2)
    with pytest.raises(charlib.InternalServerError):
        await resolve(make_client(retry=policy).jobs.get(JOB))
    steps = [1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    assert len(clock.sleeps) == len(steps)
    for step, delay in zip(steps, clock.sleeps, strict=True):
        assert 0.8 * step <= delay <= step


async def test_max_retry_after_caps_the_servers_retry_after(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """A ``Retry-After: 30`` is clipped to the policy's ``max_retry_after``."""
    server.script(_busy(**{"Retry-After": "30"}), _pending())
    client = make_client(retry=charlib.RetryPolicy(max_retry_after=4))
    await resolve(client.jobs.get(JOB))
    assert clock.sleeps == [4.0]


async def test_max_retries_replaces_the_policys_count_and_keeps_the_rest(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """Given both, ``max_retries`` wins over ``retry.max_retries``; the other fields stay."""
    server.script(_busy())
    policy = charlib.RetryPolicy(max_retries=8, base_delay=2.0, jitter=0)
    client = make_client(retry=policy, max_retries=1)
    assert client.max_retries == 1
    assert client.retry == charlib.RetryPolicy(max_retries=1, base_delay=2.0, jitter=0)
    with pytest.raises(charlib.InternalServerError):
        await resolve(client.jobs.get(JOB))
    assert len(server.requests) == 2
    assert clock.sleeps == [2.0]


async def test_with_options_replaces_the_policy_or_only_its_count(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """``with_options(retry=...)`` swaps the policy; ``with_options(max_retries=...)`` keeps the
    parent's policy with a new count."""
    parent = make_client(retry=charlib.RetryPolicy(base_delay=3.0, jitter=0))
    fewer = parent.with_options(max_retries=1)
    assert fewer.retry == charlib.RetryPolicy(max_retries=1, base_delay=3.0, jitter=0)
    other = parent.with_options(retry=charlib.RetryPolicy(max_retries=0))
    assert other.retry == charlib.RetryPolicy(max_retries=0)
    server.script(_busy())
    with pytest.raises(charlib.InternalServerError):
        await resolve(fewer.jobs.get(JOB))
    assert clock.sleeps == [3.0]
    assert len(server.requests) == 2


async def test_a_wait_raises_what_the_policy_does_not_retry(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """A policy that leaves 503 out makes a wait raise a 503 at once (by default it is waited
    out, see test_client_wait)."""
    server.script(_busy(), httpx.Response(200, json=golden("status-completed-partial")))
    client = make_client(retry=charlib.RetryPolicy(retry_statuses={502}))
    with pytest.raises(charlib.InternalServerError):
        await resolve(client.jobs.wait(JOB))
    assert len(server.requests) == 1
    assert clock.sleeps == []


async def test_a_wait_caps_retry_after_with_the_policy(
    server: FakeServer, clock: FakeClock, make_client: Callable[..., Any]
) -> None:
    """While waiting, a ``Retry-After: 30`` delays the next poll by the policy's cap (5 s)."""
    server.script(
        _busy(**{"Retry-After": "30"}),
        httpx.Response(200, json=golden("status-completed-partial")),
    )
    client = make_client(retry=charlib.RetryPolicy(max_retry_after=5))
    status = await resolve(client.jobs.wait(JOB, poll=1))
    assert status.status == "completed"
    assert clock.sleeps == [5.0]
