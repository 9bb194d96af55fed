"""The server's clock: real, scaled or manual time, owned by the app and never patched globally.

All clocks report *server time* in integer milliseconds since the Unix epoch (``now_ms``), the
unit in which job facts are stored, so timestamps render to exactly the stored milliseconds.

* :class:`SystemClock` — real time (plus an offset when advanced through the admin API).
* :class:`ScaledClock` — real elapsed time times ``speed`` (``speed=60``: a minute per second).
* :class:`ManualClock` — stands still until :meth:`~ManualClock.advance` is called (tests).

Every clock can be advanced (a jump forward) and told a lower bound (:meth:`Clock.not_before`),
which the server uses after a restart so that "now" never falls behind facts it has stored.

Server time never passes :data:`MAX_SERVER_MS` (year 9000): an advance beyond it is refused with a
``ValueError``, and a stored anchor or fact beyond it is held at the limit, so every timestamp the
server renders stays a valid date (Python's dates end in year 9999) and no stored state can keep
a server from starting or resetting.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Protocol, runtime_checkable

__all__ = ["MAX_SERVER_MS", "Clock", "ManualClock", "ScaledClock", "SystemClock"]

#: 2026-01-01T00:00:00.000Z: where a ManualClock starts unless told otherwise.
DEFAULT_MANUAL_START_MS = 1_767_225_600_000
#: 9000-01-01T00:00:00.000Z: server time stops here (jobs' end times still fit before 9999).
MAX_SERVER_MS = 221_845_392_000_000


def _bounded(ms: float) -> float:
    """``ms`` held within [0, MAX_SERVER_MS]; anything not finite counts as the limit."""
    return min(max(ms, 0.0), float(MAX_SERVER_MS)) if math.isfinite(ms) else float(MAX_SERVER_MS)


def _check_advance(now_ms: float, seconds: float) -> None:
    """Refuse a negative jump, or one that would pass :data:`MAX_SERVER_MS`."""
    if not seconds >= 0:
        raise ValueError("cannot advance by a negative amount")
    if now_ms + seconds * 1000 > MAX_SERVER_MS:
        raise ValueError("the server clock cannot pass 9000-01-01T00:00:00Z")


@runtime_checkable
class Clock(Protocol):
    """What the server needs from time."""

    #: ``"system"``, ``"scaled"`` or ``"manual"``.
    kind: str

    def now_ms(self) -> int:
        """Server time in integer milliseconds since the epoch (never decreases)."""
        ...

    @property
    def speed(self) -> float:
        """Server seconds per real second (0 for a manual clock)."""
        ...

    def advance(self, seconds: float) -> None:
        """Jump forward by ``seconds`` (>= 0) of server time."""
        ...

    def set_speed(self, speed: float) -> None:
        """Change the rate; raises ``ValueError`` if this clock cannot run at another speed."""
        ...

    def not_before(self, ms: int) -> None:
        """Make sure ``now_ms()`` is at least ``ms`` from now on."""
        ...

    def state(self) -> dict[str, Any]:
        """A JSON-able snapshot, for persisting the clock beside the data it timestamps."""
        ...

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from a snapshot taken by :meth:`state` (of a clock of the same kind)."""
        ...


