"""360° sets for a whole cast, durably: from a list of characters to a folder of sets.

::

    import charlib
    from charlib.batch import Batch, load_cast

    cast = load_cast("cast.csv")  # every row checked first: a bad one names its line and field
    with charlib.Client() as client:
        result = Batch(client, "sets/", max_active=4).run(cast)
    print(result.counts, result.ok)  # sets/<characterId>/..., sets/index.html, sets/report.csv

Every step is recorded in ``DIR/.charlib-batch.sqlite`` around its remote call, so the same
call after a crash (kill -9, power loss, Ctrl-C) carries on where it stopped and never starts a
second job for a character, even against a service that ignores ``Idempotency-Key``. Several
processes of one host may run the same batch: each character is claimed by one of them (for
several hosts, see docs/batch.md). :class:`AsyncBatch` is the same with an
:class:`~charlib.AsyncClient`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from charlib._batch_cast import COLUMNS, CastError, CastRow, load_cast, parse_cast
from charlib._batch_flow import Scheduler, batch_flow
from charlib._batch_ledger import LEDGER_NAME, BatchDirectoryError, Ledger
from charlib._batch_report import (
    BatchProgress,
    BatchResult,
    CharacterRecord,
    result_from,
    write_index,
    write_report,
)
from charlib._batch_run import run_async, run_sync
from charlib._batch_steps import Rules
from charlib._exceptions import InvalidParameterError
from charlib._polling import PollPolicy

if TYPE_CHECKING:
    from charlib._client import AsyncClient, Client

__all__ = [
    "COLUMNS",
    "DEFAULT_JOB_TIMEOUT",
    "LEDGER_NAME",
    "AsyncBatch",
    "Batch",
    "BatchDirectoryError",
    "BatchResult",
    "CastError",
    "CastRow",
    "CharacterRecord",
    "load_cast",
    "parse_cast",
    "read_status",
]

DEFAULT_JOB_TIMEOUT = 3 * 3600.0
"""How long a batch follows one job (queueing on the service included) before it gives the row
back for a later run (the job goes on; nothing is started again)."""


def _check_int(field: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidParameterError(field, f"must be an int >= {minimum}, got {value!r}")
    return value


def _cast_rows(cast: str | os.PathLike[str] | Sequence[CastRow]) -> list[CastRow]:
    if isinstance(cast, str | os.PathLike):
        return load_cast(cast)
    rows = list(cast)
    if not rows or not all(isinstance(row, CastRow) for row in rows):
        raise InvalidParameterError("cast", "must be a cast file's path or a list of CastRow")
    return rows


@contextlib.contextmanager
def _directory_errors(out: Path) -> Iterator[None]:
    """A failure of the batch directory's disk or ledger, as one typed error naming the path."""
    try:
        yield
    except sqlite3.Error as error:
        raise BatchDirectoryError(out / LEDGER_NAME, f"cannot be used: {error}") from None
    except OSError as error:
        where = Path(error.filename) if error.filename else out
        raise BatchDirectoryError(where, error.strerror or str(error)) from None


def read_status(out: str | os.PathLike[str], *, require_all: bool = False) -> BatchResult:
    """Where the batch in ``out`` stands, read from its ledger (nothing is sent).

    Raises:
        InvalidParameterError: ``out`` holds no batch ledger.
        BatchDirectoryError: its ledger cannot be read (damaged, or not a batch ledger).
    """
    folder = Path(out)
    if not (folder / LEDGER_NAME).exists():
        raise InvalidParameterError("out", f"{folder} holds no batch ({LEDGER_NAME} not found)")
    with _directory_errors(folder):
        ledger = Ledger(folder / LEDGER_NAME)
        try:
            return result_from(ledger, folder, require_all=require_all)
        finally:
            ledger.close()


