"""One character's way through a batch, written once: a generator that says which remote call
to make next and records each result in the ledger.

A step flow yields a call (:data:`Call`) or :class:`AwaitJob` and is sent back what the call
returned (an error is thrown into it); between calls it writes the ledger (SQLite only, no
network). Where each write sits relative to its call is the crash rule of the batch:

========================  ======================================================================
stage (ledger)            what a run does from there, and why a crash before the write is safe
========================  ======================================================================
``new``                   ``get_or_create`` (finds what a lost create made), then ``character``
``character``             read the master reference; set it (``media_id``: a PUT, repeatable) or
                          generate it only when missing, then ``reference``
``reference``             list the character's 360-set jobs, record them and an idempotency key
                          (the *intent*, flushed to disk before the POST), start the job,
                          ``started``
``intent``                a job of the character not listed in the intent was started by it:
                          adopt it; otherwise POST again with the same key
``started``               wait for the job; keep it (``finished``) or retry (``reference``)
``finished``              download (resumable), then ``saved`` with the outcome
========================  ======================================================================
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from charlib._batch_ledger import (
    CHARACTER,
    COMPLETE,
    FAILED,
    FINISHED,
    INTENT,
    NEW,
    NO_REFERENCE,
    PARTIAL,
    REFERENCE,
    STARTED,
    BatchDirectoryError,
    Ledger,
    LedgerRow,
)
from charlib._exceptions import (
    APIStatusError,
    BadRequestError,
    CharlibError,
    MasterReferenceRequiredError,
    RateLimitError,
)
from charlib._models import JobState, JobType
from charlib._types import NOT_GIVEN

if TYPE_CHECKING:
    from charlib._client import AsyncClient, Client
    from charlib._download_set import DownloadReport
    from charlib._models import JobStatus

__all__ = [
    "AwaitJob",
    "Call",
    "Download",
    "EnsureCharacter",
    "InitialImage",
    "ListJobs",
    "ReadReference",
    "Rules",
    "SetReference",
    "StartJob",
    "Step",
    "StepFlow",
    "step_flow",
]


_PAGE = 100  # jobs per page when listing a character's jobs
_DOWNLOAD_CONCURRENCY = 4  # images fetched at once per set

# Each call below is one remote call, which its ``make`` makes with a client: with a ``Client``
# it returns the reply, with an ``AsyncClient`` an awaitable of it (``ListJobs``: the jobs as an
# iterator, or an async one, for the runner to read).


@dataclass(frozen=True, slots=True)
class EnsureCharacter:
    """Find the character by its id, or create it. Reply: the ``Character``."""

    name: str
    character_id: str

    def make(self, client: Client | AsyncClient) -> Any:
        return client.characters.get_or_create(name=self.name, character_id=self.character_id)


@dataclass(frozen=True, slots=True)
class ReadReference:
    """Read the character's master reference. Reply: the ``ReferenceImage``."""

    character_oid: str

    def make(self, client: Client | AsyncClient) -> Any:
        return client.characters.get_reference_image(self.character_oid)


@dataclass(frozen=True, slots=True)
class SetReference:
    """Make an uploaded image the master reference. Reply: the ``ReferenceImage``."""

    character_oid: str
    media_id: str

    def make(self, client: Client | AsyncClient) -> Any:
        return client.characters.set_reference_image(self.character_oid, media_id=self.media_id)


@dataclass(frozen=True, slots=True)
class InitialImage:
    """Generate the master reference from a prompt. Reply: the ``InitialImage``."""

    character_oid: str
    prompt: str
    style: str | None

    def make(self, client: Client | AsyncClient) -> Any:
        style = NOT_GIVEN if self.style is None else self.style
        return client.characters.generate_initial_image(
            self.character_oid, prompt=self.prompt, style=style
        )


@dataclass(frozen=True, slots=True)
class ListJobs:
    """Every 360-set job of the character. Reply: a list of ``JobStatus``."""

    character_oid: str

    def make(self, client: Client | AsyncClient) -> Any:
        return client.jobs.list_all(
            character_id=self.character_oid, job_type=JobType.SET_360, limit=_PAGE
        )


