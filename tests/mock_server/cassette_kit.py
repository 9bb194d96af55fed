"""Cassettes for the mock's own tests, made without charlib: a job polled every server second.

The SDK's recorder (``charlib record``) is tested in tests/fidelity; here the mock only needs
files in the documented format, so a plain loop over httpx writes them.
"""

from __future__ import annotations

import email.utils
import json
from pathlib import Path
from typing import Any

import httpx

from mock_server import MockApp

FINAL = ("completed", "failed", "cancelled")


def iso(ms: int) -> str:
    """ISO-8601 UTC with milliseconds (as the service writes timestamps)."""
    seconds, millis = divmod(ms, 1000)
    from time import gmtime, strftime

    return strftime("%Y-%m-%dT%H:%M:%S", gmtime(seconds)) + f".{millis:03d}Z"


def server_ms(response: httpx.Response) -> int:
    """The response's ``Date`` in epoch milliseconds."""
    return int(email.utils.parsedate_to_datetime(response.headers["date"]).timestamp() * 1000)


async def character(client: httpx.AsyncClient, name: str = "Ada") -> str:
    """A character with a master reference."""
    char_id = str((await client.post("/api/v1/characters", json={"name": name})).json()["id"])
    await client.post(f"/api/v1/characters/{char_id}/generate-initial-image", json={"prompt": "p"})
    return char_id


def key(body: dict[str, Any]) -> tuple[Any, ...]:
    """What a watcher compares: status, current, total, current task."""
    progress = body.get("progress", {})
    return (body["status"], progress["current"], progress["total"], progress.get("currentTask"))


async def follow(
    app: MockApp, client: httpx.AsyncClient, job_id: str, *, step: float = 1.0
) -> list[tuple[int, dict[str, Any]]]:
    """Every distinct status body of a job with its server time, polling every ``step`` s."""
    seen: list[tuple[int, dict[str, Any]]] = []
    for _ in range(20_000):
        response = await client.get(f"/api/v1/jobs/{job_id}/status")
        body = response.json()
        if not seen or body != seen[-1][1]:
            seen.append((server_ms(response), body))
        if body["status"] in FINAL:
            return seen
        app.mock.advance(step)
    raise AssertionError("the job did not end")


async def record(
    app: MockApp, client: httpx.AsyncClient, request: dict[str, Any], **headers: str
) -> dict[str, Any]:
    """Start a job on ``app`` and follow it: the cassette document of its timeline."""
    char_id = await character(client)
    started = await client.post(
        f"/api/v1/characters/{char_id}/generate-360-set", json=request, headers=headers
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["jobId"]
    seen = await follow(app, client, job_id)
    return document(job_id, char_id, request, seen)


def document(
    job_id: str,
    char_id: str | None,
    request: dict[str, Any] | None,
    seen: list[tuple[int, dict[str, Any]]],
) -> dict[str, Any]:
    """A version 1 cassette."""
    return {
        "format": "charlib.cassette",
        "version": 1,
        "recorded": {"by": "tests"},
        "request": None if request is None else {"method": "POST", "body": request},
        "job": {"jobId": job_id, "characterId": char_id},
        "timeline": [{"serverTime": iso(at), "body": body} for at, body in seen],
    }


def write(directory: Path, name: str, cassette: Any) -> Path:
    """Write ``cassette`` as ``directory/name.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(json.dumps(cassette), encoding="utf-8")
    return path


def small(status: str = "completed") -> dict[str, Any]:
    """A hand-made cassette: pending, two shots, then ``status``."""
    job, char = "11111111-2222-4333-8444-555555555555", "66f1c0ffee00000000000a01"

    def body(state: str, current: int, task: str, **extra: Any) -> dict[str, Any]:
        progress = {"current": current, "total": 2, "percentage": current * 50, "currentTask": task}
        return {"success": True, "jobId": job, "status": state, "progress": progress, **extra}

    start = 1_767_225_600_000  # 2026-01-01T00:00:00Z
    results = {
        "generatedImages": [
            {
                "url": f"https://media.example/{job}/a.png",
                "angle": "35mm FRONT FULL (Enhanced)",
                "quality": 88,
                "dinoAssetId": "dino-abc",
                "mediaId": "aaaaaaaaaaaaaaaaaaaaaaaa",
            }
        ],
        "failedImages": [{"angle": "35mm 3Q LEFT (Enhanced)", "error": "x", "attempts": 3}],
        "totalAttempts": 4,
        "processingTime": 90_000,
    }
    seen = [
        (start, body("pending", 0, "Initializing...")),
        (
            start + 5_000,
            body(
                "processing",
                0,
                "Generating 35mm FRONT FULL (Enhanced)",
                startedAt=iso(start + 5_000),
            ),
        ),
        (
            start + 50_000,
            body(
                "processing", 1, "Generating 35mm 3Q LEFT (Enhanced)", startedAt=iso(start + 5_000)
            ),
        ),
        (
            start + 95_000,
            body(
                "completed" if status == "completed" else status,
                2,
                "Completed",
                startedAt=iso(start + 5_000),
                completedAt=iso(start + 95_000),
                results=results,
            ),
        ),
    ]
    return document(job, char, {"imageCount": 2}, seen)
