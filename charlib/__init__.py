"""charlib: the Python SDK for the Character Library API.

Start here::

    import charlib

    with charlib.Client() as client:  # CHARLIB_BASE_URL / CHARLIB_API_KEY from the environment
        job = client.characters.generate_360_set("66f1c0ffee00000000000a01", image_count=8)
        status = job.wait(progress=True)  # adaptive polling, a 45-minute deadline by default
        print(status.status, len(status.results.generated_images))

Everything public is importable from this module; the ``charlib._*`` modules are private.

Importing it is cheap: the errors, the defaults and the version are loaded at once; everything
else (the clients, the models, downloads, progress bars) when first used, from the table below.
"""

import typing as _typing
from importlib import import_module as _import_module

from charlib._config import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, RetryPolicy
from charlib._download_errors import DownloadError, FileTooLargeError, NotAnImageError
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
from charlib._types import NOT_GIVEN, NotGiven
from charlib._version import __version__

if _typing.TYPE_CHECKING:  # what type checkers and IDEs see; at run time, __getattr__ below
    from charlib._client import AsyncClient, Client
    from charlib._clock import Clock, SystemClock
    from charlib._display import JobsProgressBar, ProgressBar
    from charlib._download_set import DownloadReport, FailedDownload, SavedImage
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

# Public names loaded on first use, and the private module each comes from.
_LAZY: dict[str, str] = {
    "DEFAULT_WAIT_TIMEOUT": "charlib._waiting",
    "AsyncCharacters": "charlib._resources",
    "AsyncClient": "charlib._client",
    "AsyncJob": "charlib._job",
    "AsyncJobs": "charlib._resources",
    "CancelResult": "charlib._models",
    "Character": "charlib._models",
    "CharacterPage": "charlib._models",
    "Characters": "charlib._resources",
    "Client": "charlib._client",
    "Clock": "charlib._clock",
    "CoreSetData": "charlib._models",
    "CoreSetResult": "charlib._models",
    "DeleteResult": "charlib._models",
    "DownloadReport": "charlib._download_set",
    "FailedDownload": "charlib._download_set",
    "FailedImage": "charlib._models",
    "GeneratedImage": "charlib._models",
    "Health": "charlib._models",
    "InitialImage": "charlib._models",
    "InitialImageData": "charlib._models",
    "Job": "charlib._job",
    "JobAccepted": "charlib._models",
    "JobPage": "charlib._models",
    "JobProgress": "charlib._models",
    "JobResults": "charlib._models",
    "JobState": "charlib._models",
    "JobStatus": "charlib._models",
    "JobType": "charlib._models",
    "Jobs": "charlib._resources",
    "JobsProgressBar": "charlib._display",
    "Media": "charlib._models",
    "Pagination": "charlib._models",
    "PollPolicy": "charlib._polling",
    "ProgressBar": "charlib._display",
    "ReferenceImage": "charlib._models",
    "SavedImage": "charlib._download_set",
    "SystemClock": "charlib._clock",
}


def _as_public(value: object) -> None:
    """Errors show as ``charlib.NotFoundError`` in tracebacks, not as their private module's."""
    if isinstance(value, type) and issubclass(value, BaseException):
        value.__module__ = "charlib"


def __getattr__(name: str) -> object:
    """Load a public name on first use (PEP 562), then keep it in this module."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'charlib' has no attribute {name!r}")
    value = getattr(_import_module(module), name)
    _as_public(value)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


for _name in __all__:
    if _name not in _LAZY:
        _as_public(globals()[_name])
del _name