class ScaledClock:
    """Real elapsed time x ``speed``, anchored at a point of server time.

    Server time is ``anchor + (wall_now - wall_anchor) * speed``; the wall reading is taken from
    ``time.time`` at anchoring and advanced with ``time.monotonic`` (NTP steps do not move it).
    Changing the speed re-anchors, so time never jumps. The anchor is what :meth:`state` persists:
    after a restart the clock continues as if the server had kept running.

    Args:
        speed: server seconds per real second (> 0).
        start_ms: server time at construction (default: the real time).
    """

    kind = "scaled"

    def __init__(self, speed: float = 1.0, *, start_ms: int | None = None) -> None:
        if not speed > 0:
            raise ValueError("speed must be > 0")
        self._lock = threading.Lock()
        self._speed = float(speed)
        self._anchor_ms = float(start_ms if start_ms is not None else time.time() * 1000)
        self._anchor_mono = time.monotonic()
        self._floor = 0

    @property
    def speed(self) -> float:
        """Server seconds per real second."""
        return self._speed

    def _raw(self) -> float:
        return self._anchor_ms + (time.monotonic() - self._anchor_mono) * 1000 * self._speed

    def now_ms(self) -> int:
        """Server time in milliseconds."""
        value = int(_bounded(self._raw()))
        if value < self._floor:
            return self._floor
        self._floor = value
        return value

    def advance(self, seconds: float) -> None:
        """Jump forward by ``seconds`` of server time."""
        with self._lock:
            _check_advance(self._raw(), seconds)
            self._anchor_ms += seconds * 1000

    def set_speed(self, speed: float) -> None:
        """Run at ``speed`` from now on (re-anchored: no jump)."""
        if not speed > 0:
            raise ValueError("speed must be > 0")
        with self._lock:
            self._anchor_ms = max(self._raw(), float(self._floor))
            self._anchor_mono = time.monotonic()
            self._speed = float(speed)

    def not_before(self, ms: int) -> None:
        """Move the anchor forward if server time is behind ``ms``."""
        with self._lock:
            behind = _bounded(ms) - self._raw()
            if behind > 0:
                self._anchor_ms += behind

    def state(self) -> dict[str, Any]:
        """Anchor as (wall time, server time, speed)."""
        raw = self._raw()
        return {"kind": self.kind, "wall": time.time(), "server_ms": raw, "speed": self._speed}

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from ``state``: server time moves on by the wall time passed since, x speed."""
        try:
            wall = float(state["wall"])
            server_ms = float(state["server_ms"])
            speed = float(state["speed"])
        except (KeyError, TypeError, ValueError):
            return
        elapsed = max(0.0, time.time() - wall)
        if not (math.isfinite(elapsed) and math.isfinite(speed)):
            return
        with self._lock:
            self._anchor_ms = max(self._raw(), _bounded(server_ms + elapsed * 1000 * speed))
            self._anchor_mono = time.monotonic()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(speed={self._speed:g})"


class SystemClock(ScaledClock):
    """Real time (speed 1); :meth:`advance` adds an offset, :meth:`set_speed` makes it scaled."""

    kind = "system"

    def __init__(self) -> None:
        super().__init__(1.0)

    def restore(self, state: dict[str, Any]) -> None:
        """Keep any offset that was added by :meth:`advance` before a restart."""
        try:
            offset = float(state["server_ms"]) - float(state["wall"]) * 1000
        except (KeyError, TypeError, ValueError):
            return
        if math.isfinite(offset) and offset > 0 and self._speed == 1.0:
            self.not_before(int(_bounded(time.time() * 1000 + offset)))

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """Time that moves only when told to: :meth:`advance` (tests, the admin API).

    Args:
        start_ms: initial server time (default 2026-01-01T00:00:00.000Z, for repeatable runs).
    """

    kind = "manual"

    def __init__(self, start_ms: int = DEFAULT_MANUAL_START_MS) -> None:
        self._lock = threading.Lock()
        self._now = int(start_ms)

    @property
    def speed(self) -> float:
        """Always 0: a manual clock does not run."""
        return 0.0

    def now_ms(self) -> int:
        """The current manual time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (rounded to the millisecond)."""
        with self._lock:
            _check_advance(self._now, seconds)
            self._now += round(seconds * 1000)

    def set_speed(self, speed: float) -> None:
        """Refuse: a manual clock has no speed (advance it instead)."""
        raise ValueError("the manual clock does not run; advance it instead")

    def not_before(self, ms: int) -> None:
        """Jump to ``ms`` if the clock is behind it."""
        with self._lock:
            self._now = max(self._now, int(_bounded(ms)))

    def state(self) -> dict[str, Any]:
        """The current time."""
        return {"kind": self.kind, "server_ms": self._now}

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from the persisted time (never going back)."""
        try:
            self.not_before(int(_bounded(float(state["server_ms"]))))
        except (KeyError, TypeError, ValueError):
            return

    def __repr__(self) -> str:
        return f"ManualClock(start_ms={self._now})"
