"""Fuzzing the SDK's response handling: whatever a server sends, the caller gets a typed answer.

Any status code, any body (JSON of any shape, golden bodies with fields removed or replaced by
anything, text, bytes) and any ``Retry-After``/``Date``/``Content-Type`` header, sent through an
``httpx.MockTransport`` to ``jobs.get``, ``jobs.list`` and ``characters.generate_360_set`` of
both clients: the result is the typed model, or a :class:`charlib.CharlibError`. Never a raw
``KeyError``, ``pydantic.ValidationError``, ``json.JSONDecodeError``, ``TypeError`` or else.

Examples: ``CHARLIB_FUZZ_EXAMPLES`` x 10 per test (default 100, the same ones every run; when set,
drawn at random).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from typing import Any

import httpx
import hypothesis
import pytest
from hypothesis import strategies as st

import charlib
from tests.client.support import FakeClock, golden

EXAMPLES = int(os.environ.get("CHARLIB_FUZZ_EXAMPLES", "10")) * 10
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    # CI runs the same examples every time; a run that asks for more explores at random.
    derandomize="CHARLIB_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    database=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
GOLDEN = [
    golden(name)
    for name in (
        "accepted-202",
        "list-200",
        "status-pending",
        "status-processing",
        "status-completed-partial",
        "status-failed",
        "status-cancelled",
        "status-not-found-404",
    )
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


@st.composite
def mutated_golden(draw: st.DrawFn) -> Any:
    """A contract body with a few fields deleted or replaced by arbitrary JSON."""
    body = json.loads(json.dumps(draw(st.sampled_from(GOLDEN))))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(body)))
        if not path:
            return draw(JSON)
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
        if not _paths(body):
            break
    return body


BODIES = st.one_of(
    JSON.map(lambda v: json.dumps(v).encode()),
    mutated_golden().map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=64),
    st.text(max_size=64).map(str.encode),
    st.sampled_from([b"", b"{", b'{"success":', b"null", b"NaN", b"[]", b"<html>502</html>"]),
)
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "retry-after": st.one_of(HEADER_TEXT, st.integers(-(10**12), 10**12).map(str)),
        "date": st.one_of(HEADER_TEXT, st.just("Sat, 28 Nov 2026 13:00:00 GMT")),
        "content-type": st.sampled_from(
            ["application/json", "text/html", "application/json; charset=latin-1"]
        ),
    },
)
STATUS = st.one_of(
    st.sampled_from([200, 202, 400, 401, 404, 409, 413, 429, 500, 503]), st.integers(100, 599)
)


def _reply(status: int, body: bytes, headers: dict[str, str]) -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda request: httpx.Response(status, content=body, headers=headers)
    )


def _outcome(flavor: str, transport: httpx.MockTransport, call: Callable[[Any], Any]) -> Any:
    """What ``call(client)`` gives with a fresh client of ``flavor``: a result or the error."""
    # Retries on, with a clock that only pretends to sleep: the retry path is fuzzed too.
    options: dict[str, Any] = {"base_url": "https://fuzz.test", "max_retries": 2}
    if flavor == "sync":
        with httpx.Client(transport=transport) as http:
            try:
                return call(charlib.Client(http_client=http, clock=FakeClock(), **options))
            except charlib.CharlibError as error:
                return error

    async def run() -> Any:
        async with httpx.AsyncClient(transport=transport) as http:
            try:
                return await call(
                    charlib.AsyncClient(http_client=http, clock=FakeClock(), **options)
                )
            except charlib.CharlibError as error:
                return error

    return asyncio.run(run())


def _typed_or_charlib_error(flavor: str, call: Callable[[Any], Any], expected: type) -> None:
    """Whatever the response, ``call`` gives ``expected`` or a presentable CharlibError."""

    @hypothesis.given(status=STATUS, body=BODIES, headers=HEADERS)
    @SETTINGS
    def prop(status: int, body: bytes, headers: dict[str, str]) -> None:
        result = _outcome(flavor, _reply(status, body, headers), call)
        if isinstance(result, charlib.CharlibError):
            assert str(result)
            assert repr(result)
        else:
            assert isinstance(result, expected)

    prop()


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    """Which client a property runs against."""
    return str(request.param)


def test_jobs_get_answers_typed_or_charlib_error(flavor: str) -> None:
    """jobs.get: a JobStatus or a CharlibError, whatever comes back."""
    _typed_or_charlib_error(flavor, lambda c: c.jobs.get("job-1"), charlib.JobStatus)


def test_jobs_list_answers_typed_or_charlib_error(flavor: str) -> None:
    """jobs.list: a JobPage or a CharlibError, whatever comes back."""
    _typed_or_charlib_error(flavor, lambda c: c.jobs.list(limit=10), charlib.JobPage)


def test_generate_360_set_answers_typed_or_charlib_error(flavor: str) -> None:
    """generate_360_set: a Job (AsyncJob) handle or a CharlibError, whatever comes back."""
    _typed_or_charlib_error(
        flavor,
        lambda c: c.characters.generate_360_set("66f1c0ffee00000000000a01", image_count=3),
        charlib.Job if flavor == "sync" else charlib.AsyncJob,
    )
