"""The pure pieces of downloads: shot positions, safe names, image types, part files, the
manifest's trust rules and the contact sheet (no network)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

import charlib
from charlib._contact_sheet import Card, result_cards, sheet_html, sheet_page
from charlib._files import (
    PartFile,
    file_stem,
    is_refused_type,
    safe_slug,
    sniff_image,
    write_atomic,
)
from charlib._manifest import verified_entry
from charlib._shots import SHOTS, shot_position, shot_slug
from mock_server.shots import SHOTS as MOCK_SHOTS


def test_the_sdk_and_the_mock_read_the_same_27_shots() -> None:
    """Two independent readings of contract §10.1 agree, name, slug and order."""
    assert list(SHOTS) == [(shot.name, shot.slug) for shot in MOCK_SHOTS]
    assert shot_position("enhanced_50c_25right_mcu_v2") == 27
    assert shot_position(None, "35mm 45° LEFT 3Q (Enhanced)") == 20
    assert shot_position("unknown", "unknown") is None
    assert shot_slug("HANDS DETAIL (Enhanced Macro)") == "enhanced_85h_hands_detail_v2"


def test_models_carry_slug_validity_and_position() -> None:
    """shotSlug/isValid parse from the wire; position comes from the slug, else the name."""
    image = charlib.GeneratedImage.model_validate(
        {"url": "u", "angle": "nonsense", "shotSlug": "enhanced_35a_back_full_v2", "isValid": False}
    )
    assert (image.shot_slug, image.is_valid, image.position) == (
        "enhanced_35a_back_full_v2",
        False,
        12,
    )
    by_name = charlib.GeneratedImage(angle="T-POSE CALIBRATION (Enhanced)")
    assert (by_name.shot_slug, by_name.is_valid, by_name.position) == (None, None, 15)
    assert charlib.FailedImage(angle="50mm BACK 3Q (Enhanced)").position == 13
    assert charlib.GeneratedImage(angle="a new shot").position is None


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("enhanced_35a_front_full_v2", "enhanced_35a_front_full_v2"),
        ("../../etc/passwd", "etc_passwd"),
        ("..", "shot"),
        ("", "shot"),
        (None, "shot"),
        ("CON", "shot_con"),
        ("lpt9", "shot_lpt9"),
        ("a/b\\c:d*e?f", "a_b_c_d_e_f"),
        ("\x1b[31mred\x07", "31mred"),
        ("Ünïcödé Wörld", "unicode_world"),
        ("35mm 45° LEFT 3Q (Enhanced)", "35mm_45_left_3q_enhanced"),
        ("x" * 500, "x" * 64),
    ],
)
def test_safe_slug(text: str | None, slug: str) -> None:
    """Lower-case ASCII letters, digits and _, at most 64; never empty, never a device name."""
    assert safe_slug(text) == slug


def test_file_stem_pads_the_position() -> None:
    """NN_<slug>, two digits at least."""
    assert file_stem(3, "a/b") == "03_a_b"
    assert file_stem(123, None) == "123_shot"


@pytest.mark.parametrize(
    ("head", "ext"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(8), "png"),
        (b"\xff\xd8\xff\xe0" + bytes(12), "jpg"),
        (b"GIF89a" + bytes(10), "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x1cftypavif" + bytes(4), "avif"),
        (b"II*\x00" + bytes(12), "tif"),
        (b"<html><body>", None),
        (b"<svg xmlns=", None),
        (b'{"error": "x"}', None),
        (b"", None),
    ],
)
def test_the_first_bytes_decide_the_type(head: bytes, ext: str | None) -> None:
    """Known image signatures give their extension; anything else is not an image."""
    assert sniff_image(head) == ext


@pytest.mark.parametrize(
    ("content_type", "refused"),
    [
        (None, False),
        ("image/png", False),
        ("image/jpeg; charset=binary", False),
        ("application/octet-stream", False),
        ("binary/octet-stream", False),
        ("image/svg+xml", True),
        ("text/html; charset=utf-8", True),
        ("application/json", True),
        ("application/xml", True),
    ],
)
def test_content_types_refused_before_reading(content_type: str | None, refused: bool) -> None:
    """HTML, JSON, XML and SVG are refused from the headers; images and binaries are sniffed."""
    assert is_refused_type(content_type) is refused


def test_a_part_file_becomes_the_final_file_only_on_commit(tmp_path: Path) -> None:
    """Bytes go to <name>.part; commit renames it; discard leaves nothing; a stale part goes."""
    final = tmp_path / "01_x.png"
    (tmp_path / "01_x.png.part").write_bytes(b"stale")
    part = PartFile(final)
    part.write(b"abc")
    part.flush()
    part.write(b"def")
    assert (part.size, part.pending) == (6, 3)
    assert (part.size, part.sha256) == (6, hashlib.sha256(b"abcdef").hexdigest())
    part.flush()
    assert not final.exists()
    assert (tmp_path / "01_x.png.part").read_bytes() == b"abcdef"
    assert part.commit() == final
    part.discard()  # after a commit: nothing happens
    assert final.read_bytes() == b"abcdef"
    assert not (tmp_path / "01_x.png.part").exists()
    dropped = PartFile(tmp_path / "02_y.png")
    dropped.write(b"half")
    dropped.flush()
    dropped.write(b"more")
    dropped.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_x.png"]


def test_a_part_file_keeps_every_piece_in_order(tmp_path: Path) -> None:
    """Thousands of small pieces and empty ones, flushed in several goes: the file is exact."""
    pieces = [bytes([n % 251]) * (n % 7) for n in range(3000)]
    part = PartFile(tmp_path / "01_x.png")
    for n, piece in enumerate(pieces):
        part.write(piece)
        if n % 1100 == 0:
            part.flush()
    path = part.commit()
    expected = b"".join(pieces)
    assert path.read_bytes() == expected
    assert (part.size, part.sha256) == (len(expected), hashlib.sha256(expected).hexdigest())


def test_a_part_file_is_never_written_through_a_link(tmp_path: Path) -> None:
    """A symlink planted at the part file's name is replaced, its target left alone."""
    target = tmp_path / "outside.txt"
    target.write_text("keep", encoding="utf-8")
    (tmp_path / "01_x.png.part").symlink_to(target)
    part = PartFile(tmp_path / "01_x.png")
    part.write(b"image")
    part.commit()
    assert target.read_text(encoding="utf-8") == "keep"
    assert (tmp_path / "01_x.png").read_bytes() == b"image"


