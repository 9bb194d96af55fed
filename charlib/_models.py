"""Pydantic models of the wire bodies.

Python attributes are snake_case; the wire is camelCase (an alias generator does the mapping, and
both spellings are accepted on input). Unknown fields are kept (``extra="allow"``) so an additive
server change never breaks parsing; they are reachable via ``model.model_extra``.

Per the contract every timestamp is optional and every datetime is timezone-aware (a naive value
is taken as UTC). Job states and types are str-valued enums that also accept values this SDK
version does not know yet (they are never terminal).

The public models are re-exported (and listed) by :mod:`charlib`. They do not depend on display
code: ``repr`` and the notebook's ``_repr_html_`` import
:mod:`charlib._display` when they are called.
"""

from __future__ import annotations

import enum
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from charlib._config import DEFAULT_DOWNLOAD_CONCURRENCY, DEFAULT_MAX_BYTES
from charlib._shots import shot_position

if TYPE_CHECKING:
    from collections.abc import Callable

    from charlib._client import Client
    from charlib._download_set import DownloadReport, FailedDownload, SavedImage


def _aware(value: datetime) -> datetime:
    """Treat a naive datetime as UTC, so every datetime the SDK hands out is aware."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class WireModel(BaseModel):
    """Base of every body model: camelCase aliases, unknown fields kept."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        # Each model's validator is built when the model is first used, not at import: a
        # program that only polls jobs never pays for the character or core-set models.
        defer_build=True,
    )


class _OpenEnum(str, enum.Enum):
    """A str enum that accepts unknown values as extra, non-canonical members."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        # A pseudo-member: behaves like the others (``.value``, ``str``, ``==``) but is not listed.
        member = str.__new__(cls, value)
        member._name_ = value.upper().replace("-", "_")
        member._value_ = value
        return member


class JobState(_OpenEnum):
    """Status of a job. ``completed``, ``failed`` and ``cancelled`` are terminal."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """``True`` for ``completed``, ``failed`` and ``cancelled``.

        Against the live service a ``cancelled`` job may later turn ``processing`` again
        (contract §13.1 rule 1); the waiting layer deals with that.
        """
        return self in _TERMINAL

    def __str__(self) -> str:
        return self.value


_TERMINAL = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED})


class JobType(_OpenEnum):
    """Kind of job; only ``360-set`` is ever created by the API."""

    CORE_SET = "core-set"
    SET_360 = "360-set"
    SINGLE_IMAGE = "single-image"

    def __str__(self) -> str:
        return self.value


class Health(WireModel):
    """``GET /api/health``."""

    status: str | None = None
    service: str | None = None
    version: str | None = None
    timestamp: AwareDatetime | None = None
    uptime: float | None = None
    environment: str | None = None
    success: bool | None = None
    error: str | None = None

    @property
    def is_healthy(self) -> bool:
        """The existing client's rule: ``success`` truthy or ``status == "ok"``."""
        return bool(self.success) or self.status == "ok"


class Media(WireModel):
    """A populated media document (e.g. a character's master reference image)."""

    id: str | None = None
    url: str | None = None
    filename: str | None = None
    dino_asset_id: str | None = None
    dino_media_url: str | None = None
    dino_processing_status: str | None = None


class Character(WireModel):
    """A character document (raw Payload document; most fields optional, unknown ones kept)."""

    id: str
    name: str | None = None
    character_id: str | None = None
    status: str | None = None
    age: float | None = None
    height: str | None = None
    weight: str | None = None
    eye_color: str | None = None
    hair_color: str | None = None
    physical_description: Any | None = None
    personality: Any | None = None
    biography: Any | None = None
    motivations: Any | None = None
    backstory: Any | None = None
    clothing: Any | None = None
    master_reference_image: Any | None = Field(
        default=None, description="A media id, or the populated media document (see ``Media``)."
    )
    master_reference_processed: bool | None = None
    core_set_generated: bool | None = None
    core_set_generated_at: AwareDatetime | None = None
    image_gallery: list[dict[str, Any]] | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None

    @property
    def master_reference(self) -> Media | None:
        """The master reference as a :class:`Media` when the server populated it, else ``None``."""
        ref = self.master_reference_image
        if isinstance(ref, dict):
            return Media.model_validate(ref)
        return None


