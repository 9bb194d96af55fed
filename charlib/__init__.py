"""charlib: the Python SDK for the Character Library API.

Start here::

    import charlib

    with charlib.Client() as client:  # CHARLIB_BASE_URL / CHARLIB_API_KEY from the environment
        job = client.characters.generate_360_set("66f1c0ffee00000000000a01", image_count=8)
        status = job.wait(progress=True)  # adaptive polling, a 45-minute deadline by default
        print(status.status, len(status.results.generated_images))

Everything public is importable from this module; the ``charlib._*`` modules are private.
"""

from charlib._client import AsyncClient, Client
from charlib._clock import Clock, SystemClock
from charlib._config import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, RetryPolicy
from charlib._display import JobsProgressBar, ProgressBar
from charlib._download_errors import DownloadError, FileTooLargeError, NotAnImageError
from charlib._download_set import DownloadReport, FailedDownload, SavedImage
from charlib._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CharlibError,
    ClientClosedError,
    ConflictError,
    InternalServerError,
    InvalidParameterError,
    JobCancelledError,
    JobError,
    JobFailedError,
    MasterReferenceRequiredError,
    NotFoundError,
    PartialResultError,
    RateLimitError,
    RequestTooLargeError,
    ResponseTooLargeError,
    WaitTimeoutError,
)
from charlib._job import AsyncJob, Job
from charlib._models import (
    CancelResult,
    Character,
    CharacterPage,
    CoreSetData,
    CoreSetResult,
    DeleteResult,
    FailedImage,
    GeneratedImage,
    Health,
    InitialImage,
    InitialImageData,
    JobAccepted,
    JobPage,
    JobProgress,
    JobResults,
    JobState,
    JobStatus,
    JobType,
    Media,
    Pagination,
    ReferenceImage,
)
from charlib._polling import PollPolicy
from charlib._resources import AsyncCharacters, AsyncJobs, Characters, Jobs
from charlib._types import NOT_GIVEN, NotGiven
from charlib._version import __version__
from charlib._waiting import DEFAULT_WAIT_TIMEOUT

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WAIT_TIMEOUT",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncCharacters",
    "AsyncClient",
    "AsyncJob",
    "AsyncJobs",
    "AuthenticationError",
    "BadRequestError",
    "CancelResult",
    "Character",
    "CharacterPage",
    "Characters",
    "CharlibError",
    "Client",
    "ClientClosedError",
    "Clock",
    "ConflictError",
    "CoreSetData",
    "CoreSetResult",
    "DeleteResult",
    "DownloadError",
    "DownloadReport",
    "FailedDownload",
    "FailedImage",
    "FileTooLargeError",
    "GeneratedImage",
    "Health",
    "InitialImage",
    "InitialImageData",
    "InternalServerError",
    "InvalidParameterError",
    "Job",
    "JobAccepted",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "JobPage",
    "JobProgress",
    "JobResults",
    "JobState",
    "JobStatus",
    "JobType",
    "Jobs",
    "JobsProgressBar",
    "MasterReferenceRequiredError",
    "Media",
    "NotAnImageError",
    "NotFoundError",
    "NotGiven",
    "Pagination",
    "PartialResultError",
    "PollPolicy",
    "ProgressBar",
    "RateLimitError",
    "ReferenceImage",
    "RequestTooLargeError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "SavedImage",
    "SystemClock",
    "WaitTimeoutError",
    "__version__",
]

# Tracebacks and reprs say ``charlib.NotFoundError``, not the private module that defines it.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type) and issubclass(_value, BaseException):
        _value.__module__ = "charlib"
del _name, _value
