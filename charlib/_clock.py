"""Time as the SDK sees it: one seam for every sleep and every deadline.

Retries and waits never call ``time`` or ``asyncio.sleep`` directly; they ask the client's clock.
The default is the real one. Tests (and charlib's pytest plugin) pass a clock whose ``sleep``
advances a mock server's virtual time instead, so a 20-minute job is waited for in milliseconds.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """What the SDK needs from time: a monotonic reading and a way to pass time."""

    def monotonic(self) -> float:
        """Seconds on a monotonic scale (only differences are meaningful)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for ``seconds``."""
        ...

    async def asleep(self, seconds: float) -> None:
        """Suspend the calling task for ``seconds``."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic``, ``time.sleep`` and ``asyncio.sleep``."""

    def monotonic(self) -> float:
        """Return ``time.monotonic()``."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep with ``time.sleep`` (negative values sleep zero)."""
        time.sleep(max(0.0, seconds))

    async def asleep(self, seconds: float) -> None:
        """Sleep with ``asyncio.sleep`` (negative values sleep zero)."""
        await asyncio.sleep(max(0.0, seconds))

    def __repr__(self) -> str:
        return "SystemClock()"
