"""One declaration of a call's parameters, borrowed by every method that takes them.

A sync method, its async twin and the job handle's shortcut to it take the same arguments. They
are declared once, with their types and defaults, on the function that turns them into a request
or an options value (``generate_360_set_spec``, ``wait_call``, ...); each method borrows that
signature with :func:`takes` (or :func:`takes_rest`, without the first parameter) and passes its
arguments straight on. So type checkers and IDEs see the real parameters (through a
``ParamSpec``), ``help()``, ``inspect.signature`` and the API reference show them, a misspelt
keyword still fails at the call (the declaring function rejects it), and adding a parameter is
one edit.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

__all__ = ["takes", "takes_rest"]

_P = ParamSpec("_P")
_Q = ParamSpec("_Q")
_R = TypeVar("_R")
_S = TypeVar("_S")

_Method = Callable[Concatenate[_S, _Q], _R]


def _borrow(method: Callable[..., Any], source: Callable[..., Any], skip: int) -> None:
    """Give ``method`` its own first parameter (``self``), then ``source``'s from ``skip`` on."""
    own = inspect.signature(method)
    borrowed = list(inspect.signature(source).parameters.values())[skip:]
    method.__signature__ = own.replace(  # type: ignore[attr-defined]
        parameters=[next(iter(own.parameters.values())), *borrowed]
    )


def takes(
    source: Callable[_P, object],
) -> Callable[[_Method[_S, _Q, _R]], Callable[Concatenate[_S, _P], _R]]:
    """Declare that the decorated method (``self, *args, **kwargs``) takes ``source``'s
    parameters; its return type stays its own."""

    def borrow(method: _Method[_S, _Q, _R]) -> Callable[Concatenate[_S, _P], _R]:
        _borrow(method, source, 0)
        return method  # type: ignore[return-value]

    return borrow


def takes_rest(
    source: Callable[Concatenate[Any, _P], object],
) -> Callable[[_Method[_S, _Q, _R]], Callable[Concatenate[_S, _P], _R]]:
    """Like :func:`takes`, without ``source``'s first parameter: ``Job.wait`` takes what
    ``client.jobs.wait`` takes after the job, which the handle supplies."""

    def borrow(method: _Method[_S, _Q, _R]) -> Callable[Concatenate[_S, _P], _R]:
        _borrow(method, source, 1)
        return method  # type: ignore[return-value]

    return borrow
