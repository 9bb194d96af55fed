"""Target 4: polling economics of one standard 27-shot job on a scaled server clock.

For each seed, four jobs with the same ``customSeed`` (so the same plan and the same completion
time) run side by side on an in-process mock (``mock_server.serve`` with a ``ScaledClock``), all
followed through one ``AsyncClient``:

* **shown**: ``client.jobs.wait`` with the default adaptive policy and an ``on_progress``
  callback, i.e. somebody watches the progress (as with a bar or ``watch``): every shot must still
  be reported;
* **bare**: ``client.jobs.wait`` with the default policy and nobody watching the progress;
* **fixed**: polling every 15 server seconds (``PollPolicy.every(15 / speed)``), the baseline,
  twice: a second fixed wait starts half a period (7.5 server seconds) after the first, and the
  two are averaged. One fixed wait's lag is wherever the job's end falls between two of its polls
  (uniform over 15 s), so over ten seeds its mean moves by more than a second from run to run;
  a pair half a period apart halves that spread.

From the mock's request journal (server-clock times): the number of status requests each wait
made, and the detection lag, i.e. the server time of the first poll at or after the job's
``completedAt`` minus ``completedAt``. Ratios are adaptive / fixed over all seeds. The callback
also counts the shots it was shown (a shot skipped between two polls is one it never saw).

Beside the shown rows, from the same seeds and the same run, the **oracle floor**
(:mod:`bench.polling_floor`): the expected requests of a policy that knows when every step of the
job starts (read from the job's plan in-process) and of the last step's end only the mock's law,
that polls once inside every step and spaces its last-step polls as well as that law allows for a
mean lag of 0.15x the fixed policy's; and the lag it would accept to make 0.40x the requests.
No policy that shows every shot does better, so this says how far the targets are from reach.

The speed matters: the SDK's default ``PollPolicy.min_interval`` (20 ms of local time) is 0.4 s
of server time at 20x, below the adaptive policy's shortest polls near the end; at several
hundred x that floor would dominate and the comparison would say nothing about the policy. Every
setting but ``smoke`` therefore runs at most :data:`MAX_SPEED`, over at least ten seeds (the
targets are stated over ten); the per-seed figures are listed with the rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import charlib
from bench.harness import Row, Settings
from bench.polling_floor import floor_rows, plan_facts
from mock_server import ScaledClock, serve
from mock_server.bodies import Generate360Input, parse_body
from mock_server.engine import JOURNAL_SIZE

__all__ = ["MAX_SPEED", "run"]

FIXED_SECONDS = 15.0  # server seconds between polls of the fixed policy
LAG_GOAL = 0.15  # adaptive mean lag / fixed mean lag, shown or not
SHOWN_REQUESTS_GOAL = 0.40  # adaptive requests / fixed requests, somebody shown the progress
BARE_REQUESTS_GOAL = 0.25  # the same, nobody shown the progress
MAX_SPEED = 20.0  # the fastest server clock at which the 20 ms floor is not what is measured
SEEDS_PER_BATCH = 3  # about 750 requests: inside the mock's 1,000-entry journal
WAYS = ("shown", "bare", "fixed", "fixed_late")


def _job_of(path: str) -> str:
    """The job id of ``/api/v1/jobs/{id}/status`` (or ``""``)."""
    parts = path.split("/")
    return parts[4] if len(parts) == 6 and parts[5] == "status" else ""


def _ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


async def _follow(
    client: charlib.AsyncClient,
    job_id: str,
    poll: Any,
    on_progress: Callable[[charlib.JobStatus], None] | None,
    after: float,
) -> None:
    await asyncio.sleep(after)
    # A failed job has a completedAt as well; its detection counts the same.
    with contextlib.suppress(charlib.JobFailedError):
        await client.jobs.wait(job_id, poll=poll, timeout=3600, on_progress=on_progress)


def _wait_for_journal(server: Any, ends: dict[str, int]) -> list[dict[str, Any]]:
    """The journal once it holds a poll at or after each job's end (or after 5 s)."""
    # The mock journals a request after sending its answer: the last poll of a wait may reach
    # the journal a moment after the wait has returned.
    deadline = time.monotonic() + 5.0
    while True:
        journal: list[dict[str, Any]] = server.mock.requests()
        finished = {
            job_id
            for job_id, stamp in ((_job_of(e["path"]), e["time"]) for e in journal)
            if job_id in ends and _ms(stamp) >= ends[job_id]
        }
        if finished >= set(ends) or time.monotonic() > deadline:
            return journal
        time.sleep(0.05)


def _measure(journal: list[dict[str, Any]], job_id: str, end_ms: int) -> tuple[int, float]:
    """(status requests, detection lag in server seconds) of one job's wait."""
    path = f"/api/v1/jobs/{job_id}/status"
    times = [_ms(e["time"]) for e in journal if e["path"] == path and e["method"] == "GET"]
    after = [t for t in times if t >= end_ms]
    if not after:
        raise RuntimeError(
            f"no poll of job {job_id} at or after its end ({len(times)} polls, end {end_ms})"
        )
    return len(times), (min(after) - end_ms) / 1000