class CharacterPage(WireModel):
    """One page of ``GET /api/v1/characters`` (Payload's page fields)."""

    docs: list[Character] = Field(default_factory=list)
    total_docs: int = 0
    limit: int = 0
    page: int | None = None
    total_pages: int = 0
    paging_counter: int | None = None
    has_prev_page: bool = False
    has_next_page: bool = False
    prev_page: int | None = None
    next_page: int | None = None


class DeleteResult(WireModel):
    """Result of deleting a character."""

    success: bool = False


class ReferenceImage(WireModel):
    """Result of reading, setting or resetting a character's master reference image."""

    success: bool = False
    updated: bool | None = None
    media_id: str | None = None
    image_url: str | None = None
    message: str | None = None
    reset_fields: list[str] | None = None


class InitialImageData(WireModel):
    """The ``data`` of a generated initial image."""

    character_id: str | None = None
    character_name: str | None = None
    image_id: str | None = None
    dino_asset_id: str | None = None
    public_url: str | None = None
    quality_score: float | None = None
    validation_notes: Any | None = None


class InitialImage(WireModel):
    """Result of ``generate_initial_image``: the new master reference."""

    success: bool = False
    message: str | None = None
    data: InitialImageData | None = None


class JobAccepted(WireModel):
    """The 202 body of ``generate-360-set``.

    ``poll_url`` is relative on the wire; :class:`~charlib.Job` resolves it against the base URL.
    """

    success: bool = True
    job_id: str
    status: str | None = None
    message: str | None = None
    estimated_completion_time: AwareDatetime | None = None
    poll_url: str | None = None


class JobProgress(WireModel):
    """Progress of a job. ``total`` may change mid-run: trust ``percentage`` (contract §13.1)."""

    current: int = 0
    total: int = 0
    percentage: float = 0
    current_task: str | None = None


