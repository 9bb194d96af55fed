"""Target 5: ``import charlib`` in a fresh interpreter, against ``import httpx, pydantic``; and
what the first request costs, since loading on first use moves work there.

Each round starts two fresh subprocesses (alternating which goes first) that time their work
with ``perf_counter``; the ratio is the median over rounds. The charlib child also reports which
of the modules ``import charlib`` must not load got loaded: none may.

First request: a fresh process imports charlib, makes a ``Client`` and calls ``jobs.get`` once
against a local mock, against one that imports httpx and pydantic, makes an ``httpx.Client`` and
GETs the same status with ``json.loads`` (the hand-written client of target 1).
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench.harness import Row, Settings, alternate, median, median_ratio
from bench.servers import server_process

__all__ = ["FORBIDDEN", "GOAL", "imported_heavy_modules", "run"]

#: Modules ``import charlib`` must not load: the server side, the progress-bar library, the
#: retry library (first needed by a retry), the event loop and pydantic (first needed by a client
#: or a model).
FORBIDDEN = ("mock_server", "uvicorn", "starlette", "tqdm", "tenacity", "asyncio", "pydantic")

#: The start-up goal: ``import charlib`` at most this many times ``import httpx, pydantic``.
GOAL = 1.3

_PROBE = """
import json, sys, time
started = time.perf_counter()
import {modules}
elapsed = time.perf_counter() - started
loaded = sorted(m for m in {forbidden!r} if m in sys.modules)
print(json.dumps({{"seconds": elapsed, "loaded": loaded}}))
"""

# Three stamps: imported, client made, first response parsed.
_FIRST_CHARLIB = """
import json, time
started = time.perf_counter()
import charlib
imported = time.perf_counter()
client = charlib.Client(base_url={url!r})
made = time.perf_counter()
client.jobs.get({job_id!r})
done = time.perf_counter()
print(json.dumps([imported - started, made - started, done - started]))
"""

_FIRST_HTTPX = """
import json, time
started = time.perf_counter()
import httpx, pydantic
imported = time.perf_counter()
client = httpx.Client()
made = time.perf_counter()
json.loads(client.get({url!r}).content)
done = time.perf_counter()
print(json.dumps([imported - started, made - started, done - started]))
"""


def _run(code: str) -> object:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    result: object = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _probe(modules: str) -> dict[str, object]:
    result = _run(_PROBE.format(modules=modules, forbidden=FORBIDDEN))
    assert isinstance(result, dict)
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


def _stamps(code: str) -> list[float]:
    """Seconds from the start of the process's work to: imported, client made, response parsed."""
    stamps = _run(code)
    assert isinstance(stamps, list)
    return [float(stamp) for stamp in stamps]


def _first_request(settings: Settings) -> Row:
    with server_process("mock", jobs=1) as server:
        job_id = server.job_ids[0]
        charlib_code = _FIRST_CHARLIB.format(url=server.url, job_id=job_id)
        httpx_code = _FIRST_HTTPX.format(url=server.url + server.status_path(job_id))
        charlibs, bases = alternate(
            lambda: _stamps(charlib_code), lambda: _stamps(httpx_code), settings.startup_rounds
        )
    ratio = median_ratio([c[-1] for c in charlibs], [b[-1] for b in bases])

    def parts(runs: list[list[float]]) -> str:
        imported, made, done = (median([run[k] for run in runs]) * 1000 for k in range(3))
        return f"import {imported:.0f}, client {made - imported:.0f}, request {done - made:.0f}"

    return Row(
        "5. Start-up: first request",
        "import + `Client()` + first `jobs.get` / import httpx, pydantic + `httpx.Client()` + "
        "GET + json.loads (fresh processes, local mock)",
        ratio,
        "reported",
        None,
        f"median ms: charlib {parts(charlibs)}; httpx {parts(bases)}; "
        f"{settings.startup_rounds} rounds",
    )


def run(settings: Settings) -> list[Row]:
    """Measure and return the target-5 rows."""
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
            f"≤ {GOAL}; loads none of {', '.join(FORBIDDEN)}",
            ratio <= GOAL and not heavy,
            f"{median(charlibs) * 1000:.0f} vs {median(bases) * 1000:.0f} ms; modules it must "
            f"not load, loaded: {', '.join(heavy) or 'none'}; {settings.startup_rounds} rounds",
        ),
        _first_request(settings),
    ]
