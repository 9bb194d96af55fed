"""One function per API command: read the parsed options, call the SDK, print, return the code.

Errors are not caught here: :func:`charlib.cli.main` maps them to one ``error:`` line and an exit
code, the same way for every command.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from charlib._cli.context import Context, ExitCode, UsageError
from charlib._cli.download import save_set
from charlib._cli.follow import wait_and_report
from charlib._cli.render import (
    json_text,
    progress_text,
    reference_url,
    results_table,
    status_lines,
    table,
    timestamp,
    wire,
)
from charlib._models import Character, JobStatus
from charlib._types import NOT_GIVEN

__all__ = [
    "characters_create",
    "characters_initial_image",
    "characters_list",
    "generate_360",
    "jobs_cancel",
    "jobs_list",
    "jobs_status",
    "jobs_wait",
    "parse_field",
]


def _given(value: Any) -> Any:
    """An option's value, or NOT_GIVEN when it was left out (so the SDK does not send it)."""
    return NOT_GIVEN if value is None else value


def _job_rows(jobs: list[JobStatus]) -> str:
    rows = [
        (
            job.job_id,
            job.status.value,
            progress_text(job),
            job.character_id or "",
            timestamp(job.created_at),
        )
        for job in jobs
    ]
    return table(("job", "status", "progress", "character", "created"), rows)


# -- generate-360 ----------------------------------------------------------------------------------


def generate_360(context: Context) -> ExitCode:
    """Start a 360° set; with ``--wait``, follow it to the end (and with ``--out``, save it)."""
    args = context.args
    if args.out is not None and not args.wait:
        raise UsageError("--out saves the finished set: give --wait too")
    with context.client() as client:
        job = client.characters.generate_360_set(
            args.character_id,
            style=_given(args.style),
            quality_threshold=_given(args.quality_threshold),
            image_count=_given(args.image_count),
            max_retries=_given(args.max_retries),
            angles=_given(args.angles),
            custom_seed=_given(args.custom_seed),
            idempotency_key=_given(args.idempotency_key),
        )
        if not args.wait:
            if context.json:
                context.out(json_text(wire(job.accepted)))
            else:
                # The id alone on stdout, so JOB=$(charlib generate-360 ID) works; people read
                # stderr's lines too.
                context.out(job.id)
                eta = job.estimated_completion_at
                when = "" if eta is None else f", estimated completion {timestamp(eta)}"
                context.err(f"started job {job.id}{when}")
                context.err(f"follow it with: charlib jobs wait {job.id}")
            return ExitCode.OK
        if not context.json:
            context.out(f"started job {job.id}")
        code = wait_and_report(context, client, job.id)
        if code != ExitCode.OK or args.out is None:
            return code
        # With --json, stdout keeps its one document (the job); the download reports on stderr.
        return save_set(context, client, job.id, document=False)


# -- jobs ------------------------------------------------------------------------------------------


def jobs_list(context: Context) -> ExitCode:
    """One page of jobs, or all of them with ``--all``."""
    args = context.args
    filters = {
        "character_id": _given(args.character_id),
        "status": _given(args.status),
        "job_type": _given(args.job_type),
        "limit": _given(args.limit),
    }
    with context.client() as client:
        if args.all:
            jobs = list(client.jobs.list_all(**filters))
            if context.json:
                context.out(json_text({"jobs": [wire(job) for job in jobs]}))
                return ExitCode.OK
            footer = f"{len(jobs)} jobs"
        else:
            page = client.jobs.list(page=_given(args.page), **filters)
            if context.json:
                context.out(json_text(wire(page)))
                return ExitCode.OK
            jobs = page.jobs
            info = page.pagination
            footer = f"page {info.page} of {max(info.total_pages, 1)} ({info.total_docs} jobs)"
            if info.has_next_page:
                footer += f"; next: --page {info.page + 1}, or --all"
    if jobs:
        context.out(_job_rows(jobs))
    context.out(footer)
    if not jobs and args.character_id and not _OBJECT_ID.fullmatch(args.character_id):
        context.err(
            f"note: --character-id takes the character's id (24 hex digits), not its characterId "
            f"slug; find it with: charlib characters list --search {shlex.quote(args.character_id)}"
        )
    return ExitCode.OK


#: A character's id (a Mongo ObjectId, CONTRACT: Character IDs).
_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")


