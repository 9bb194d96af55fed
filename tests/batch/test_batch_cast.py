"""The cast file: every row checked before anything is sent, a bad one named by line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from charlib.batch import CastError, CastRow, load_cast, parse_cast

GOOD_CSV = """name,character_id,prompt,media_id,style,quality_threshold,image_count
Ada Lovelace,,portrait of Ada,,cinematic,80,8
Bob,bob-the-builder,,66f1c0ffee00000000000b01,,,
"""


def test_csv_rows_are_parsed_with_their_keys_and_lines() -> None:
    """CSV rows keep their line, derive the characterId from the name unless given."""
    ada, bob = parse_cast(GOOD_CSV, jsonl=False)
    assert ada == CastRow(
        line=2,
        name="Ada Lovelace",
        key="ada-lovelace",
        prompt="portrait of Ada",
        style="cinematic",
        quality_threshold=80.0,
        image_count=8,
    )
    assert (bob.line, bob.key, bob.media_id, bob.image_count, bob.shots) == (
        3,
        "bob-the-builder",
        "66f1c0ffee00000000000b01",
        None,
        27,
    )


def test_json_lines_are_parsed_and_blank_lines_skipped(tmp_path: Path) -> None:
    """A .jsonl cast: one object a line, numbers as JSON numbers, blank lines ignored."""
    path = tmp_path / "cast.jsonl"
    path.write_text('{"name": "Ada", "image_count": 2}\n\n{"name": "Bob", "prompt": "x"}\n')
    rows = load_cast(path)
    assert [(row.line, row.key, row.image_count) for row in rows] == [
        (1, "ada", 2),
        (3, "bob", None),
    ]


BAD_CASTS = [
    pytest.param("name,prompt\nAda,x\n,portrait\n", 3, "name", "is required", id="missing-name"),
    pytest.param("name,colour\nAda,red\n", 1, "colour", "unknown column", id="unknown-column"),
    pytest.param(
        "name,image_count\nAda,2\nBob,two\n", 3, "image_count", "an integer", id="bad-number"
    ),
    pytest.param(
        "name,image_count\nAda,28\n", 2, "image_count", "between 1 and 27", id="out-of-range"
    ),
    pytest.param(
        "name,quality_threshold\nAda,nan\n", 2, "quality_threshold", "a number", id="not-finite"
    ),
    pytest.param(
        "name\nAda Lovelace\nBob\nada lovelace\n", 4, "name", "already on line 2", id="duplicate"
    ),
    pytest.param("name,character_id\nAda,../etc\n", 2, "character_id", "must be", id="path-in-id"),
    pytest.param("name,prompt\nAda\n", 2, "cast", "cells", id="short-row"),
    pytest.param("name\n", 0, "cast", "no characters", id="empty"),
    pytest.param(
        '{"name": "Ada", "prompt": "a\u2028b"}\n{"name": "Bob", "image_count": 0}\n',
        1,
        "prompt",
        "control characters",
        id="line-separator-in-json",
    ),
    pytest.param(
        '{"name": "Ada"}\n{"name": "Ada", "name": "Bob"}\n', 2, "name", "twice", id="key-twice"
    ),
    pytest.param("name,image_count\nAda,1_0\n", 2, "image_count", "integer", id="underscore"),
    pytest.param("name,quality_threshold\nAda,0x1f\n", 2, "quality_threshold", "number", id="hex"),
    pytest.param("name\nAda\u202eevil\n", 2, "name", "control characters", id="bidi-override"),
    pytest.param("name\nAda\x9b2J\n", 2, "name", "control characters", id="c1-control"),
    pytest.param("name,character_id\nAda,CON\n", 2, "character_id", "Windows", id="con"),
    pytest.param("name,character_id\nAda,lpt1.txt\n", 2, "character_id", "Windows", id="lpt1"),
    pytest.param("name,character_id\nAda,ada.\n", 2, "character_id", "Windows", id="dot-end"),
    pytest.param("name\nNul\n", 2, "name", "add a character_id", id="derived-nul"),
    pytest.param("name\nZo\u00eb\nZo\u00e9\n", 3, "name", "already on line 2", id="confusable"),
    pytest.param("name,character_id\nAda,Ada\nBob,ADA\n", 3, "character_id", "line 2", id="case"),
]


@pytest.mark.parametrize(("text", "line", "field", "words"), BAD_CASTS)
def test_a_bad_csv_row_is_named_by_line_and_field(
    text: str, line: int, field: str, words: str
) -> None:
    """Each kind of bad row (JSON Lines too) raises CastError with its line, field and reason."""
    with pytest.raises(CastError) as caught:
        parse_cast(text, source="cast.csv")
    assert (caught.value.line, caught.value.field) == (line, field)
    assert words in str(caught.value)
    if line:
        assert str(caught.value).startswith(f"cast.csv, line {line}: {field}: ")


def test_bad_json_lines_are_named_by_line() -> None:
    """Invalid JSON, a non-object and an unknown key in JSON Lines name their line."""
    with pytest.raises(CastError, match="line 2: cast: is not valid JSON"):
        parse_cast('{"name": "Ada"}\n{"name": \n', jsonl=True)
    with pytest.raises(CastError, match="line 1: cast"):
        parse_cast('["Ada"]\n', jsonl=True)
    with pytest.raises(CastError, match="line 2: age: unknown column"):
        parse_cast('{"name": "Ada"}\n{"name": "Bob", "age": 3}\n', jsonl=True)
    with pytest.raises(CastError, match="line 1: image_count: must be an integer"):
        parse_cast('{"name": "Ada", "image_count": true}\n', jsonl=True)


def test_a_name_with_control_characters_is_refused() -> None:
    """A name carrying an escape sequence is refused, not sent or printed."""
    with pytest.raises(CastError, match="line 1: name: contains control characters"):
        parse_cast('{"name": "Ada\\u001b[2J"}\n', jsonl=True)


def test_an_unreadable_or_missing_file_is_a_cast_error(tmp_path: Path) -> None:
    """A missing file and a non-UTF-8 one are CastErrors naming the file."""
    with pytest.raises(CastError, match=r"missing\.csv: cast: cannot be read"):
        load_cast(tmp_path / "missing.csv")
    binary = tmp_path / "cast.csv"
    binary.write_bytes(b"name\n\xff\xfe\n")
    with pytest.raises(CastError, match="not UTF-8"):
        load_cast(binary)
