"""Make 360° sets for a few characters and save each one to disk, ready to open.

    python examples/download_sets.py [OUT_DIR]

Each set lands in ``OUT_DIR/<name>/`` as ``NN_<shot slug>.png`` files (NN: the shot's place in
the canonical 27), with ``manifest.json`` and an ``index.html`` contact sheet. The script then
downloads the same jobs again into the same folders, and nothing is fetched twice.

Run it again with the same OUT_DIR and it starts no new job for a character whose folder already
holds a set: its ``manifest.json`` names the job, which is downloaded again (nothing is fetched).
Every folder is checked before any job is started, so a folder that holds a job this service does
not know stops the run with one line, and nothing is spent. Without OUT_DIR it uses a new
temporary directory.

Talks to ``$CHARLIB_BASE_URL`` when it is set; otherwise starts the embedded mock server on a
free loopback port with a fast clock, so the run takes a few seconds. That mock keeps its
characters and jobs in ``OUT_DIR/.mock-server.sqlite``, so a second run finds them as a real
service would.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import charlib

NAMES = ("Ada", "Grace", "Alan")


@contextmanager
def service(out: Path) -> Iterator[str]:
    """The base URL to use: ``$CHARLIB_BASE_URL``, or an embedded mock server that keeps its
    state in ``out`` (so a re-run sees the jobs of the run before)."""
    if os.environ.get("CHARLIB_BASE_URL"):
        yield os.environ["CHARLIB_BASE_URL"]
        return
    from mock_server import serve

    out.mkdir(parents=True, exist_ok=True)
    with serve(speed=600, db_path=str(out / ".mock-server.sqlite")) as server:
        yield server.url


def saved_job(client: charlib.Client, folder: Path) -> str | None:
    """The job whose set ``folder`` already holds (from its ``manifest.json``), or ``None``.

    Raises:
        SystemExit: the folder holds a job this service does not know (it cannot be finished
            here, and downloading another job into it would be refused), or a manifest that
            names no job.
    """
    try:
        job_id = str(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["job_id"])
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):  # edited or damaged: it names no job
        raise SystemExit(f"{folder}/manifest.json names no job; give another OUT_DIR") from None
    try:
        client.jobs.get(job_id)
    except charlib.NotFoundError:
        raise SystemExit(
            f"{folder} holds the set of job {job_id}, which this service does not know; "
            "give another OUT_DIR (nothing was started)"
        ) from None
    return job_id


def main(out: Path) -> None:
    with service(out) as base_url, charlib.Client(base_url=base_url) as client:
        # Check every folder before starting anything: a job costs money on the live service.
        reused = {name: saved_job(client, out / name.lower()) for name in NAMES}
        jobs: dict[str, str] = {}  # job id -> character name
        for name in NAMES:
            job_id = reused[name]
            if job_id is None:
                character = client.characters.get_or_create(name=name)  # a re-run finds them
                if character.master_reference_image is None:
                    client.characters.generate_initial_image(
                        character.id, prompt=f"portrait of {name}"
                    )
                job_id = client.characters.generate_360_set(character.id, image_count=8).id
            jobs[job_id] = name
        started = sum(job_id is None for job_id in reused.values())
        print(
            f"started {started} jobs, reused {len(NAMES) - started}; "
            f"saving each set as it finishes, into {out}"
        )

        # Each finished job is saved at once, while the others are still generating.
        for status in client.jobs.as_completed(jobs, timeout=15 * 60):
            name = jobs[status.job_id]
            report = client.jobs.download(status, out / name.lower())
            print(
                f"  {name:<6} {status.status.value:<9} {len(report.downloaded)} saved, "
                f"{len(report.skipped)} kept, {len(report.failed)} failed -> {report.index}"
            )
            for failed in report.failed:  # the others are saved; a re-run tries these again
                print(f"         {failed.slug}: {failed.error}")

        # The same downloads again: every file is checked against its manifest, none fetched.
        again = [client.jobs.download(job_id, out / name.lower()) for job_id, name in jobs.items()]
        kept = sum(len(report.skipped) for report in again)
        fetched = sum(len(report.downloaded) for report in again)
        print(f"downloaded again: {kept} files already there, {fetched} fetched")


if __name__ == "__main__":
    try:
        main(
            Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="charlib-")),
        )
    except charlib.CharlibError as error:  # a folder or service problem: one line, no traceback
        raise SystemExit(f"error: {error}") from None
