"""Downloads: a 27-image set through ``AsyncClient.jobs.download`` against a bare
``httpx.AsyncClient`` gathering the same URLs, and resident memory per concurrent download.

Throughput: the mock (a child process, ``--media-size`` images) holds one finished 27-shot set.
Each round fetches its 27 URLs twice, alternating which side goes first: charlib with
``concurrency=8`` into a fresh directory (each file streamed to a ``.part`` file, ``fsync``-ed,
renamed; ``manifest.json`` and ``index.html`` written), and ``asyncio.gather`` of 27 GETs on a
bare ``httpx.AsyncClient`` that reads each body into memory, the least any download can do. The
ratio is the bare time over charlib's (above 1: charlib is faster), median of the rounds.

A second row compares charlib with what a user would write by hand to save the files: the same
27 URLs through a bare ``httpx.AsyncClient``, 8 at a time, each body streamed into a file (no
``fsync``, no manifest, no checks), reported without a threshold.

Memory: a fresh child process downloads a set of 20 MB images with ``concurrency=8`` and reports
its peak resident memory (``VmHWM``: ``ru_maxrss`` would carry the parent's peak across the
fork) minus its resident memory just before, divided by 8.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

import charlib
from bench.harness import Row, Settings, alternate, median, median_ratio
from bench.servers import rss_mb

__all__ = ["run"]

RATIO_GOAL = 0.9
MB_PER_DOWNLOAD_LIMIT = 5.0
CONCURRENCY = 8
#: Image sizes for the throughput rounds and the memory run, per settings.
SIZES = {
    "full": (2_000_000, 20_000_000),
    "quick": (1_000_000, 20_000_000),
    "smoke": (50_000, 2_000_000),
}


@contextmanager
def _mock(media_size: int) -> Iterator[tuple[str, str]]:
    """A mock server child with one finished 27-shot set of ``media_size`` images: (url, job)."""
    command = [sys.executable, "-m", "mock_server", "--port", "0", "--speed", "100000"]
    command += ["--media-size", str(media_size)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" listening on ", 1)[1].split()[0]
        with httpx.Client(base_url=url, timeout=30) as http:
            char_id = http.post("/api/v1/characters", json={"name": "Bench"}).json()["id"]
            http.post(f"/api/v1/characters/{char_id}/generate-initial-image", json={"prompt": "p"})
            headers = {"X-Mock-Scenario": "success"}
            started = http.post(
                f"/api/v1/characters/{char_id}/generate-360-set", json={}, headers=headers
            )
            job_id = started.json()["jobId"]
            for _ in range(2000):  # a few seconds at most: the clock runs 100,000x
                if http.get(f"/api/v1/jobs/{job_id}/status").json()["status"] == "completed":
                    break
                time.sleep(0.005)
        yield url, job_id
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


async def _charlib_seconds(url: str, job_id: str, status: charlib.JobStatus) -> float:
    async with charlib.AsyncClient(base_url=url) as client:
        await client.jobs.get(job_id)  # connections open, outside the timing
        with tempfile.TemporaryDirectory() as dest:
            started = time.perf_counter()
            report = await client.jobs.download(status, dest, concurrency=CONCURRENCY)
            seconds = time.perf_counter() - started
    assert len(report.downloaded) == 27, report.failed
    return seconds


async def _bare_seconds(url: str, job_id: str, urls: list[str]) -> float:
    async with httpx.AsyncClient(timeout=30) as http:
        await http.get(f"{url}/api/v1/jobs/{job_id}/status")
        started = time.perf_counter()
        bodies = await asyncio.gather(*(http.get(media) for media in urls))
        seconds = time.perf_counter() - started
    assert all(body.status_code == 200 for body in bodies)
    return seconds


async def _hand_written_seconds(url: str, job_id: str, urls: list[str]) -> float:
    """What a script without charlib does: stream each URL into a file, 8 at a time."""
    limit = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(timeout=30) as http:
        await http.get(f"{url}/api/v1/jobs/{job_id}/status")

        async def save(index: int, media: str, dest: str) -> None:
            async with limit, http.stream("GET", media) as response:
                response.raise_for_status()
                with open(os.path.join(dest, f"{index:02d}.png"), "wb") as handle:  # noqa: ASYNC230
                    async for chunk in response.aiter_bytes():
                        handle.write(chunk)

        with tempfile.TemporaryDirectory() as dest:
            started = time.perf_counter()
            await asyncio.gather(*(save(n, media, dest) for n, media in enumerate(urls)))
            return time.perf_counter() - started


def _throughput(settings: Settings, media_size: int) -> list[Row]:
    with _mock(media_size) as (url, job_id):
        with charlib.Client(base_url=url) as client:
            status = client.jobs.get(job_id)
        results = status.results
        assert results is not None
        urls = [image.url or "" for image in results.generated_images]
        ours, bare = alternate(
            lambda: asyncio.run(_charlib_seconds(url, job_id, status)),
            lambda: asyncio.run(_bare_seconds(url, job_id, urls)),
            settings.rounds,
        )
        ours_again, hand = alternate(
            lambda: asyncio.run(_charlib_seconds(url, job_id, status)),
            lambda: asyncio.run(_hand_written_seconds(url, job_id, urls)),
            settings.rounds,
        )
    ratio = median_ratio(bare, ours)
    hand_ratio = median_ratio(hand, ours_again)
    megabytes = 27 * media_size / 1e6
    set_size = f"27 x {media_size / 1e6:g} MB, concurrency {CONCURRENCY}"
    return [
        Row(
            "6. Download: throughput",
            f"{set_size}: bare httpx gather time / charlib download time",
            ratio,
            f"≥ {RATIO_GOAL}",
            ratio >= RATIO_GOAL,
            f"charlib {megabytes / median(ours):.0f} MB/s (to disk: fsync, SHA-256, manifest), "
            f"bare {megabytes / median(bare):.0f} MB/s (into memory)",
        ),
        Row(
            "6. Download: vs a hand-written loop",
            f"{set_size}: hand-written save loop time / charlib download time",
            hand_ratio,
            "reported",
            None,
            f"hand-written {megabytes / median(hand):.0f} MB/s (files, no fsync or checks)",
        ),
    ]


def _memory(media_size: int) -> Row:
    with _mock(media_size) as (url, job_id), tempfile.TemporaryDirectory() as dest:
        command = [sys.executable, "-m", "bench.download", "--child", url, job_id, dest]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    per_download = (facts["peak_mb"] - facts["before_mb"]) / CONCURRENCY
    return Row(
        "6. Download: memory",
        f"peak RSS growth per concurrent download, 27 x {media_size / 1e6:g} MB, "
        f"concurrency {CONCURRENCY}",
        per_download,
        f"< {MB_PER_DOWNLOAD_LIMIT:.0f} MB",
        per_download < MB_PER_DOWNLOAD_LIMIT,
        f"RSS {facts['before_mb']:.0f} MB before, peak {facts['peak_mb']:.0f} MB; "
        f"{facts['megabytes']:.0f} MB saved",
    )


def _child(url: str, job_id: str, dest: str) -> None:
    """In a fresh process: download the set; print resident memory before and at the peak."""

    async def main() -> dict[str, float]:
        async with charlib.AsyncClient(base_url=url) as client:
            status = await client.jobs.get(job_id)  # imports, pools and parsers warm
            before = rss_mb(os.getpid())
            report = await client.jobs.download(status, dest, concurrency=CONCURRENCY)
        peak = _peak_rss_mb()
        saved = sum(image.size for image in report.downloaded) / 1e6
        return {"before_mb": before, "peak_mb": peak, "megabytes": saved}

    print(json.dumps(asyncio.run(main())))


def _peak_rss_mb() -> float:
    """``VmHWM``: this process's peak resident memory since it started (Linux ``/proc``)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run(settings: Settings) -> list[Row]:
    """Measure and return the download rows."""
    throughput_size, memory_size = SIZES.get(settings.name, SIZES["full"])
    return [*_throughput(settings, throughput_size), _memory(memory_size)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.download")
    parser.add_argument("--child", nargs=3, metavar=("URL", "JOB", "DEST"), required=True)
    _child(*parser.parse_args().child)
