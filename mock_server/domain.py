"""What can go wrong in the mock's domain, said without HTTP.

The engine raises these; :mod:`mock_server.errors` alone decides which status code and body each
one becomes, per route family and per mode. Every error has a ``code`` naming the rule that was
broken, so that table reads as one row per rule.
"""

from __future__ import annotations

import enum

__all__ = [
    "CancelOutcome",
    "Conflict",
    "DomainError",
    "NotFound",
    "Precondition",
    "Rule",
]


class Rule(enum.Enum):
    """The domain rule behind an error: one row each in :mod:`mock_server.errors`."""

    CHARACTER_NOT_FOUND = "character-not-found"
    MEDIA_NOT_FOUND = "media-not-found"
    JOB_NOT_FOUND = "job-not-found"
    CONFLICT = "conflict"
    NO_REFERENCE = "no-reference"  # no master reference, or one without a DINO asset id
    REFERENCE_UNPROCESSED = "reference-unprocessed"
    REFERENCE_WITHOUT_DINO = "reference-without-dino"
    HAS_REFERENCE = "has-reference"
    JOB_FINAL = "job-final"
    PARTIAL_NEEDS_TWO = "partial-needs-two"  # the partial scenario fails some shots, keeps one
    CHARACTER_GONE = "character-gone"  # deleted while a blocking core-set run went on


class DomainError(Exception):
    """A request the domain refuses; ``rule`` says which rule, ``str(exc)`` the details."""

    rule: Rule

    def __init__(self, rule: Rule, detail: str = "") -> None:
        super().__init__(detail or rule.value)
        self.rule = rule
        self.detail = detail


class NotFound(DomainError, LookupError):
    """A character, media item or job that does not exist."""


class Conflict(DomainError):
    """A uniqueness or idempotency conflict; ``detail`` is the message."""

    def __init__(self, detail: str) -> None:
        super().__init__(Rule.CONFLICT, detail)


class Precondition(DomainError):
    """The thing exists but is not in a state that allows the request."""


class CancelOutcome(enum.Enum):
    """What a cancel did (an unknown job raises ``NotFound``, a final one ``Precondition``)."""

    CANCELLED = "cancelled"
    #: Upstream D2: the job is not in this process's active set; nothing changes.
    NOT_RUNNING_HERE = "not-running-here"
