"""The options of a wait, taken once by a public method and passed along as one value.

``Jobs.wait``, ``Job.wait``, ``Characters.generate_360_set_and_wait`` (and their async twins)
keep their explicit keyword parameters, so that completion, type checks and the API reference
show each one; each builds a :class:`WaitOptions` from them in one line, and everything below
(the handle, the resource, the waiting state) reads that value instead of repeating the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from charlib._polling import PollPolicy
from charlib._waiting import DEFAULT_WAIT_TIMEOUT, ProgressCallback

if TYPE_CHECKING:
    from charlib._display import ProgressBar

__all__ = ["WaitOptions"]


@dataclass(frozen=True, slots=True)
class WaitOptions:
    """The keyword arguments of ``Jobs.wait``, in its order (a test keeps the two in step, so
    that building one positionally cannot mix them up). ``watch`` uses the first four."""

    timeout: float | None = DEFAULT_WAIT_TIMEOUT
    poll: PollPolicy | float | None = None
    on_progress: ProgressCallback | None = None
    progress: bool | ProgressBar = False
    cancel_on_timeout: bool = False
    raise_on_partial: bool = False
