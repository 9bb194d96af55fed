"""The examples a reader copies into a typed project pass ``mypy --strict`` as written.

The README's first Python block, and every ``<!-- run -->`` block that reads a job's results
(``.results`` is typed optional: a block narrows it, as the examples do), are written to files
with the names the pages introduce in prose declared first (``client``, ``character_id``,
``job_id``), and checked in one run of mypy.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.docs.test_docs_examples import ALL, RUN, Block

#: What a ``<!-- run -->`` block's namespace holds before it runs (see test_docs_examples).
PRELUDE = "import charlib\n\nclient: charlib.Client\ncharacter_id: str\njob_id: str\n\n"


def _readme_example() -> Block:
    return next(b for b in ALL if b.page.name == "README.md")


def _checked() -> list[Block]:
    reading_results = [b for b in RUN if ".results." in b.code]
    return [_readme_example(), *(b for b in reading_results if b != _readme_example())]


def test_the_checked_blocks_are_found() -> None:
    """The README's example and the pages' blocks that read results are all in the check."""
    ids = [b.id for b in _checked()]
    assert ids[0].startswith("README.md:")
    assert ".results." in _readme_example().code
    assert {b.page.name for b in _checked()} >= {"README.md", "quickstart.md", "waiting.md"}


def test_examples_pass_mypy_strict(tmp_path: Path) -> None:
    """``mypy --strict`` finds nothing in the README's example nor in any block reading results
    (an unnarrowed ``status.results.generated_images`` is an error there)."""
    files = []
    for block in _checked():
        path = tmp_path / f"{block.page.stem.replace('-', '_').lower()}_{block.line}.py"
        path.write_text(PRELUDE + block.code, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
