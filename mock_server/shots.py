"""The 27-shot catalogue of CONTRACT §10.1, in seed order (#1 → #27).

The reference mode generates the first ``imageCount`` shots in this order; the upstream mode runs
all 27 in reverse (defect D22), as the live service most likely does after a clean seed.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_ANGLES", "SHOTS", "Shot"]


@dataclass(frozen=True, slots=True)
class Shot:
    """One reference shot template."""

    number: int
    name: str
    slug: str
    lens: int
    mode: str
    angle: str
    crop: str
    expression: str
    pose: str
    azimuth: int
    elevation: int
    distance: float
    category: str


# One row per shot, laid out like the table of CONTRACT §10.1 (hence the long lines).
# fmt: off
_ROWS: tuple[tuple[str, str, int, str, str, str, str, str, int, int, float, str], ...] = (
    ("35mm FRONT FULL (Enhanced)", "enhanced_35a_front_full_v2", 35, "Action/Body", "front", "full", "neutral", "a_pose", 0, 0, 3.4, "Core 9"),  # noqa: E501
    ("35mm 3Q LEFT (Enhanced)", "enhanced_35a_3qleft_3q_v2", 35, "Action/Body", "3q_left", "3q", "neutral", "relaxed", -35, 0, 2.7, "Core 9"),  # noqa: E501
    ("35mm 3Q RIGHT (Enhanced)", "enhanced_35a_3qright_3q_v2", 35, "Action/Body", "3q_right", "3q", "neutral", "relaxed", 35, 0, 2.7, "Core 9"),  # noqa: E501
    ("50mm FRONT CU (Enhanced)", "enhanced_50c_front_cu_v2", 50, "Conversation", "front", "cu", "neutral", "relaxed", 0, 0, 2.1, "Core 9"),  # noqa: E501
    ("50mm 3Q LEFT CU (Enhanced)", "enhanced_50c_3qleft_cu_v2", 50, "Conversation", "3q_left", "cu", "neutral", "relaxed", -35, 0, 1.8, "Core 9"),  # noqa: E501
    ("50mm 3Q RIGHT CU (Enhanced)", "enhanced_50c_3qright_cu_v2", 50, "Conversation", "3q_right", "cu", "neutral", "relaxed", 35, 0, 1.8, "Core 9"),  # noqa: E501
    ("85mm FRONT MCU (Enhanced)", "enhanced_85e_front_mcu_v2", 85, "Emotion", "front", "mcu", "neutral", "relaxed", 0, 0, 1.5, "Core 9"),  # noqa: E501
    ("85mm 3Q LEFT MCU (Enhanced)", "enhanced_85e_3qleft_mcu_v2", 85, "Emotion", "3q_left", "mcu", "neutral", "relaxed", -35, 0, 1.3, "Core 9"),  # noqa: E501
    ("85mm 3Q RIGHT MCU (Enhanced)", "enhanced_85e_3qright_mcu_v2", 85, "Emotion", "3q_right", "mcu", "neutral", "relaxed", 35, 0, 1.3, "Core 9"),  # noqa: E501
    ("85mm PROFILE LEFT MCU (Enhanced)", "enhanced_85e_profile_left_mcu_v2", 85, "Emotion", "profile_left", "mcu", "neutral", "relaxed", -90, 0, 1.5, "Profile"),  # noqa: E501
    ("85mm PROFILE RIGHT MCU (Enhanced)", "enhanced_85e_profile_right_mcu_v2", 85, "Emotion", "profile_right", "mcu", "neutral", "relaxed", 90, 0, 1.5, "Profile"),  # noqa: E501
    ("35mm BACK FULL (Enhanced)", "enhanced_35a_back_full_v2", 35, "Action/Body", "back", "full", "neutral", "a_pose", 180, 0, 3.4, "Back"),  # noqa: E501
    ("50mm BACK 3Q (Enhanced)", "enhanced_50c_back_3q_v2", 50, "Conversation", "back", "3q", "neutral", "relaxed", 180, 0, 2.1, "Back"),  # noqa: E501
    ("HANDS DETAIL (Enhanced Macro)", "enhanced_85h_hands_detail_v2", 85, "Hands", "front", "hands", "neutral", "hand_centered", 0, -15, 0.8, "Detail"),  # noqa: E501
    ("T-POSE CALIBRATION (Enhanced)", "enhanced_35a_tpose_full_v2", 35, "Action/Body", "front", "full", "neutral", "t_pose", 0, 0, 3.4, "Calibration"),  # noqa: E501
    ("50mm CONCERNED CU (Enhanced)", "enhanced_50c_concerned_cu_v2", 50, "Conversation", "front", "cu", "concerned", "relaxed", 0, 0, 2.1, "Expression"),  # noqa: E501
    ("85mm VULNERABLE MCU (Enhanced)", "enhanced_85e_vulnerable_mcu_v2", 85, "Emotion", "3q_left", "mcu", "vulnerable", "relaxed", -25, 5, 1.4, "Expression"),  # noqa: E501
    ("50mm HIGH ANGLE CU (Enhanced)", "enhanced_50c_high_angle_cu_v2", 50, "Conversation", "front", "cu", "neutral", "relaxed", 0, 15, 2.1, "Angle dynamics"),  # noqa: E501
    ("50mm LOW ANGLE CU (Enhanced)", "enhanced_50c_low_angle_cu_v2", 50, "Conversation", "front", "cu", "neutral", "relaxed", 0, -15, 2.1, "Angle dynamics"),  # noqa: E501
    ("35mm 45° LEFT 3Q (Enhanced)", "enhanced_35a_45left_3q_v2", 35, "Action/Body", "3q_left", "3q", "neutral", "dynamic_stance", -45, 0, 2.5, "Angle dynamics"),  # noqa: E501
    ("35mm 45° RIGHT 3Q (Enhanced)", "enhanced_35a_45right_3q_v2", 35, "Action/Body", "3q_right", "3q", "neutral", "dynamic_stance", 45, 0, 2.5, "Angle dynamics"),  # noqa: E501
    ("85mm DETERMINED MCU (Enhanced)", "enhanced_85e_determined_mcu_v2", 85, "Emotion", "front", "mcu", "determined", "relaxed", 0, 0, 1.5, "Expression"),  # noqa: E501
    ("50mm THOUGHTFUL 3Q LEFT CU (Enhanced)", "enhanced_50c_thoughtful_3qleft_cu_v2", 50, "Conversation", "3q_left", "cu", "thoughtful", "relaxed", -35, 0, 1.8, "Expression"),  # noqa: E501
    ("85mm TIGHT 15° LEFT CU (Enhanced)", "enhanced_85e_tight_15left_cu_v2", 85, "Emotion", "front", "cu", "neutral", "relaxed", -15, 0, 1.2, "Intimate framing"),  # noqa: E501
    ("85mm TIGHT 15° RIGHT CU (Enhanced)", "enhanced_85e_tight_15right_cu_v2", 85, "Emotion", "front", "cu", "neutral", "relaxed", 15, 0, 1.2, "Intimate framing"),  # noqa: E501
    ("50mm 25° LEFT MCU (Enhanced)", "enhanced_50c_25left_mcu_v2", 50, "Conversation", "3q_left", "mcu", "neutral", "relaxed", -25, 0, 1.9, "Intimate framing"),  # noqa: E501
    ("50mm 25° RIGHT MCU (Enhanced)", "enhanced_50c_25right_mcu_v2", 50, "Conversation", "3q_right", "mcu", "neutral", "relaxed", 25, 0, 1.9, "Intimate framing"),  # noqa: E501
)
# fmt: on

#: The 27 shots in canonical (seed) order.
SHOTS: tuple[Shot, ...] = tuple(Shot(i + 1, *row) for i, row in enumerate(_ROWS))

#: Default ``angles`` of generate-360-set (§10.2): stored and echoed, never used.
DEFAULT_ANGLES: tuple[str, ...] = (
    "front",
    "back",
    "left",
    "right",
    "three-quarter-left",
    "three-quarter-right",
    "front-left",
    "front-right",
)
