"""Files on disk from what a server sent: safe names, image types, and writes that never leave
half a file.

Names: ``NN_<slug>.<ext>`` built from ASCII letters, digits and ``_`` only, whatever the server
sent (``../../x``, ``CON``, ``a/b``, control characters, 10 kB of text): a plain file inside the
destination on Linux, macOS and Windows. Types: the first bytes say what an image is
(:func:`sniff_image`); a ``Content-Type`` only refuses early what is plainly not an image.
Writes: bytes go to ``<name>.part``, which is flushed, ``fsync``-ed and renamed over the final
name (:class:`PartFile`), so a reader, or a crash, never sees a partial file under that name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import unicodedata
from pathlib import Path

__all__ = [
    "FLUSH_BYTES",
    "IMAGE_EXTENSIONS",
    "PART_SUFFIX",
    "PartFile",
    "file_digest",
    "file_stem",
    "is_refused_type",
    "safe_slug",
    "sniff_image",
    "write_atomic",
]

PART_SUFFIX = ".part"
SLUG_LIMIT = 64
#: How many first bytes :func:`sniff_image` needs at most.
SNIFF_BYTES = 16
_CHUNK = 1024 * 1024
#: How many bytes a :class:`PartFile` buffers before it wants a :meth:`~PartFile.flush`.
FLUSH_BYTES = 1024 * 1024
_IOV_MAX = 512  # below every platform's limit on the pieces of one writev

# Leading bytes of the image formats a set may hold; anything else is not saved as an image.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"\xff\xd8\xff", 0, "jpg"),
    (b"GIF87a", 0, "gif"),
    (b"GIF89a", 0, "gif"),
    (b"WEBP", 8, "webp"),  # after "RIFF" and a length
    (b"ftypavif", 4, "avif"),
    (b"ftypavis", 4, "avif"),
    (b"ftypheic", 4, "heic"),
    (b"ftypmif1", 4, "heic"),
    (b"II*\x00", 0, "tif"),
    (b"MM\x00*", 0, "tif"),
    (b"BM", 0, "bmp"),
)
#: Every extension a saved image can have.
IMAGE_EXTENSIONS = frozenset(ext for _, _, ext in _MAGIC)

# A media type that may carry an image: image/* (but SVG, which is a document that runs
# scripts), or a generic binary type (object stores often send one).
_BINARY_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})

# Device names Windows reserves in any directory, with any extension.
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{name}{digit}" for name in ("COM", "LPT") for digit in "0123456789"}
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def safe_slug(text: str | None) -> str:
    """``text`` as a file-name part: lower-case ASCII letters, digits and ``_``, at most 64."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("_", ascii_text.lower()).strip("_")[:SLUG_LIMIT].rstrip("_")
    if not slug or slug.upper() in _RESERVED:
        return f"shot_{slug}" if slug else "shot"
    return slug


def file_stem(position: int, slug: str | None) -> str:
    """``NN_<slug>``: the position, two digits at least, then the safe slug."""
    return f"{position:02d}_{safe_slug(slug)}"


def sniff_image(head: bytes) -> str | None:
    """The extension of the image ``head`` starts (``png``, ``jpg``, ...), or ``None``."""
    for magic, offset, ext in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return ext
    return None


def is_refused_type(content_type: str | None) -> bool:
    """Whether a ``Content-Type`` says plainly that the body is not an image (HTML, JSON, SVG)."""
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in _BINARY_TYPES:
        return False
    return not media_type.startswith("image/") or media_type.startswith("image/svg")


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 (hex) of the file at ``path``, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while piece := handle.read(_CHUNK):
            digest.update(piece)
            size += len(piece)
    return size, digest.hexdigest()


