"""Saving a finished set from the command line: ``jobs download`` and ``generate-360 --out``.

Progress goes to stderr (a bar on a terminal, one line per image otherwise); stdout gets the
summary, or with ``--json`` the report as one document. Exit 0 when every image is saved, 1 when
some could not be (each is named on stderr; the others are on disk), so a script can run the
same command again: it fetches only what is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from charlib._cli.context import Context, ExitCode
from charlib._cli.render import json_text
from charlib._download_set import DownloadReport, FailedDownload, SavedImage
from charlib._models import JobState, JobStatus

if TYPE_CHECKING:
    from charlib._client import Client

__all__ = ["jobs_download", "report_document", "save_set"]


def _saved(image: SavedImage) -> dict[str, Any]:
    return {
        "position": image.position,
        "slug": image.slug,
        "file": image.path.name,
        "size": image.size,
        "sha256": image.sha256,
        "url": image.url,
        "source": image.source,
    }


def report_document(report: DownloadReport) -> dict[str, Any]:
    """The report as JSON (camelCase keys, as the command's other documents)."""
    return {
        "jobId": report.job_id,
        "dest": str(report.dest),
        "downloaded": [_saved(image) for image in report.downloaded],
        "skipped": [_saved(image) for image in report.skipped],
        "failed": [
            {
                "position": failed.position,
                "slug": failed.slug,
                "url": failed.url,
                "error": str(failed.error),
                "errorType": type(failed.error).__name__,
                "attempts": failed.attempts,
            }
            for failed in report.failed
        ],
        "manifest": None if report.manifest is None else str(report.manifest),
        "index": None if report.index is None else str(report.index),
    }


class _Lines:
    """One line per image on stderr (logs and pipes), counting the files done so far (the shot's
    position is the file name's first digits): ``[  3 done] saved 09_...png (263 bytes)``."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self._count = 0

    def __call__(self, outcome: SavedImage | FailedDownload) -> None:
        self._count += 1
        if isinstance(outcome, SavedImage):
            done = "kept" if outcome.skipped else "saved"
            self._context.err(
                f"[{self._count:3d} done] {done} {outcome.path.name} ({outcome.size} bytes)"
            )
        else:
            self._context.err(
                f"[{self._count:3d} done] FAILED shot {outcome.position:02d}_{outcome.slug}"
            )


def _summary(report: DownloadReport) -> str:
    """What this run did and where the set stands: ``4 downloaded, 0 already there, 0 failed
    (4 of 4 images in DIR)``; a run that found everything saved says ``0 downloaded, 4 already
    there``, not that it saved them."""
    downloaded, kept, failed = len(report.downloaded), len(report.skipped), len(report.failed)
    total = downloaded + kept + failed
    line = (
        f"{downloaded} downloaded, {kept} already there, {failed} failed "
        f"({downloaded + kept} of {total} images in {report.dest})"
    )
    return line + (f"; contact sheet: {report.index}" if report.index is not None else "")


def _nothing_to_save(status: JobStatus) -> str | None:
    """Why a job that ended without images has nothing to save (it failed or was cancelled), or
    ``None`` when there is something to download (or the job has not ended: the SDK says so)."""
    if status.status not in (JobState.FAILED, JobState.CANCELLED):
        return None
    if status.results is not None and status.results.generated_images:
        return None
    how = "was cancelled" if status.status is JobState.CANCELLED else "failed"
    reason = status.error or (status.message if status.status is JobState.FAILED else None)
    return f"job {status.job_id} {how}" + (f" ({reason})" if reason else "")


def save_set(context: Context, client: Client, job_id: str, *, document: bool) -> ExitCode:
    """Download ``job_id``'s set into ``--out``; print the report (a JSON ``document``, or a
    summary). Exit 0 if every image is saved, 1 if some are not, or if the job failed or was
    cancelled without an image (then nothing is written)."""
    args = context.args
    status = client.jobs.get(job_id)
    why = _nothing_to_save(status)
    if why is not None:
        context.err(f"error: {why}: it has no images to save (nothing written to {args.out})")
        return ExitCode.JOB_FAILED
    quiet = getattr(args, "no_progress", False) or (
        context.json and not context.is_tty(context.stderr)
    )
    bar = not quiet and context.is_tty(context.stderr)
    on_file = None if quiet or bar else _Lines(context)
    try:
        report = client.jobs.download(
            status,
            args.out,
            concurrency=args.concurrency,
            overwrite=args.overwrite,
            progress=bar,
            on_file=on_file,
        )
    except OSError as error:  # the directory cannot be made or written (permissions, disk full)
        context.err(f"error: cannot save into {args.out}: {error.strerror or error}")
        return ExitCode.JOB_FAILED
    except KeyboardInterrupt:
        # What is saved is in the manifest; the same command fetches only the rest.
        context.err(f"\ninterrupted; resume with: charlib jobs download {job_id} --out {args.out}")
        return ExitCode.INTERRUPTED
    for failed in report.failed:
        context.err(f"error: {failed.position:02d}_{failed.slug}: {failed.error}")
    if document:
        context.out(json_text(report_document(report)))
    elif context.json:
        context.err(_summary(report))
    else:
        context.out(_summary(report))
    return ExitCode.OK if report.ok else ExitCode.JOB_FAILED


def jobs_download(context: Context) -> ExitCode:
    """``charlib jobs download JOB_ID --out DIR``."""
    with context.client() as client:
        return save_set(context, client, context.args.job_id, document=context.json)
