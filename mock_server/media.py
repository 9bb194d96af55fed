"""Placeholder images: small, real PNG files, distinct per key, built with zlib and struct only.

Media paths are matched against strict patterns (:func:`parse_media_path`); anything else —
traversal, encoded characters, unknown ids — is a 404 before any lookup.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from functools import lru_cache

__all__ = ["PNG_SIGNATURE", "parse_media_path", "png_bytes"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

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
