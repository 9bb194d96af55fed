"""A griffe extension for the API reference: show the parameters a method borrows.

A charlib method whose parameters are declared once elsewhere is written
``@takes(source) def name(self, *args, **kwargs)`` (``takes_rest``: without ``source``'s first
parameter); see ``charlib/_signature.py``. Python sees the real signature through
``__signature__``; this gives the reference the same one, read from ``source``, so the page
shows each parameter with its type and default, and the ``Args:`` documented where they are
declared (added to the method's docstring by the same rule as its ``help()``).
"""

from __future__ import annotations

from typing import Any

import griffe

from charlib._signature import with_arguments

SKIPPED = {"takes": 0, "takes_rest": 1}


def _borrowed(
    func: griffe.Function, collection: griffe.ModulesCollection
) -> griffe.Parameters | None:
    """``func``'s parameters as ``@takes(source)`` says they are, or ``None``."""
    for decorator in func.decorators:
        call = decorator.value
        if not isinstance(call, griffe.ExprCall) or not isinstance(call.function, griffe.ExprName):
            continue
        skip = SKIPPED.get(call.function.name)
        if skip is None or not call.arguments or not isinstance(call.arguments[0], griffe.ExprName):
            continue
        source = collection[call.arguments[0].canonical_path]
        while isinstance(source, griffe.Alias):
            source = source.final_target
        if not isinstance(source, griffe.Function):
            raise ValueError(f"{func.path}: @{call.function.name} does not name a function")
        own = list(func.parameters)[:1]  # self
        borrowed = list(source.parameters)[skip:]
        if func.docstring is not None and source.docstring is not None:
            names = [parameter.name for parameter in borrowed]
            shown = with_arguments(func.docstring.value, source.docstring.value, names)
            func.docstring.value = shown or func.docstring.value
        return griffe.Parameters(*own, *borrowed)
    return None


def _functions(obj: griffe.Object) -> list[griffe.Function]:
    found: list[griffe.Function] = []
    for member in obj.members.values():
        if isinstance(member, griffe.Alias):
            continue
        if isinstance(member, griffe.Function):
            found.append(member)
        elif isinstance(member, griffe.Class | griffe.Module):
            found.extend(_functions(member))
    return found


class BorrowedSignatures(griffe.Extension):
    """Give each ``@takes``/``@takes_rest`` method the parameters of the function it names."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        for func in _functions(pkg):
            parameters = _borrowed(func, loader.modules_collection)
            if parameters is not None:
                func.parameters = parameters
