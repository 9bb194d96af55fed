"""Where the mock keeps its facts: one interface, an in-memory and a SQLite implementation.

A store holds characters, media records, job facts (:class:`~mock_server.lifecycle.JobFacts`),
idempotency records and a few metadata values (sequence counters, the clock's anchor). It never
holds a job's *status*: that is derived from the facts and the clock by one rule,
:func:`~mock_server.lifecycle.status_of` (and whether a job holds a capacity slot by
:func:`~mock_server.lifecycle.holds_slot`). The memory store calls them in its loops; the SQLite
store registers them as SQL functions (``job_status``, ``job_holds_slot``) and calls them in its
queries, so no store has a copy of the timeline of its own.

Stores are not thread-safe on their own; the engine serialises every call with its lock.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from mock_server.lifecycle import (
    COMPLETED,
    FAILED,
    JOB_STATUSES,
    JobFacts,
    holds_slot,
    is_active,
    plain_window,
    status_of,
)
from mock_server.status_index import StatusIndex

__all__ = [
    "IdempotencyRecord",
    "JobQuery",
    "MemoryStore",
    "SQLiteStore",
    "Store",
    "StoreUnavailable",
    "open_store",
]


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """The response remembered for one ``Idempotency-Key``."""

    scope: str  # "METHOD path key"
    fingerprint: str
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    created_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class JobQuery:
    """One request for a page of the job list: the filters and the page, as one value.

    It travels whole from the route through the engine to a store, so every layer agrees on what
    the job list's filter is. A filter left None matches every job; ``status`` is the status
    derived at the time the list is read.
    """

    status: str | None = None
    job_type: str | None = None
    character_id: str | None = None
    page: int = 1  # from 1
    limit: int

    def __post_init__(self) -> None:
        if self.page < 1 or self.limit < 1:
            raise ValueError(f"page and limit must be at least 1, got {self.page}, {self.limit}")

    @property
    def offset(self) -> int:
        """How many matching jobs (newest first) come before the page."""
        return (self.page - 1) * self.limit


class Store(Protocol):
    """The storage interface shared by :class:`MemoryStore` and :class:`SQLiteStore`."""

    def get_meta(self, key: str) -> str | None:
        """A metadata value, or None."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata value."""
        ...

    def next_seq(self, name: str) -> int:
        """The next number (1, 2, ...) of a named, persistent counter."""
        ...

    def add_character(self, doc: dict[str, Any], seq: int, created_ms: int) -> None:
        """Insert a character document (its ``id`` and ``characterId`` must be unique)."""
        ...

    def get_character(self, char_id: str) -> dict[str, Any] | None:
        """A character by id."""
        ...

    def find_character_slug(self, slug: str) -> dict[str, Any] | None:
        """A character by its ``characterId`` slug."""
        ...

    def update_character(self, doc: dict[str, Any]) -> None:
        """Replace a character document (same id)."""
        ...

    def delete_character(self, char_id: str) -> bool:
        """Delete a character; False if it did not exist."""
        ...

    def list_characters(
        self, search: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of characters, newest first, and the total matching."""
        ...

    def add_media(self, doc: dict[str, Any]) -> None:
        """Insert a media record."""
        ...

    def get_media(self, media_id: str) -> dict[str, Any] | None:
        """A media record by id."""
        ...

    def add_job(self, job: JobFacts) -> None:
        """Insert job facts."""
        ...

    def get_job(self, job_id: str) -> JobFacts | None:
        """Job facts by id."""
        ...

    def set_schedule(self, changes: list[tuple[str, int, int]]) -> None:
        """Move jobs' (start_ms, end_ms), given as (job_id, start_ms, end_ms)."""
        ...

    def set_cancel(self, job_id: str, cancelled_ms: int, until_ms: int | None) -> None:
        """Record a cancel (``until_ms``: upstream mode, when the cancel stops showing)."""
        ...

    def freeze(self, now: int) -> int:
        """Upstream restart: freeze every job still running at ``now``; returns how many."""
        ...

    def active_jobs(self, now: int) -> list[JobFacts]:
        """Jobs holding or waiting for a capacity slot at ``now``, oldest first."""
        ...

    def list_jobs(self, now: int, query: JobQuery) -> tuple[list[JobFacts], int]:
        """A page of jobs, newest first, and the total matching (status derived at ``now``)."""
        ...

    def count_by_status(self, now: int) -> dict[str, int]:
        """How many jobs are in each status at ``now``."""
        ...

    def finished_jobs(self, now: int, limit: int) -> list[JobFacts]:
        """Up to ``limit`` most recent completed or failed jobs."""
        ...

    def max_fact_ms(self) -> int:
        """The latest time written in any fact (0 if none), to keep the clock ahead of it."""
        ...

    def get_idempotent(self, scope: str) -> IdempotencyRecord | None:
        """The remembered response for an idempotency scope."""
        ...

    def put_idempotent(self, record: IdempotencyRecord) -> None:
        """Remember a response."""
        ...

    def reset(self) -> None:
        """Forget everything (metadata included, except the clock anchor)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes: all of them are stored, or none (re-entrant)."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


class MemoryStore:
    """Everything in dictionaries; gone when the process ends."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything except the clock anchor."""
        clock = getattr(self, "_meta", {}).get("clock")
        self._meta: dict[str, str] = {} if clock is None else {"clock": clock}
        self._chars: dict[str, tuple[int, int, dict[str, Any]]] = {}
        self._slugs: dict[str, str] = {}
        self._media: dict[str, dict[str, Any]] = {}
        self._jobs: dict[str, JobFacts] = {}
        self._order: list[str] = []  # job ids in creation order (a job's rank is its index)
        self._rank: dict[str, int] = {}
        self._index = StatusIndex()
        self._idem: dict[str, IdempotencyRecord] = {}

    def close(self) -> None:
        """Nothing to release."""

    def transaction(self) -> AbstractContextManager[None]:
        """Nothing to group: memory writes cannot be half done by a crash."""
        return nullcontext()

    def get_meta(self, key: str) -> str | None:
        """A metadata value."""
        return self._meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata value."""
        self._meta[key] = value

    def next_seq(self, name: str) -> int:
        """Increment a counter."""
        value = int(self._meta.get("seq:" + name, "0")) + 1
        self._meta["seq:" + name] = str(value)
        return value

    def add_character(self, doc: dict[str, Any], seq: int, created_ms: int) -> None:
        """Insert a character."""
        self._chars[doc["id"]] = (created_ms, seq, doc)
        self._slugs[doc["characterId"]] = doc["id"]

    def get_character(self, char_id: str) -> dict[str, Any] | None:
        """A character by id."""
        row = self._chars.get(char_id)
        return None if row is None else row[2]

    def find_character_slug(self, slug: str) -> dict[str, Any] | None:
        """A character by slug."""
        char_id = self._slugs.get(slug)
        return None if char_id is None else self.get_character(char_id)

    def update_character(self, doc: dict[str, Any]) -> None:
        """Replace a character."""
        created, seq, old = self._chars[doc["id"]]
        self._slugs.pop(old["characterId"], None)
        self._chars[doc["id"]] = (created, seq, doc)
        self._slugs[doc["characterId"]] = doc["id"]

    def delete_character(self, char_id: str) -> bool:
        """Delete a character."""
        row = self._chars.pop(char_id, None)
        if row is None:
            return False
        self._slugs.pop(row[2]["characterId"], None)
        return True

    def list_characters(
        self, search: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Newest first, optionally filtered by a case-insensitive substring."""
        rows = sorted(self._chars.values(), key=lambda r: (r[0], r[1]), reverse=True)
        docs = [r[2] for r in rows]
        if search:
            needle = search.lower()
            docs = [
                d
                for d in docs
                if needle in str(d.get("name", "")).lower()
                or needle in str(d.get("characterId", "")).lower()
            ]
        return docs[offset : offset + limit], len(docs)

    def add_media(self, doc: dict[str, Any]) -> None:
        """Insert a media record."""
        self._media[doc["id"]] = doc

    def get_media(self, media_id: str) -> dict[str, Any] | None:
        """A media record."""
        return self._media.get(media_id)

    def add_job(self, job: JobFacts) -> None:
        """Insert job facts."""
        self._jobs[job.job_id] = job
        self._rank[job.job_id] = self._index.add(job)
        self._order.append(job.job_id)

    def _replace(self, job: JobFacts) -> None:
        """Store changed facts of a stored job (and tell the index)."""
        self._jobs[job.job_id] = job
        self._index.update(self._rank[job.job_id], job)

    def get_job(self, job_id: str) -> JobFacts | None:
        """Job facts by id."""
        return self._jobs.get(job_id)

    def set_schedule(self, changes: list[tuple[str, int, int]]) -> None:
        """Move jobs' slots."""
        for job_id, start, end in changes:
            self._replace(replace(self._jobs[job_id], start_ms=start, end_ms=end))

    def set_cancel(self, job_id: str, cancelled_ms: int, until_ms: int | None) -> None:
        """Record a cancel."""
        job = self._jobs[job_id]
        self._replace(replace(job, cancelled_ms=cancelled_ms, cancel_until_ms=until_ms))

    def freeze(self, now: int) -> int:
        """Freeze running jobs (upstream restart)."""
        count = 0
        for job in self.active_jobs(now):
            self._replace(replace(job, frozen_ms=now))
            count += 1
        return count

    def active_jobs(self, now: int) -> list[JobFacts]:
        """Jobs holding or waiting for a slot."""
        # Scanning from the newest backwards stops early only if ends were monotonic; they are
        # not (durations differ), so scan everything — this runs on create-after-cancel only.
        jobs = (self._jobs[job_id] for job_id in self._order)
        return [job for job in jobs if is_active(job, now)]

    def list_jobs(self, now: int, query: JobQuery) -> tuple[list[JobFacts], int]:
        """Filter newest first, from the status index: a page costs the page.

        The index lists each status's jobs (all, by character, by type) in creation order, each
        status from :func:`~mock_server.lifecycle.status_at` at ``now``; only a job type asked
        together with a character is checked job by job, over that character's jobs.
        """
        ranks, job_type = self._index.ranks(
            now, character_id=query.character_id, job_type=query.job_type, status=query.status
        )
        order, jobs = self._order, self._jobs
        offset, limit = query.offset, query.limit
        if job_type is None:
            end = len(ranks) - offset
            page_ranks = ranks[max(0, end - limit) : max(0, end)]
            return [jobs[order[rank]] for rank in reversed(page_ranks)], len(ranks)
        page: list[JobFacts] = []
        stop = offset + limit
        total = 0
        for rank in reversed(ranks):
            job = jobs[order[rank]]
            if job.job_type != job_type:
                continue
            if offset <= total < stop:
                page.append(job)
            total += 1
        return page, total

    def count_by_status(self, now: int) -> dict[str, int]:
        """Count per derived status (the index's list lengths)."""
        return self._index.counts(now)

    def finished_jobs(self, now: int, limit: int) -> list[JobFacts]:
        """Most recent completed/failed jobs."""
        ranks = self._index.newest(now, (COMPLETED, FAILED), limit)
        return [self._jobs[self._order[rank]] for rank in ranks]

    def max_fact_ms(self) -> int:
        """Latest stored time."""
        best = 0
        for job in self._jobs.values():
            best = max(best, job.created_ms, job.cancelled_ms or 0)
        for created, _, _ in self._chars.values():
            best = max(best, created)
        return best

    def get_idempotent(self, scope: str) -> IdempotencyRecord | None:
        """A remembered response."""
        return self._idem.get(scope)

    def put_idempotent(self, record: IdempotencyRecord) -> None:
        """Remember a response."""
        self._idem[record.scope] = record


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS characters (
    id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    seq INTEGER NOT NULL, created_ms INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS characters_created ON characters (created_ms, seq);
CREATE TABLE IF NOT EXISTS media (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, character_id TEXT NOT NULL,
    job_type TEXT NOT NULL, created_ms INTEGER NOT NULL, start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL, outcome TEXT NOT NULL, seed INTEGER NOT NULL,
    image_count INTEGER NOT NULL, max_attempts INTEGER NOT NULL, scenario TEXT NOT NULL,
    mode TEXT NOT NULL, request TEXT NOT NULL, cancelled_ms INTEGER, cancel_until_ms INTEGER,
    frozen_ms INTEGER);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_ms, seq);
CREATE INDEX IF NOT EXISTS jobs_character ON jobs (character_id, created_ms, seq);
CREATE INDEX IF NOT EXISTS jobs_type ON jobs (job_type, created_ms, seq);
CREATE INDEX IF NOT EXISTS jobs_end ON jobs (end_ms);
CREATE INDEX IF NOT EXISTS jobs_plain_end ON jobs (end_ms, start_ms, outcome)
    WHERE cancelled_ms IS NULL AND frozen_ms IS NULL;
CREATE INDEX IF NOT EXISTS jobs_plain_start ON jobs (start_ms)
    WHERE cancelled_ms IS NULL AND frozen_ms IS NULL;
CREATE INDEX IF NOT EXISTS jobs_other ON jobs (created_ms, seq)
    WHERE cancelled_ms IS NOT NULL OR frozen_ms IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
    body BLOB NOT NULL, headers TEXT NOT NULL, created_ms INTEGER NOT NULL);
