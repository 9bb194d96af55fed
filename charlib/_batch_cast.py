"""The cast of a batch: a CSV or JSON Lines file, one character a row, checked whole before use.

Pure: :func:`parse_cast` turns the file's text into :class:`CastRow` values or raises
:class:`CastError` naming the line and the field; nothing is sent until every row has passed.
Each row's key is its ``characterId``: the one given, or the one the service derives from the
name. Two rows with the same key (compared without case: it names a folder) are refused.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeAlias

from charlib._exceptions import InvalidParameterError
from charlib._resources.characters import MAX_IMAGE_COUNT, derive_character_id
from charlib._text import UNSAFE_CHARS

__all__ = ["COLUMNS", "MAX_CAST_BYTES", "CastError", "CastRow", "load_cast", "parse_cast"]

COLUMNS = (
    "name",
    "character_id",
    "prompt",
    "media_id",
    "style",
    "quality_threshold",
    "image_count",
)
"""The columns a cast may have; only ``name`` is required."""

MAX_CAST_BYTES = 32 * 1024 * 1024
"""A cast larger than this is refused unread (200 characters take a few kilobytes)."""

_MAX_TEXT = 4000  # characters in one field (a prompt is the longest)
# A given character_id names a folder under --out: one path segment, nothing hidden.
_CHARACTER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
# A number as a person writes it in a cell ("8", "72.5", "1e2"): not "1_0", "0x1f" or "٣".
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Names Windows keeps for devices (with any extension): a folder so named cannot be made there.
_RESERVED = re.compile(r"(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\..*)?", re.IGNORECASE)
_Fail: TypeAlias = Callable[[str, str], NoReturn]


class CastError(InvalidParameterError):
    """A cast file that cannot be used, with where: ``.line`` (1-based; 0: the whole file) and
    ``.field`` (the column, or ``"cast"``). Raised before anything is sent."""

    def __init__(self, source: str, line: int, field: str, message: str) -> None:
        super().__init__(field, message)
        where = f"{source}, line {line}" if line else source
        shown = field if field.isprintable() else ascii(field)  # a column name is input too
        self.args = (f"{where}: {shown}: {message}",)
        self.line = line


@dataclass(frozen=True, slots=True)
class CastRow:
    """One character of the cast, checked.

    ``key`` is its ``characterId`` (given, or derived from ``name``); it names the character's
    folder under the batch directory. ``image_count`` is the number of shots the job is asked
    for (27 when the row does not say).
    """

    line: int
    name: str
    key: str
    prompt: str | None = None
    media_id: str | None = None
    style: str | None = None
    quality_threshold: float | None = None
    image_count: int | None = None

    @property
    def shots(self) -> int:
        """The shots this row's set should have."""
        return MAX_IMAGE_COUNT if self.image_count is None else self.image_count

    def params(self) -> dict[str, Any]:
        """The row's optional fields that are set (what the ledger keeps of it)."""
        fields = {
            "prompt": self.prompt,
            "media_id": self.media_id,
            "style": self.style,
            "quality_threshold": self.quality_threshold,
            "image_count": self.image_count,
        }
        return {name: value for name, value in fields.items() if value is not None}


def _text(value: object, field: str, fail: _Fail) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        fail(field, f"must be text, got {type(value).__name__}")
    text = str(value).strip()
    if len(text) > _MAX_TEXT:
        fail(field, f"is longer than {_MAX_TEXT} characters")
    if UNSAFE_CHARS.search(text):  # C0/C1 controls but tab and newline, bidi overrides, ...
        fail(field, "contains control characters")
    return text or None


def _number(value: object, field: str, fail: _Fail, *, integer: bool) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed: float | int
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError
        if isinstance(value, str) and not _DECIMAL.fullmatch(value.strip()):
            raise ValueError
        if integer:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            parsed = int(value.strip() if isinstance(value, str) else value)
        else:
            parsed = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        fail(field, f"must be {'an integer' if integer else 'a number'}, got {value!r}")
    low, high = (1, MAX_IMAGE_COUNT) if integer else (0, 100)
    if not math.isfinite(parsed) or not low <= parsed <= high:
        fail(field, f"must be between {low} and {high}, got {value!r}")
    return parsed


