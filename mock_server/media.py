"""Placeholder images: small, real PNG files, distinct per key, built with zlib and struct only.

Media paths are matched against strict patterns (:func:`parse_media_path`); anything else —
traversal, encoded characters, unknown ids — is a 404 before any lookup.

A server started with a ``media_size`` pads every image to that many bytes with one ancillary
chunk that decoders skip (:func:`media_file`), so large downloads can be tested; the padding is
zeros streamed piece by piece, never held whole.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "MAX_MEDIA_SIZE",
    "PNG_SIGNATURE",
    "MediaFile",
    "check_media_size",
    "media_file",
    "parse_media_path",
    "png_bytes",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: The largest ``media_size``: one PNG chunk holds the padding, and a chunk's length is 31 bits.
MAX_MEDIA_SIZE = 2**31 - 1
# Ancillary (a decoder may skip it), private, safe to copy: a chunk no viewer cares about.
_PAD_TYPE = b"paDd"
_PIECE = b"\x00" * (64 * 1024)
_IEND_SIZE = 12  # length, type and CRC of the empty IEND chunk that ends every PNG

_STORED = re.compile(r"/media/([0-9a-f]{24})\.png")
_JOB = re.compile(
    r"/media/jobs/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/([a-z0-9_]{1,64})\.png"
)


def parse_media_path(path: str) -> tuple[str, str] | None:
    """Classify a request path.

    Returns:
        ``("media", media_id)`` for a stored image, ``("job", "{jobId}/{slug}")`` for a job result,
        or None for anything else.
    """
    match = _STORED.fullmatch(path)
    if match:
        return "media", match.group(1)
    match = _JOB.fullmatch(path)
    if match:
        return "job", f"{match.group(1)}/{match.group(2)}"
    return None


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


@lru_cache(maxsize=512)
def png_bytes(key: str, width: int = 48, height: int = 64) -> bytes:
    """A ``width`` x ``height`` RGB PNG whose colours and stripes are derived from ``key``.

    Different keys give different files (the key's digest is also embedded as a text chunk).
    """
    digest = hashlib.sha256(key.encode()).digest()
    background = digest[0:3]
    stripe = bytes(255 - b for b in digest[3:6])
    period = 4 + digest[6] % 12
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter type 0
        for x in range(width):
            row += stripe if (x + y * (1 + digest[7] % 3)) % period < period // 3 else background
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    text = b"Comment\x00charlib mock " + digest.hex().encode()
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"tEXt", text),
            _chunk(b"IDAT", zlib.compress(b"".join(rows), 9)),
            _chunk(b"IEND", b""),
        )
    )


def check_media_size(value: object) -> int:
    """``value`` as a media size in bytes (0: no padding).

    Raises:
        ValueError: not an integer in ``[0, MAX_MEDIA_SIZE]``.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MEDIA_SIZE:
        raise ValueError(f"media_size must be an integer from 0 to {MAX_MEDIA_SIZE}, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class MediaFile:
    """One image as served: ``head``, then ``padding`` zero bytes, then ``tail``."""

    head: bytes
    padding: int
    tail: bytes
    etag: str

    @property
    def size(self) -> int:
        """The file's size in bytes (its ``Content-Length``)."""
        return len(self.head) + self.padding + len(self.tail)

    def chunks(self) -> Iterator[bytes]:
        """The file in pieces of at most 64 KiB (the padding is never built whole)."""
        yield self.head
        left = self.padding
        while left > 0:
            piece = _PIECE if left >= len(_PIECE) else _PIECE[:left]
            left -= len(piece)
            yield piece
        if self.tail:
            yield self.tail


@lru_cache(maxsize=64)
def _padding_crc(length: int) -> int:
    """CRC of a padding chunk of ``length`` zero bytes (its type included), computed once."""
    crc = zlib.crc32(_PAD_TYPE)
    left = length
    while left > 0:
        piece = _PIECE if left >= len(_PIECE) else _PIECE[:left]
        crc = zlib.crc32(piece, crc)
        left -= len(piece)
    return crc & 0xFFFFFFFF


def media_file(key: str, size: int = 0) -> MediaFile:
    """The PNG of ``key``, padded to ``size`` bytes when that is larger than the image itself.

    The padding is one ancillary chunk before ``IEND``, so the file stays a valid PNG. The ETag
    names the image and its size: the same key and size always give the same bytes.
    """
    image = png_bytes(key)
    etag = f'"{hashlib.sha256(image).hexdigest()[:24]}-{max(size, len(image))}"'
    padding = size - len(image) - _IEND_SIZE
    if padding <= 0:
        return MediaFile(image, 0, b"", etag)
    head = image[:-_IEND_SIZE] + struct.pack(">I", padding) + _PAD_TYPE
    tail = struct.pack(">I", _padding_crc(padding)) + image[-_IEND_SIZE:]
    return MediaFile(head, padding, tail, etag)
