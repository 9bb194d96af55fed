"""Downloading a finished set over real HTTP (uvicorn on 127.0.0.1): files, manifest, contact
sheet, re-runs, a killed run resumed, media faults, a second origin, the live service's fixed
host, a hostile server, and both clients alike."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

import charlib
from charlib.testing import in_process_client
from mock_server import ManualClock, RunningServer, ScaledClock, create_app, serve
from mock_server.server import base_url_of, bind_socket

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\d{2}_[a-z0-9_]+\.png")


def _finished_job(client: charlib.Client, image_count: int = 27) -> str:
    """A character with a master reference, and its finished 360 job; the job's id."""
    character = client.characters.create(name="Download E2E")
    client.characters.generate_initial_image(character.id, prompt="portrait")
    job = client.characters.generate_360_set(character.id, image_count=image_count)
    job.wait(timeout=3600)  # server seconds: a 27-shot set takes about 20 minutes
    return job.id


def _media_gets(server: RunningServer, since: int = 0) -> list[dict[str, Any]]:
    return [e for e in server.mock.requests()[since:] if e["path"].startswith("/media/")]


def _check_set(dest: Path, count: int) -> dict[str, Any]:
    """The manifest agrees with the files (size, SHA-256); index.html shows every file."""
    manifest: dict[str, Any] = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["images"]) == count
    for entry in manifest["images"]:
        data = (dest / entry["file"]).read_bytes()
        assert NAME.fullmatch(entry["file"])
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
    index = (dest / "index.html").read_text(encoding="utf-8")
    assert sorted(re.findall(r'src="([^"]+)"', index)) == sorted(
        e["file"] for e in manifest["images"]
    )
    assert not list(dest.glob("*.part"))
    return manifest


def test_a_27_shot_set_then_a_rerun_that_fetches_nothing(
    mock_server: RunningServer, tmp_path: Path
) -> None:
    """27 files in canonical order with manifest and contact sheet; a re-run sends no media GET."""
    with charlib.Client(base_url=mock_server.url) as client:
        job_id = _finished_job(client)
        report = client.jobs.download(job_id, tmp_path)
        assert len(report.downloaded) == 27
        assert [saved.position for saved in report.downloaded] == list(range(1, 28))
        manifest = _check_set(tmp_path, 27)
        assert manifest["job_id"] == job_id
        assert all(entry["source"] == "result" for entry in manifest["images"])
        since = len(mock_server.mock.requests())
        again = client.jobs.download(job_id, tmp_path)
    assert (len(again.skipped), len(again.downloaded)) == (27, 0)
    assert _media_gets(mock_server, since) == []


def test_sync_and_async_clients_save_the_same_set(
    mock_server: RunningServer, tmp_path: Path
) -> None:
    """Same names, sizes and SHA-256 from Client and AsyncClient."""
    with charlib.Client(base_url=mock_server.url) as client:
        job_id = _finished_job(client, image_count=8)
        sync_report = client.jobs.download(job_id, tmp_path / "sync", concurrency=3)

    async def run() -> charlib.DownloadReport:
        async with charlib.AsyncClient(base_url=mock_server.url) as aclient:
            return await aclient.jobs.download(job_id, tmp_path / "async", concurrency=3)

    async_report = asyncio.run(run())

    def facts(report: charlib.DownloadReport) -> list[tuple[str, int, str]]:
        return [(i.path.name, i.size, i.sha256) for i in report.downloaded]

    assert facts(sync_report) == facts(async_report)
    assert len(facts(sync_report)) == 8


def test_a_killed_download_resumes_where_it_stopped(tmp_path: Path) -> None:
    """SIGKILL in the middle (slow media); the next run fetches only what is not verified."""
    with serve(clock=ScaledClock(2000)) as server:
        with charlib.Client(base_url=server.url) as client:
            job_id = _finished_job(client)
        server.mock.set_faults(kinds=["latency"], latency=0.1, path_prefix="/media/")
        command = [sys.executable, "-m", "charlib.cli", "jobs", "download", job_id]
        command += ["--out", str(tmp_path), "--concurrency", "1", "--no-progress"]
        env = {**os.environ, "CHARLIB_BASE_URL": server.url}
        child = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            while len(_saved_entries(tmp_path)) < 5 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        kept = _saved_entries(tmp_path)
        assert 5 <= len(kept) < 27
        server.mock.clear_faults()
        since = len(server.mock.requests())
        with charlib.Client(base_url=server.url) as client:
            report = client.jobs.download(job_id, tmp_path)
        assert {saved.path.name for saved in report.skipped} == kept
        assert len(report.downloaded) == 27 - len(kept)
        # Not one request for a kept file (the killed run's last request may still land).
        fetched = {entry["path"].rsplit("/", 1)[1] for entry in _media_gets(server, since)}
        assert {name.split("_", 1)[1] for name in kept}.isdisjoint(fetched)
    _check_set(tmp_path, 27)


