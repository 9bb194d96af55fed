"""Target 4: polling economics of one standard 27-shot job on a scaled server clock.

For each seed, two jobs with the same ``customSeed`` (so the same plan and the same completion
time) run side by side on an in-process mock (``mock_server.serve`` with a ``ScaledClock``): one
followed by ``client.jobs.wait`` with the default adaptive policy, the other with fixed polling
every 15 server seconds (``PollPolicy.every(15 / speed)``). Both waits share one ``AsyncClient``.

From the mock's request journal (server-clock times): the number of status requests each wait
made, and the detection lag, i.e. the server time of the first poll at or after the job's
``completedAt`` minus ``completedAt``. Ratios are adaptive / fixed over all seeds.

The speed matters: the SDK's default ``PollPolicy.min_interval`` (20 ms of local time) is 0.8 s of
server time at 40x, below the adaptive policy's own short polls near the end (1/18 of a ~45 s
step, about 2.5 s); at several hundred x that floor would dominate and the comparison would say
nothing about the policy. The full run uses 40x and 10 seeds, ``--quick`` 60x and 3 seeds. The
fixed policy's lag depends on where the job's end falls between two of its polls (uniform over
15 s), so its mean over a few seeds varies by a second or more from run to run; more seeds narrow
that.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime
from typing import Any

import charlib
from bench.harness import Row, Settings
from mock_server import ScaledClock, serve
from mock_server.bodies import Generate360Input, parse_body
from mock_server.engine import JOURNAL_SIZE

__all__ = ["run"]

FIXED_SECONDS = 15.0  # server seconds between polls of the fixed policy
SEEDS_PER_BATCH = 5  # about 650 requests: inside the mock's 1,000-entry journal


def _job_of(path: str) -> str:
    """The job id of ``/api/v1/jobs/{id}/status`` (or ``""``)."""
    parts = path.split("/")
    return parts[4] if len(parts) == 6 and parts[5] == "status" else ""


def _ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


async def _follow(client: charlib.AsyncClient, job_id: str, poll: Any) -> None:
    # A failed job has a completedAt as well; its detection counts the same.
    with contextlib.suppress(charlib.JobFailedError):
        await client.jobs.wait(job_id, poll=poll, timeout=3600)


def _batch(server: Any, url: str, seeds: list[int], speed: float) -> list[dict[str, float]]:
    engine = server.app.engine
    character = engine.create_character({"name": f"Polling {seeds[0]}"})
    engine.generate_initial_image(character["id"], "polling", 768, 1024)  # jobs need a reference
    pairs: list[tuple[int, str, str]] = []
    for seed in seeds:
        options = parse_body(Generate360Input, {"customSeed": seed}).options()
        adaptive = engine.create_job(character["id"], options, None).job_id
        fixed = engine.create_job(character["id"], options, None).job_id
        pairs.append((seed, adaptive, fixed))
    fixed_policy = charlib.PollPolicy.every(FIXED_SECONDS / speed)

    async def main() -> None:
        async with charlib.AsyncClient(base_url=url) as client:
            waits = []
            for _, adaptive, fixed in pairs:
                waits.append(_follow(client, adaptive, None))
                waits.append(_follow(client, fixed, fixed_policy))
            await asyncio.gather(*waits)

    asyncio.run(main())
    # The mock journals a request after sending its answer: the last poll of a wait may reach
    # the journal a moment after the wait has returned.
    ends = {job_id: engine.store.get_job(job_id).end_ms for _, a, f in pairs for job_id in (a, f)}
    deadline = time.monotonic() + 5.0
    while True:
        journal = server.mock.requests()
        finished = {
            job_id
            for job_id, stamp in ((_job_of(e["path"]), e["time"]) for e in journal)
            if job_id in ends and _ms(stamp) >= ends[job_id]
        }
        if finished >= set(ends) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if len(journal) >= JOURNAL_SIZE:
        raise RuntimeError("the request journal overflowed: use fewer seeds per batch")
    with engine.lock:
        engine.journal.clear()
    results = []
    for seed, adaptive, fixed in pairs:
        row: dict[str, float] = {"seed": seed}
        for name, job_id in (("adaptive", adaptive), ("fixed", fixed)):
            end_ms = ends[job_id]
            path = f"/api/v1/jobs/{job_id}/status"
            times = [_ms(e["time"]) for e in journal if e["path"] == path and e["method"] == "GET"]
            after = [t for t in times if t >= end_ms]
            if not after:
                last = max(times) if times else None
                raise RuntimeError(
                    f"seed {seed}: no poll of {name} job {job_id} at or after its end "
                    f"({len(times)} polls, last at {last}, end {end_ms}, {len(journal)} entries)"
                )
            detected = min(after)
            row[f"{name}_requests"] = len(times)
            row[f"{name}_lag"] = (detected - end_ms) / 1000
        results.append(row)
    return results


def run(settings: Settings) -> list[Row]:
    """Measure and return the two target-4 rows."""
    speed = settings.poll_speed
    seeds = [1000 + k for k in range(settings.poll_seeds)]
    rows: list[dict[str, float]] = []
    with serve(clock=ScaledClock(speed), capacity=64) as server:
        for start in range(0, len(seeds), SEEDS_PER_BATCH):
            rows += _batch(server, server.url, seeds[start : start + SEEDS_PER_BATCH], speed)
    adaptive_requests = sum(r["adaptive_requests"] for r in rows)
    fixed_requests = sum(r["fixed_requests"] for r in rows)
    adaptive_lag = sum(r["adaptive_lag"] for r in rows) / len(rows)
    fixed_lag = sum(r["fixed_lag"] for r in rows) / len(rows)
    request_ratio = adaptive_requests / fixed_requests
    lag_ratio = adaptive_lag / fixed_lag if fixed_lag > 0 else float("inf")
    per_seed = "; ".join(
        f"seed {int(r['seed'])}: {int(r['adaptive_requests'])}/{int(r['fixed_requests'])} req, "
        f"lag {r['adaptive_lag']:.1f}/{r['fixed_lag']:.1f} s"
        for r in rows
    )
    where = f"{len(rows)} seeds at {speed:g}x"
    return [
        Row(
            "4. Polling: requests",
            "adaptive `jobs.wait` requests / fixed 15 s polling requests",
            request_ratio,
            "≤ 0.5",
            request_ratio <= 0.5,
            f"{adaptive_requests} vs {fixed_requests} requests, {where}",
            notes=[per_seed],
        ),
        Row(
            "4. Polling: detection lag",
            "adaptive mean detection lag / fixed 15 s mean lag (server time)",
            lag_ratio,
            "≤ 0.25",
            lag_ratio <= 0.25,
            f"{adaptive_lag:.2f} s vs {fixed_lag:.2f} s, {where}",
        ),
    ]
