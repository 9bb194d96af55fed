"""Start and stop benchmark servers (``bench.serve``) in child processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["ServerProcess", "rss_mb", "server_process"]


@dataclass
class ServerProcess:
    """A running ``bench.serve`` child: its URL, pid and (for the mock) its job ids."""

    kind: str
    port: int
    pid: int
    job_ids: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def status_path(self, job_id: str | None = None) -> str:
        """The status path of ``job_id`` (default: the first job)."""
        return f"/api/v1/jobs/{job_id or self.job_ids[0]}/status"

    def rss_mb(self) -> float:
        """Resident memory of the server process in MB."""
        return rss_mb(self.pid)


def rss_mb(pid: int) -> float:
    """``VmRSS`` of ``pid`` in MB (Linux ``/proc``; 0.0 where unavailable)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def server_process(
    kind: str, *, jobs: int = 10, speed: float = 1.0, startup_timeout: float = 120.0
) -> Iterator[ServerProcess]:
    """Run ``python -m bench.serve KIND`` until the block ends (stdin closed, then killed)."""
    command = [sys.executable, "-m", "bench.serve", kind, "--jobs", str(jobs)]
    command += ["--speed", str(speed)]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + startup_timeout
        line = proc.stdout.readline()
        if not line or time.monotonic() > deadline:
            raise RuntimeError(f"bench server {kind!r} did not start (exit {proc.poll()})")
        info = json.loads(line)
        yield ServerProcess(kind, int(info["port"]), int(info["pid"]), list(info["job_ids"]))
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