def _row(line: int, record: Mapping[str, object], source: str) -> CastRow:
    """One record (column -> value) checked into a row."""

    def fail(field: str, message: str) -> NoReturn:
        raise CastError(source, line, field, message)

    unknown = sorted(str(column) for column in record if column not in COLUMNS)
    if unknown:
        fail(unknown[0], f"unknown column (known: {', '.join(COLUMNS)})")
    name = _text(record.get("name"), "name", fail)
    if not name:
        fail("name", "is required")
    given = _text(record.get("character_id"), "character_id", fail)
    if given is not None and not _CHARACTER_ID.fullmatch(given):
        fail("character_id", "must be 1-128 of A-Z a-z 0-9 _ . - (not starting with . _ -)")
    key = given or derive_character_id(name)
    if not key:
        fail("name", "gives an empty characterId: add a character_id")
    if _RESERVED.fullmatch(key) or key.endswith("."):
        field = "character_id" if given else "name"
        fail(field, f"gives the folder name {key!r}, which Windows cannot use: add a character_id")
    return CastRow(
        line=line,
        name=name,
        key=key,
        prompt=_text(record.get("prompt"), "prompt", fail),
        media_id=_text(record.get("media_id"), "media_id", fail),
        style=_text(record.get("style"), "style", fail),
        quality_threshold=_number(
            record.get("quality_threshold"), "quality_threshold", fail, integer=False
        ),
        image_count=_number(record.get("image_count"), "image_count", fail, integer=True),
    )


def _csv_records(text: str, source: str) -> Iterator[tuple[int, dict[str, object]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = [column.strip() for column in header]
        for column in columns:
            if column not in COLUMNS:
                raise CastError(source, 1, column or "(empty)", "unknown column")
        if len(set(columns)) != len(columns):
            raise CastError(source, 1, "cast", "a column is named twice")
        start = reader.line_num + 1
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                start = reader.line_num + 1
                continue  # a blank line
            if len(cells) != len(columns):
                raise CastError(
                    source, start, "cast", f"has {len(cells)} cells, the header {len(columns)}"
                )
            yield start, {col: cell for col, cell in zip(columns, cells, strict=True) if cell}
            start = reader.line_num + 1
    except csv.Error as error:
        raise CastError(source, reader.line_num, "cast", f"is not valid CSV: {error}") from None


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    record = dict(pairs)
    if len(record) != len(pairs):
        names = [name for name, _ in pairs]
        raise _TwiceError(next(name for name in names if names.count(name) > 1))
    return record


class _TwiceError(ValueError):
    """A JSON object that names a key twice (JSON keeps the last silently)."""


def _jsonl_records(text: str, source: str) -> Iterator[tuple[int, dict[str, object]]]:
    # Lines end at "\n" only: JSON text may hold U+2028 and the other breaks str.splitlines knows.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, object_pairs_hook=_object)
        except _TwiceError as error:
            raise CastError(source, number, str(error), "is given twice") from None
        except (ValueError, RecursionError) as error:
            why = error.msg if isinstance(error, json.JSONDecodeError) else "too large or deep"
            raise CastError(source, number, "cast", f"is not valid JSON ({why})") from None
        if not isinstance(record, dict):
            raise CastError(source, number, "cast", "is not a JSON object")
        yield number, record


def parse_cast(text: str, *, source: str = "cast", jsonl: bool | None = None) -> list[CastRow]:
    """Check a whole cast and return its rows, in file order.

    Args:
        text: the file's content.
        source: how messages name the file.
        jsonl: JSON Lines (``True``), CSV (``False``), or guessed from the first character.

    Raises:
        CastError: the first problem, naming its line and field; or a cast without rows.
    """
    text = text.removeprefix("\ufeff")  # a byte order mark, as some editors write
    if jsonl is None:
        jsonl = text.lstrip().startswith("{")
    records = _jsonl_records(text, source) if jsonl else _csv_records(text, source)
    rows: list[CastRow] = []
    seen: dict[str, int] = {}
    for line, record in records:
        row = _row(line, record, source)
        folded = row.key.casefold()
        if folded in seen:
            raise CastError(
                source,
                line,
                "character_id" if "character_id" in record else "name",
                f"character {row.key!r} is already on line {seen[folded]}",
            )
        seen[folded] = line
        rows.append(row)
    if not rows:
        raise CastError(source, 0, "cast", "has no characters")
    return rows


def load_cast(path: str | os.PathLike[str]) -> list[CastRow]:
    """Read and check a cast file: CSV (a header row naming the columns), or JSON Lines
    (``.jsonl``/``.ndjson``, or a file that starts with ``{``).

    Raises:
        CastError: the file is unreadable, too large, or a row is invalid (line and field named).
    """
    file = Path(path)
    source = file.name
    try:
        size = file.stat().st_size
        if size > MAX_CAST_BYTES:
            raise CastError(source, 0, "cast", f"is larger than {MAX_CAST_BYTES} bytes")
        text = file.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CastError(source, 0, "cast", f"cannot be read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise CastError(source, 0, "cast", "is not UTF-8 text") from None
    suffix = file.suffix.lower()
    jsonl = True if suffix in (".jsonl", ".ndjson") else False if suffix == ".csv" else None
    return parse_cast(text, source=source, jsonl=jsonl)
