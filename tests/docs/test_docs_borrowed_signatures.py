"""The API reference shows the parameters a method borrows with ``@takes``: the same ones Python
shows (``inspect.signature``), not ``*args, **kwargs``."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path

import pytest

import charlib

griffe = pytest.importorskip("griffe")

ROOT = Path(__file__).resolve().parents[2]
BORROWING = [
    (charlib.Jobs, "wait"),
    (charlib.AsyncJobs, "wait_all"),
    (charlib.Job, "download"),
    (charlib.AsyncJob, "watch"),
    (charlib.Characters, "generate_360_set_and_wait"),
    (charlib.AsyncCharacters, "list"),
]
MODULES = {
    "Jobs": "_resources.jobs",
    "AsyncJobs": "_resources.jobs",
    "Characters": "_resources.characters",
    "AsyncCharacters": "_resources.characters",
    "Job": "_job",
    "AsyncJob": "_job",
}


def _extension() -> object:
    path = ROOT / "docs" / "_griffe" / "borrowed_signatures.py"
    spec = importlib.util.spec_from_file_location("borrowed_signatures", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BorrowedSignatures()


@pytest.fixture(scope="module")
def package() -> object:
    """charlib as the reference loads it (static analysis, with the extension)."""
    extensions = griffe.load_extensions(_extension())
    return griffe.load("charlib", search_paths=[str(ROOT)], extensions=extensions)


@pytest.mark.parametrize(("owner", "name"), BORROWING)
def test_the_reference_shows_the_borrowed_parameters(
    package: griffe.Module, owner: type, name: str
) -> None:
    """Each borrowed parameter is in the reference, with the default Python shows."""
    method = package[f"{MODULES[owner.__name__]}.{owner.__name__}.{name}"]
    shown = [(p.name, p.default) for p in method.parameters]
    wanted = list(inspect.signature(getattr(owner, name)).parameters.values())
    assert [n for n, _ in shown] == [p.name for p in wanted]
    assert "args" not in dict(shown)
    for parameter, (_, default) in zip(wanted, shown, strict=True):
        if parameter.default is inspect.Parameter.empty:
            assert default is None
        else:
            assert default is not None


@pytest.mark.parametrize(("owner", "name"), BORROWING)
def test_help_and_the_reference_document_each_borrowed_parameter(
    package: griffe.Module, owner: type, name: str
) -> None:
    """``help()`` and the reference both list every parameter the method takes (documented once,
    where it is declared), and nothing it does not take."""
    taken = [p for p in inspect.signature(getattr(owner, name)).parameters if p != "self"]
    method = package[f"{MODULES[owner.__name__]}.{owner.__name__}.{name}"]
    shown = inspect.getdoc(getattr(owner, name)) or ""
    if "Args:" not in shown:  # documents its arguments in its own words (generate-and-wait)
        assert name == "generate_360_set_and_wait"
        return
    section = shown.split("Args:", 1)[1].split("\n\n", 1)[0]
    documented = re.findall(r"^    (\w+):", section, flags=re.MULTILINE)
    assert documented == taken
    assert method.docstring is not None
    sections = [s for s in method.docstring.parse("google") if s.kind.value == "parameters"]
    assert [p.name for p in sections[0].value] == taken
