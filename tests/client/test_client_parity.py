"""Sync/async parity: every public method of each pair has the same name and signature."""

from __future__ import annotations

import inspect
import re

import pytest

import charlib

PAIRS = [
    (charlib.Client, charlib.AsyncClient),
    (charlib.Characters, charlib.AsyncCharacters),
    (charlib.Jobs, charlib.AsyncJobs),
    (charlib.Job, charlib.AsyncJob),
]
# Lifecycle is the only place the names differ (``aclose`` for ``close``).
RENAMED = {"aclose": "close", "__aenter__": "__enter__", "__aexit__": "__exit__"}


def _public(cls: type) -> dict[str, object]:
    """Public methods (plus the constructor and lifecycle), keyed by their sync name."""
    special = {"__init__", *RENAMED, *RENAMED.values()}
    return {
        RENAMED.get(name, name): member
        for name, member in vars(cls).items()
        if callable(member) and (not name.startswith("_") or name in special)
    }


def _normalise(text: str) -> str:
    # The async twin returns/accepts the async flavour of the same thing.
    text = re.sub(r"\bAsync(?=[A-Z])", "", text)
    return text.replace("AsyncIterator", "Iterator")


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_pair_has_the_same_methods(sync_cls: type, async_cls: type) -> None:
    """Both classes of a pair expose the same public method names."""
    assert sorted(_public(sync_cls)) == sorted(_public(async_cls))


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_pair_has_the_same_signatures(sync_cls: type, async_cls: type) -> None:
    """Each method pair has identical parameters (names, kinds, defaults, annotations)."""
    sync_methods, async_methods = _public(sync_cls), _public(async_cls)
    for name, method in sync_methods.items():
        expected = _normalise(str(inspect.signature(method)))  # type: ignore[arg-type]
        actual = _normalise(str(inspect.signature(async_methods[name])))  # type: ignore[arg-type]
        assert actual == expected, name


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_async_twin_awaits_where_the_sync_one_blocks(sync_cls: type, async_cls: type) -> None:
    """Methods that do I/O are coroutine functions in the async class only."""
    # Iterators do their I/O as they are consumed; resume only builds a handle.
    io_free = {
        "__init__",
        "__repr__",
        "with_options",
        "list_all",
        "watch",
        "as_completed",
        "resume",
    }
    sync_methods = _public(sync_cls)
    for name, method in _public(async_cls).items():
        assert not inspect.iscoroutinefunction(sync_methods[name]), name
        assert inspect.iscoroutinefunction(method) == (name not in io_free), name
