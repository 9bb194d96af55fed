"""One module per API noun: pure request builders first, then the sync and async resource."""

from charlib._resources.characters import AsyncCharacters, Characters
from charlib._resources.jobs import AsyncJobs, Jobs

__all__ = ["AsyncCharacters", "AsyncJobs", "Characters", "Jobs"]
