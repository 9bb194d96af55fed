"""Findings of a review of the borrowed-parameter methods (``charlib._signature.takes``), each
kept as a test: the deprecated core set warns at the caller's own line, not inside charlib, so
Python's default filters (which show a ``DeprecationWarning`` only where ``__main__`` caused it)
still show it to a script."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
import warnings
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import AnyClient

CHAR = "66f1c0ffee00000000000a01"


def _failing_client(flavor: str) -> AnyClient:
    """A client of ``flavor`` whose every request gets a 500, with no retries."""
    transport = httpx.MockTransport(lambda request: httpx.Response(500, json={"error": "boom"}))
    if flavor == "sync":
        http = httpx.Client(transport=transport)
        return charlib.Client(base_url="http://t", http_client=http, max_retries=0)
    ahttp = httpx.AsyncClient(transport=transport)
    return charlib.AsyncClient(base_url="http://t", http_client=ahttp, max_retries=0)


async def _here(started: Any) -> Any:
    """Await ``started`` from this file (an async call warns where it is awaited)."""
    return (await started) if inspect.isawaitable(started) else started


@pytest.mark.parametrize("flavor", ["sync", "async"])
async def test_the_core_set_deprecation_names_the_callers_line(flavor: str) -> None:
    """generate_core_set's DeprecationWarning names this file, sync and async alike."""
    client = _failing_client(flavor)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(charlib.InternalServerError):
            await _here(client.characters.generate_core_set(CHAR))
    found = [w for w in seen if w.category is DeprecationWarning]
    assert [w.filename for w in found] == [__file__]


def test_a_script_sees_the_core_set_deprecation_under_the_default_filters() -> None:
    """Run as a script with Python's default warning filters, the deprecation is printed."""
    script = textwrap.dedent(
        """
        import httpx, charlib
        http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
        client = charlib.Client(base_url="http://t", http_client=http, max_retries=0)
        try:
            client.characters.generate_core_set("66f1c0ffee00000000000a01")
        except charlib.APIError:
            pass
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "DeprecationWarning: generate_core_set()" in done.stderr
