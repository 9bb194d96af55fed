"""Make 360° sets for a few characters and save each one to disk, ready to open.

    python examples/download_sets.py [OUT_DIR]

Each set lands in ``OUT_DIR/<name>/`` as ``NN_<shot slug>.png`` files (NN: the shot's place in
the canonical 27), with ``manifest.json`` and an ``index.html`` contact sheet. The script then
downloads the same jobs again into the same folders, and nothing is fetched twice. Each run starts
new jobs, so give each run its own OUT_DIR: a folder that holds another job's set is refused
(``charlib jobs download JOB_ID --out DIR`` finishes one job's set). Without OUT_DIR it uses a new
temporary directory.

Talks to ``$CHARLIB_BASE_URL`` when it is set; otherwise starts the embedded mock server on a
free loopback port with a fast clock, so the run takes a few seconds.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import charlib

NAMES = ("Ada", "Grace", "Alan")


@contextmanager
def service() -> Iterator[str]:
    """The base URL to use: ``$CHARLIB_BASE_URL``, or an embedded mock server for this run."""
    if os.environ.get("CHARLIB_BASE_URL"):
        yield os.environ["CHARLIB_BASE_URL"]
        return
    from mock_server import serve

    with serve(speed=600) as server:
        yield server.url


def main(out: Path) -> None:
    with service() as base_url, charlib.Client(base_url=base_url) as client:
        jobs: dict[str, str] = {}  # job id -> character name
        for name in NAMES:
            character = client.characters.get_or_create(name=name)  # a second run finds them
            if character.master_reference_image is None:
                client.characters.generate_initial_image(character.id, prompt=f"portrait of {name}")
            jobs[client.characters.generate_360_set(character.id, image_count=8).id] = name
        print(f"started {len(jobs)} jobs; saving each set as it finishes, into {out}")

        # Each finished job is saved at once, while the others are still generating.
        for status in client.jobs.as_completed(jobs, timeout=15 * 60):
            name = jobs[status.job_id]
            report = client.jobs.download(status, out / name.lower())
            print(
                f"  {name:<6} {status.status.value:<9} {len(report.downloaded)} saved, "
                f"{len(report.failed)} failed -> {report.index}"
            )
            for failed in report.failed:  # the others are saved; a re-run tries these again
                print(f"         {failed.slug}: {failed.error}")

        # The same downloads again: every file is checked against its manifest, none fetched.
        again = [client.jobs.download(job_id, out / name.lower()) for job_id, name in jobs.items()]
        kept = sum(len(report.skipped) for report in again)
        fetched = sum(len(report.downloaded) for report in again)
        print(f"second run: {kept} files already there, {fetched} fetched")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="charlib-sets-")))
