"""The shape of the two packages: no import cycles, short functions, an independent mock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("charlib", "mock_server")
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, ast.Module]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = ast.parse(path.read_text(encoding="utf-8"))
    return modules


MODULES = _modules()


def _imports_at_load(name: str, tree: ast.Module) -> set[str]:
    """Project modules that loading ``name`` imports by name (module level; TYPE_CHECKING skipped).

    ``from pkg import x`` names the submodule ``pkg.x`` when there is one, else the package
    ``pkg`` (``x`` is read from its ``__init__``, which must have run). The parents Python loads
    implicitly on the way are not edges: a package importing its own submodules is how packages
    work.
    """
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                # A submodule is imported as itself; any other name is read from the package.
                found.add(submodule if submodule in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in MODULES and m != name}


def test_no_import_cycle() -> None:
    """No project module imports itself back while loading (cycles break partial imports)."""
    graph = {name: _imports_at_load(name, tree) for name, tree in MODULES.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                cycle = [*path[path.index(dep) :], dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep, [*path, dep])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_functions_are_short() -> None:
    """Every function holds in one's head: at most 80 lines of code (docstrings excluded)."""
    long = []
    for name, tree in MODULES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                doc = ast.get_docstring(node)
                size = node.end_lineno - node.lineno + 1 - (len(doc.splitlines()) + 2 if doc else 0)
                if size > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {size} lines")
    assert not long, long


def test_the_mock_never_imports_the_sdk() -> None:
    """The mock is an independent reading of the contract: it never imports charlib."""
    offenders = []
    for name, tree in MODULES.items():
        if not name.startswith("mock_server"):
            continue
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            offenders += [f"{name}: {m}" for m in modules if m.split(".")[0] == "charlib"]
    assert not offenders, offenders
