"""Target 5: ``import charlib`` in a fresh interpreter, against ``import httpx, pydantic``.

Each round starts two fresh subprocesses (alternating which goes first) that time their import
with ``perf_counter`` around it; the ratio is the median over rounds. The charlib child also
reports which of the heavy or server-only modules got imported: none may.
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench.harness import Row, Settings, alternate, median, median_ratio

__all__ = ["FORBIDDEN", "imported_heavy_modules", "run"]

#: Modules ``import charlib`` must not pull in (server side, or only needed for progress bars).
FORBIDDEN = ("mock_server", "uvicorn", "starlette", "tqdm")

_PROBE = """
import json, sys, time
started = time.perf_counter()
import {modules}
elapsed = time.perf_counter() - started
loaded = sorted(m for m in {forbidden!r} if m in sys.modules)
print(json.dumps({{"seconds": elapsed, "loaded": loaded}}))
"""


def _probe(modules: str) -> dict[str, object]:
    code = _PROBE.format(modules=modules, forbidden=FORBIDDEN)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def imported_heavy_modules() -> list[str]:
    """Which :data:`FORBIDDEN` modules a fresh ``import charlib`` loads (should be none)."""
    loaded = _probe("charlib")["loaded"]
    assert isinstance(loaded, list)
    return [str(name) for name in loaded]


def _seconds(modules: str) -> float:
    value = _probe(modules)["seconds"]
    assert isinstance(value, float)
    return value


def run(settings: Settings) -> list[Row]:
    """Measure and return the target-5 row."""
    charlibs, bases = alternate(
        lambda: _seconds("charlib"), lambda: _seconds("httpx, pydantic"), settings.startup_rounds
    )
    ratio = median_ratio(charlibs, bases)
    heavy = imported_heavy_modules()
    return [
        Row(
            "5. Start-up",
            "`import charlib` time / `import httpx, pydantic` time (fresh processes)",
            ratio,
            f"reported; loads none of {', '.join(FORBIDDEN)}",
            not heavy,
            f"{median(charlibs) * 1000:.0f} vs {median(bases) * 1000:.0f} ms; heavy modules "
            f"loaded: {', '.join(heavy) or 'none'}; {settings.startup_rounds} rounds",
        )
    ]
