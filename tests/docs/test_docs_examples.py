"""The Python code in README.md and docs/*.md runs as written, against the reference mock server.

A ```python block is run when the line before its fence is a marker comment:

``<!-- run -->``
    executed in this process with ``CHARLIB_BASE_URL`` pointing at a fresh mock server (real HTTP
    on 127.0.0.1, clock 1000x faster). Its namespace already holds ``client`` (a
    ``charlib.Client`` on that server), ``character_id`` (a character with a master reference)
    and ``job_id`` (an 8-shot job started on it), which the pages introduce in prose.
``<!-- run: pytest -->``
    a whole test file: written to a fresh directory and run by a separate pytest, warnings as
    errors, where every test must pass.
``<!-- skip: reason -->``
    shown, never run (fragments, signatures).

Every Python block of the pages this suite owns must carry one of them, so a new example cannot
go untested by accident; other pages (CLI, performance, guarantees) are run where they opt in.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import charlib
from mock_server import ScaledClock, serve

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Written and tested elsewhere; their blocks run here only when marked.
OPT_IN = {"cli.md", "performance.md", "guarantees.md"}
SPEED = 1000.0

BLOCK = re.compile(
    r"^(?:<!--\s*(?P<marker>[a-z]+)(?::\s*(?P<arg>[^>]*?))?\s*-->\n)?```python[^\n]*\n(?P<code>.*?)^```",
    re.M | re.S,
)


@dataclass(frozen=True)
class Block:
    """One ```python block of a page."""

    page: Path
    line: int
    marker: str | None
    arg: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.page.name}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """Every ```python block of ``page`` with the marker comment just above it, if any."""
    text = page.read_text(encoding="utf-8")
    return [
        Block(
            page,
            text.count("\n", 0, match.start("code")),
            match.group("marker"),
            (match.group("arg") or "").strip(),
            match.group("code"),
        )
        for match in BLOCK.finditer(text)
    ]


ALL = [block for page in PAGES for block in blocks(page)]
RUN = [block for block in ALL if block.marker == "run" and not block.arg]
PYTEST = [block for block in ALL if block.marker == "run" and block.arg == "pytest"]


def test_every_block_is_marked() -> None:
    """Each Python block of our pages says whether it runs, so none goes untested silently."""
    unmarked = [b.id for b in ALL if b.marker is None and b.page.name not in OPT_IN]
    assert not unmarked, f"add <!-- run --> or <!-- skip: why --> above: {unmarked}"
    unknown = [b.id for b in ALL if b.marker not in (None, "run", "skip")]
    unknown += [b.id for b in ALL if b.marker == "run" and b.arg not in ("", "pytest")]
    assert not unknown, f"unknown markers: {unknown}"


def test_there_are_runnable_blocks() -> None:
    """The extraction finds the blocks (a broken regex would make every test vacuous)."""
    assert len(RUN) >= 15
    assert len(PYTEST) >= 5
    assert {b.page.name for b in RUN} >= {"README.md", "quickstart.md", "waiting.md"}


@dataclass
class Service:
    """A mock server for one block, and what the block's namespace starts with."""

    url: str
    namespace: dict[str, object]


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    """A fresh mock server with a character and a started job; CHARLIB_BASE_URL points at it."""
    monkeypatch.delenv("CHARLIB_API_KEY", raising=False)
    with serve(clock=ScaledClock(SPEED)) as server:
        monkeypatch.setenv("CHARLIB_BASE_URL", server.url)
        with charlib.Client(base_url=server.url) as client:
            character = client.characters.create(name="Doc Example")
            client.characters.generate_initial_image(character.id, prompt="portrait")
            job = client.characters.generate_360_set(character.id, image_count=8)
            yield Service(
                server.url,
                {"client": client, "character_id": character.id, "job_id": job.id},
            )


def run_block(block: Block, namespace: dict[str, object]) -> str:
    """Execute ``block`` in ``namespace``; return what it printed."""
    out = io.StringIO()
    code = compile(block.code, str(block.page), "exec")
    with contextlib.redirect_stdout(out):
        exec(code, {"__name__": "__docs__", **namespace})
    return out.getvalue()


@pytest.mark.parametrize("block", RUN, ids=[b.id for b in RUN])
def test_block_runs(block: Block, service: Service) -> None:
    """The block runs against the mock without raising."""
    run_block(block, service.namespace)


def test_readme_starts_with_the_two_set_up_commands() -> None:
    """The first thing a reader sees is how to try charlib and how to run its tests."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    assert first_block.splitlines() == [
        "pip install -e '.[dev]' && charlib demo",
        "pip install -e '.[dev]' && pytest",
    ]
    assert text.index("```bash") < text.index("```python")


def test_readme_example_is_ten_lines_and_completes(service: Service) -> None:
    """The README's example fits in ten lines of code (blank lines aside), prints the generated
    images, and runs again."""
    first = next(b for b in RUN if b.page.name == "README.md")
    assert len([line for line in first.code.splitlines() if line.strip()]) <= 10
    printed = run_block(first, {})
    assert printed.count("/media/jobs/") == 27
    again = run_block(first, {})  # re-runnable against the same long-lived server
    assert again.count("/media/jobs/") == 27


def _pytest_pages() -> list[str]:
    return sorted({b.page.name for b in PYTEST})


@pytest.mark.parametrize("page", _pytest_pages())
def test_pytest_blocks_pass(page: str, tmp_path: Path) -> None:
    """Each test-file block of a page passes under a fresh pytest, as a user's project would."""
    chosen = [b for b in PYTEST if b.page.name == page]
    for number, block in enumerate(chosen):
        (tmp_path / f"test_doc_{number}.py").write_text(block.code, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\naddopts = --strict-markers\nfilterwarnings = error\n"
        "asyncio_default_fixture_loop_scope = function\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARLIB_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
    assert "failed" not in result.stdout
