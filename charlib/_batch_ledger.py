"""The ledger of a batch: SQLite (stdlib) at ``DIR/.charlib-batch.sqlite``, one row a character.

A row moves through the stages of :data:`STAGES`; each move is one short transaction, committed
after the remote call it records (or, for the one call that creates something that cannot be
found again by name, *before* it: the intent to start a job, see :meth:`Ledger.record_intent`).
A crash at any instant leaves each row at a stage from which the same call, made again, either
finds what the lost call did or does it for the first time.

Rows are claimed by one process at a time (``owner``). An owner keeps a heartbeat in ``owners``.
Its rows are taken by another process at once when it was a process of this host that no longer
runs (killed, crashed), and, for an owner on another host, when its heartbeat is older than
:data:`LEASE` seconds.
Every write of a row checks that the writer still owns it (:class:`LostClaim` otherwise).

WAL mode, ``synchronous=NORMAL`` (a power loss may lose the last commits, never corrupt the
file); before a job start is sent, :meth:`Ledger.flush` makes the intents durable (one fsync for
every start of a round). Losing any other record only makes a resumed run ask the service again.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from charlib._batch_cast import CastError, CastRow
from charlib._exceptions import CharlibError, InvalidParameterError

__all__ = [
    "LEASE",
    "LEDGER_NAME",
    "OUTCOMES",
    "STAGES",
    "BatchDirectoryError",
    "Ledger",
    "LedgerRow",
    "LostClaim",
]

LEDGER_NAME = ".charlib-batch.sqlite"
"""The ledger's file name inside the batch directory."""

LEASE = 60.0
"""Seconds without a heartbeat after which another process may take an owner's rows."""

# Stamped in the SQLite header (PRAGMA application_id) of every ledger: ASCII "chlb". A database
# with tables of its own and another stamp is some other program's, and is never written to.
APPLICATION_ID = 0x63686C62
_JSON_COLUMNS = {"params": "{}", "intent_known": "[]", "files": "[]"}  # stored as JSON text
_OWN_COLUMNS = {"key", "stage", "outcome", "intent_key", "intent_known", "owner"}

FORGET_EVERY = 5.0  # seconds between looks for dead owners while rows are free to claim

# The stages of a row, in order. A row is done when it has an outcome.
NEW, CHARACTER, REFERENCE, INTENT, STARTED, FINISHED, SAVED = STAGES = (
    "new",  # nothing done yet
    "character",  # the character exists (character_oid)
    "reference",  # it has a master reference: a job may be started
    "intent",  # about to start a job (intent_key, the jobs it had before: intent_known)
    "started",  # a job runs (job_id)
    "finished",  # the job ended and is to be kept (job_status, shot counts)
    "saved",  # its images are on disk (outcome set)
)