def _saved_entries(dest: Path) -> set[str]:
    """Files the manifest of ``dest`` lists right now (none while it does not exist)."""
    try:
        manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return set()
    return {entry["file"] for entry in manifest["images"]}


@pytest.mark.parametrize(
    ("kind", "error", "attempts"),
    [
        ("503", "HTTP 503", 2),
        ("reset", "connection failed", 2),
        ("truncated", "connection failed", 2),  # h11: the peer closed before the whole body
        ("expired", "HTTP 403", 1),  # a broken link: the gallery has no other URL for it
    ],
)
def test_every_media_fault_fails_its_files_typed_and_a_rerun_completes(
    mock_server: RunningServer, tmp_path: Path, kind: str, error: str, attempts: int
) -> None:
    """With every media request faulted each file fails with its reason after the policy's
    attempts; once the fault is gone, the same call saves them all."""
    policy = charlib.RetryPolicy(max_retries=1, base_delay=0.0)
    with charlib.Client(base_url=mock_server.url, retry=policy) as client:
        job_id = _finished_job(client, image_count=4)
        mock_server.mock.set_faults(kinds=[kind], path_prefix="/media/")
        try:
            report = client.jobs.download(job_id, tmp_path)
        finally:
            mock_server.mock.clear_faults()
        assert report.downloaded == ()
        assert [failed.attempts for failed in report.failed] == [attempts] * 4
        assert all(error in str(failed.error) for failed in report.failed), report.failed
        assert all(isinstance(failed.error, charlib.DownloadError) for failed in report.failed)
        manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
        assert len(manifest["failed_downloads"]) == 4
        assert len(client.jobs.download(job_id, tmp_path).downloaded) == 4
    _check_set(tmp_path, 4)


def test_latency_and_a_mix_of_faults_are_waited_out(
    mock_server: RunningServer, tmp_path: Path
) -> None:
    """Slow media, then half the requests reset, truncated or refused: all 27 saved in one run.

    With half of all attempts failing, an image fails for good only after every attempt failed:
    20 retries make that about 27 x 2^-21 per run (with 8 it was 1 run in 20)."""
    policy = charlib.RetryPolicy(max_retries=20, base_delay=0.0)
    with charlib.Client(base_url=mock_server.url, retry=policy) as client:
        job_id = _finished_job(client)
        mock_server.mock.set_faults(kinds=["latency"], latency=0.01, path_prefix="/media/")
        assert len(client.jobs.download(job_id, tmp_path / "slow").downloaded) == 27
        mixed = ["reset", "truncated", "503"]
        mock_server.mock.set_faults(rate=0.5, kinds=mixed, retry_after=0, path_prefix="/media/")
        try:
            report = client.jobs.download(job_id, tmp_path / "mixed")
        finally:
            mock_server.mock.clear_faults()
    assert len(report.downloaded) == 27, report.failed
    faulted = {e.get("fault") for e in _media_gets(mock_server)}
    assert set(mixed) <= faulted
    _check_set(tmp_path / "mixed", 27)