@dataclass(frozen=True, slots=True)
class StartJob:
    """Start the 360-set job with this idempotency key. Reply: the ``Job``."""

    character_oid: str
    params: dict[str, Any]
    idempotency_key: str

    def make(self, client: Client | AsyncClient) -> Any:
        # No retries of its own: a retry after a lost answer starts a second job on a service
        # that ignores the key; the step flow lists the jobs again instead.
        once = client.with_options(max_retries=0).characters
        return once.generate_360_set(
            self.character_oid, idempotency_key=self.idempotency_key, **self.params
        )


@dataclass(frozen=True, slots=True)
class Download:
    """Save the job's set in ``dest``. Reply: the ``DownloadReport``."""

    job_id: str
    dest: Path

    def make(self, client: Client | AsyncClient) -> Any:
        # A folder that is a link would put the set, and whatever the service sends, outside
        # the batch directory.
        if self.dest.is_symlink():
            raise BatchDirectoryError(
                self.dest, "is a link: the set is saved only inside the batch"
            )
        return client.jobs.download(self.job_id, self.dest, concurrency=_DOWNLOAD_CONCURRENCY)


@dataclass(frozen=True, slots=True)
class AwaitJob:
    """Wait (with the batch's one schedule) until the job ends. Reply: its terminal status."""

    job_id: str


Call: TypeAlias = (
    EnsureCharacter | ReadReference | SetReference | InitialImage | ListJobs | StartJob | Download
)
Step: TypeAlias = Call | AwaitJob
StepFlow: TypeAlias = Generator[Step, Any, None]

MAX_START_ATTEMPTS = 5  # job starts tried (each after listing the jobs again) before giving up

# Answers to setting or generating a master reference that mean "this character cannot get one
# now" (the service refused, or generation failed), not "the service is unreachable".
_NO_REFERENCE_STATUSES = frozenset({400, 404, 409, 422, 500})


@dataclass(frozen=True, slots=True)
class Rules:
    """What a batch decides per character: where sets go and which jobs are kept."""

    out: Path
    retry_failed: int = 1
    require_all: bool = False


def step_flow(ledger: Ledger, row: LedgerRow, rules: Rules) -> StepFlow:
    """Take ``row`` from its stage to an outcome (or to an error, thrown out for the runner)."""
    key = row.key
    if row.stage == NEW:
        character = yield EnsureCharacter(row.name, key)
        ledger.character_ready(key, character.id)
        row.character_oid, row.stage = character.id, CHARACTER
    if row.stage == CHARACTER:
        problem = yield from _ensure_reference(row)
        if problem is not None:
            ledger.finish(key, NO_REFERENCE, problem)
            return
        ledger.reference_ready(key)
        row.stage = REFERENCE
    while row.stage in (REFERENCE, INTENT, STARTED):
        if row.stage != STARTED:
            try:
                yield from _start_job(ledger, row)
            except MasterReferenceRequiredError as error:
                ledger.finish(key, NO_REFERENCE, str(error))
                return
        assert row.job_id is not None
        status: JobStatus = yield AwaitJob(row.job_id)
        if _judge(ledger, row, status, rules):
            return
    if row.stage == FINISHED:
        yield from _save(ledger, row, rules)


def _ensure_reference(row: LedgerRow) -> Generator[Step, Any, str | None]:
    """Make sure the character has a master reference; say why not if it cannot have one."""
    assert row.character_oid is not None
    oid = row.character_oid
    media_id, prompt = row.params.get("media_id"), row.params.get("prompt")
    reference = yield ReadReference(oid)
    try:
        if media_id and reference.media_id != media_id:
            yield SetReference(oid, media_id)
        elif not reference.media_id and prompt:
            yield InitialImage(oid, prompt, row.params.get("style"))
        elif not reference.media_id:
            return "no master reference: the character has none, the row no prompt or media_id"
    except APIStatusError as error:
        if isinstance(error, RateLimitError) or error.status_code not in _NO_REFERENCE_STATUSES:
            raise
        # A refusal may answer a request that had already worked (its first answer lost, the
        # retry refused because the image now exists): look before giving up.
        again = yield ReadReference(oid)
        if not again.media_id or (media_id and again.media_id != media_id):
            return f"no master reference: {error}"
    return None