def test_write_atomic_replaces_whole(tmp_path: Path) -> None:
    """The old content or the new one, never a mix; durable or not."""
    path = tmp_path / "manifest.json"
    write_atomic(path, b"one", durable=True)
    write_atomic(path, b"two", durable=False)
    assert path.read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def _previous(tmp_path: Path, data: bytes, **changes: object) -> dict[str, object]:
    (tmp_path / "01_front.png").write_bytes(data)
    entry = {
        "file": "01_front.png",
        "slug": "front",
        "media_id": "m1",
        "result_url": "https://x/1",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        **changes,
    }
    return {"images": [entry]}


FACTS = {"slug": "front", "media_id": "m1", "result_url": "https://x/other"}


def test_a_previous_entry_is_trusted_only_when_its_file_checks_out(tmp_path: Path) -> None:
    """Same shot, same media id, an image name for this stem, and the file's size and hash."""
    assert verified_entry(_previous(tmp_path, b"data"), "01_front", FACTS, tmp_path) is not None
    assert verified_entry(None, "01_front", FACTS, tmp_path) is None
    for changes in (
        {"media_id": "m2"},
        {"slug": "back"},
        {"sha256": "0" * 64},
        {"size": 3},
        {"file": "01_front.html"},
        {"file": "01_front.png/../../x.png"},
        {"sha256": "not hex"},
    ):
        previous = _previous(tmp_path, b"data", **changes)
        assert verified_entry(previous, "01_front", FACTS, tmp_path) is None, changes
    previous = _previous(tmp_path, b"data")
    (tmp_path / "01_front.png").write_bytes(b"DATA")  # same size, other bytes
    assert verified_entry(previous, "01_front", FACTS, tmp_path) is None


def test_a_manifest_anyone_edited_is_read_defensively(tmp_path: Path) -> None:
    """Not JSON, another version, or huge: ignored (everything is fetched again)."""
    from charlib._manifest import read_manifest

    assert read_manifest(tmp_path) is None
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    assert read_manifest(tmp_path) is None
    (tmp_path / "manifest.json").write_text(json.dumps({"manifest_version": 99}), encoding="utf-8")
    assert read_manifest(tmp_path) is None
    (tmp_path / "manifest.json").write_text(json.dumps([1, 2]), encoding="utf-8")
    assert read_manifest(tmp_path) is None


def test_the_contact_sheet_escapes_orders_and_refuses_script_sources() -> None:
    """Canonical order, unknown shots last; server text escaped; only http(s) or relative srcs."""
    cards = [
        Card(None, "unknown shot", src="z.png"),
        Card(12, "<script>alert(1)</script>", 80, False, src="javascript:alert(1)"),
        Card(1, "front", 91, True, src="01_front.png"),
        Card(3, "three", problem='not saved: <img src=x onerror="alert(1)">'),
        Card(4, "four", src="//evil.example/x.png"),
    ]
    html = sheet_html(cards)
    assert re.findall(r"<b>(\d*) ?</b>", html) == ["01", "03", "04", "12", ""]
    assert html.endswith("unknown shot</figcaption></figure></div>")
    assert "<script>" not in html
    assert "javascript:" not in html
    assert "//evil.example" not in html
    assert "<img src=x" not in html
    assert "✓ met the threshold" in html
    assert "✗ below the threshold" in html
    page = sheet_page("Job <1>", "27 of 27 & done", cards)
    assert page.startswith("<!doctype html>")
    assert "<title>Job &lt;1&gt;</title>" in page
    assert "http" not in page.replace("https://", "").split("<body", 1)[0]  # nothing fetched


def test_notebook_results_share_the_contact_sheet() -> None:
    """JobResults._repr_html_ is the contact sheet of the images' URLs and the failed shots."""
    results = charlib.JobResults.model_validate(
        {
            "generatedImages": [
                {"url": "https://m/2.png", "angle": "35mm 3Q LEFT (Enhanced)", "quality": 70},
                {"url": "https://m/1.png", "angle": "35mm FRONT FULL (Enhanced)", "quality": 90},
            ],
            "failedImages": [{"angle": "35mm 3Q RIGHT (Enhanced)", "error": "boom", "attempts": 3}],
        }
    )
    html = results._repr_html_()
    assert html == sheet_html(result_cards(results))
    assert html.index("https://m/1.png") < html.index("https://m/2.png") < html.index("boom")
    assert "generation failed after 3 attempts: boom" in html
