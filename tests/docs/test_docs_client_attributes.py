"""``help(charlib.Client)`` documents ``client.characters`` and ``client.jobs``, and the methods
it names there exist (so the list cannot drift from the resources)."""

from __future__ import annotations

import pydoc
import re

import pytest

import charlib


@pytest.mark.parametrize(
    ("client", "resources"),
    [
        (charlib.Client, {"characters": charlib.Characters, "jobs": charlib.Jobs}),
        (
            charlib.AsyncClient,
            {"characters": charlib.AsyncCharacters, "jobs": charlib.AsyncJobs},
        ),
    ],
)
def test_client_help_documents_its_resources(client: type, resources: dict[str, type]) -> None:
    """The class docstring's Attributes section names each resource, its class and, for the sync
    client, methods that the resource really has; ``help()`` shows it."""
    doc = client.__doc__ or ""
    assert "\n    Attributes:\n" in doc
    section = doc.split("\n    Attributes:\n", 1)[1]
    entries = dict(re.findall(r"^ {8}(\w+): (.*?)(?=^ {8}\w+: |\Z)", section, re.M | re.S))
    assert set(entries) == set(resources)
    for name, cls in resources.items():
        assert f"charlib.{cls.__name__}`" in entries[name]
        for method in re.findall(r"``(\w+)``", entries[name]):
            assert hasattr(cls, method), f"{client.__name__}.{name}.{method}"
    assert "Attributes:" in pydoc.render_doc(client)
