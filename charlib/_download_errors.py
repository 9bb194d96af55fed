"""The errors of downloading one image, each with what the caller can act on.

::

    CharlibError
    └── DownloadError                  one image could not be saved; .url .status_code
        ├── NotAnImageError            the body is not an image (HTML, JSON, SVG, ...)
        └── FileTooLargeError          the body is larger than max_bytes; .max_bytes

A set download does not raise them: it reports each failed file (``DownloadReport.failed``) and
saves the others. ``GeneratedImage.read`` and ``GeneratedImage.download`` raise them. Messages
name the URL without its query string (which may hold a signature) and quote no server text.
"""

from __future__ import annotations

from charlib._exceptions import CharlibError

__all__ = ["DownloadError", "FileTooLargeError", "NotAnImageError"]


class DownloadError(CharlibError):
    """One image could not be saved: an HTTP error or a broken connection after retries, a body
    shorter than announced, too many redirects, or (subclasses) a body that is not an image or
    is too large.

    Attributes:
        url: the URL that failed last.
        status_code: the HTTP status of the last answer, or ``None`` (no answer, or a bad body).
    """

    def __init__(
        self, message: str, *, url: str | None = None, status_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status_code = status_code


class NotAnImageError(DownloadError):
    """The server answered with something other than an image (an HTML page, JSON, SVG, ...)."""


class FileTooLargeError(DownloadError):
    """The body is larger than the download's ``max_bytes`` (as announced, or as counted).

    Attributes:
        max_bytes: the limit that was passed.
    """

    def __init__(self, message: str, *, url: str | None = None, max_bytes: int) -> None:
        super().__init__(message, url=url)
        self.max_bytes = max_bytes