@contextmanager
def _serve_app(app: Any) -> Iterator[str]:
    """Any ASGI app on uvicorn, 127.0.0.1 and a free port, in a thread; its base URL."""
    sock = bind_socket("127.0.0.1", 0)
    config = uvicorn.Config(
        app, lifespan="off", log_level="warning", log_config=None, timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.started
        yield base_url_of("127.0.0.1", sock)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


class _Cdn:
    """A second origin that serves the mock's media (fetching it from the mock) and keeps the
    headers of every request it gets."""

    def __init__(self) -> None:
        self.origin = ""  # the mock's URL, set once it runs
        self.seen: list[dict[str, str]] = []
        self.app = Starlette(routes=[Route("/media/{path:path}", self.media)])

    async def media(self, request: Request) -> Response:
        self.seen.append(dict(request.headers))
        async with httpx.AsyncClient() as http:
            got = await http.get(self.origin + request.url.path)
        return Response(got.content, got.status_code, media_type=got.headers.get("content-type"))


def test_the_api_key_never_reaches_a_second_origin(tmp_path: Path) -> None:
    """The mock requires a key and links media on another origin: the key goes to the API only."""
    cdn = _Cdn()
    with (
        _serve_app(cdn.app) as cdn_url,
        serve(clock=ScaledClock(2000), api_key="sk-e2e-secret", media_base=cdn_url) as server,
    ):
        cdn.origin = server.url
        with charlib.Client(base_url=server.url, api_key="sk-e2e-secret") as client:
            job_id = _finished_job(client, image_count=6)
            report = client.jobs.download(job_id, tmp_path)
    assert len(report.downloaded) == 6
    assert all(
        saved.url is not None and saved.url.startswith(cdn_url) for saved in report.downloaded
    )
    assert len(cdn.seen) == 6
    assert all("authorization" not in headers for headers in cdn.seen)
    assert all("sk-e2e-secret" not in json.dumps(headers) for headers in cdn.seen)


class _Unreachable(httpx.BaseTransport):
    """Stands for a host that DNS does not know (no packet leaves this machine)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)


def test_upstream_fixed_host_urls_are_resolved_through_the_gallery(tmp_path: Path) -> None:
    """The live service's result URLs (a fixed host + media id, D17) are found by media id in
    the character's gallery; the manifest records the URL that served each file."""
    mounts = {"https://media.rumbletv.com": _Unreachable()}
    with (
        serve(clock=ScaledClock(2000), mode="upstream") as server,
        httpx.Client(mounts=mounts) as http,
        charlib.Client(base_url=server.url, http_client=http) as client,
    ):
        job_id = _finished_job(client)
        status = client.jobs.get(job_id)
        assert status.character_id is None  # the live service's status does not name it
        assert all(
            (image.url or "").startswith("https://media.rumbletv.com/media/")
            for image in status.results.generated_images  # type: ignore[union-attr]
        )
        report = client.jobs.download(status, tmp_path)
    assert len(report.downloaded) == 27
    assert {saved.source for saved in report.downloaded} == {"gallery"}
    manifest = _check_set(tmp_path, 27)
    assert all(entry["url"].startswith(server.url) for entry in manifest["images"])
    assert all(
        entry["result_url"].startswith("https://media.rumbletv.com/")
        for entry in manifest["images"]
    )
    assert manifest["character_id"] is not None


def test_upstream_in_process_the_fixed_host_is_a_404_then_the_gallery(tmp_path: Path) -> None:
    """In-process (no sockets at all) the fixed host reaches the mock as an unknown path."""
    app = create_app(clock=ManualClock(), mode="upstream")
    with in_process_client(app) as client:
        job_id = _finished_job(client, image_count=27)
        report = client.jobs.download(job_id, tmp_path)
    assert len(report.downloaded) == 27
    assert {saved.source for saved in report.downloaded} == {"gallery"}


def _hostile_app(base: list[str]) -> Starlette:
    """A service whose job names its shots like an attacker and serves an endless image."""
    job = "00000000-0000-4000-8000-000000000001"
    slugs = ["../../../etc/passwd", "CON", "..", "a/b/c", "\x1b]52;c;aGk=\x07", "y" * 3000]

    async def status(request: Request) -> Response:
        images = [
            {"url": f"{base[0]}/img/{n}", "angle": slug, "shotSlug": slug, "mediaId": f"m{n}"}
            for n, slug in enumerate(slugs)
        ]
        images.append({"url": f"{base[0]}/endless", "angle": "endless", "mediaId": "end"})
        results = {"generatedImages": images, "failedImages": [], "totalAttempts": 7}
        progress = {"current": 7, "total": 7, "percentage": 100}
        return JSONResponse(
            {
                "success": True,
                "jobId": job,
                "status": "completed",
                "progress": progress,
                "results": results,
            }
        )

    async def img(request: Request) -> Response:
        return Response(b"\x89PNG\r\n\x1a\n" + bytes(64), media_type="image/png")

    async def endless(request: Request) -> Response:
        async def body() -> Any:  # no length, and far more than the client's limit
            yield b"\x89PNG\r\n\x1a\n"
            for _ in range(256):
                if await request.is_disconnected():
                    return
                yield bytes(64 * 1024)

        return StreamingResponse(body(), media_type="image/png")

    return Starlette(
        routes=[
            Route(f"/api/v1/jobs/{job}/status", status),
            Route("/img/{n}", img),
            Route("/endless", endless),
        ]
    )


def test_a_hostile_server_cannot_write_outside_dest_or_fill_the_disk(tmp_path: Path) -> None:
    """Traversal, reserved and control-character names stay plain files in dest; an endless
    body stops at max_bytes with FileTooLargeError and leaves no part file."""
    base: list[str] = []
    dest = tmp_path / "dest"
    with _serve_app(_hostile_app(base)) as url:
        base.append(url)
        with charlib.Client(base_url=url) as client:
            report = client.jobs.download(
                "00000000-0000-4000-8000-000000000001", dest, max_bytes=1_000_000
            )
    assert len(report.downloaded) == 6
    assert all(NAME.fullmatch(saved.path.name) for saved in report.downloaded)
    assert all(saved.path.parent == dest for saved in report.downloaded)
    [endless] = report.failed
    assert isinstance(endless.error, charlib.FileTooLargeError)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dest"]
    assert not list(dest.glob("*.part"))