"""

# The columns every query selects and every insert writes, in this order: each holds the
# JobFacts field of the same name (``request`` as JSON text).
_JOB_COLUMNS = (
    "job_id, seq, character_id, job_type, created_ms, start_ms, end_ms, outcome, seed, "
    "image_count, max_attempts, scenario, mode, request, cancelled_ms, cancel_until_ms, frozen_ms"
)
_JOB_FIELDS = tuple(name.strip() for name in _JOB_COLUMNS.split(","))

# The lifecycle rules, called from SQL over a row's columns (registered on every connection; the
# file itself refers to no function, so any SQLite client can still open it). ``:now`` is the
# server time. ``end_ms > :now`` adds nothing to holds_slot (which implies it): it only lets the
# ``jobs_end`` index skip the finished jobs before the rule is called.
_STATUS_CALL = (
    "job_status(:now, start_ms, end_ms, outcome, cancelled_ms, cancel_until_ms, frozen_ms)"
)
_ACTIVE_WHERE = (
    "end_ms > :now AND job_holds_slot(:now, end_ms, cancelled_ms, cancel_until_ms, frozen_ms)"
)


# A plain job (never cancelled, never frozen) has its status by comparisons of its start and end
# with now (lifecycle.plain_window: status_of in the form of ranges, which the partial indexes
# above serve); any other job is asked job_status. The two conditions split the table.
_PLAIN = "cancelled_ms IS NULL AND frozen_ms IS NULL"
_OTHER = "(cancelled_ms IS NOT NULL OR frozen_ms IS NOT NULL)"


def _plain_where(status: str, now: int) -> tuple[str, dict[str, Any]] | None:
    """The condition on a plain job's columns for ``status`` at ``now``, with its parameters
    (None: no plain job has that status)."""
    window = plain_window(status, now)
    if window.empty:
        return None
    clauses = [_PLAIN]
    params: dict[str, Any] = {"status": status}
    for name, column, op, value in (
        ("start_from", "start_ms", ">=", window.start_from),
        ("start_until", "start_ms", "<", window.start_until),
        ("end_from", "end_ms", ">=", window.end_from),
        ("end_until", "end_ms", "<", window.end_until),
    ):
        if value is not None:
            clauses.append(f"{column} {op} :{name}")
            params[name] = value
    if window.outcome is not None:
        clauses.append("outcome = :status")
    return " AND ".join(clauses), params


def _job_to_row(job: JobFacts) -> tuple[Any, ...]:
    """The values of ``job`` for the columns ``_JOB_COLUMNS`` names."""
    return tuple(
        json.dumps(job.request, ensure_ascii=False) if name == "request" else getattr(job, name)
        for name in _JOB_FIELDS
    )


def _job_from_row(row: tuple[Any, ...]) -> JobFacts:
    """The facts of a row selected as ``_JOB_COLUMNS``."""
    fields = dict(zip(_JOB_FIELDS, row, strict=True))
    fields["request"] = json.loads(fields["request"])
    return JobFacts(**fields)


class StoreUnavailable(Exception):
    """The database file cannot be used; ``str(exc)`` says why in one line (never a traceback)."""


def _claim(path: str) -> int:
    """Take the lock that makes one server the only user of ``path`` (a ``.lock`` file beside it).

    Two processes on one file would each keep their own capacity slots and caches, so the second
    refuses to start instead. Returns the descriptor holding the lock (closing it releases it; the
    operating system releases it too when the process dies, even by kill -9).
    """
    if path == ":memory:":
        return -1  # private to this connection: nobody to share it with
    try:
        fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StoreUnavailable(f"cannot open the database {path}: {exc.strerror}") from None
    if fcntl is None:  # pragma: no cover - Windows has no flock: one server per file is up to you
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StoreUnavailable(
            f"the database {path} is in use by another mock server (one server per file)"
        ) from None
    return fd


def _check_columns(db: sqlite3.Connection) -> None:
    """Refuse a database whose ``jobs`` table is not the mock's (another program's file)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    if not have:
        return  # a new file: the schema is created next
    missing = [name for name in _JOB_FIELDS if name not in have]
    if missing:
        raise sqlite3.DatabaseError(f"its jobs table lacks {', '.join(missing)}")


