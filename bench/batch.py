"""Target 7: a cast of 1,000 characters (``image_count=1``) through ``charlib batch run``.

Two processes do the same work against a fresh mock server each (reference mode, high speed,
no job queue), alternating rounds:

- **batch**: ``charlib batch run CAST --out DIR`` with the ledger (SQLite on disk), every
  character at once (``--max-active`` = the cast) so both sides run the same jobs together;
- **wait_all**: a script making the same remote calls per character (get_or_create, read the
  master reference, generate it, list the character's jobs, start the job), then one
  ``client.jobs.wait_all`` over every job, then a download per set: no ledger, no scheduler.

Both poll every 0.05 s. The ratio is batch wall time / wait_all wall time (median over rounds;
target < 1.05: the ledger and scheduler add under 5 %). On a shared machine two runs of a few
minutes each see different loads, so the batch process also times every call into its ledger
(the methods of ``Ledger`` wrapped by the bench script, not by charlib): the ledger's share of
the batch's own wall time is the same question measured inside one run. Each process's peak
resident memory comes from ``os.wait4``; target: the batch under 150 MB.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.harness import Row, Settings, alternate, median, median_ratio

__all__ = ["run"]

RATIO_LIMIT = 1.05
RSS_LIMIT_MB = 150.0
SPEED = 3000
POLL = 0.05
ROOT = Path(__file__).resolve().parents[1]

_BASELINE = """
import json, resource, sys
from pathlib import Path
import charlib

url, cast, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
with charlib.Client(base_url=url) as client:
    ids = []
    for i in range(cast):
        c = client.characters.get_or_create(name=f"Bench {i}", character_id=f"bench-{i}")
        if not client.characters.get_reference_image(c.id).media_id:
            client.characters.generate_initial_image(c.id, prompt="portrait")
        list(client.jobs.list_all(character_id=c.id, job_type="360-set", limit=100))
        ids.append(client.characters.generate_360_set(c.id, image_count=1).id)
    statuses = client.jobs.wait_all(ids, poll=float(sys.argv[4]), concurrency=8)
    for i, status in enumerate(statuses):
        assert client.jobs.download(status, out / f"bench-{i}", concurrency=4).ok
print(json.dumps({"rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


_BATCH = """
import json, resource, sys, time
from pathlib import Path
import charlib
from charlib._batch_ledger import Ledger
from charlib.batch import Batch, parse_cast

spent = [0.0]

def timed(method):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started
    return wrapper

for name in [n for n in vars(Ledger) if not n.startswith("_") and callable(getattr(Ledger, n))]:
    setattr(Ledger, name, timed(getattr(Ledger, name)))

url, cast, out, poll = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
rows = "".join(f"Bench {i},bench-{i},portrait,1\\n" for i in range(cast))
started = time.perf_counter()
cast_rows = parse_cast("name,character_id,prompt,image_count\\n" + rows, jsonl=False)
with charlib.Client(base_url=url) as client:
    result = Batch(client, out, max_active=cast, poll=poll).run(cast_rows)
assert result.ok, result.counts
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
print(json.dumps({"wall": time.perf_counter() - started, "ledger": spent[0], "rss": rss}))
"""


def _sizes(settings: Settings) -> tuple[int, int]:
    """Characters per run, and rounds."""
    return {"full": (1000, 3), "quick": (1000, 1), "smoke": (20, 1)}.get(settings.name, (1000, 3))


@contextmanager
def _mock() -> Iterator[str]:
    """A fresh mock server process; its URL."""
    command = [sys.executable, "-m", "mock_server", "--port", "0", "--speed", str(SPEED)]
    command += ["--capacity", "100000", "--scenario", "success"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", banner)
        if found is None:
            raise RuntimeError(f"mock server did not start: {banner!r}")
        yield found.group()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def _timed(command: list[str]) -> tuple[float, dict[str, float]]:
    """Run ``command``; its wall seconds and the JSON it printed last (``rss``: its peak MB)."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[:2]} failed ({done.returncode}): {done.stderr[-2000:]}")
    facts: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return elapsed, facts


def _batch(cast: int) -> tuple[float, float, float]:
    """The batch's wall seconds, peak MB, and seconds spent in its ledger."""
    with tempfile.TemporaryDirectory() as scratch, _mock() as url:
        command = [sys.executable, "-c", _BATCH, url, str(cast), scratch, str(POLL)]
        elapsed, facts = _timed(command)
        return elapsed, facts["rss"], facts["ledger"]


def _wait_all(cast: int) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as scratch, _mock() as url:
        command = [sys.executable, "-c", _BASELINE, url, str(cast), scratch, str(POLL)]
        elapsed, facts = _timed(command)
        return elapsed, facts["rss"], 0.0


def run(settings: Settings) -> list[Row]:
    """The batch against wait_all on the same cast, the ledger's share of the batch's time,
    and the batch process's peak memory."""
    cast, rounds = _sizes(settings)
    batch, baseline = alternate(lambda: _batch(cast), lambda: _wait_all(cast), rounds)
    ratio = median_ratio([b[0] for b in batch], [w[0] for w in baseline])
    share = median([b[2] / b[0] for b in batch])
    rss = max(b[1] for b in batch)
    detail = (
        f"{cast} characters x {rounds} rounds: batch {median([b[0] for b in batch]):.1f} s, "
        f"wait_all {median([w[0] for w in baseline]):.1f} s"
    )
    return [
        Row(
            "7. Batch: vs wait_all",
            "wall time, batch with ledger / same calls + wait_all",
            ratio,
            f"< {RATIO_LIMIT}",
            ratio < RATIO_LIMIT,
            detail,
        ),
        Row(
            "7. Batch: ledger share",
            "time in the ledger (SQLite) / the batch's wall time",
            share,
            f"< {RATIO_LIMIT - 1:.2f}",
            share < RATIO_LIMIT - 1,
            f"{median([b[2] for b in batch]):.2f} s of ledger calls per run",
        ),
        Row(
            "7. Batch: memory",
            f"peak RSS of the batch process, {cast} characters (MB)",
            rss,
            f"< {RSS_LIMIT_MB:g} MB",
            rss < RSS_LIMIT_MB,
            f"wait_all script: {max(w[1] for w in baseline):.0f} MB",
        ),
    ]
