"""The 27 shots of a 360° set in their canonical order (contract §10.1): name, slug, position.

The live service names a generated image by its shot name only (``angle``); the reference server
adds the slug. Either finds the shot's position (1-27) here, which orders files on disk and the
contact sheet. The table is the SDK's own reading of the contract (the mock keeps its own).
"""

from __future__ import annotations

__all__ = ["SHOTS", "shot_position", "shot_slug"]

#: (shot name, slug), in seed order #1 -> #27.
SHOTS: tuple[tuple[str, str], ...] = (
    ("35mm FRONT FULL (Enhanced)", "enhanced_35a_front_full_v2"),
    ("35mm 3Q LEFT (Enhanced)", "enhanced_35a_3qleft_3q_v2"),
    ("35mm 3Q RIGHT (Enhanced)", "enhanced_35a_3qright_3q_v2"),
    ("50mm FRONT CU (Enhanced)", "enhanced_50c_front_cu_v2"),
    ("50mm 3Q LEFT CU (Enhanced)", "enhanced_50c_3qleft_cu_v2"),
    ("50mm 3Q RIGHT CU (Enhanced)", "enhanced_50c_3qright_cu_v2"),
    ("85mm FRONT MCU (Enhanced)", "enhanced_85e_front_mcu_v2"),
    ("85mm 3Q LEFT MCU (Enhanced)", "enhanced_85e_3qleft_mcu_v2"),
    ("85mm 3Q RIGHT MCU (Enhanced)", "enhanced_85e_3qright_mcu_v2"),
    ("85mm PROFILE LEFT MCU (Enhanced)", "enhanced_85e_profile_left_mcu_v2"),
    ("85mm PROFILE RIGHT MCU (Enhanced)", "enhanced_85e_profile_right_mcu_v2"),
    ("35mm BACK FULL (Enhanced)", "enhanced_35a_back_full_v2"),
    ("50mm BACK 3Q (Enhanced)", "enhanced_50c_back_3q_v2"),
    ("HANDS DETAIL (Enhanced Macro)", "enhanced_85h_hands_detail_v2"),
    ("T-POSE CALIBRATION (Enhanced)", "enhanced_35a_tpose_full_v2"),
    ("50mm CONCERNED CU (Enhanced)", "enhanced_50c_concerned_cu_v2"),
    ("85mm VULNERABLE MCU (Enhanced)", "enhanced_85e_vulnerable_mcu_v2"),
    ("50mm HIGH ANGLE CU (Enhanced)", "enhanced_50c_high_angle_cu_v2"),
    ("50mm LOW ANGLE CU (Enhanced)", "enhanced_50c_low_angle_cu_v2"),
    ("35mm 45° LEFT 3Q (Enhanced)", "enhanced_35a_45left_3q_v2"),
    ("35mm 45° RIGHT 3Q (Enhanced)", "enhanced_35a_45right_3q_v2"),
    ("85mm DETERMINED MCU (Enhanced)", "enhanced_85e_determined_mcu_v2"),
    ("50mm THOUGHTFUL 3Q LEFT CU (Enhanced)", "enhanced_50c_thoughtful_3qleft_cu_v2"),
    ("85mm TIGHT 15° LEFT CU (Enhanced)", "enhanced_85e_tight_15left_cu_v2"),
    ("85mm TIGHT 15° RIGHT CU (Enhanced)", "enhanced_85e_tight_15right_cu_v2"),
    ("50mm 25° LEFT MCU (Enhanced)", "enhanced_50c_25left_mcu_v2"),
    ("50mm 25° RIGHT MCU (Enhanced)", "enhanced_50c_25right_mcu_v2"),
)

_BY_SLUG = {slug: number for number, (_, slug) in enumerate(SHOTS, start=1)}
_BY_NAME = {name: number for number, (name, _) in enumerate(SHOTS, start=1)}


def shot_position(slug: str | None, name: str | None = None) -> int | None:
    """The 1-based position of a shot in the canonical 27, by its slug, else by its name."""
    if slug is not None and slug in _BY_SLUG:
        return _BY_SLUG[slug]
    if name is not None:
        return _BY_NAME.get(name)
    return None


def shot_slug(name: str | None) -> str | None:
    """The slug of the shot called ``name`` (``None`` for a name the catalogue does not know)."""
    position = _BY_NAME.get(name) if name is not None else None
    return SHOTS[position - 1][1] if position is not None else None