def _batch(server: Any, seeds: list[int], speed: float) -> list[dict[str, float]]:
    engine = server.app.engine
    character = engine.create_character({"name": f"Polling {seeds[0]}"})
    engine.generate_initial_image(character["id"], "polling", 768, 1024)  # jobs need a reference
    jobs: list[dict[str, str]] = []
    for seed in seeds:
        options = parse_body(Generate360Input, {"customSeed": seed}).options()
        jobs.append({way: engine.create_job(character["id"], options, None).job_id for way in WAYS})
    policies = {
        "shown": None,
        "bare": None,
        "fixed": charlib.PollPolicy.every(FIXED_SECONDS / speed),
        "fixed_late": charlib.PollPolicy.every(FIXED_SECONDS / speed),
    }
    late = {"fixed_late": FIXED_SECONDS / 2 / speed}
    shown: dict[str, set[int]] = {ids["shown"]: set() for ids in jobs}

    def seen(status: charlib.JobStatus) -> None:
        if status.status is charlib.JobState.PROCESSING:
            shown[status.job_id].add(status.progress.current)

    async def main() -> None:
        async with charlib.AsyncClient(base_url=server.url) as client:
            await asyncio.gather(
                *(
                    _follow(
                        client,
                        ids[way],
                        policies[way],
                        seen if way == "shown" else None,
                        late.get(way, 0.0),
                    )
                    for ids in jobs
                    for way in WAYS
                )
            )

    asyncio.run(main())
    ends = {job_id: engine.store.get_job(job_id).end_ms for ids in jobs for job_id in ids.values()}
    journal = _wait_for_journal(server, ends)
    if len(journal) >= JOURNAL_SIZE:
        raise RuntimeError("the request journal overflowed: use fewer seeds per batch")
    with engine.lock:
        engine.journal.clear()
    results = []
    for seed, ids in zip(seeds, jobs, strict=True):
        facts = engine.store.get_job(ids["shown"])
        row: dict[str, float] = {
            "seed": seed,
            "shots": facts.image_count,
            "max_attempts": facts.max_attempts,
            **plan_facts(facts.plan()),
        }
        for way, job_id in ids.items():
            row[f"{way}_requests"], row[f"{way}_lag"] = _measure(journal, job_id, ends[job_id])
        row["shown_steps"] = len(shown[ids["shown"]])
        for measure in ("requests", "lag"):
            row[f"fixed_{measure}"] = (row[f"fixed_{measure}"] + row[f"fixed_late_{measure}"]) / 2
        results.append(row)
    return results


def _spread(values: list[float]) -> str:
    """``min/median/max`` of per-seed values."""
    return f"{min(values):.2f}/{statistics.median(values):.2f}/{max(values):.2f}"


def _rows_for(
    way: str, label: str, goal: float, rows: list[dict[str, float]], where: str
) -> list[Row]:
    """The requests and lag rows of one adaptive way against the fixed baseline."""
    requests = sum(r[f"{way}_requests"] for r in rows)
    fixed_requests = sum(r["fixed_requests"] for r in rows)
    lag = statistics.mean(r[f"{way}_lag"] for r in rows)
    fixed_lag = statistics.mean(r["fixed_lag"] for r in rows)
    request_ratio = requests / fixed_requests
    lag_ratio = lag / fixed_lag if fixed_lag > 0 else float("inf")
    per_seed_requests = [r[f"{way}_requests"] / r["fixed_requests"] for r in rows]
    lags, fixed_lags = [r[f"{way}_lag"] for r in rows], [r["fixed_lag"] for r in rows]
    per_seed = "; ".join(
        f"seed {int(r['seed'])}: {int(r[f'{way}_requests'])}/{r['fixed_requests']:.0f} req, "
        f"lag {r[f'{way}_lag']:.1f}/{r['fixed_lag']:.1f} s"
        + (f", {int(r['shown_steps'])}/{int(r['shots'])} shots shown" if way == "shown" else "")
        for r in rows
    )
    spread = f"per-seed request ratio min/median/max {_spread(per_seed_requests)}"
    extra = ""
    if way == "shown":
        complete = sum(r["shown_steps"] == r["shots"] for r in rows)
        extra = f"; every shot shown in {complete} of {len(rows)} seeds"
    return [
        Row(
            "4. Polling: requests",
            f"adaptive `jobs.wait` requests ({label}) / fixed 15 s polling requests",
            request_ratio,
            f"≤ {goal:g}",
            request_ratio <= goal,
            f"{requests:.0f} vs {fixed_requests:.0f} requests, {where}; {spread}{extra}",
            notes=[f"{label}: {per_seed}"],
        ),
        Row(
            "4. Polling: detection lag",
            f"adaptive mean detection lag ({label}) / fixed 15 s mean lag (server time)",
            lag_ratio,
            f"≤ {LAG_GOAL:g}",
            lag_ratio <= LAG_GOAL,
            f"{lag:.2f} s vs {fixed_lag:.2f} s, {where}; per-seed lag min/median/max "
            f"{_spread(lags)} s vs {_spread(fixed_lags)} s",
        ),
    ]


def run(settings: Settings) -> list[Row]:
    """Measure and return the target-4 rows: requests and lag, with and without a progress view."""
    smoke = settings.name == "smoke"
    speed = settings.poll_speed if smoke else min(settings.poll_speed, MAX_SPEED)
    count = settings.poll_seeds if smoke else max(settings.poll_seeds, 10)
    seeds = [1000 + k for k in range(count)]
    rows: list[dict[str, float]] = []
    with serve(clock=ScaledClock(speed), capacity=64) as server:
        for start in range(0, len(seeds), SEEDS_PER_BATCH):
            rows += _batch(server, seeds[start : start + SEEDS_PER_BATCH], speed)
    where = f"{len(rows)} seeds at {speed:g}x"
    return (
        _rows_for("shown", "progress shown", SHOWN_REQUESTS_GOAL, rows, where)
        + floor_rows(rows, where, LAG_GOAL, SHOWN_REQUESTS_GOAL, FIXED_SECONDS)
        + _rows_for("bare", "nobody watching", BARE_REQUESTS_GOAL, rows, where)
    )
