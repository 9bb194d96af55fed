"""A hostile server against both clients: slow, deep, huge, and a clock that runs away.

* **Trickling** (one byte at a time, of the body or of the status line and headers): a request
  ends at its timeout as a total, and a wait at its deadline, whatever the server does.
* **Nesting**: 1,000 nested arrays as the body of a 200, a 400 or a 500 give a ``CharlibError``
  from ``get``, ``list``, ``cancel``, ``wait`` and ``wait_all``, never ``RecursionError``.
* **Inflating**: a 1 MB gzip body that would inflate to 1 GiB stops at ``max_response_bytes``
  with :class:`charlib.ResponseTooLargeError`, its memory bounded.
* **A runaway ``Date``** (an hour per response) does not make a wait poll in a tight loop.

Every case runs against :class:`charlib.Client` and :class:`charlib.AsyncClient` (the ``flavor``
parameter). Time limits here only bound how long a test waits for a failure, generously.
"""

from __future__ import annotations

import pickle
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import charlib
from tests.client.support import AnyClient, collect, resolve
from tests.reliability.hostile_server import (
    Clients,
    HostileServer,
    Reply,
    deep_json,
    gzip_bomb,
    http_date,
    job,
    raised,
)

# How long a test lets a bounded operation take before calling it unbounded: far above the
# bounds under test (1-3 s), far below what an unbounded one would take (a minute or more).
GENEROUS = 15.0


# -- trickling ---------------------------------------------------------------------------------

TRICKLES = {
    "body": {"trickle_body": 0.05},
    "status line and headers": {"trickle_head": 0.05},
}


@pytest.mark.parametrize("where", list(TRICKLES))
async def test_a_trickling_answer_ends_at_the_request_timeout(
    hostile: HostileServer, make: Clients, where: str
) -> None:
    """A byte every 50 ms (minutes for the whole answer): ``get`` times out after about 1 s."""
    body = Reply.json(job(padding="x" * 4000)).body
    hostile.reply = lambda _: Reply(body=body, **TRICKLES[where])
    client = make(timeout=1)
    started = time.monotonic()
    error = await raised(lambda: client.jobs.get("job-1"))
    assert isinstance(error, charlib.APITimeoutError), repr(error)
    assert time.monotonic() - started < GENEROUS


async def test_a_trickling_status_cannot_stretch_a_wait_past_its_deadline(
    hostile: HostileServer, make: Clients
) -> None:
    """The client's timeout is 30 s, the wait's 2 s: each poll is cut to the time left (each
    answer would take a minute)."""
    hostile.reply = lambda _: Reply(body=Reply.json(job()).body, trickle_head=0.5)
    client = make(timeout=30)
    started = time.monotonic()
    error = await raised(lambda: client.jobs.wait("job-1", timeout=2))
    assert isinstance(error, charlib.WaitTimeoutError), repr(error)
    assert time.monotonic() - started < GENEROUS


# -- nesting -----------------------------------------------------------------------------------

CALLS: dict[str, Callable[[AnyClient], Any]] = {
    "get": lambda client: client.jobs.get("job-1"),
    "list": lambda client: client.jobs.list(),
    "list_all": lambda client: collect(client.jobs.list_all()),
    "cancel": lambda client: client.jobs.cancel("job-1"),
    "wait": lambda client: client.jobs.wait("job-1", timeout=0.5),
    "wait_all": lambda client: client.jobs.wait_all(["job-1", "job-2"], timeout=0.5),
    "create": lambda client: client.characters.create(name="Ada"),
}


@pytest.mark.parametrize("status", [200, 400, 500])
@pytest.mark.parametrize("call", list(CALLS))
async def test_deeply_nested_bodies_are_charlib_errors(
    hostile: HostileServer, make: Clients, call: str, status: int
) -> None:
    """1,000 nested arrays: a typed error that prints, reprs and pickles; no RecursionError."""
    hostile.reply = lambda _: Reply(status, deep_json(1000))
    error = await raised(lambda: CALLS[call](make()))
    assert isinstance(error, charlib.CharlibError), repr(error)
    assert str(error)
    assert repr(error)
    assert type(pickle.loads(pickle.dumps(error))) is type(error)


async def test_deep_json_inside_a_valid_status_is_refused_as_a_bad_body(
    hostile: HostileServer, make: Clients
) -> None:
    """A contract body with a deep value in an extra field: APIResponseValidationError."""
    body = Reply.json(job()).body[:-1] + b', "extra": ' + deep_json(1000) + b"}"
    hostile.reply = lambda _: Reply(body=body)
    error = await raised(lambda: make().jobs.get("job-1"))
    assert isinstance(error, charlib.APIResponseValidationError), repr(error)


# -- inflating ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """About 1 MB of gzip that inflates to 1 GiB."""
    return gzip_bomb(1024)


async def test_a_gzip_bomb_stops_at_the_response_limit(
    hostile: HostileServer, make: Clients, bomb: bytes
) -> None:
    """1 GiB decoded from 1 MB: ResponseTooLargeError at the default 16 MiB, memory bounded."""
    hostile.reply = lambda _: Reply(body=bomb, headers=[("Content-Encoding", "gzip")])
    client = make()
    assert client.max_response_bytes == 16 * 1024 * 1024
    tracemalloc.start()
    try:
        error = await raised(lambda: client.jobs.get("job-1"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, charlib.ResponseTooLargeError), repr(error)
    assert error.limit == client.max_response_bytes
    assert error.status_code == 200
    # The limit plus one decoded network chunk (at most about 64 MiB for this body); never 1 GiB.
    assert peak < 160 * 1024 * 1024, peak
    assert len(hostile.seen) == 1  # not retried: the next answer would be as large


async def test_the_response_limit_is_an_option(hostile: HostileServer, make: Clients) -> None:
    """``max_response_bytes`` is per client; ``with_options`` changes it; bad values refused."""
    hostile.reply = lambda _: Reply.json(job(padding="x" * 5000))
    small = make(max_response_bytes=1000)
    error = await raised(lambda: small.jobs.get("job-1"))
    assert isinstance(error, charlib.ResponseTooLargeError), repr(error)
    status = await resolve(small.with_options(max_response_bytes=10_000).jobs.get("job-1"))
    assert status.job_id == "job-1"
    for bad in (0, -1, 1.5, True):
        with pytest.raises(charlib.InvalidParameterError, match="max_response_bytes"):
            make(max_response_bytes=bad)


# -- a runaway clock ---------------------------------------------------------------------------


async def test_a_runaway_date_does_not_make_a_wait_hammer_the_server(
    hostile: HostileServer, make: Clients
) -> None:
    """``Date`` one hour later on every answer, a job that never moves: a 3 s wait sends a few
    dozen polls at most (a tight loop sent hundreds)."""
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def reply(_: object) -> Reply:
        now = start + timedelta(hours=len(hostile.seen))
        body = job(estimatedCompletionAt=(now + timedelta(minutes=20)).isoformat())
        return Reply.json(body, headers=[("Date", http_date(now))])

    hostile.reply = reply
    error = await raised(lambda: make().jobs.wait("job-1", timeout=3))
    assert isinstance(error, charlib.WaitTimeoutError), repr(error)
    assert 2 <= len(hostile.seen) <= 40, len(hostile.seen)
