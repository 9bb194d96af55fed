"""The code in README.md and docs/quickstart.md runs as written (against respx, not a server)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from tests.client.support import golden

ROOT = Path(__file__).resolve().parent.parent.parent
CHAR = "66f1c0ffee00000000000a01"
JOB = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"


def python_blocks(path: Path) -> list[str]:
    """The ```python blocks of a Markdown file."""
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.MockRouter]:
    """A respx stand-in for the whole API at the default base URL."""
    monkeypatch.delenv("CHARLIB_BASE_URL", raising=False)
    monkeypatch.delenv("CHARLIB_API_KEY", raising=False)
    with respx.mock(base_url="https://character.ft.tc", assert_all_called=False) as router:
        router.post("/api/v1/characters").respond(201, json={"id": CHAR, "name": "Ada Lovelace"})
        router.post(f"/api/v1/characters/{CHAR}/generate-initial-image").respond(
            200, json={"success": True, "data": {"imageId": "m1", "dinoAssetId": "d1"}}
        )
        router.post(f"/api/v1/characters/{CHAR}/generate-360-set").respond(
            202, json=golden("accepted-202")
        )
        router.get(f"/api/v1/jobs/{JOB}/status").respond(
            200, json=golden("status-completed-partial")
        )
        router.get("/api/v1/jobs").respond(200, json=golden("list-200"))
        yield router


def test_readme_quickstart_runs(
    service: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's quickstart starts a job and prints its status."""
    (block,) = python_blocks(ROOT / "README.md")
    assert len(block.strip().splitlines()) <= 10
    exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert JOB in out
    assert "completed 100" in out


def test_quickstart_sync_block_runs(
    service: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sync example of docs/quickstart.md runs and lists the generated images."""
    block = python_blocks(ROOT / "docs" / "quickstart.md")[0]
    exec(compile(block, "quickstart.md", "exec"), {})
    assert "35mm FRONT FULL (Enhanced)" in capsys.readouterr().out


def test_quickstart_async_block_runs(
    service: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    """The async example of docs/quickstart.md runs, including ``async for`` over all jobs."""
    block = python_blocks(ROOT / "docs" / "quickstart.md")[1]
    assert "asyncio.run(main())" in block
    namespace: dict[str, object] = {}
    exec(compile(block.replace("asyncio.run(main())", ""), "quickstart.md", "exec"), namespace)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(namespace["main"]())  # type: ignore[operator]
    finally:
        loop.close()
    out = capsys.readouterr().out
    assert f"{JOB} processing" in out


def test_quickstart_fake_transport_block_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The offline example of docs/quickstart.md runs as written, with its own fake."""
    block = python_blocks(ROOT / "docs" / "quickstart.md")[2]
    assert "MockTransport" in block
    exec(compile(block, "quickstart.md", "exec"), {"httpx": httpx})
    assert f"http://fake.test/api/v1/jobs/{JOB}/status processing 37.0" in capsys.readouterr().out