class _BatchBase:
    """What both batches decide before any I/O: their options, checked now."""

    client: Client | AsyncClient

    def __init__(
        self,
        client: Client | AsyncClient,
        out: str | os.PathLike[str],
        *,
        max_active: int = 4,
        retry_failed: int = 1,
        require_all: bool = False,
        poll: PollPolicy | float | None = None,
        job_timeout: float | None = DEFAULT_JOB_TIMEOUT,
        progress: bool = False,
        on_change: Callable[[], object] | None = None,
    ) -> None:
        self.client = client
        self.out = Path(out)
        self.max_active = _check_int("max_active", max_active, 1)
        self.retry_failed = _check_int("retry_failed", retry_failed, 0)
        self.require_all = bool(require_all)
        self.poll = poll
        self.job_timeout = job_timeout
        self.progress = progress
        self.on_change = on_change

    def _start(
        self, cast: str | os.PathLike[str] | Sequence[CastRow], only: Iterable[str] | None
    ) -> tuple[Ledger, Scheduler, BatchProgress | None]:
        rows = _cast_rows(cast)  # every row checked before the directory is touched
        with _directory_errors(self.out):
            if self.out.exists() and not self.out.is_dir():
                raise BatchDirectoryError(self.out, "is not a directory")
            self.out.mkdir(parents=True, exist_ok=True)
            ledger = Ledger(self.out / LEDGER_NAME)
            try:
                ledger.add_cast(rows)
            except BaseException:
                ledger.close()
                raise
        bar = BatchProgress(ledger) if self.progress else None
        listeners = [] if self.on_change is None else [self.on_change]
        if bar is not None:
            listeners.append(bar.refresh)
        rules = Rules(self.out, self.retry_failed, self.require_all)
        state = Scheduler(
            ledger,
            rules,
            self.client.retry,
            max_active=self.max_active,
            poll=self.poll,
            job_timeout=self.job_timeout,
            only=None if only is None else frozenset(only),
            on_change=(lambda: [f() for f in listeners]) if listeners else None,
        )
        return ledger, state, bar

    def _finish(self, ledger: Ledger, bar: BatchProgress | None) -> BatchResult:
        """Give back what this process holds, write the report and the index page."""
        try:
            with _directory_errors(self.out):
                ledger.release_all()
                result = result_from(ledger, self.out, require_all=self.require_all)
                write_report(result)
                write_index(result)
            return result
        finally:
            if bar is not None:
                bar.close()
            ledger.close()


class Batch(_BatchBase):
    """A batch run with a :class:`~charlib.Client`: 360° sets for a cast, saved under ``out``.

    Args:
        client: the client every call goes through (its retries and timeouts apply).
        out: the batch directory: ``<characterId>/`` per character, ``index.html``,
            ``report.csv`` and the ledger (created if needed; a second run resumes).
        max_active: characters worked on at once before their download; so at most this many
            of the batch's jobs run at a time.
        retry_failed: new jobs started for a character whose job failed (or, with
            ``require_all``, completed partially).
        require_all: a partial set is retried, and still partial at the end is not ``ok``.
        poll: the poll policy of every job (default: adaptive, as ``jobs.wait``).
        job_timeout: seconds one job is followed before its row is given back for a later run.
        progress: draw one bar for the whole cast (tqdm), counting shots.
        on_change: called (no arguments) whenever a character or a job moves.
    """

    client: Client

    def run(
        self,
        cast: str | os.PathLike[str] | Sequence[CastRow],
        *,
        only: Iterable[str] | None = None,
    ) -> BatchResult:
        """Run the batch until no character is left that this process may take; write
        ``report.csv`` and ``index.html``.

        Args:
            cast: a cast file (CSV or JSON Lines), or rows from :func:`load_cast`. Rows not yet
                in the ledger are added; those already there carry on from their stage.
            only: work only on these ``characterId``s (e.g. one character per task of a job
                queue); the others are left as they are.

        Returns:
            The :class:`BatchResult` (``ok``: every character ended as allowed).

        Raises:
            CastError: a row of the cast is invalid (nothing was sent).
            BatchDirectoryError: ``out`` or its ledger cannot be used (nothing was sent when
                that is found on opening it; a disk that fills up later stops the run).
        """
        ledger, state, bar = self._start(cast, only)
        try:
            with _directory_errors(self.out):
                run_sync(self.client, batch_flow(state, self.client.clock.monotonic))
        finally:
            result = self._finish(ledger, bar)
        return result

    def status(self) -> BatchResult:
        """Where the batch stands, from its ledger (nothing is sent)."""
        return read_status(self.out, require_all=self.require_all)


class AsyncBatch(_BatchBase):
    """Same as :class:`Batch`, with an :class:`~charlib.AsyncClient` (each round of calls and
    polls goes out at once)."""

    client: AsyncClient

    async def run(
        self,
        cast: str | os.PathLike[str] | Sequence[CastRow],
        *,
        only: Iterable[str] | None = None,
    ) -> BatchResult:
        """Same as :meth:`Batch.run`, awaited."""
        ledger, state, bar = self._start(cast, only)
        try:
            with _directory_errors(self.out):
                await run_async(self.client, batch_flow(state, self.client.clock.monotonic))
        finally:
            result = self._finish(ledger, bar)
        return result

    def status(self) -> BatchResult:
        """Same as :meth:`Batch.status`."""
        return read_status(self.out, require_all=self.require_all)


# Reprs, tracebacks and help() name the public module, not the private one that defines them.
for _public in (BatchDirectoryError, BatchResult, CastError, CastRow, CharacterRecord):
    _public.__module__ = __name__
del _public
