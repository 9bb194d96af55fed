"""One declaration of a call's parameters, borrowed by every method that takes them.

A sync method, its async twin and the job handle's shortcut to it take the same arguments. They
are declared once, with their types and defaults, on the function that turns them into a request
or an options value (``generate_360_set_spec``, ``wait_call``, ...); each method borrows that
signature with :func:`takes` (or :func:`takes_rest`, without the first parameter) and passes its
arguments straight on; arguments that do not fit the signature are refused with a ``TypeError``
naming the method the caller called. So type checkers and IDEs see the real parameters (through a
``ParamSpec``), ``help()``, ``inspect.signature`` and the API reference show them, a misspelt
keyword still fails at the call (the declaring function rejects it), and adding a parameter is
one edit.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

__all__ = ["takes", "takes_rest", "with_arguments"]

_P = ParamSpec("_P")
_Q = ParamSpec("_Q")
_R = TypeVar("_R")
_S = TypeVar("_S")

_Method = Callable[Concatenate[_S, _Q], _R]


def _borrow(method: Callable[..., Any], source: Callable[..., Any], skip: int) -> Any:
    """``method`` with its own first parameter (``self``), then ``source``'s from ``skip`` on;
    arguments that do not fit are refused naming ``method`` (not the declaring function)."""
    own = inspect.signature(method)
    borrowed = list(inspect.signature(source).parameters.values())[skip:]
    signature = own.replace(parameters=[next(iter(own.parameters.values())), *borrowed])

    def check(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as error:
            hint = _did_you_mean(kwargs, signature)
            raise TypeError(f"{method.__qualname__}(): {error}{hint}") from None

    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def checked_async(*args: Any, **kwargs: Any) -> Any:
            check(args, kwargs)
            return await method(*args, **kwargs)

        wrapper: Any = checked_async
    else:

        @functools.wraps(method)
        def checked(*args: Any, **kwargs: Any) -> Any:
            check(args, kwargs)
            return method(*args, **kwargs)

        wrapper = checked
    wrapper.__signature__ = signature
    names = [parameter.name for parameter in borrowed]
    wrapper.__doc__ = with_arguments(method.__doc__, source.__doc__, names)
    return wrapper


def _did_you_mean(kwargs: dict[str, Any], signature: inspect.Signature) -> str:
    """``; did you mean 'timeout'?`` for a keyword close to one the method takes."""
    names = list(signature.parameters)
    for given in kwargs:
        if given not in names and (close := difflib.get_close_matches(given, names, n=1)):
            return f"; did you mean {close[0]!r}?"
    return ""


_SECTION = re.compile(r"^(Args|Arguments|Returns|Yields|Raises|Examples?|Notes?|Attributes):\s*$")
_ENTRY = re.compile(r"^    \*{0,2}(\w+)\b")


def _entries(doc: str) -> list[tuple[str, list[str]]]:
    """The entries of a Google-style ``Args:`` section of a clean docstring: (name, lines)."""
    entries: list[tuple[str, list[str]]] = []
    inside = False
    for line in doc.splitlines():
        if _SECTION.match(line):
            inside = line.startswith("Arg")
        elif inside and (match := _ENTRY.match(line)):
            entries.append((match.group(1), [line]))
        elif inside and line.startswith("     ") and entries:
            entries[-1][1].append(line)
        elif inside and line.strip():
            inside = False
    return entries


def with_arguments(own: str | None, source: str | None, names: list[str]) -> str | None:
    """``own`` (a docstring) with the ``Args:`` entries of ``source`` for ``names`` added before
    its first other section, unless it documents its arguments itself: the parameters are
    documented once, where they are declared, and every method that borrows them shows them
    (``help()`` here; the API reference through ``docs/_griffe/borrowed_signatures.py``)."""
    if own is None or source is None:
        return own
    own = inspect.cleandoc(own)
    wanted = [lines for name, lines in _entries(inspect.cleandoc(source)) if name in names]
    if not wanted or any(name for name, _ in _entries(own)):
        return own
    section = ["Args:", *(line for lines in wanted for line in lines), ""]
    lines = own.splitlines()
    at = next((i for i, line in enumerate(lines) if _SECTION.match(line)), len(lines))
    if at == len(lines):
        lines.append("")  # a blank line between the text and the section
        at += 1
    return "\n".join([*lines[:at], *section, *lines[at:]]).rstrip() + "\n"


def takes(
    source: Callable[_P, object],
) -> Callable[[_Method[_S, _Q, _R]], Callable[Concatenate[_S, _P], _R]]:
    """Declare that the decorated method (``self, *args, **kwargs``) takes ``source``'s
    parameters; its return type stays its own."""

    def borrow(method: _Method[_S, _Q, _R]) -> Callable[Concatenate[_S, _P], _R]:
        return _borrow(method, source, 0)  # type: ignore[no-any-return]

    return borrow


def takes_rest(
    source: Callable[Concatenate[Any, _P], object],
) -> Callable[[_Method[_S, _Q, _R]], Callable[Concatenate[_S, _P], _R]]:
    """Like :func:`takes`, without ``source``'s first parameter: ``Job.wait`` takes what
    ``client.jobs.wait`` takes after the job, which the handle supplies."""

    def borrow(method: _Method[_S, _Q, _R]) -> Callable[Concatenate[_S, _P], _R]:
        return _borrow(method, source, 1)  # type: ignore[no-any-return]

    return borrow
