"""The real clock (the seam every sleep goes through)."""

from __future__ import annotations

import charlib


def test_system_clock_is_a_clock() -> None:
    """SystemClock satisfies the Clock protocol and sleeps zero for non-positive values."""
    clock = charlib.SystemClock()
    assert isinstance(clock, charlib.Clock)
    before = clock.monotonic()
    clock.sleep(-1)
    assert clock.monotonic() >= before
    assert repr(clock) == "SystemClock()"


async def test_system_clock_asleep_returns() -> None:
    """``asleep(0)`` yields to the loop and returns."""
    await charlib.SystemClock().asleep(0)
