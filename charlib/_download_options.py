"""The arguments of a download, declared once and checked before anything is fetched.

:func:`download_call` declares the parameters of ``Jobs.download`` (borrowed by its async twin
and by the job handles' ``download``, :func:`charlib._signature.takes`) and turns them into one
checked :class:`DownloadOptions` that the download drivers read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from charlib._config import DEFAULT_DOWNLOAD_CONCURRENCY, DEFAULT_MAX_BYTES
from charlib._exceptions import InvalidParameterError
from charlib._params import check_int

if TYPE_CHECKING:
    from collections.abc import Callable

    from charlib._download_set import FailedDownload, SavedImage
    from charlib._job import AsyncJob, Job
    from charlib._models import JobStatus

__all__ = ["MAX_CONCURRENCY", "DownloadOptions", "download_call"]

MAX_CONCURRENCY = 64


@dataclass(frozen=True)
class DownloadOptions:
    """The checked arguments of a download."""

    dest: Path
    concurrency: int
    overwrite: bool
    manifest: bool
    progress: bool
    on_file: Callable[[SavedImage | FailedDownload], object] | None
    max_bytes: int

    @classmethod
    def check(
        cls,
        dest: object,
        concurrency: int,
        overwrite: bool,
        manifest: bool,
        progress: bool,
        on_file: Callable[[SavedImage | FailedDownload], object] | None,
        max_bytes: int,
    ) -> DownloadOptions:
        """Validate :func:`download_call`'s arguments, in its order (``JobStatus.download``,
        which also takes a ``client``, passes its own on in one line)."""
        if not isinstance(dest, str | os.PathLike) or not os.fspath(dest):
            raise InvalidParameterError("dest", f"must be a directory path, got {dest!r}")
        count = check_int("concurrency", concurrency, minimum=1)
        flags = {"overwrite": overwrite, "manifest": manifest, "progress": progress}
        for flag, value in flags.items():
            if not isinstance(value, bool):
                raise InvalidParameterError(flag, f"must be True or False, got {value!r}")
        if on_file is not None and not callable(on_file):
            raise InvalidParameterError("on_file", f"must be callable, got {on_file!r}")
        return cls(
            Path(os.fspath(dest)),
            min(count, MAX_CONCURRENCY),
            overwrite,
            manifest,
            progress,
            on_file,
            check_int("max_bytes", max_bytes, minimum=1),
        )


def download_call(
    job: str | Job | AsyncJob | JobStatus,
    dest: str | os.PathLike[str],
    *,
    concurrency: int = DEFAULT_DOWNLOAD_CONCURRENCY,
    overwrite: bool = False,
    manifest: bool = True,
    progress: bool = False,
    on_file: Callable[[SavedImage | FailedDownload], object] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[str | Job | AsyncJob | JobStatus, DownloadOptions]:
    """The parameters of ``Jobs.download``, each validated now (errors name the argument).

    Args:
        job: a job id, a :class:`Job`, or a :class:`JobStatus` (a finished one with results
            is used as it is; otherwise the status is fetched).
        dest: the directory (created if needed).
        concurrency: files fetched at once.
        overwrite: fetch every file again, even those already saved (and accept a
            ``dest`` that holds another job's download).
        manifest: write ``manifest.json`` and ``index.html`` (``False``: only the images,
            and a re-run fetches everything again).
        progress: ``True`` draws a progress bar (tqdm, one tick per image).
        on_file: called with each image's outcome (:class:`SavedImage`, skipped ones
            first, or :class:`FailedDownload`), as it comes.
        max_bytes: refuse a body larger than this (announced or counted).
    """
    return job, DownloadOptions.check(
        dest, concurrency, overwrite, manifest, progress, on_file, max_bytes
    )
