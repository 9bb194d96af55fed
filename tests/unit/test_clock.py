"""The real clock (the seam every sleep goes through)."""

from __future__ import annotations

import time

import charlib


def test_system_clock_is_a_clock_on_the_monotonic_scale() -> None:
    """SystemClock satisfies the Clock protocol and reads ``time.monotonic``."""
    clock = charlib.SystemClock()
    assert isinstance(clock, charlib.Clock)
    before = time.monotonic()
    reading = clock.monotonic()
    assert before <= reading <= time.monotonic()
    assert repr(clock) == "SystemClock()"


def test_system_clock_sleeps_the_time_asked_and_zero_when_negative() -> None:
    """``sleep(s)`` passes at least ``s``; a negative value sleeps zero instead of raising
    (``time.sleep(-1)`` raises ``ValueError``)."""
    clock = charlib.SystemClock()
    start = time.monotonic()
    clock.sleep(0.02)
    assert time.monotonic() - start >= 0.02
    start = time.monotonic()
    clock.sleep(-1)
    assert time.monotonic() - start < 0.5


async def test_system_clock_asleep_sleeps_the_time_asked() -> None:
    """``asleep(s)`` suspends for about ``s``; a negative value returns at once."""
    clock = charlib.SystemClock()
    start = time.monotonic()
    await clock.asleep(0.02)
    # The event loop's timer may fire up to one clock resolution early.
    assert time.monotonic() - start >= 0.015
    start = time.monotonic()
    await clock.asleep(-1)
    assert time.monotonic() - start < 0.5
