"""The 27-shot catalogue is the one of CONTRACT §10.1."""

from __future__ import annotations

from collections import Counter

from mock_server.shots import DEFAULT_ANGLES, SHOTS


def test_catalogue_matches_the_contract() -> None:
    """27 shots, numbered in seed order, unique slugs, the contract's category counts."""
    assert [s.number for s in SHOTS] == list(range(1, 28))
    assert len({s.slug for s in SHOTS}) == 27
    assert SHOTS[0].name == "35mm FRONT FULL (Enhanced)"
    assert SHOTS[13].name == "HANDS DETAIL (Enhanced Macro)"
    assert SHOTS[-1].name == "50mm 25° RIGHT MCU (Enhanced)"
    assert sum("°" in s.name for s in SHOTS) == 6
    assert Counter(s.category for s in SHOTS) == {
        "Core 9": 9,
        "Profile": 2,
        "Back": 2,
        "Detail": 1,
        "Calibration": 1,
        "Expression": 4,
        "Angle dynamics": 4,
        "Intimate framing": 4,
    }
    assert {s.lens for s in SHOTS} == {35, 50, 85}
    assert {s.crop for s in SHOTS} == {"full", "3q", "mcu", "cu", "hands"}


def test_default_angles() -> None:
    """The eight default angles of generate-360-set (§10.2)."""
    assert DEFAULT_ANGLES[:2] == ("front", "back")
    assert len(DEFAULT_ANGLES) == 8