def jobs_status(context: Context) -> ExitCode:
    """A job's current status, and its results once it has them."""
    with context.client() as client:
        status = client.jobs.get(context.args.job_id)
    if context.json:
        context.out(json_text(wire(status)))
        return ExitCode.OK
    for line in status_lines(status):
        context.out(line)
    if status.results is not None and (
        status.results.generated_images or status.results.failed_images
    ):
        context.out()
        context.out(results_table(status.results))
    return ExitCode.OK


def jobs_wait(context: Context) -> ExitCode:
    """Wait for a job (started here or elsewhere) to end."""
    with context.client() as client:
        return wait_and_report(context, client, context.args.job_id)


def jobs_cancel(context: Context) -> ExitCode:
    """Ask the server to cancel a job."""
    job_id = context.args.job_id
    with context.client() as client:
        result = client.jobs.cancel(job_id)
    if context.json:
        context.out(json_text(wire(result)))
        return ExitCode.OK
    said = result.message or result.error
    if result.success and _ALREADY_CANCELLED.search(said or ""):
        # The SDK counts the server's refusal for a cancelled job as success (what was asked
        # holds); say that plainly rather than echo the refusal.
        context.out(f"job {job_id} was already cancelled; nothing to do")
    else:
        context.out(f"cancel requested for job {job_id}" + (f": {said}" if said else ""))
    return ExitCode.OK


#: The server's answer to cancelling a job that is already cancelled (CONTRACT §8).
_ALREADY_CANCELLED = re.compile(r"status: cancelled\s*$")


# -- characters ------------------------------------------------------------------------------------


def characters_list(context: Context) -> ExitCode:
    """One page of characters, newest first."""
    args = context.args
    with context.client() as client:
        page = client.characters.list(
            search=_given(args.search), page=_given(args.page), limit=_given(args.limit)
        )
    if context.json:
        context.out(json_text(wire(page)))
        return ExitCode.OK
    rows = [
        (
            character.id,
            character.name or "",
            character.character_id or "",
            character.status or "",
            "yes" if character.master_reference_image else "no",
            timestamp(character.created_at),
        )
        for character in page.docs
    ]
    if rows:
        context.out(table(("id", "name", "slug", "status", "reference", "created"), rows))
    footer = f"page {page.page or 1} of {max(page.total_pages, 1)} ({page.total_docs} characters)"
    if page.has_next_page and page.next_page is not None:
        footer += f"; next: --page {page.next_page}"
    context.out(footer)
    return ExitCode.OK


def parse_field(text: str) -> tuple[str, Any]:
    """``key=value`` (a string) or ``key:=json`` (a number, true/false, a list...).

    Raises:
        UsageError: neither form, an empty key, or invalid JSON after ``:=``.
    """
    key, sep, value = text.partition("=")
    raw = key.endswith(":")
    key = key[:-1] if raw else key
    if not sep or not key.strip():
        raise UsageError(f"--field {text!r}: expected KEY=VALUE or KEY:=JSON")
    if not raw:
        return key.strip(), value
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        raise UsageError(f"--field {text!r}: the value after := is not JSON") from None


def characters_create(context: Context) -> ExitCode:
    """Create a character; with ``--prompt``, also generate its master reference image."""
    args = context.args
    fields = dict(parse_field(text) for text in args.fields or ())
    if "name" in fields:
        raise UsageError("give the name as the NAME argument, not as --field name=...")
    with context.client() as client:
        character: Character = client.characters.create(name=args.name, **fields)
        if args.prompt is not None:
            client.characters.generate_initial_image(character.id, prompt=args.prompt)
            # Read it back: the master reference is now populated on the character.
            character = client.characters.get(character.id)
    if context.json:
        context.out(json_text(wire(character)))
        return ExitCode.OK
    context.out(f"created character {character.name} (id {character.id})")
    url = reference_url(character)
    if url is not None:
        context.out(f"master reference image: {url}")
    elif args.prompt is None:
        context.err(
            "it has no master reference image yet; generate-360 needs one "
            f"(charlib characters initial-image {character.id} --prompt TEXT)"
        )
    return ExitCode.OK


def characters_initial_image(context: Context) -> ExitCode:
    """Generate a character's master reference image from a prompt."""
    args = context.args
    with context.client() as client:
        image = client.characters.generate_initial_image(
            args.character_id, prompt=args.prompt, style=_given(args.style)
        )
    if context.json:
        context.out(json_text(wire(image)))
        return ExitCode.OK
    data = image.data
    url = data.public_url if data is not None else None
    quality = data.quality_score if data is not None else None
    context.out(f"master reference image of {args.character_id}: {url or '(no url given)'}")
    if quality is not None:
        context.out(f"quality {quality:g}")
    return ExitCode.OK