def _connect(path: str) -> sqlite3.Connection:
    """A connection to the mock's database at ``path``, schema in place (closed if unusable)."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        db.create_function("job_status", 7, status_of, deterministic=True)
        db.create_function("job_holds_slot", 5, holds_slot, deterministic=True)
        db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process; only an OS crash could lose the last commit.
        db.execute("PRAGMA synchronous=NORMAL")
        _check_columns(db)
        db.executescript(_SCHEMA)
    except sqlite3.Error:
        db.close()
        raise
    return db


class SQLiteStore:
    """Durable facts in a SQLite file (WAL; every change is committed before it is answered).

    A process killed at any instant loses nothing that a client was told about: the write that
    creates a job is committed before its 202 is sent.

    Args:
        path: the database file (created if missing).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = _claim(self.path)
        try:
            self._db = _connect(self.path)
        except sqlite3.Error as exc:
            if self._lock >= 0:
                os.close(self._lock)
            raise StoreUnavailable(f"{self.path} is not a usable mock database ({exc})") from None
        self._depth = 0

    def close(self) -> None:
        """Close the connection and let another server use the file."""
        self._db.close()
        if self._lock >= 0:
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = -1

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One SQLite transaction around the block; nested blocks join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._depth = 0

    def _one(self, sql: str, params: Any = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._db.execute(sql, params).fetchone()
        return row

    def reset(self) -> None:
        """Delete every row (the clock anchor survives)."""
        with self.transaction():
            for table in ("characters", "media", "jobs", "idempotency"):
                self._db.execute(f"DELETE FROM {table}")
            self._db.execute("DELETE FROM meta WHERE key != 'clock'")

    def get_meta(self, key: str) -> str | None:
        """A metadata value."""
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata value."""
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def next_seq(self, name: str) -> int:
        """Increment a counter atomically."""
        with self.transaction():
            row = self._one("SELECT value FROM meta WHERE key = ?", ("seq:" + name,))
            value = (int(row[0]) if row else 0) + 1
            self.set_meta("seq:" + name, str(value))
        return value

    def add_character(self, doc: dict[str, Any], seq: int, created_ms: int) -> None:
        """Insert a character."""
        self._db.execute(
            "INSERT INTO characters (id, slug, name, seq, created_ms, doc) VALUES (?,?,?,?,?,?)",
            (doc["id"], doc["characterId"], doc.get("name", ""), seq, created_ms, json.dumps(doc)),
        )

    def get_character(self, char_id: str) -> dict[str, Any] | None:
        """A character by id."""
        row = self._one("SELECT doc FROM characters WHERE id = ?", (char_id,))
        return None if row is None else dict(json.loads(row[0]))

    def find_character_slug(self, slug: str) -> dict[str, Any] | None:
        """A character by slug."""
        row = self._one("SELECT doc FROM characters WHERE slug = ?", (slug,))
        return None if row is None else dict(json.loads(row[0]))

    def update_character(self, doc: dict[str, Any]) -> None:
        """Replace a character."""
        self._db.execute(
            "UPDATE characters SET slug = ?, name = ?, doc = ? WHERE id = ?",
            (doc["characterId"], doc.get("name", ""), json.dumps(doc), doc["id"]),
        )

    def delete_character(self, char_id: str) -> bool:
        """Delete a character."""
        cur = self._db.execute("DELETE FROM characters WHERE id = ?", (char_id,))
        return cur.rowcount > 0

    def list_characters(
        self, search: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Newest first, optionally filtered by a case-insensitive substring."""
        where, params = "", {}
        if search:
            escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where = "WHERE lower(name) LIKE :pat ESCAPE '\\' OR lower(slug) LIKE :pat ESCAPE '\\'"
            params = {"pat": f"%{escaped}%"}
        total_row = self._one(f"SELECT COUNT(*) FROM characters {where}", params)
        rows = self._db.execute(
            f"SELECT doc FROM characters {where} ORDER BY created_ms DESC, seq DESC "
            "LIMIT :limit OFFSET :offset",
            {**params, "limit": limit, "offset": offset},
        ).fetchall()
        return [dict(json.loads(r[0])) for r in rows], int(total_row[0]) if total_row else 0

    def add_media(self, doc: dict[str, Any]) -> None:
        """Insert a media record."""
        self._db.execute("INSERT INTO media (id, doc) VALUES (?, ?)", (doc["id"], json.dumps(doc)))

    def get_media(self, media_id: str) -> dict[str, Any] | None:
        """A media record."""
        row = self._one("SELECT doc FROM media WHERE id = ?", (media_id,))
        return None if row is None else dict(json.loads(row[0]))

    def add_job(self, job: JobFacts) -> None:
        """Insert job facts."""
        self._db.execute(
            f"INSERT INTO jobs ({_JOB_COLUMNS}) VALUES ({', '.join('?' * len(_JOB_FIELDS))})",
            _job_to_row(job),
        )

    def get_job(self, job_id: str) -> JobFacts | None:
        """Job facts by id."""
        row = self._one(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE job_id = ?", (job_id,))
        return None if row is None else _job_from_row(row)

    def set_schedule(self, changes: list[tuple[str, int, int]]) -> None:
        """Move jobs' slots in one transaction."""
        with self.transaction():
            self._db.executemany(
                "UPDATE jobs SET start_ms = ?, end_ms = ? WHERE job_id = ?",
                [(start, end, job_id) for job_id, start, end in changes],
            )

    def set_cancel(self, job_id: str, cancelled_ms: int, until_ms: int | None) -> None:
        """Record a cancel."""
        self._db.execute(
            "UPDATE jobs SET cancelled_ms = ?, cancel_until_ms = ? WHERE job_id = ?",
            (cancelled_ms, until_ms, job_id),
        )

    def freeze(self, now: int) -> int:
        """Freeze running jobs (upstream restart)."""
        cur = self._db.execute(
            f"UPDATE jobs SET frozen_ms = :now WHERE {_ACTIVE_WHERE}", {"now": now}
        )
        return cur.rowcount

    def active_jobs(self, now: int) -> list[JobFacts]:
        """Jobs holding or waiting for a slot (uses the end_ms index)."""
        rows = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs WHERE {_ACTIVE_WHERE} ORDER BY seq",
            {"now": now},
        ).fetchall()
        return [_job_from_row(r) for r in rows]

    def list_jobs(self, now: int, query: JobQuery) -> tuple[list[JobFacts], int]:
        """Filter newest first: plain jobs by the ranges of their times, the others (cancelled
        or frozen, few) by the ``job_status`` SQL function."""
        clauses: list[str] = []
        params: dict[str, Any] = {"now": now, "limit": query.limit, "offset": query.offset}
        if query.character_id is not None:
            clauses.append("character_id = :cid")
            params["cid"] = query.character_id
        if query.job_type is not None:
            clauses.append("job_type = :jtype")
            params["jtype"] = query.job_type
        status = query.status
        if status is None:
            where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
            total_row = self._one(f"SELECT COUNT(*) FROM jobs {where}", params)
            total = int(total_row[0]) if total_row else 0
        else:
            params["status"] = status
            found = _plain_where(status, now)
            other = f"{_OTHER} AND {_STATUS_CALL} = :status"
            total = self._count([*clauses, other], params)
            either = other
            if found is not None:
                plain, window = found
                params.update(window)
                total += self._count([*clauses, plain], params)
                either = f"(({plain}) OR ({other}))"
            where = "WHERE " + " AND ".join([*clauses, either])
        rows = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs {where} "
            "ORDER BY created_ms DESC, seq DESC LIMIT :limit OFFSET :offset",
            params,
        ).fetchall()
        return [_job_from_row(r) for r in rows], total

    def _count(self, clauses: list[str], params: dict[str, Any]) -> int:
        row = self._one(f"SELECT COUNT(*) FROM jobs WHERE {' AND '.join(clauses)}", params)
        return int(row[0]) if row else 0

    def count_by_status(self, now: int) -> dict[str, int]:
        """Count per derived status: plain jobs by ranges (indexed), the others by the rule."""
        counts = dict.fromkeys(JOB_STATUSES, 0)
        for status in JOB_STATUSES:
            found = _plain_where(status, now)
            if found is not None:
                counts[status] += self._count([found[0]], found[1])
        rows = self._db.execute(
            f"SELECT {_STATUS_CALL}, COUNT(*) FROM jobs WHERE {_OTHER} GROUP BY 1", {"now": now}
        ).fetchall()
        for status, count in rows:
            counts[str(status)] += int(count)
        return counts

    def finished_jobs(self, now: int, limit: int) -> list[JobFacts]:
        """Most recent completed/failed jobs."""
        rows = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs WHERE {_STATUS_CALL} IN (:completed, :failed) "
            "ORDER BY created_ms DESC, seq DESC LIMIT :limit",
            {"now": now, "limit": limit, "completed": COMPLETED, "failed": FAILED},
        ).fetchall()
        return [_job_from_row(r) for r in rows]

    def max_fact_ms(self) -> int:
        """Latest stored time."""
        row = self._one(
            "SELECT MAX(COALESCE((SELECT MAX(MAX(created_ms, COALESCE(cancelled_ms, 0))) "
            "FROM jobs), 0), COALESCE((SELECT MAX(created_ms) FROM characters), 0))"
        )
        return int(row[0]) if row and row[0] is not None else 0

    def get_idempotent(self, scope: str) -> IdempotencyRecord | None:
        """A remembered response."""
        row = self._one(
            "SELECT scope, fingerprint, status, body, headers, created_ms FROM idempotency "
            "WHERE scope = ?",
            (scope,),
        )
        if row is None:
            return None
        headers = tuple((str(k), str(v)) for k, v in json.loads(row[4]))
        return IdempotencyRecord(row[0], row[1], row[2], bytes(row[3]), headers, row[5])

    def put_idempotent(self, record: IdempotencyRecord) -> None:
        """Remember a response."""
        self._db.execute(
            "INSERT OR REPLACE INTO idempotency "
            "(scope, fingerprint, status, body, headers, created_ms) VALUES (?,?,?,?,?,?)",
            (
                record.scope,
                record.fingerprint,
                record.status,
                record.body,
                json.dumps(record.headers),
                record.created_ms,
            ),
        )


def open_store(db_path: str | Path | None) -> Store:
    """A :class:`SQLiteStore` at ``db_path``, or a :class:`MemoryStore` when it is None."""
    if db_path is None:
        return MemoryStore()
    return SQLiteStore(db_path)
