"""``manifest.json``: what a download saved, so a re-run can trust a file without fetching it.

The document (version 1) names the job and its character, the job's timestamps and when the
download ran, then one entry per image: the shot (position, angle, slug), what the server said
about it (quality, ``is_valid``, DINO asset id, media id, the result URL), the URL that actually
served it (``source``: ``result``, or ``gallery`` after the D17 fallback), and the file (name,
size, SHA-256). Images that could not be saved and shots the job failed to generate are listed
with their error and attempts.

A previous manifest is read back defensively (it is a file anyone may have edited): an entry is
used only if its file name is the one this download would give that shot, and the file on disk
has the recorded size and SHA-256.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charlib._files import IMAGE_EXTENSIONS, file_digest

if TYPE_CHECKING:
    from charlib._models import FailedImage, GeneratedImage, JobStatus

__all__ = [
    "INDEX",
    "MANIFEST",
    "VERSION",
    "document",
    "failed_shot_entry",
    "image_facts",
    "read_manifest",
    "verified_entry",
]

logger = logging.getLogger("charlib")

MANIFEST = "manifest.json"
INDEX = "index.html"
VERSION = 1
# A manifest of a 27-shot set is about 20 KB; anything near this is not one of ours.
_MAX_BYTES = 8 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat()


def image_facts(position: int, slug: str, image: GeneratedImage) -> dict[str, Any]:
    """What the server said about one image (the part of an entry that is not about the file)."""
    return {
        "position": position,
        "angle": image.angle,
        "slug": slug,
        "quality": image.quality,
        "is_valid": image.is_valid,
        "dino_asset_id": image.dino_asset_id or None,
        "media_id": image.media_id,
        "result_url": image.url,
    }


def failed_shot_entry(failed: FailedImage) -> dict[str, Any]:
    """A shot the job itself failed to generate."""
    return {
        "position": failed.position,
        "angle": failed.angle,
        "error": failed.error,
        "attempts": failed.attempts,
    }


def document(
    status: JobStatus,
    character_id: str | None,
    images: list[dict[str, Any]],
    failed_downloads: list[dict[str, Any]],
) -> dict[str, Any]:
    """The whole manifest (entries in canonical order)."""
    results = status.results
    failed_shots = [failed_shot_entry(f) for f in results.failed_images] if results else []
    return {
        "manifest_version": VERSION,
        "job_id": status.job_id,
        "character_id": character_id or status.character_id,
        "status": status.status.value,
        "created_at": _iso(status.created_at),
        "started_at": _iso(status.started_at),
        "completed_at": _iso(status.completed_at),
        "downloaded_at": datetime.now(timezone.utc).isoformat(),
        "images": sorted(images, key=lambda entry: int(entry["position"])),
        "failed_downloads": sorted(failed_downloads, key=lambda entry: int(entry["position"])),
        "failed_shots": failed_shots,
    }


def read_manifest(dest: Path) -> dict[str, Any] | None:
    """The manifest in ``dest`` if there is a readable one of this version, else ``None``."""
    path = dest / MANIFEST
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise ValueError("too large")
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("Ignoring %s: not a readable manifest (%s)", path, exc)
        return None
    if not isinstance(data, dict) or data.get("manifest_version") != VERSION:
        logger.warning("Ignoring %s: not a version %d manifest", path, VERSION)
        return None
    return data


def verified_entry(
    previous: dict[str, Any] | None, stem: str, facts: dict[str, Any], dest: Path
) -> dict[str, Any] | None:
    """The previous entry for the shot saved as ``stem.*``, if it is the same image and its file
    is intact (size and SHA-256 as recorded); ``None`` otherwise."""
    if previous is None:
        return None
    for entry in previous.get("images", ()):
        if not isinstance(entry, dict) or not str(entry.get("file", "")).startswith(stem + "."):
            continue
        same = entry.get("slug") == facts["slug"] and (
            entry.get("media_id") == facts["media_id"]
            if facts["media_id"]
            else entry.get("result_url") == facts["result_url"]
        )
        name = str(entry["file"])
        if not same or name.removeprefix(stem + ".") not in IMAGE_EXTENSIONS:
            return None
        size, sha256 = entry.get("size"), entry.get("sha256")
        path = dest / name
        if not (isinstance(size, int) and isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
            return None
        try:
            if not path.is_file() or path.stat().st_size != size:
                return None
            return entry if file_digest(path) == (size, sha256) else None
        except OSError:
            return None
    return None
