"""A finished job's set on disk: which files to fetch, what each outcome means, what is written.

:class:`DownloadSet` is the run's state, shared by the sync and async drivers
(:mod:`charlib._download_io`): it plans ``NN_<slug>.<ext>`` names in canonical order, trusts the
files a previous manifest vouches for (re-checked by size and SHA-256, fetched never again), hands
out one :class:`~charlib._download.Target` per remaining image, records each outcome (updating
``manifest.json`` as it goes, so a killed run resumes), and at the end writes the manifest and the
contact sheet and returns the :class:`DownloadReport`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from charlib._contact_sheet import Card, failed_shot_card, sheet_page
from charlib._download import Fetched, NotFetched, Outcome
from charlib._download_errors import DownloadError
from charlib._download_options import DownloadOptions
from charlib._exceptions import InvalidParameterError
from charlib._files import PART_SUFFIX, PartFile, file_stem, safe_slug, write_atomic
from charlib._job import AsyncJob, Job
from charlib._manifest import INDEX, MANIFEST, document, image_facts, read_manifest, verified_entry
from charlib._media import Fetcher, Target
from charlib._models import GeneratedImage, JobStatus
from charlib._shots import shot_slug

__all__ = [
    "DownloadOptions",
    "DownloadReport",
    "DownloadSet",
    "FailedDownload",
    "OnFile",
    "SavedImage",
    "finished",
    "job_reference",
]

logger = logging.getLogger("charlib")

#: Positions given to shots the canonical 27 do not know, in the order the server lists them.
FIRST_UNKNOWN_POSITION = 28


@dataclass(frozen=True, slots=True)
class SavedImage:
    """An image of the set on disk: saved by this download, or found intact from an earlier one.

    Attributes:
        position: 1-based place in the canonical 27 (28 and up: shots the catalogue lacks).
        slug: the shot's slug (as in the file name).
        angle: the shot name the server gave (``None`` if none).
        path: the file.
        size: its size in bytes.
        sha256: its SHA-256, hex.
        url: the URL that served it.
        source: ``"result"`` (the job's own URL) or ``"gallery"`` (found by media id, D17).
        skipped: ``True`` when it was already there (nothing fetched).
    """

    position: int
    slug: str
    angle: str | None
    path: Path
    size: int
    sha256: str
    url: str | None
    source: str
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class FailedDownload:
    """An image of the set that could not be saved (the others were).

    Attributes:
        position: the shot's place, as for :class:`SavedImage`.
        slug: the shot's slug.
        angle: the shot name the server gave.
        url: the URL that failed last (``None`` if the server gave none).
        error: why: a :class:`~charlib.DownloadError` (``NotAnImageError``,
            ``FileTooLargeError``, or an HTTP or connection failure after retries).
        attempts: requests made for it (redirects not counted).
    """

    position: int
    slug: str
    angle: str | None
    url: str | None
    error: DownloadError
    attempts: int


OnFile = Callable[[SavedImage | FailedDownload], object]


@dataclass(frozen=True)
class DownloadReport:
    """What a download did, file by file.

    Attributes:
        job_id: the job.
        dest: the directory.
        downloaded: the images saved by this run, in canonical order.
        skipped: the images already there and intact (nothing fetched for them).
        failed: the images that could not be saved, each with its error.
        manifest: ``dest/manifest.json`` (``None`` with ``manifest=False``).
        index: ``dest/index.html``, the contact sheet (``None`` with ``manifest=False``).
    """

    job_id: str
    dest: Path
    downloaded: tuple[SavedImage, ...]
    skipped: tuple[SavedImage, ...]
    failed: tuple[FailedDownload, ...]
    manifest: Path | None
    index: Path | None

    @property
    def ok(self) -> bool:
        """``True`` when every image the job produced is on disk."""
        return not self.failed

    @property
    def files(self) -> list[Path]:
        """Every saved file (downloaded or skipped), in canonical order."""
        saved = sorted(self.downloaded + self.skipped, key=lambda image: image.position)
        return [image.path for image in saved]

    def __repr__(self) -> str:
        return (
            f"DownloadReport(job {self.job_id!r}: {len(self.downloaded)} downloaded, "
            f"{len(self.skipped)} skipped, {len(self.failed)} failed -> {str(self.dest)!r})"
        )


def job_reference(job: object) -> tuple[str, JobStatus | None]:
    """The job id behind ``job``, and the snapshot to use as it is (a finished one with results;
    anything else is fetched afresh)."""
    if isinstance(job, JobStatus):
        usable = job.is_terminal and job.results is not None
        return job.job_id, job if usable else None
    if isinstance(job, str):
        return job, None
    if isinstance(job, Job | AsyncJob):
        return job.id, None
    raise InvalidParameterError("job", f"must be a job id, a Job or a JobStatus, got {job!r}")


def finished(status: JobStatus) -> JobStatus:
    """``status``, if the job has finished; else an error naming its state."""
    if not status.is_terminal:
        raise InvalidParameterError(
            "job",
            f"{status.job_id} is {status.status.value} ({status.progress.percentage:g}%): "
            "only a finished job can be downloaded (wait for it first)",
        )
    return status


class _Shot(NamedTuple):
    """One image of the plan."""

    position: int
    slug: str
    stem: str
    image: GeneratedImage


def plan(status: JobStatus) -> list[_Shot]:
    """One shot per generated image, in canonical order, each with a file stem of its own."""
    shots: list[_Shot] = []
    stems: set[str] = set()
    extra = FIRST_UNKNOWN_POSITION
    for image in status.results.generated_images if status.results else ():
        position = image.position
        if position is None:
            position, extra = extra, extra + 1
        slug = safe_slug(image.shot_slug or shot_slug(image.angle) or image.angle)
        stem = base = file_stem(position, slug)
        copy = 1
        while stem in stems:  # the same shot twice: keep both
            copy += 1
            stem = f"{base}_{copy}"
        stems.add(stem)
        shots.append(_Shot(position, slug, stem, image))
    return sorted(shots, key=lambda shot: shot.position)


class DownloadSet:
    """One download of one job's set into one directory (see the module docstring)."""

    def __init__(self, status: JobStatus, options: DownloadOptions, fetcher: Fetcher) -> None:
        self.status = status
        self.options = options
        self.fetcher = fetcher
        self.dest = options.dest
        self.shots = plan(status)
        self.todo: list[_Shot] = []
        self._saved: dict[str, SavedImage] = {}
        self._failed: dict[str, FailedDownload] = {}
        self._entries: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._bar: _Bar | None = None

    @classmethod
    def begin(cls, status: JobStatus, options: DownloadOptions, fetcher: Fetcher) -> DownloadSet:
        """Plan the download and find what is already saved (blocking file I/O: hashing)."""
        run = cls(status, options, fetcher)
        run.dest.mkdir(parents=True, exist_ok=True)
        previous = read_manifest(run.dest) if options.manifest else None
        if previous is not None and previous.get("job_id") != status.job_id:
            if not options.overwrite:
                raise InvalidParameterError(
                    "dest",
                    f"{run.dest} holds the download of another job ({MANIFEST}); choose another "
                    "directory, or pass overwrite=True",
                )
            previous = None
        for shot in run.shots:
            run._discard_part_files(shot.stem)
            facts = image_facts(shot.position, shot.slug, shot.image)
            entry = (
                None if options.overwrite else verified_entry(previous, shot.stem, facts, run.dest)
            )
            if entry is None:
                run.todo.append(shot)
                continue
            run._entries[shot.stem] = {**entry, **facts}
            run._saved[shot.stem] = run._saved_image(shot, entry, skipped=True)
        run._start_progress()
        return run

    def _discard_part_files(self, stem: str) -> None:
        """Remove what an interrupted run left of this shot (``NN_slug.*.part``)."""
        for part in self.dest.glob(f"{stem}.*{PART_SUFFIX}"):
            with contextlib.suppress(OSError):
                part.unlink()

    def _saved_image(self, shot: _Shot, entry: dict[str, Any], *, skipped: bool) -> SavedImage:
        return SavedImage(
            position=shot.position,
            slug=shot.slug,
            angle=shot.image.angle,
            path=self.dest / str(entry["file"]),
            size=int(entry["size"]),
            sha256=str(entry["sha256"]),
            url=entry.get("url"),
            source=str(entry.get("source", "result")),
            skipped=skipped,
        )

    def target(self, shot: _Shot) -> Target:
        """What the flow fetches for ``shot``, and where its bytes go."""
        label = f"shot {shot.stem}"
        return Target(
            shot.image.url,
            shot.image.media_id,
            label,
            lambda ext: PartFile(self.dest / f"{shot.stem}.{ext}", sync_directory=False),
        )

    def record(self, shot: _Shot, outcome: Outcome | None) -> None:
        """Keep ``outcome`` (``None``: the run was stopped first), update the manifest, report."""
        self.report(self.keep(shot, outcome))

    def keep(self, shot: _Shot, outcome: Outcome | None) -> SavedImage | FailedDownload | None:
        """Keep ``outcome`` and update the manifest (blocking file I/O); what to report."""
        if outcome is None:
            return None
        facts = image_facts(shot.position, shot.slug, shot.image)
        done: SavedImage | FailedDownload
        with self._lock:
            if isinstance(outcome, Fetched):
                path = Path(str(outcome.value))
                entry = {
                    **facts,
                    "url": outcome.url,
                    "source": outcome.source,
                    "file": path.name,
                    "size": outcome.size,
                    "sha256": outcome.sha256,
                    "content_type": outcome.content_type,
                }
                self._entries[shot.stem] = entry
                done = self._saved[shot.stem] = self._saved_image(shot, entry, skipped=False)
            else:
                done = self._failed[shot.stem] = self._failure(shot, outcome)
                self._failures[shot.stem] = {
                    **facts,
                    "url": outcome.url,
                    "error": str(outcome.error),
                    "error_type": type(outcome.error).__name__,
                    "attempts": outcome.attempts,
                }
            if self.options.manifest:  # after every file, so a killed run resumes from here
                self._write_manifest(durable=False)
        return done

    def _failure(self, shot: _Shot, outcome: NotFetched) -> FailedDownload:
        return FailedDownload(
            shot.position, shot.slug, shot.image.angle, outcome.url, outcome.error, outcome.attempts
        )

    def _write_manifest(self, *, durable: bool) -> None:
        """The manifest as it stands; ``durable`` (the last one) also makes every rename of the
        run durable (one directory sync for all files), and is indented for people."""
        body = document(
            self.status,
            self.fetcher.character_id,
            list(self._entries.values()),
            list(self._failures.values()),
        )
        text = json.dumps(body, indent=2 if durable else None, ensure_ascii=False) + "\n"
        write_atomic(self.dest / MANIFEST, text.encode("utf-8"), durable=durable)

    # -- progress -------------------------------------------------------------------------------

    def _start_progress(self) -> None:
        if self.options.progress:
            self._bar = _Bar(total=len(self.shots), done=len(self._saved))
        for image in sorted(self._saved.values(), key=lambda image: image.position):
            if self.options.on_file is not None:
                self.options.on_file(image)

    def report(self, done: SavedImage | FailedDownload | None) -> None:
        """Tell the progress bar and the ``on_file`` callback about a file kept."""
        if done is None:
            return
        if self._bar is not None:
            self._bar.update(done)
        if self.options.on_file is not None:
            self.options.on_file(done)

    # -- the end --------------------------------------------------------------------------------

    def finish(self) -> DownloadReport:
        """Write the manifest (durably) and the contact sheet; return the report."""
        if self._bar is not None:
            self._bar.close()
        manifest = index = None
        if self.options.manifest:
            with self._lock:
                self._write_manifest(durable=True)
            manifest = self.dest / MANIFEST
            index = self.dest / INDEX
            write_atomic(index, self._contact_sheet().encode("utf-8"), durable=False)
        saved = sorted(self._saved.values(), key=lambda image: image.position)
        return DownloadReport(
            job_id=self.status.job_id,
            dest=self.dest,
            downloaded=tuple(image for image in saved if not image.skipped),
            skipped=tuple(image for image in saved if image.skipped),
            failed=tuple(sorted(self._failed.values(), key=lambda failed: failed.position)),
            manifest=manifest,
            index=index,
        )

    def _contact_sheet(self) -> str:
        cards: list[Card] = []
        for shot in self.shots:
            image = shot.image
            saved, failed = self._saved.get(shot.stem), self._failed.get(shot.stem)
            src = quote(saved.path.name) if saved is not None else None
            problem = f"not saved: {failed.error}" if failed is not None else "not downloaded"
            cards.append(
                Card(shot.position, image.angle, image.quality, image.is_valid, src, problem)
            )
        results = self.status.results
        cards += [failed_shot_card(failed) for failed in (results.failed_images if results else ())]
        status = self.status
        made = len(self._saved)
        summary = (
            f"{status.status.value}: {made} of {len(self.shots)} images saved"
            + (f", {len(self._failed)} not saved" if self._failed else "")
            + (
                f", {len(results.failed_images)} shots failed"
                if results and results.failed_images
                else ""
            )
            + (f" (character {self.fetcher.character_id})" if self.fetcher.character_id else "")
        )
        return sheet_page(f"Job {status.job_id}", summary, cards)


class _Bar:
    """A tqdm bar for a set download: one tick per image saved, skipped or failed."""

    def __init__(self, total: int, done: int) -> None:
        from charlib._display import _tqdm  # imports tqdm (only when a bar is asked for)

        self._bar = _tqdm(total=total, initial=done, desc="download", unit="image")
        self._failed = 0
        self._bytes = 0

    def update(self, outcome: SavedImage | FailedDownload) -> None:
        if isinstance(outcome, SavedImage):
            self._bytes += outcome.size
        else:
            self._failed += 1
        failed = f", {self._failed} failed" if self._failed else ""
        self._bar.set_postfix_str(f"{self._bytes / 1e6:.1f} MB{failed}", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()