COMPLETE, PARTIAL, FAILED, NO_REFERENCE = OUTCOMES = (
    "complete",
    "partial",
    "failed",
    "no-reference",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS characters (
    key TEXT PRIMARY KEY,
    line INTEGER NOT NULL,
    name TEXT NOT NULL,
    params TEXT NOT NULL,
    shots INTEGER NOT NULL,
    stage TEXT NOT NULL DEFAULT 'new',
    outcome TEXT,
    character_oid TEXT,
    attempt INTEGER NOT NULL DEFAULT 0,
    intent_key TEXT,
    intent_known TEXT,
    intent_at REAL,
    job_id TEXT,
    job_status TEXT,
    shots_done INTEGER NOT NULL DEFAULT 0,
    images_saved INTEGER NOT NULL DEFAULT 0,
    images_failed INTEGER NOT NULL DEFAULT 0,
    files TEXT,
    error TEXT,
    owner TEXT,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS characters_free ON characters (line, key)
    WHERE outcome IS NULL AND owner IS NULL;
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    images INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    started_at REAL NOT NULL,
    ended_at REAL
);
CREATE TABLE IF NOT EXISTS owners (
    owner TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started TEXT,
    heartbeat REAL NOT NULL
);
"""


class BatchDirectoryError(InvalidParameterError):
    """The batch directory or its ledger cannot be used (not a directory, not writable, a file
    that is not a batch ledger or is damaged, a disk that is full). The message names the path;
    ``.path`` is it. Nothing was sent when it is raised on opening the ledger."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__("out", f"{path}: {problem}")
        self.path = path


class LostClaim(CharlibError):
    """This process no longer owns a row it was working on (its lease lapsed and another
    process took the row); the row is that process's now."""


@dataclass(slots=True)
class LedgerRow:
    """A character's row, as read from the ledger."""

    key: str
    line: int
    name: str
    params: dict[str, Any]
    shots: int
    stage: str = NEW
    outcome: str | None = None
    character_oid: str | None = None
    attempt: int = 0
    intent_key: str | None = None
    intent_known: list[str] = field(default_factory=list)
    job_id: str | None = None
    job_status: str | None = None
    shots_done: int = 0
    images_saved: int = 0
    images_failed: int = 0
    files: list[str] = field(default_factory=list)
    error: str | None = None
    owner: str | None = None

    @classmethod
    def from_db(cls, row: sqlite3.Row) -> LedgerRow:
        """A row of ``characters`` as a value (its columns of the same names; JSON decoded)."""
        values = {column.name: row[column.name] for column in fields(cls)}
        for column, empty in _JSON_COLUMNS.items():
            values[column] = json.loads(values[column] or empty)
        return cls(**values)


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (Linux ``/proc``), to tell it from a later one with the same
    pid; ``None`` where that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # from the state on: field 3 of proc(5)
    return fields[19] if len(fields) > 19 and fields[0] != "Z" else "zombie"


def _pid_alive(pid: int, started: str | None) -> bool:
    """Whether the process of this host that registered as ``pid`` (started at ``started``)
    still runs: not if the pid is gone, a zombie, or now another process's."""
    if os.name == "nt":
        return True  # os.kill would end the process there: only the heartbeat can say
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # not ours to signal: it exists
        pass
    now = _process_start(pid)
    if now == "zombie":
        return False
    return started is None or now is None or now == started


def _wal(db: sqlite3.Connection, tries: int = 40) -> None:
    """Switch to WAL mode. SQLite answers "locked" at once, without waiting its busy timeout,
    while another connection makes the same switch (processes started at the same instant on a
    new ledger), so that answer is waited out here, a bounded number of times."""
    for attempt in range(tries):
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt + 1 == tries:
                raise
            time.sleep(0.05)


class Ledger:
    """One process's handle on a batch ledger. Not shared between threads.

    Args:
        path: the SQLite file (created with its tables if missing).
        wall: the wall clock for heartbeats (seconds since the epoch; shared by processes).
        lease: seconds after which a silent owner's rows may be taken.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        wall: Callable[[], float] = time.time,
        lease: float = LEASE,
    ) -> None:
        self.path = Path(path)
        self.wall = wall
        self.lease = lease
        self.host = socket.gethostname()
        self.owner = f"{self.host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._forget_at = 0.0
        self._started = _process_start(os.getpid())
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            raise BatchDirectoryError(self.path, "is not a batch ledger (not a regular file)")
        try:
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        except sqlite3.Error as error:
            raise BatchDirectoryError(self.path, f"cannot be opened: {error}") from None
        try:
            self._db.row_factory = sqlite3.Row
            _wal(self._db)
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self._write() as db:
                self._create(db)
        except sqlite3.Error as error:
            self._db.close()
            raise BatchDirectoryError(self.path, f"is not a usable batch ledger: {error}") from None
        except BatchDirectoryError:
            self._db.close()
            raise

    def _create(self, db: sqlite3.Connection) -> None:
        """Create the tables in a new ledger; refuse another program's database."""
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        stamp = db.execute("PRAGMA application_id").fetchone()[0]
        if tables and stamp != APPLICATION_ID:
            columns = {row[1] for row in db.execute("PRAGMA table_info(characters)")}
            if stamp != 0 or not columns >= _OWN_COLUMNS:  # (ledgers made before the stamp)
                raise BatchDirectoryError(self.path, "is another program's database, not a ledger")
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    # -- plumbing -----------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, taken at once (``BEGIN IMMEDIATE``)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _update(self, key: str, **values: Any) -> None:
        """Write ``values`` into the row ``key`` this process owns, or raise `LostClaim`
        (one statement: a transaction of its own)."""
        self._update_in(self._db, key, values)

    def _update_in(self, db: sqlite3.Connection, key: str, values: dict[str, Any]) -> None:
        values = {**values, "updated_at": self.wall()}
        columns = ", ".join(f"{name} = :{name}" for name in values)  # names are ours, not input
        cursor = db.execute(
            f"UPDATE characters SET {columns} WHERE key = :key AND owner = :owner",
            {**values, "key": key, "owner": self.owner},
        )
        if cursor.rowcount != 1:
            raise LostClaim(f"character {key!r} is no longer claimed by this process")

    def close(self) -> None:
        """Close the database (idempotent)."""
        self._db.close()

    # -- the cast -----------------------------------------------------------------------------

    def add_cast(self, rows: Iterable[CastRow]) -> int:
        """Add the rows not yet in the ledger (a row already there keeps its state and the
        parameters it was added with). Returns how many were added.

        Raises:
            CastError: a row's key differs only by case from one already in the ledger (the
                same folder where case is ignored); nothing is added.
        """
        now = self.wall()
        added = 0
        with self._write() as db:
            keys = {key.casefold(): key for (key,) in db.execute("SELECT key FROM characters")}
            for row in rows:
                known = keys.get(row.key.casefold(), row.key)
                if known != row.key:  # one folder, on a disk that ignores case
                    message = f"character {row.key!r} is already in this batch as {known!r}"
                    raise CastError("cast", row.line, "character_id", message)
                cursor = db.execute(
                    "INSERT OR IGNORE INTO characters (key, line, name, params, shots, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (row.key, row.line, row.name, json.dumps(row.params()), row.shots, now),
                )
                added += cursor.rowcount
        return added

    def rows(self, keys: Iterable[str] | None = None) -> list[LedgerRow]:
        """Every row (or those of ``keys``), in cast order."""
        found = self._db.execute("SELECT * FROM characters ORDER BY line, key").fetchall()
        wanted = None if keys is None else set(keys)
        return [LedgerRow.from_db(row) for row in found if wanted is None or row["key"] in wanted]

    def jobs(self) -> list[dict[str, Any]]:
        """Every job this batch started or adopted, oldest first."""
        found = self._db.execute("SELECT * FROM jobs ORDER BY started_at, job_id").fetchall()
        return [dict(row) for row in found]

    # -- claims -------------------------------------------------------------------------------

    def heartbeat(self) -> None:
        """Say this process is alive (and register it on first use)."""
        with self._write() as db:
            self._beat(db)

    def _beat(self, db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO owners (owner, host, pid, started, heartbeat) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (owner) DO UPDATE SET heartbeat = excluded.heartbeat",
            (self.owner, self.host, os.getpid(), self._started, self.wall()),
        )

    def _forget_dead(self, db: sqlite3.Connection) -> None:
        """Drop the owners that cannot come back: silent past the lease, or gone from here."""
        stale = self.wall() - self.lease
        for owner in db.execute("SELECT * FROM owners").fetchall():
            # On this host the process table is the truth (a long call does not lose a live
            # process its rows); elsewhere (and on Windows), only the heartbeat can say.
            here = owner["host"] == self.host and os.name != "nt"
            alive = here and _pid_alive(owner["pid"], owner["started"])
            gone = not alive if here else owner["heartbeat"] < stale
            if owner["owner"] != self.owner and gone:
                db.execute("DELETE FROM owners WHERE owner = ?", (owner["owner"],))
                db.execute("UPDATE characters SET owner = NULL WHERE owner = ?", (owner["owner"],))
        # Rows whose owner left no trace at all (its entry was removed by another process).
        db.execute(
            "UPDATE characters SET owner = NULL WHERE owner IS NOT NULL"
            " AND owner NOT IN (SELECT owner FROM owners)"
        )

    def claim(
        self, *, skip: Iterable[str] = (), only: Iterable[str] | None = None
    ) -> LedgerRow | None:
        """Take the first unfinished row nobody live owns (in cast order), or ``None``.

        Args:
            skip: keys not to take (rows this process already gave up on in this run).
            only: take only rows with these keys.
        """
        skipped = set(skip)
        wanted = None if only is None else set(only)
        with self._write() as db:
            self._beat(db)  # registered before it owns anything
            if self.wall() >= self._forget_at:  # the owners' table is read a few times a minute
                self._forget_dead(db)
                self._forget_at = self.wall() + FORGET_EVERY
            candidates = db.execute(
                "SELECT * FROM characters WHERE outcome IS NULL AND owner IS NULL"
                " ORDER BY line, key"
            )
            for found in candidates:
                key = found["key"]
                if key in skipped or (wanted is not None and key not in wanted):
                    continue
                db.execute(
                    "UPDATE characters SET owner = ?, updated_at = ? WHERE key = ?",
                    (self.owner, self.wall(), key),
                )
                row = LedgerRow.from_db(found)
                row.owner = self.owner
                return row
        self._forget_at = 0.0  # none free: look for dead owners at the next claim
        return None

    def busy_elsewhere(self, only: Iterable[str] | None = None) -> int:
        """Unfinished rows (of ``only``, if given) that another live process holds."""
        wanted = None if only is None else set(only)
        found = self._db.execute(
            "SELECT c.key FROM characters c JOIN owners o ON c.owner = o.owner"
            " WHERE c.outcome IS NULL AND c.owner != ?",
            (self.owner,),
        ).fetchall()
        return sum(1 for row in found if wanted is None or row["key"] in wanted)

    def release(self, key: str, error: str | None = None) -> None:
        """Give a row back unfinished (another process, or a later run, takes it on)."""
        values: dict[str, Any] = {"owner": None}
        if error is not None:
            values["error"] = error
        self._update(key, **values)

    def release_all(self) -> None:
        """Give back every row this process holds and unregister it (a clean stop)."""
        with self._write() as db:
            db.execute("UPDATE characters SET owner = NULL WHERE owner = ?", (self.owner,))
            db.execute("DELETE FROM owners WHERE owner = ?", (self.owner,))

    # -- transitions --------------------------------------------------------------------------

    def character_ready(self, key: str, character_oid: str) -> None:
        """The character exists on the service with this id."""
        self._update(key, stage=CHARACTER, character_oid=character_oid, error=None)

    def reference_ready(self, key: str) -> None:
        """The character has a master reference: a job can be started."""
        self._update(key, stage=REFERENCE, error=None)

    def finish(self, key: str, outcome: str, error: str | None = None) -> None:
        """The row is done with ``outcome`` (and no longer claimed)."""
        self._update(key, outcome=outcome, error=error, owner=None)

    def record_intent(self, key: str, known: list[str]) -> str:
        """Before starting a job: the idempotency key it will be sent with, and the jobs the
        character already had (a job not among them, found on resume, is this intent's).
        Returns the idempotency key. Durable once :meth:`flush` returns: call it before the
        start is sent."""
        intent_key = str(uuid.uuid4())
        self._update(
            key,
            stage=INTENT,
            intent_key=intent_key,
            intent_known=json.dumps(known),
            intent_at=self.wall(),
        )
        return intent_key

    def flush(self) -> None:
        """Make every commit so far durable (one fsync of the log, ``synchronous=FULL``), so
        many intents recorded together cost one disk flush."""
        self._db.execute("PRAGMA synchronous=FULL")
        try:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('flushed_at', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(self.wall()),),
            )
        finally:
            self._db.execute("PRAGMA synchronous=NORMAL")

    def job_started(self, key: str, job_id: str, attempt: int) -> None:
        """A job runs for the row (started by this intent, or found by it)."""
        values = {"stage": STARTED, "job_id": job_id, "attempt": attempt, "shots_done": 0}
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO jobs (job_id, key, attempt, status, started_at)"
                " VALUES (?, ?, ?, 'pending', ?)",
                (job_id, key, attempt, self.wall()),
            )
            self._update_in(db, key, {**values, "job_status": "pending", "error": None})

    def job_ended(self, key: str, job_id: str, status: str, images: int, failed: int) -> None:
        """Record how a job ended (in ``jobs``; the row's stage is set by the next call)."""
        self._db.execute(
            "UPDATE jobs SET status = ?, images = ?, failed = ?, ended_at = ? WHERE job_id = ?",
            (status, images, failed, self.wall(), job_id),
        )

    def retry(self, key: str, error: str) -> None:
        """The job is not kept: back to a ready reference, for a new job."""
        self._update(key, stage=REFERENCE, job_id=None, shots_done=0, error=error)

    def job_finished(self, key: str, status: str, shots_done: int, failed: int) -> None:
        """The row's job ended and is kept; its images are to be saved."""
        self._update(
            key, stage=FINISHED, job_status=status, shots_done=shots_done, images_failed=failed
        )

    def saved(self, key: str, outcome: str, files: list[str], failed: int) -> None:
        """The images are on disk: the row is done."""
        self._update(
            key,
            stage=SAVED,
            outcome=outcome,
            images_saved=len(files),
            images_failed=failed,
            files=json.dumps(files),
            error=None,
            owner=None,
        )

    def progress(self, key: str, shots_done: int) -> None:
        """A job's shot count moved (kept for ``batch status``; not needed to resume)."""
        self._update(key, shots_done=shots_done)

    def summary(self) -> tuple[int, int, Counter[str]]:
        """Shots done and shots in all (a done character counts all its shots), and how many
        characters are at each outcome or, unfinished, each stage."""
        done = total = 0
        counts: Counter[str] = Counter()
        query = "SELECT stage, outcome, shots, shots_done FROM characters"
        for stage, outcome, shots, shots_done in self._db.execute(query):
            total += shots
            finished = outcome is not None or stage in (FINISHED, SAVED)
            done += shots if finished else min(shots_done, shots)
            counts[outcome or stage] += 1
        return done, total, counts
