"""Small shared types: the ``NOT_GIVEN`` sentinel.

``None`` cannot mean "leave it to the server" for numbers, because ``0`` and ``None`` are both
falsy and the live service already confuses ``0`` with "absent" (contract defect D3). Every optional
request field therefore defaults to ``NOT_GIVEN``; anything else, zero included, is sent as given.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["NOT_GIVEN", "NotGiven", "is_given"]


class NotGiven:
    """Type of ``NOT_GIVEN``: "this argument was not passed" (unlike ``None``, a real value)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        # One instance only, so ``is NOT_GIVEN`` checks are reliable.
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __copy__(self) -> NotGiven:
        return self

    def __deepcopy__(self, memo: object) -> NotGiven:
        return self

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


def is_given(value: object) -> bool:
    """Return ``True`` unless ``value`` is the ``NOT_GIVEN`` sentinel."""
    return not isinstance(value, NotGiven)
