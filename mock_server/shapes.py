"""The JSON bodies the mock sends, as typed dicts: the routes annotate what they build with them
(mypy checks the keys and types) and ``/openapi.json`` describes its replies from them.

Class names are component names in the document; a docstring is the component's description, so
it speaks to the API's reader. ``NotRequired`` marks a key the mock may leave out. Strings drawn
from a fixed set (a job's status, a mode) stay ``str`` for mypy and carry their values as an enum
for the document, from the constant that defines them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from pydantic.json_schema import WithJsonSchema
from typing_extensions import NotRequired, TypedDict

from mock_server.bodies import CHARACTER_STATUSES
from mock_server.clock import ManualClock, ScaledClock, SystemClock
from mock_server.lifecycle import JOB_STATUSES, JOB_TYPES

__all__ = [
    "Accepted",
    "Cancel",
    "Capacity",
    "Character",
    "CharacterPage",
    "Clock",
    "CoreSet",
    "Error",
    "FailedImage",
    "FaultsState",
    "GeneratedImage",
    "Health",
    "InitialImage",
    "JobError",
    "JobList",
    "JobListItem",
    "JobStatus",
    "Media",
    "Ok",
    "Pagination",
    "Progress",
    "ReferenceImage",
    "Requests",
    "Results",
    "Scenario",
    "SeedResult",
    "Stats",
]

#: engine.MODES, restated so that render and the routes can import this module without the engine
#: (a test checks the two agree).
MODES = ("reference", "upstream")
CLOCK_KINDS = (SystemClock.kind, ScaledClock.kind, ManualClock.kind)
DINO_STATUSES = ("pending", "processing", "validation_failed", "validation_success", "error")

Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
Percentage = Annotated[int, Field(ge=0, le=100)]
JobStatusName = Annotated[str, WithJsonSchema({"type": "string", "enum": list(JOB_STATUSES)})]
JobTypeName = Annotated[str, WithJsonSchema({"type": "string", "enum": list(JOB_TYPES)})]


class Ok(TypedDict):
    """The request did what it asked."""

    success: bool


class Error(TypedDict, total=False):
    """An error. Job routes say ``success: false``; character routes only ``error``; the
    legacy core-set route adds ``details`` (text or an object)."""

    success: bool
    error: Any
    message: str
    details: Any


class JobError(TypedDict):
    """A job that could not be started."""

    success: bool
    status: NotRequired[str]
    error: str


class HealthClock(TypedDict, total=False):
    """The server clock: its kind and how fast it runs (1.0: real time)."""

    kind: str
    speed: float


class Health(TypedDict):
    """The service is up; ``mode`` says which behaviour this mock reproduces."""

    status: str
    service: str
    version: str
    timestamp: Timestamp
    uptime: NotRequired[float]
    environment: NotRequired[str]
    mode: Annotated[str, WithJsonSchema({"type": "string", "enum": list(MODES)})]
    mockVersion: NotRequired[str]
    clock: NotRequired[HealthClock]


class Media(TypedDict):
    """An image (Payload media document), with the DINO asset id generation needs."""

    id: str
    filename: NotRequired[str]
    mimeType: NotRequired[str]
    alt: NotRequired[str]
    width: NotRequired[int]
    height: NotRequired[int]
    url: str
    dinoAssetId: NotRequired[str]
    dinoMediaUrl: NotRequired[str]
    dinoProcessingStatus: NotRequired[
        Annotated[str, WithJsonSchema({"type": "string", "enum": list(DINO_STATUSES)})]
    ]
    createdAt: NotRequired[Timestamp]
    updatedAt: NotRequired[Timestamp]


class Character(TypedDict):
    """A character (raw Payload document). Optional profile fields appear when set."""

    id: str
    name: str
    characterId: str
    status: NotRequired[
        Annotated[str, WithJsonSchema({"type": "string", "enum": list(CHARACTER_STATUSES)})]
    ]
    age: NotRequired[float]
    height: NotRequired[str]
    weight: NotRequired[str]
    eyeColor: NotRequired[str]
    hairColor: NotRequired[str]
    physicalDescription: NotRequired[str]
    personality: NotRequired[str]
    biography: NotRequired[str]
    motivations: NotRequired[str]
    backstory: NotRequired[str]
    clothing: NotRequired[str]
    masterReferenceImage: NotRequired[Media | None]
    masterReferenceProcessed: NotRequired[bool]
    coreSetGenerated: NotRequired[bool]
    coreSetGeneratedAt: NotRequired[Timestamp | None]
    imageGallery: NotRequired[list[dict[str, Any]]]
    createdAt: Timestamp
    updatedAt: Timestamp


class CharacterPage(TypedDict):
    """A page of characters, newest first (Payload's page)."""

    docs: list[Character]
    totalDocs: int
    limit: int
    page: int
    totalPages: int
    pagingCounter: NotRequired[int]
    hasPrevPage: bool
    hasNextPage: bool
    prevPage: NotRequired[int | None]
    nextPage: NotRequired[int | None]


class ReferenceImage(TypedDict):
    """The master reference image: set, read or reset (or why not)."""

    success: bool
    updated: bool
    mediaId: NotRequired[str]
    imageUrl: NotRequired[str]
    message: NotRequired[str]
    resetFields: NotRequired[list[str]]
    error: NotRequired[str]


class InitialImageData(TypedDict):
    """The generated image, now the character's master reference."""

    characterId: str
    characterName: NotRequired[str]
    imageId: str
    dinoAssetId: str
    publicUrl: str
    qualityScore: NotRequired[float]
    validationNotes: NotRequired[str]


class InitialImage(TypedDict):
    """A master reference image was generated and attached."""

    success: bool
    message: NotRequired[str]
    data: InitialImageData


class Accepted(TypedDict):
    """The job was created; poll ``pollUrl`` (also in ``Location``)."""

    success: bool
    jobId: str
    status: Annotated[str, WithJsonSchema({"type": "string", "enum": ["accepted"]})]
    message: str
    estimatedCompletionTime: NotRequired[Timestamp]
    pollUrl: str


class Progress(TypedDict):
    """How far a job is: ``current`` of ``total`` shots; ``percentage`` is the one to show."""

    current: int
    total: int
    percentage: Percentage
    currentTask: NotRequired[str]


class GeneratedImage(TypedDict):
    """One image a job produced; ``angle`` is the shot's name."""

    url: str
    angle: str
    quality: float
    dinoAssetId: NotRequired[str]
    mediaId: str
    shotSlug: NotRequired[str]
    isValid: NotRequired[bool]


class FailedImage(TypedDict):
    """A shot that failed every attempt."""

    angle: str
    error: str
    attempts: int


class Results(TypedDict):
    """What a finished job produced (a partial success lists its failed shots)."""

    success: NotRequired[bool]
    generatedImages: list[GeneratedImage]
    failedImages: list[FailedImage]
    totalAttempts: int
    processingTime: int


class JobStatus(TypedDict):
    """A job now. An unknown job is a 404 of this shape whose status says failed (D12)."""

    success: bool
    jobId: str
    status: JobStatusName
    progress: Progress
    startedAt: NotRequired[Timestamp]
    completedAt: NotRequired[Timestamp]
    estimatedCompletionAt: NotRequired[Timestamp]
    results: NotRequired[Results]
    message: NotRequired[str]
    error: NotRequired[str]
    characterId: NotRequired[str]


class Cancel(TypedDict):
    """The outcome of a cancel request."""

    success: bool
    message: str
    error: NotRequired[str]


class JobListItem(TypedDict):
    """A job in a list (no results, error or request data)."""

    jobId: str
    characterId: str
    jobType: JobTypeName
    status: JobStatusName
    progress: Progress
    createdAt: Timestamp
    startedAt: NotRequired[Timestamp]
    completedAt: NotRequired[Timestamp]
    estimatedCompletionAt: NotRequired[Timestamp]


class Pagination(TypedDict):
    """Where a page sits in the whole list."""

    totalDocs: int
    limit: int
    page: int
    totalPages: int
    hasNextPage: bool
    hasPrevPage: bool


class JobList(TypedDict):
    """A page of jobs, newest first; on a bad query, an empty page and ``error``."""

    success: bool
    jobs: list[JobListItem]
    pagination: Pagination
    error: NotRequired[str]


class CoreSetSummary(TypedDict, total=False):
    """Counts and averages of a core-set run."""

    totalGenerated: int
    validImages: int
    averageQuality: float
    averageConsistency: float


class CoreSetData(TypedDict, total=False):
    """The images of a core-set run, now in the character's gallery."""

    characterId: str
    characterName: str
    generatedImages: list[dict[str, Any]]
    failedImages: list[dict[str, Any]]
    totalAttempts: int
    coreSetImages: list[dict[str, Any]]
    summary: CoreSetSummary


class CoreSet(TypedDict):
    """A finished synchronous core-set run."""

    success: bool
    message: NotRequired[str]
    data: CoreSetData


class SeedCounts(TypedDict):
    """Reference shots seeded, by kind."""

    essential: int
    comprehensive: int
    failed: int
    total: int
    errors: list[Any]


class SeedTiming(TypedDict, total=False):
    """When the seeding ran, on the server clock."""

    startTime: Timestamp
    endTime: Timestamp
    durationMs: int


class SeedResult(TypedDict):
    """The reference shots are in place (or would be, for a dry run)."""

    success: bool
    message: str
    results: SeedCounts
    validationResults: NotRequired[dict[str, Any]]
    timing: SeedTiming
    dryRun: NotRequired[bool]
    alreadySeeded: NotRequired[bool]


class Clock(TypedDict):
    """The server clock now."""

    now: Timestamp
    nowMs: NotRequired[int]
    speed: float
    mode: Annotated[str, WithJsonSchema({"type": "string", "enum": list(CLOCK_KINDS)})]


class FaultsState(TypedDict, total=False):
    """The faults being injected (null: none)."""

    success: bool
    faults: dict[str, Any] | None


class Scenario(TypedDict):
    """The default scenario now (null: each job draws its own)."""

    success: bool
    scenario: str | None


class Capacity(TypedDict):
    """How many jobs process at once now."""

    success: bool
    capacity: int


class RequestEntry(TypedDict):
    """One request the mock answered, and the fault it got, if any."""

    method: str
    path: str
    status: int
    time: Timestamp
    fault: NotRequired[str]


class Requests(TypedDict):
    """The request journal, oldest first."""

    requests: list[RequestEntry]


class StatsJobs(TypedDict):
    """Jobs by status now."""

    total: int
    byStatus: dict[str, int]


class StatsRequests(TypedDict):
    """Requests answered, and how many were errors."""

    total: int
    errors: int


class StatsQuality(TypedDict):
    """Quality scores of the images of recently finished jobs."""

    count: int
    mean: float | None
    min: int | None
    max: int | None
    histogram: dict[str, int]


class Stats(TypedDict):
    """Job and request statistics."""

    jobs: StatsJobs
    activeJobs: int
    queueDepth: int
    capacity: int
    requests: StatsRequests
    errorRate: float
    meanProcessingTimeMs: float | None
    quality: StatsQuality
    sampledJobs: int