class GeneratedImage(WireModel):
    """One generated image. ``angle`` is the shot name (e.g. ``"35mm FRONT FULL (Enhanced)"``).

    ``url`` is where the file should be; against the live service it is a fixed host plus the
    media id, not the real file (contract D17): :meth:`read`, :meth:`download` and
    ``client.jobs.download`` find the real one through the character's gallery when they can.
    ``shot_slug`` and ``is_valid`` (quality met the job's threshold) come from servers that send
    them (the reference server does; the live service does not).
    """

    url: str | None = None
    angle: str | None = None
    quality: float | None = None
    dino_asset_id: str | None = None
    media_id: str | None = None
    shot_slug: str | None = None
    is_valid: bool | None = None

    @property
    def position(self) -> int | None:
        """The shot's 1-based position in the canonical 27 (contract §10.1), by ``shot_slug``
        or else by ``angle``; ``None`` for a shot the catalogue does not know."""
        return shot_position(self.shot_slug, self.angle)

    def read(self, *, client: Client | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
        """Fetch the image's bytes (blocking; in async code use ``await client.jobs.download``).

        Args:
            client: the client whose API key, retry policy and timeout apply; default a
                :class:`~charlib.Client` configured from the environment. The key is sent only
                to that client's own origin.
            max_bytes: refuse a body larger than this.

        Raises:
            DownloadError: the image could not be fetched (``NotAnImageError``,
                ``FileTooLargeError``, or an HTTP or connection failure after retries).
        """
        from charlib._download_io import read_image

        return read_image(self, client, max_bytes=max_bytes)

    def download(
        self,
        path: str | os.PathLike[str],
        *,
        client: Client | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> Path:
        """Save the image to ``path`` (a file, or a directory to save ``NN_<slug>.<ext>`` in).

        Written to ``<name>.part`` first, then renamed: ``path`` never holds half a file.
        Arguments and errors as for :meth:`read`.

        Returns:
            The path of the saved file.
        """
        from charlib._download_io import save_image

        return save_image(self, path, client, max_bytes=max_bytes)


class FailedImage(WireModel):
    """One shot that exhausted its attempts."""

    angle: str | None = None
    error: str | None = None
    attempts: int | None = None

    @property
    def position(self) -> int | None:
        """The shot's 1-based position in the canonical 27, by ``angle`` (its name)."""
        return shot_position(None, self.angle)


class JobResults(WireModel):
    """Results of a finished job (``failed`` jobs may have none)."""

    generated_images: list[GeneratedImage] = Field(default_factory=list)
    failed_images: list[FailedImage] = Field(default_factory=list)
    total_attempts: int | None = None
    processing_time: float | None = Field(
        default=None, description="Milliseconds (the live service reports ~0, defect D4)."
    )

    def __repr__(self) -> str:
        from charlib._display import results_summary

        return f"JobResults({results_summary(self)})"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """Jupyter's rich display: a table of images with thumbnails, and the failed shots."""
        from charlib._display import results_html

        return results_html(self)

    @property
    def is_partial(self) -> bool:
        """``True`` when some shots failed."""
        return bool(self.failed_images)


class JobStatus(WireModel):
    """A job as ``GET /api/v1/jobs/{id}/status`` (or one item of the job list) describes it.

    Besides the wire fields it carries two facts from the HTTP response, excluded from
    serialization: ``server_date`` (the ``Date`` header, to relate server time to local time) and
    ``retry_after`` (the ``Retry-After`` header in seconds, when the server sent one).
    """

    success: bool | None = None
    job_id: str
    status: JobState
    character_id: str | None = None
    job_type: JobType | None = None
    progress: JobProgress = Field(default_factory=JobProgress)
    results: JobResults | None = None
    error: str | None = None
    message: str | None = None
    created_at: AwareDatetime | None = None
    started_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    estimated_completion_at: AwareDatetime | None = None
    server_date: AwareDatetime | None = Field(default=None, exclude=True)
    retry_after: float | None = Field(default=None, exclude=True)

    @property
    def is_terminal(self) -> bool:
        """Shortcut for ``self.status.is_terminal``."""
        return self.status.is_terminal

    def __repr__(self) -> str:
        from charlib._display import status_summary

        return f"JobStatus({self.job_id!r}: {status_summary(self)})"

    __str__ = __repr__  # print(status) gives the summary too, not every field

    def _repr_html_(self) -> str:
        """Jupyter's rich display: status, progress, thumbnails of the images."""
        from charlib._display import status_html

        return status_html(self)

    @property
    def is_partial(self) -> bool:
        """``True`` when the job ``completed`` but some images failed (contract §13.1 rule 2)."""
        results = self.results
        return self.status is JobState.COMPLETED and results is not None and results.is_partial

    def download(
        self,
        dest: str | os.PathLike[str],
        *,
        client: Client | None = None,
        concurrency: int = DEFAULT_DOWNLOAD_CONCURRENCY,
        overwrite: bool = False,
        manifest: bool = True,
        progress: bool = False,
        on_file: Callable[[SavedImage | FailedDownload], object] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> DownloadReport:
        """Save this finished job's images to ``dest`` (blocking): ``client.jobs.download``.

        The other arguments are those of :meth:`Jobs.download <charlib.Jobs.download>`. In async
        code use ``await client.jobs.download(status, dest)``.

        Args:
            dest: the directory (created if needed).
            client: the client to download with; default a :class:`~charlib.Client` configured
                from the environment.
        """
        from charlib._download_io import download_status
        from charlib._download_options import DownloadOptions

        options = DownloadOptions.check(
            dest, concurrency, overwrite, manifest, progress, on_file, max_bytes
        )
        return download_status(self, client, options)


class Pagination(WireModel):
    """Pagination block of the job list."""

    total_docs: int = 0
    limit: int = 0
    page: int = 1
    total_pages: int = 0
    has_next_page: bool = False
    has_prev_page: bool = False


class JobPage(WireModel):
    """One page of ``GET /api/v1/jobs``."""

    success: bool | None = None
    jobs: list[JobStatus] = Field(default_factory=list)
    pagination: Pagination = Field(default_factory=Pagination)


class CancelResult(WireModel):
    """Result of cancelling a job.

    Against the live service ``success`` can be ``False`` on a 200 ("not actively running"),
    and a cancelled job may still finish (defects D1, D2).
    """

    success: bool = False
    message: str | None = None
    error: str | None = None


class CoreSetData(WireModel):
    """``data`` of the legacy core-set response (loosely typed: internal objects stay dicts)."""

    character_id: str | None = None
    character_name: str | None = None
    generated_images: list[dict[str, Any]] = Field(default_factory=list)
    failed_images: list[dict[str, Any]] = Field(default_factory=list)
    total_attempts: int | None = None
    core_set_images: list[dict[str, Any]] = Field(default_factory=list)
    summary: dict[str, Any] | None = None


class CoreSetResult(WireModel):
    """Result of the deprecated blocking ``generate_core_set``."""

    success: bool = False
    message: str | None = None
    data: CoreSetData | None = None
