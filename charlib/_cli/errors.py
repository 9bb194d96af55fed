"""The ``error:`` line of a refused request, in the command's own words where the SDK's hint
names a Python call."""

from __future__ import annotations

import shlex
from urllib.parse import unquote

from charlib._exceptions import APIStatusError, CharlibError

__all__ = ["api_error_line", "error_line"]


def error_line(error: BaseException) -> str:
    """``error: <the message on one line>`` (the type's name for an empty message)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return f"error: {text}"


def api_error_line(error: CharlibError) -> str:
    """The error line; a character not found under its characterId slug gets the command that
    finds its id (``charlib characters list --search SLUG``) instead of the SDK's Python call."""
    line = error_line(error)
    if not isinstance(error, APIStatusError):
        return line
    from charlib._response import status_hint  # loaded already: a request was made

    hint = status_hint(type(error), error.request)
    if hint is None or "characters.find(" not in hint:
        return line
    slug = unquote(error.request.url.path.partition("/characters/")[2].partition("/")[0])
    return line.replace(
        hint,
        "Character routes take the character's id (24 hex digits), not its characterId (the "
        "slug made from its name); find the id with: charlib characters list --search "
        f"{shlex.quote(slug[:64])}",
    )
