"""`import charlib` stays light: no mock server, no ASGI stack, no progress-bar library; and
everything beyond the errors, the defaults and the version waits for first use.

Start-up time is measured in ``bench/startup.py`` (as a ratio within one run); here the
guarantees behind it are checked by which modules a fresh interpreter has loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import charlib

HEAVY = ("mock_server", "uvicorn", "starlette", "tqdm")

#: What ``import charlib`` leaves for first use: the event loop, pydantic and the retry library,
#: and the SDK's own clients, models, waiting, downloads, display and command line.
NOT_AT_IMPORT = (
    "asyncio",
    "pydantic",
    "tenacity",
    "charlib._client",
    "charlib._models",
    "charlib._resources",
    "charlib._waiting",
    "charlib._download_set",
    "charlib._display",
    "charlib.cli",
)

#: What a first request on a sync ``Client`` still does not need.
NOT_FOR_A_REQUEST = (
    *HEAVY,
    "tenacity",
    "charlib._display",
    "charlib._download_set",
    "charlib._download_io",
    "charlib.cli",
)

_STATUS = Path(__file__).resolve().parent / "fixtures" / "contract" / "status-processing.json"


def _run(code: str) -> object:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _loaded_after(statement: str, modules: tuple[str, ...]) -> object:
    report = f"print(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))"
    return _run(f"import json, sys\n{statement}\n{report}")


def test_import_charlib_does_not_import_heavy_modules() -> None:
    """A fresh interpreter importing charlib has none of the server or tqdm modules loaded."""
    assert _loaded_after("import charlib", HEAVY) == []


def test_import_charlib_leaves_the_rest_for_first_use() -> None:
    """``import charlib`` loads neither asyncio, pydantic nor tenacity, nor the SDK's clients,
    models, waiting, downloads, display or command line."""
    assert _loaded_after("import charlib", NOT_AT_IMPORT) == []


def test_errors_and_defaults_are_there_at_import() -> None:
    """The errors, the defaults and the version are loaded with the package itself."""
    eager = ("NotFoundError", "CharlibError", "RetryPolicy", "DEFAULT_TIMEOUT", "__version__")
    code = f"import json, charlib\nprint(json.dumps([n for n in {eager!r} if n in vars(charlib)]))"
    assert _run(code) == list(eager)


def test_first_request_loads_what_it_uses_and_builds_only_its_models() -> None:
    """A sync ``Client`` and one ``jobs.get`` load no progress bars, downloads, retry library
    or command line, and build the validator of the job status model only."""
    code = f"""
import json, sys
import httpx
import charlib

body = json.loads(open({str(_STATUS)!r}, encoding="utf-8").read())
http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)))
client = charlib.Client(base_url="https://charlib.test", http_client=http)
status = client.jobs.get(body["jobId"])
assert status.progress.current == body["progress"]["current"]
models = sys.modules["charlib._models"]
print(json.dumps({{
    "loaded": sorted(m for m in {NOT_FOR_A_REQUEST!r} if m in sys.modules),
    "built": sorted(
        name for name in ("Character", "CoreSetResult", "JobPage", "JobStatus")
        if getattr(models, name).__pydantic_complete__
    ),
}}))
"""
    assert _run(code) == {"loaded": [], "built": ["JobStatus"]}


def test_every_public_name_loads_on_first_use() -> None:
    """Each name of ``__all__`` resolves to the object its private module defines, and a
    star import brings them all."""
    namespace: dict[str, object] = {}
    exec("from charlib import *", namespace)
    assert set(charlib.__all__) <= set(namespace)
    assert set(charlib.__all__) <= set(dir(charlib))
    for name in charlib.__all__:
        value = getattr(charlib, name)
        module = getattr(value, "__module__", None)
        if isinstance(value, type) and module not in (None, "charlib"):
            assert getattr(sys.modules[module], name) is value, name
