"""Injected failures, decided per request by a seeded generator (repeatable for a given seed).

Kinds (``FAULT_KINDS``):

* ``"429"``, ``"503"`` — rejected *before* the request is processed, with ``Retry-After``.
* ``"500"`` — rejected before it is processed (nothing happened on the server).
* ``"latency"`` — the request waits ``latency`` real seconds, then is processed normally.
* ``"reset"`` — processed (the job *is* created), then the connection is dropped without a
  response. Over a real socket the client sees a connection reset; in-process
  (``httpx.ASGITransport``) the app raises :class:`InjectedConnectionReset`, which is both an
  ``httpx.ReadError`` and a ``ConnectionResetError``, so a client maps it like a real one.
* ``"malformed"`` — processed, then answered with a truncated JSON body under the real status.
* ``"expired"`` — rejected before it is processed with a 403 and an XML body, as an object
  store answers a signed link that has expired (meant for ``path_prefix="/media/"``).
* ``"truncated"`` — processed; the answer declares its full ``Content-Length`` but only the first
  half of the body is sent before the connection is closed (in-process, the body just ends).

``reset`` and ``malformed`` are why a client must send an ``Idempotency-Key`` when it retries a
POST. Faults apply to paths starting with ``path_prefix`` (default ``/api/``; ``/media/`` for the
image files) and never to ``/_mock/``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = [
    "FAULT_KINDS",
    "FaultConfig",
    "FaultInjector",
    "InjectedConnectionReset",
    "parse_fault_config",
]

FAULT_KINDS = ("429", "503", "500", "reset", "malformed", "latency", "expired", "truncated")
#: Latency faults never wait longer than this (real seconds).
MAX_LATENCY = 30.0


class InjectedConnectionReset(httpx.ReadError, ConnectionResetError):
    """Raised in-process where a socket server would drop the connection (fault ``reset``)."""

    def __init__(self, message: str = "connection reset by the mock server (injected fault)"):
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """What to inject and how often.

    Args:
        rate: probability (0-1) that a matching request gets a fault.
        kinds: the fault kinds to choose from (uniformly).
        retry_after: seconds announced in ``Retry-After`` on 429/503 (rounded up to an integer).
        latency: real seconds a ``latency`` fault waits.
        path_prefix: only paths starting with this get faults.
    """

    rate: float = 1.0
    kinds: tuple[str, ...] = ("503",)
    retry_after: float = 1.0
    latency: float = 1.0
    path_prefix: str = "/api/"

    def as_dict(self) -> dict[str, Any]:
        """The wire form (as accepted by ``POST /_mock/faults``)."""
        return {
            "rate": self.rate,
            "kinds": list(self.kinds),
            "retry_after": self.retry_after,
            "latency": self.latency,
            "path_prefix": self.path_prefix,
        }


def parse_fault_config(body: Any) -> FaultConfig:
    """Validate the body of ``POST /_mock/faults`` (through :class:`mock_server.bodies.Faults`).

    Raises:
        ValueError: with a message naming the bad field (an ``InvalidRequest``).
    """
    # Imported here: bodies reads this module's FAULT_KINDS and FaultConfig when it loads.
    from mock_server.bodies import Faults, parse_body

    return parse_body(Faults, body).config()


class FaultInjector:
    """Decides, request by request, whether and which fault to inject.

    The decisions come from ``random.Random`` seeded with the server seed, so the same sequence of
    requests meets the same faults in every run.
    """

    def __init__(self, seed: int, config: FaultConfig | None = None) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._rng = random.Random(f"faults:{seed}")
        self.config = config

    def set(self, config: FaultConfig | None) -> None:
        """Replace the configuration (None: no faults) and restart the seeded sequence."""
        with self._lock:
            self.config = config
            self._rng = random.Random(f"faults:{self._seed}")

    def decide(self, path: str) -> str | None:
        """The fault kind for a request to ``path``, or None."""
        config = self.config
        if config is None or path.startswith("/_mock") or not path.startswith(config.path_prefix):
            return None
        with self._lock:
            if self._rng.random() >= config.rate:
                return None
            return config.kinds[self._rng.randrange(len(config.kinds))]
