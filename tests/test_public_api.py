"""The front door: ``charlib.__all__`` is sorted and complete; every public name is documented."""

from __future__ import annotations

import inspect
import pkgutil
import re

import pytest

import charlib


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 enforces: CONSTANTS, then Classes, then the rest.
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted() -> None:
    """``__all__`` is in isort order (constants, classes, others) without duplicates."""
    assert charlib.__all__ == sorted(charlib.__all__, key=_isort_key)
    assert len(set(charlib.__all__)) == len(charlib.__all__)


def test_all_is_complete() -> None:
    """Every name in ``__all__`` exists, and every public attribute is in ``__all__``."""
    # dir(), not vars(): most names are loaded on first use (module __getattr__), and getattr
    # fails here if one of them cannot be.
    public = {
        name
        for name in dir(charlib)
        if not name.startswith("_") and not inspect.ismodule(getattr(charlib, name))
    }
    assert public | {"__version__"} == set(charlib.__all__)


def test_private_modules_export_through_the_front_door() -> None:
    """Errors, clients and handles of the private modules all reach ``charlib``."""
    for module in ("_exceptions", "_job", "_client", "_types", "_clock"):
        mod = __import__(f"charlib.{module}", fromlist=["__all__"])
        for name in mod.__all__:
            if name == "is_given":
                continue
            assert name in charlib.__all__, f"charlib.{module}.{name}"


def test_every_wire_model_reaches_the_front_door() -> None:
    """Every public class ``charlib._models`` defines (models and enums) is in ``__all__``."""
    import charlib._models

    defined = [
        name
        for name, value in vars(charlib._models).items()
        if inspect.isclass(value)
        and value.__module__ == "charlib._models"
        and not name.startswith("_")
        and name != "WireModel"
    ]
    assert "JobStatus" in defined
    assert "JobState" in defined
    assert [name for name in defined if name not in charlib.__all__] == []


@pytest.mark.parametrize("name", [n for n in charlib.__all__ if n != "__version__"])
def test_public_name_has_a_docstring(name: str) -> None:
    """Every public class and function, and every public method of a class, is documented."""
    value = getattr(charlib, name)
    if not (inspect.isclass(value) or inspect.isfunction(value)):
        return  # constants: documented in the module that defines them
    assert inspect.getdoc(value), name
    if inspect.isclass(value) and not issubclass(value, BaseException):
        for attr, member in vars(value).items():
            if attr.startswith("_") or not (
                inspect.isfunction(member) or isinstance(member, property)
            ):
                continue
            assert inspect.getdoc(member), f"{name}.{attr}"


def test_version_is_a_version() -> None:
    """``__version__`` is a PEP 440-ish release string."""
    assert re.fullmatch(r"\d+\.\d+\.\d+(\S*)", charlib.__version__)


def test_no_public_submodules() -> None:
    """Only ``cli``, ``testing``, ``contract``, ``batch`` (tools beside the SDK, imported by
    name) and the pytest plugin are public modules; the rest is private."""
    names = {m.name for m in pkgutil.iter_modules(charlib.__path__)}
    public = {"batch", "cli", "contract", "pytest_plugin", "testing"}
    assert {n for n in names if not n.startswith("_")} <= public


def test_contract_module_names_are_documented() -> None:
    """Every function and class charlib.contract exports has a docstring."""
    import charlib.contract

    for name in charlib.contract.__all__:
        value = getattr(charlib.contract, name)
        if callable(value):
            assert (value.__doc__ or "").strip(), name


def test_batch_module_names_are_documented() -> None:
    """Every name charlib.batch exports has a docstring (or is a documented constant)."""
    import charlib.batch

    for name in charlib.batch.__all__:
        value = getattr(charlib.batch, name)
        if callable(value):
            assert (value.__doc__ or "").strip(), name


def test_testing_module_names_are_documented() -> None:
    """Every name charlib.testing exports has a docstring (or is a documented constant)."""
    import charlib.testing

    for name in charlib.testing.__all__:
        value = getattr(charlib.testing, name)
        if not isinstance(value, str):
            assert (value.__doc__ or "").strip(), name


def test_exceptions_are_shown_as_charlib_names() -> None:
    """Exception classes present themselves as ``charlib.X`` in tracebacks."""
    assert charlib.NotFoundError.__module__ == "charlib"
    assert charlib.WaitTimeoutError.__module__ == "charlib"
