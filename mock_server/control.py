"""In-process control of a running mock: the same powers as the ``/_mock/`` admin API, no HTTP.

Get one from the app (``create_app(...).mock``) or from :func:`mock_server.serve`
(``server.mock``)::

    app = create_app(clock=ManualClock())
    app.mock.advance(60)                      # one minute of server time passes
    app.mock.set_faults(rate=0.5, kinds=["503", "reset"])
    app.mock.set_scenario("partial")          # jobs without X-Mock-Scenario
    app.mock.finish(job_id)                   # advance a manual clock until the job is final
    app.mock.requests()                       # the request journal
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from mock_server.cassettes import CASSETTE_PREFIX
from mock_server.engine import Engine
from mock_server.faults import FaultConfig, parse_fault_config
from mock_server.lifecycle import SCENARIOS, status_at
from mock_server.render import job_status_body

__all__ = ["MockControl"]


class MockControl:
    """A handle on one mock server instance (thread-safe; usable while uvicorn serves it)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def mode(self) -> str:
        """``reference`` or ``upstream``."""
        return self._engine.mode

    @property
    def clock_kind(self) -> str:
        """``system``, ``scaled`` or ``manual``."""
        return self._engine.clock.kind

    @property
    def speed(self) -> float:
        """How fast server time runs (0 for a manual clock)."""
        return self._engine.clock.speed

    def now_ms(self) -> int:
        """Server time in epoch milliseconds."""
        return self._engine.now()

    def now(self) -> datetime:
        """Server time as an aware UTC datetime."""
        return datetime.fromtimestamp(self._engine.now() / 1000, tz=timezone.utc)

    def advance(self, seconds: float) -> datetime:
        """Move server time forward by ``seconds`` (any clock); returns the new now."""
        self._engine.advance(seconds)
        return self.now()

    def set_speed(self, speed: float) -> None:
        """Run a system/scaled clock at ``speed`` (ValueError for a manual clock)."""
        self._engine.set_speed(speed)

    def set_faults(
        self,
        *,
        rate: float = 1.0,
        kinds: Iterable[str] = ("503",),
        retry_after: float = 1.0,
        latency: float = 1.0,
        path_prefix: str = "/api/",
    ) -> FaultConfig:
        """Inject faults (see :mod:`mock_server.faults`); ValueError on bad values."""
        config = parse_fault_config(
            {
                "rate": rate,
                "kinds": list(kinds),
                "retry_after": retry_after,
                "latency": latency,
                "path_prefix": path_prefix,
            }
        )
        self.apply_faults(config)
        return config

    def apply_faults(self, config: FaultConfig | None) -> None:
        """Inject the faults of a ready :class:`FaultConfig` (None: stop)."""
        self._engine.faults.set(config)

    def clear_faults(self) -> None:
        """Stop injecting faults."""
        self.apply_faults(None)

    @property
    def faults(self) -> FaultConfig | None:
        """The current fault configuration."""
        return self._engine.faults.config

    def set_scenario(self, scenario: str | None) -> None:
        """Scenario for jobs started without ``X-Mock-Scenario`` (None or ``random``: seeded).

        ``cassette:NAME`` replays a loaded cassette (``create_app(cassettes=...)``).

        Raises:
            ValueError: not one of :data:`~mock_server.SCENARIOS`, ``random``, a loaded
                ``cassette:NAME`` or None.
        """
        if scenario is not None and scenario.startswith(CASSETTE_PREFIX):
            name = scenario.removeprefix(CASSETTE_PREFIX)
            if name not in self._engine.replays:
                raise ValueError(f"no cassette called {name!r} is loaded")
        elif scenario is not None and scenario not in (*SCENARIOS, "random"):
            raise ValueError(
                f"scenario must be one of {', '.join(SCENARIOS)}, random, cassette:NAME or null"
            )
        self._engine.default_scenario = None if scenario == "random" else scenario

    @property
    def scenario(self) -> str | None:
        """The default scenario (None: seeded random)."""
        return self._engine.default_scenario

    def set_capacity(self, capacity: int) -> None:
        """How many jobs process at once (ValueError below 1)."""
        self._engine.set_capacity(capacity)

    @property
    def capacity(self) -> int:
        """How many jobs process at once."""
        return self._engine.capacity

    def reset(self) -> None:
        """Forget data, faults, scenario and the journal (the clock keeps its time)."""
        self._engine.reset()

    def requests(self) -> list[dict[str, Any]]:
        """The request journal, oldest first (method, path, status, time, fault?)."""
        with self._engine.lock:
            entries = list(self._engine.journal)
        return [e.as_dict() for e in entries]

    def stats(self) -> dict[str, Any]:
        """The body of ``GET /_mock/stats``."""
        return self._engine.stats()

    def job(self, job_id: str, base_url: str = "http://mock") -> dict[str, Any] | None:
        """A job's status body as ``GET /api/v1/jobs/{id}/status`` would return it now."""
        found = self._engine.job(job_id)
        if found is None:
            return None
        return job_status_body(*found, self._engine.media_base or base_url.rstrip("/"))

    def finish(self, job_id: str) -> dict[str, Any]:
        """Advance server time until the job is final; returns its status body.

        Raises:
            KeyError: unknown job.
        """
        engine = self._engine
        with engine.lock:
            job = engine.store.get_job(job_id)
            if job is None:
                raise KeyError(job_id)
            now = engine.now()
            if status_at(job, now) not in ("completed", "failed", "cancelled"):
                engine.advance(max(0, job.end_ms - now) / 1000)
        body = self.job(job_id)
        assert body is not None
        return body

    def finish_all(self) -> None:
        """Advance server time until every job is final."""
        engine = self._engine
        with engine.lock:
            now = engine.now()
            active = engine.store.active_jobs(now)
            if active:
                engine.advance(max(0, max(j.end_ms for j in active) - now) / 1000)
