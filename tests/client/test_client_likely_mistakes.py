"""Arguments that are valid but most likely a mistake: warned about at the caller's line.

``quality_threshold`` is a score from 0 to 100; ``0.8`` is accepted (the API takes it) but is
most likely a fraction meant as 80, so it draws a ``UserWarning`` naming the caller's own line.
"""

from __future__ import annotations

import inspect
import json
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import AnyClient, FakeServer, golden, resolve

CHAR = "66f1c0ffee00000000000a01"

# Every public way to pass quality_threshold, each called from this file.
STARTS: list[Any] = [
    pytest.param(
        lambda c, q: c.characters.generate_360_set(CHAR, quality_threshold=q), id="360-set"
    ),
    pytest.param(
        lambda c, q: c.characters.generate_360_set_and_wait(CHAR, quality_threshold=q, timeout=60),
        id="360-set-and-wait",
    ),
]


async def _call_here(call: Callable[[], Any]) -> Any:
    """Run ``call`` from this file: an async call warns where it is awaited, i.e. here too."""
    started = call()
    return (await started) if inspect.isawaitable(started) else started


def _caught(seen: list[warnings.WarningMessage], category: type[Warning]) -> list[str]:
    """The messages of the warnings of ``category`` that named this file as their place."""
    found = [w for w in seen if w.category is category]
    assert all(w.filename == __file__ for w in found), [w.filename for w in found]
    return [str(w.message) for w in found]


@pytest.fixture
def accepting(server: FakeServer) -> FakeServer:
    """A server that accepts the job and reports it completed at the first poll."""
    accepted = httpx.Response(202, json=golden("accepted-202"))
    server.script(accepted, httpx.Response(200, json=golden("status-completed-partial")))
    return server


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("fraction", [0.8, 0.5, 0.05, 0.999])
async def test_a_fraction_warns_at_the_callers_line_and_is_sent_as_given(
    make_client: Callable[..., AnyClient],
    accepting: FakeServer,
    start: Callable[[AnyClient, float], Any],
    fraction: float,
) -> None:
    """A quality_threshold strictly between 0 and 1 warns (UserWarning) pointing at this file,
    names the value and the 0-100 scale, and the request still carries the value unchanged."""
    client = make_client()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        await _call_here(lambda: start(client, fraction))
    [message] = _caught(seen, UserWarning)
    assert f"quality_threshold={fraction!r}" in message
    assert "0 to 100" in message
    assert json.loads(accepting.requests[0].content)["qualityThreshold"] == fraction


@pytest.mark.parametrize("value", [0, 1, 1.0, 0.0, 50, 80.5, 100])
async def test_a_score_on_the_0_to_100_scale_does_not_warn(
    make_client: Callable[..., AnyClient], accepting: FakeServer, value: float
) -> None:
    """0, 1 and other values on the 0-100 scale are sent without any warning."""
    client = make_client()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        await resolve(client.characters.generate_360_set(CHAR, quality_threshold=value))
    assert json.loads(accepting.requests[0].content)["qualityThreshold"] == value


async def test_the_deprecated_core_set_warns_about_a_fraction_too(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """generate_core_set (deprecated) warns about a fraction as well, at the caller's line."""
    server.script(httpx.Response(500, json={"error": "boom"}))
    client = make_client()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(charlib.InternalServerError):
            await _call_here(
                lambda: client.characters.generate_core_set(CHAR, quality_threshold=0.8)
            )
    assert len(_caught(seen, UserWarning)) == 1
    assert len(_caught(seen, DeprecationWarning)) == 1