_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _open_new(path: Path) -> int:
    """A new file at ``path``; a stale one (an interrupted run's) is replaced, a link never
    followed."""
    try:
        return os.open(path, _FLAGS | _NO_FOLLOW, 0o644)
    except FileExistsError:
        path.unlink()
        return os.open(path, _FLAGS | _NO_FOLLOW, 0o644)


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (where the platform can: not on Windows)."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, pieces: list[bytes]) -> None:
    """Write ``pieces`` in order, whole (``writev`` where the platform has it)."""
    if not hasattr(os, "writev"):  # Windows
        for piece in pieces:
            with memoryview(piece) as view:
                done = 0
                while done < len(view):
                    done += os.write(fd, view[done:])
        return
    views = [memoryview(piece) for piece in pieces if piece]
    start = 0
    while start < len(views):
        written = os.writev(fd, views[start : start + _IOV_MAX])
        while start < len(views) and written >= len(views[start]):  # a short write goes on
            written -= len(views[start])
            start += 1
        if written:
            views[start] = views[start][written:]


class PartFile:
    """``<final>.part``, written in pieces of up to :data:`FLUSH_BYTES` with a running size and
    SHA-256; :meth:`commit` makes it ``final`` (durably), :meth:`discard` removes it.

    :meth:`write` only buffers (cheap: an event loop may call it); :meth:`flush` does the slow
    part, writing and hashing what is buffered, so an async caller can run it in a thread. The
    part file is created at the first flush.

    ``sync_directory=False`` leaves making the rename durable to the caller (a set download does
    it once, for all its files, when it writes its manifest): the bytes are on disk before the
    rename either way, so a power cut can lose a rename (the file is fetched again), never leave
    a partial file under the final name.
    """

    def __init__(self, final: Path, *, sync_directory: bool = True) -> None:
        self.final = final
        self.sync_directory = sync_directory
        self.part = final.with_name(final.name + PART_SUFFIX)
        self.size = 0
        self._digest = hashlib.sha256()
        self._pieces: list[bytes] = []
        self._pending = 0
        self._fd: int | None = None
        self._done = False

    @property
    def pending(self) -> int:
        """How many bytes :meth:`write` holds that :meth:`flush` has not written yet."""
        return self._pending

    def write(self, data: bytes) -> None:
        """Append ``data`` (kept, not copied, until :meth:`flush`)."""
        assert not self._done, "write after commit or discard"
        self._pieces.append(data)
        self._pending += len(data)
        self.size += len(data)

    def flush(self) -> None:
        """Write and hash what is buffered (blocking file I/O)."""
        assert not self._done, "flush after commit or discard"
        if self._fd is None:
            self._fd = _open_new(self.part)
        pieces, self._pieces, self._pending = self._pieces, [], 0
        for piece in pieces:
            self._digest.update(piece)
        _write_all(self._fd, pieces)

    @property
    def sha256(self) -> str:
        """The SHA-256 (hex) of what was written so far."""
        if not self._pieces:
            return self._digest.hexdigest()
        digest = self._digest.copy()
        for piece in self._pieces:
            digest.update(piece)
        return digest.hexdigest()

    def commit(self, *, durable: bool = True) -> Path:
        """Rename over the final name and return it; ``durable`` first flushes the bytes to disk
        and afterwards the rename (what survives a power cut, not only a killed process)."""
        self.flush()
        assert self._fd is not None
        fd, self._fd, self._done = self._fd, None, True
        try:
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(self.part, self.final)
        if durable and self.sync_directory:
            _sync_directory(self.final.parent)
        return self.final

    def discard(self) -> None:
        """Close and remove the part file (idempotent; nothing happens after a commit)."""
        if self._done:
            return
        self._done = True
        self._pieces, self._pending = [], 0
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            self.part.unlink()


def write_atomic(path: Path, data: bytes, *, durable: bool) -> None:
    """Replace ``path`` with ``data`` in one rename (``durable``: see :meth:`PartFile.commit`)."""
    part = PartFile(path)
    try:
        part.write(data)
        part.commit(durable=durable)
    finally:
        part.discard()