def _job_params(row: LedgerRow) -> dict[str, Any]:
    names = ("style", "quality_threshold", "image_count")
    return {name: row.params[name] for name in names if row.params.get(name) is not None}


def _start_job(ledger: Ledger, row: LedgerRow) -> Generator[Step, Any, None]:
    """Start the row's job, or adopt the one a lost start created (see the module's table).

    A start that fails in a way that may have reached the service (a dropped connection, a 5xx,
    a garbled answer) is never simply sent again: the jobs are listed again first, so a job it
    did start is adopted (the POST is sent without the client's own retries for that reason).
    """
    assert row.character_oid is not None
    for attempt in range(MAX_START_ATTEMPTS):
        listed: list[JobStatus] = yield ListJobs(row.character_oid)
        jobs = [job for job in listed if _is_own(job, row.character_oid)]
        if row.stage == INTENT:
            assert row.intent_key is not None
            known = set(row.intent_known)
            newer = [job for job in jobs if job.job_id not in known]
            if newer:
                # The listing is newest first: the oldest newcomer is the intent's own job.
                _started(ledger, row, newer[-1].job_id)
                return
        else:
            row.intent_known = [job.job_id for job in jobs]
            row.intent_key = ledger.record_intent(row.key, row.intent_known)
            row.stage = INTENT
        try:
            job = yield StartJob(row.character_oid, _job_params(row), row.intent_key)
        except BadRequestError:
            raise  # refused, nothing started (MasterReferenceRequiredError among them)
        except CharlibError:
            if attempt + 1 == MAX_START_ATTEMPTS:
                raise
            continue
        _started(ledger, row, job.id)
        return


def _is_own(job: JobStatus, character_oid: str) -> bool:
    """Whether a listed job is this character's 360-set job: a listing that ignores its filter
    must not make a character adopt (and save) another's job."""
    mine = job.character_id is None or job.character_id == character_oid
    return mine and job.job_type in (None, JobType.SET_360)


def _started(ledger: Ledger, row: LedgerRow, job_id: str) -> None:
    ledger.job_started(row.key, job_id, row.attempt + 1)
    row.job_id, row.stage, row.attempt = job_id, STARTED, row.attempt + 1


def _judge(ledger: Ledger, row: LedgerRow, status: JobStatus, rules: Rules) -> bool:
    """Record how the job ended and decide: keep it (stage ``finished``), start another (back to
    ``reference``), or give up (outcome ``failed``). Returns whether the row is done."""
    results = status.results
    images = len(results.generated_images) if results is not None else 0
    failed = len(results.failed_images) if results is not None else 0
    completed = status.status is JobState.COMPLETED
    label = (PARTIAL if status.is_partial else COMPLETE) if completed else status.status.value
    assert row.job_id is not None
    ledger.job_ended(row.key, row.job_id, label, images, failed)
    keep = completed and not (status.is_partial and rules.require_all)
    if not keep and row.attempt <= rules.retry_failed:
        why = status.error or f"{failed} shots failed" if completed else status.status.value
        ledger.retry(row.key, f"job {row.job_id} {label}: {why}")
        row.stage, row.job_id = REFERENCE, None
        return False
    if completed:
        ledger.job_finished(row.key, label, status.progress.current, failed)
        row.stage, row.job_status, row.images_failed = FINISHED, label, failed
        return False
    ledger.finish(row.key, FAILED, f"job {row.job_id} {label}: {status.error or label}")
    return True


def _save(ledger: Ledger, row: LedgerRow, rules: Rules) -> Generator[Step, Any, None]:
    assert row.job_id is not None
    report: DownloadReport = yield Download(row.job_id, rules.out / row.key)
    if not report.ok:
        reasons = "; ".join(f"{item.slug}: {item.error}" for item in report.failed[:3])
        ledger.release(row.key, f"{len(report.failed)} images not saved ({reasons})")
        return
    files = [path.name for path in report.files]
    outcome = PARTIAL if row.job_status == PARTIAL else COMPLETE
    ledger.saved(row.key, outcome, files, row.images_failed)
