"""`import charlib` stays light: no mock server, no ASGI stack, no progress-bar library."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("mock_server", "uvicorn", "starlette", "tqdm")


def test_import_charlib_does_not_import_heavy_modules() -> None:
    """A fresh interpreter importing charlib has none of the server or tqdm modules loaded."""
    code = (
        "import json, sys, charlib; "
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
