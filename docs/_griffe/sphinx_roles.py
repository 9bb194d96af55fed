"""A griffe extension for the API reference: show Sphinx roles in docstrings as code.

charlib's docstrings cross-reference with Sphinx roles (``:class:`~charlib.Job```), which Markdown
would print literally. This turns each into a code span of the name as Sphinx would show it
(``Job``); the docstrings themselves stay as they are.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|meth|func|data|mod|attr|exc|obj|const):`(~?)([^`]+)`")


def _shown(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    name = target.rsplit(".", 1)[-1] if tilde else target
    return f"`{name}`"


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` to a Markdown code span in every docstring."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(_shown, obj.docstring.value)
