"""The mock's behaviour behind the routes: characters, media, jobs, scheduling, admin state.

The engine owns the store, the clock and a lock. Every operation is synchronous and short, runs
under the lock, and takes "now" once, so a request sees one consistent instant. Routes (and the
in-process :class:`~mock_server.control.MockControl`) are thin layers over it.

Capacity and the queue
----------------------
At most ``capacity`` jobs process at once. Because a job's duration is known from its seed when it
is created, its slot start is computed right away: the earliest time a slot frees up (a heap of
the slots' busy-until times), i.e. first-come first-served. That start is stored as a fact, so a
queued job is simply "pending until ``start_ms``". A cancel (reference mode) frees its slot: the
jobs still waiting are then placed again, in creation order, from the cancel time on; jobs that
already started are never moved, so no observed past changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.bodies import GenerateOptions
from mock_server.cassettes import CASSETTE_PREFIX, Cassette
from mock_server.clock import Clock
from mock_server.domain import CancelOutcome, Conflict, NotFound, Precondition, Rule
from mock_server.faults import FaultInjector
from mock_server.lifecycle import (
    COMPLETED,
    PENDING,
    PROCESSING,
    TERMINAL,
    JobFacts,
    JobView,
    Plan,
    ShotRun,
    build_plan,
    next_write_after,
    status_at,
    view,
)
from mock_server.render import iso, media_id_for
from mock_server.replay import Replay, is_replay, lost_view
from mock_server.shots import SHOTS
from mock_server.store import IdempotencyRecord, JobQuery, Store

__all__ = ["MODES", "Engine", "JournalEntry", "default_capacity"]

MODES = ("reference", "upstream")
DEFAULT_CAPACITY = 4
#: "Unlimited" capacity: the upstream service starts every job at once.
UNLIMITED_CAPACITY = 1_000_000


def default_capacity(mode: str) -> int:
    """4 jobs at once in reference mode; no queue in upstream mode (as the live service)."""
    return UNLIMITED_CAPACITY if mode == "upstream" else DEFAULT_CAPACITY


JOURNAL_SIZE = 1000


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request as the mock saw it."""

    method: str
    path: str
    status: int
    time_ms: int
    fault: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The wire form used by ``GET /_mock/requests``."""
        entry: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "time": iso(self.time_ms),
        }
        if self.fault is not None:
            entry["fault"] = self.fault
        return entry


def _digest(*parts: object) -> bytes:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def _seed63(*parts: object) -> int:
    """A 63-bit seed (it must fit a signed SQLite INTEGER)."""
    return int.from_bytes(_digest(*parts)[:8], "big") >> 1


def _gallery_entry(run: ShotRun, media_id: str, dino_asset_id: str) -> dict[str, Any]:
    """A character's gallery entry for one generated shot (job results and core sets alike)."""
    shot = run.shot
    return {
        "imageFile": media_id,
        "isCoreReference": True,
        "referenceShot": shot.slug,
        "shotName": shot.name,
        "lens": shot.lens,
        "angle": shot.angle,
        "crop": shot.crop,
        "expression": shot.expression,
        "pose": shot.pose,
        "dinoAssetId": dino_asset_id,
        "qualityScore": run.quality,
    }


def slugify(name: str) -> str:
    """``characterId`` derived from a name: lower case, non-alphanumerics collapsed to ``-``."""
    out, dash = [], False
    for ch in name.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-") or "character"


class Engine:
    """State and rules of one mock server instance.

    Args:
        store: where facts live.
        clock: the server clock.
        mode: ``reference`` or ``upstream``.
        seed: the server seed (ids, plans, faults and scores derive from it).
        capacity: jobs processing at once; the rest wait as ``pending``.
        faults: the fault injector.
        media_base: absolute base for media URLs (default: the request's base URL).
        cassettes: recorded jobs to replay, by name (``X-Mock-Scenario: cassette:NAME``).
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        mode: str,
        seed: int,
        capacity: int,
        faults: FaultInjector,
        media_base: str | None = None,
        cassettes: Mapping[str, Cassette] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.lock = threading.RLock()
        self.store = store
        self.clock = clock
        self.mode = mode
        self.seed = seed
        self.capacity = capacity
        self.faults = faults
        self.media_base = media_base.rstrip("/") if media_base else None
        self.replays = {name: Replay(c) for name, c in (cassettes or {}).items()}
        self.default_scenario: str | None = None
        self.journal: deque[JournalEntry] = deque(maxlen=JOURNAL_SIZE)
        self.requests_total = 0
        self.requests_failed = 0
        self.started_monotonic = time.monotonic()
        self._heap: list[int] | None = None
        # Rendered bodies of final jobs, keyed by (job id, base URL): they never change.
        self.body_cache: dict[tuple[str, str], bytes] = {}
        with self.lock:
            saved = store.get_meta("clock")
            if saved:
                with contextlib.suppress(ValueError):
                    clock.restore(json.loads(saved))
            # After a restart "now" must not fall behind anything already stored.
            clock.not_before(store.max_fact_ms())
            now = clock.now_ms()
            if mode == "upstream":
                # D19: the live service loses in-flight jobs on restart; they stay as they were.
                store.freeze(now)
            self._save_clock()
            self._rebuild(now)

    # -- time ---------------------------------------------------------------------------------

    def now(self) -> int:
        """Server time (ms)."""
        return self.clock.now_ms()

    def _save_clock(self) -> None:
        self.store.set_meta("clock", json.dumps(self.clock.state()))

    def advance(self, seconds: float) -> int:
        """Move the clock forward; returns the new now."""
        with self.lock:
            self.clock.advance(seconds)
            self._save_clock()
            return self.now()

    def set_speed(self, speed: float) -> None:
        """Change the clock's speed (ValueError for a manual clock)."""
        with self.lock:
            self.clock.set_speed(speed)
            self._save_clock()

    # -- ids ----------------------------------------------------------------------------------

    def _object_id(self, kind: str, now: int) -> tuple[str, int]:
        seq = self.store.next_seq(kind)
        return f"{now // 1000 & 0xFFFFFFFF:08x}{_digest(self.seed, kind, seq).hex()[:16]}", seq

    def _job_id(self) -> tuple[str, int]:
        seq = self.store.next_seq("job")
        return str(uuid.UUID(bytes=_digest(self.seed, "job", seq)[:16], version=4)), seq

    # -- characters ---------------------------------------------------------------------------

    def create_character(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Insert a character; raises Conflict on a duplicate ``characterId``."""
        with self.lock, self.store.transaction():
            now = self.now()
            slug = fields.get("characterId") or slugify(fields["name"])
            if self.store.find_character_slug(slug) is not None:
                raise Conflict(f"characterId already exists: {slug}")
            char_id, seq = self._object_id("character", now)
            stamp = iso(now)
            doc: dict[str, Any] = {
                "id": char_id,
                "name": fields["name"],
                "characterId": slug,
                "status": fields.get("status", "draft"),
                **{k: v for k, v in fields.items() if k not in ("name", "characterId", "status")},
                "masterReferenceImage": None,
                "masterReferenceProcessed": False,
                "coreSetGenerated": False,
                "coreSetGeneratedAt": None,
                "imageGallery": [],
                "createdAt": stamp,
                "updatedAt": stamp,
            }
            self.store.add_character(doc, seq, now)
            return doc

    def character(self, char_id: str) -> dict[str, Any]:
        """A character document; raises NotFound."""
        with self.lock:
            doc = self.store.get_character(char_id)
        if doc is None:
            raise NotFound(Rule.CHARACTER_NOT_FOUND, char_id)
        return doc

    def update_character(self, char_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Apply a partial update."""
        with self.lock, self.store.transaction():
            doc = self.character(char_id)
            slug = fields.get("characterId")
            if slug is not None and slug != doc["characterId"]:
                other = self.store.find_character_slug(slug)
                if other is not None:
                    raise Conflict(f"characterId already exists: {slug}")
            doc = {**doc, **fields, "updatedAt": iso(self.now())}
            self.store.update_character(doc)
            return doc

    def gallery(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The character with the images of its completed 360 jobs merged into the gallery.

        Job results are derived, not written, so the merge happens on read (D20): reference mode
        appends every completed job's images after the stored (core-set) entries; upstream mode
        replaces the gallery with the latest completed job's images, as the live service does.
        Entries carry ``url`` as a path; routes make it absolute.
        """
        with self.lock:
            now = self.now()
            completed = JobQuery(
                character_id=doc["id"], job_type="360-set", status=COMPLETED, limit=100
            )
            jobs, _ = self.store.list_jobs(now, completed)
        if not jobs:
            return doc
        if self.mode == "upstream":
            jobs = jobs[:1]
        derived: list[dict[str, Any]] = []
        for job in reversed(jobs):  # oldest first
            for run in self._plan(job).succeeded:
                media_id = media_id_for(job.job_id, run.shot.slug)
                entry = _gallery_entry(run, media_id, f"dino-{media_id[:12]}")
                entry["url"] = f"/media/jobs/{job.job_id}/{run.shot.slug}.png"
                entry["sourceJobId"] = job.job_id
                derived.append(entry)
        stored = [] if self.mode == "upstream" else list(doc.get("imageGallery", []))
        return {
            **doc,
            "imageGallery": stored + derived,
            "coreSetGenerated": True,
            "coreSetGeneratedAt": max(
                filter(None, [doc.get("coreSetGeneratedAt"), iso(jobs[0].end_ms)])
            ),
        }

    def delete_character(self, char_id: str) -> None:
        """Delete a character (its jobs stay)."""
        with self.lock:
            if not self.store.delete_character(char_id):
                raise NotFound(Rule.CHARACTER_NOT_FOUND, char_id)

    def list_characters(
        self, search: str | None, page: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of characters and the total."""
        with self.lock:
            return self.store.list_characters(search, limit, (page - 1) * limit)

    # -- media and the master reference -------------------------------------------------------

    def media(self, media_id: str) -> dict[str, Any] | None:
        """A media record."""
        with self.lock:
            return self.store.get_media(media_id)

    def _new_media(
        self, now: int, *, alt: str, width: int, height: int, url: str | None
    ) -> dict[str, Any]:
        media_id, _ = self._object_id("media", now)
        stamp = iso(now)
        return {
            "id": media_id,
            "filename": f"{media_id}.png",
            "mimeType": "image/png",
            "alt": alt,
            "width": width,
            "height": height,
            # Stored relative when the mock serves the file; rendered absolute per request.
            "url": url or f"/media/{media_id}.png",
            "dinoAssetId": f"dino-{media_id[:12]}",
            "dinoProcessingStatus": "validation_success",
            "createdAt": stamp,
            "updatedAt": stamp,
        }

    def set_reference(
        self, char_id: str, media_id: str | None, image_url: str | None, dino: str | None
    ) -> dict[str, Any]:
        """Attach a master reference by media id, or create one from an external URL (D24)."""
        with self.lock, self.store.transaction():
            now = self.now()
            doc = self.character(char_id)
            if media_id is not None:
                media = self.store.get_media(media_id)
                if media is None:
                    raise NotFound(Rule.MEDIA_NOT_FOUND, media_id)
            else:
                media = self._new_media(now, alt=doc["name"], width=0, height=0, url=image_url)
                if dino:
                    media["dinoAssetId"] = dino
                self.store.add_media(media)
            doc = {
                **doc,
                "masterReferenceImage": media["id"],
                "masterReferenceProcessed": bool(media.get("dinoAssetId")),
                "updatedAt": iso(now),
            }
            self.store.update_character(doc)
            return media

    def reset_reference(self, char_id: str) -> None:
        """Drop the master reference and everything derived from it."""
        with self.lock, self.store.transaction():
            doc = self.character(char_id)
            doc = {
                **doc,
                "masterReferenceImage": None,
                "masterReferenceProcessed": False,
                "coreSetGenerated": False,
                "coreSetGeneratedAt": None,
                "imageGallery": [],
                "updatedAt": iso(self.now()),
            }
            self.store.update_character(doc)

    def generate_initial_image(
        self, char_id: str, prompt: str, width: int, height: int
    ) -> tuple[dict[str, Any], dict[str, Any], int]:
        """Create a master reference image; returns (character, media, quality)."""
        with self.lock, self.store.transaction():
            now = self.now()
            doc = self.character(char_id)
            if doc.get("masterReferenceImage"):
                raise Precondition(Rule.HAS_REFERENCE)
            media = self._new_media(now, alt=prompt[:200], width=width, height=height, url=None)
            self.store.add_media(media)
            doc = {
                **doc,
                "masterReferenceImage": media["id"],
                "masterReferenceProcessed": True,
                "updatedAt": iso(now),
            }
            self.store.update_character(doc)
            quality = 80 + _digest(self.seed, media["id"])[0] % 16
            return doc, media, quality

    def reference_media(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """The character's master reference media, if any."""
        ref = doc.get("masterReferenceImage")
        if not ref:
            return None
        with self.lock:
            return self.store.get_media(str(ref))

    # -- jobs ---------------------------------------------------------------------------------

    def _place(self, now: int, duration: int) -> int:
        """Slot start for a new job (first come, first served) and book the slot."""
        if self._heap is None:
            self._rebuild(now)
        heap = self._heap
        assert heap is not None
        free_at = now
        while len(heap) >= self.capacity:
            free_at = max(free_at, heapq.heappop(heap))
        start = max(now, free_at)
        heapq.heappush(heap, start + duration)
        return start

    def _rebuild(self, now: int) -> None:
        """Recompute the slots from stored facts; move jobs still waiting if slots freed up."""
        active = self.store.active_jobs(now)
        heap = [j.end_ms for j in active if j.start_ms <= now]
        heapq.heapify(heap)
        changes: list[tuple[str, int, int]] = []
        for job in active:
            if job.start_ms <= now:
                continue
            free_at = now
            while len(heap) >= self.capacity:
                free_at = max(free_at, heapq.heappop(heap))
            start = max(now, free_at)
            end = start + (job.end_ms - job.start_ms)
            heapq.heappush(heap, end)
            if start != job.start_ms:
                changes.append((job.job_id, start, end))
        if changes:
            self.store.set_schedule(changes)
        self._heap = heap

    def set_capacity(self, capacity: int) -> None:
        """Change how many jobs process at once (waiting jobs are placed again)."""
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        with self.lock:
            self.capacity = capacity
            self._rebuild(self.now())

    def job_seed(self, options: GenerateOptions, seq: int) -> int:
        """A job's plan seed: from ``customSeed`` when given (repeatable), else its number."""
        if options.custom_seed is not None:
            return _seed63(self.seed, "custom", options.custom_seed)
        return _seed63(self.seed, "plan", seq)

    def _replay_of(self, job: JobFacts) -> Replay | None:
        """The cassette a replayed job follows (None: not a replay, or its cassette is not
        loaded, e.g. after a restart without it)."""
        if not is_replay(job):
            return None
        return self.replays.get(job.scenario.removeprefix(CASSETTE_PREFIX))

    def _view(self, job: JobFacts, now: int) -> JobView:
        """What a client sees of ``job`` now: its timeline, or its cassette's (replay)."""
        if not is_replay(job):
            return view(job, now)
        replay = self._replay_of(job)
        return lost_view(job, now) if replay is None else replay.view(job, now)

    def _plan(self, job: JobFacts) -> Plan:
        """A job's generation run: its seeded plan, or its cassette's recorded results."""
        if not is_replay(job):
            return job.plan()
        replay = self._replay_of(job)
        return replay.plan if replay is not None else Plan((), (), (), (), (), 0, 0)

    def _replay_job(self, replay: Replay, char_id: str, now: int) -> JobFacts:
        """Store a job that replays ``replay``; it holds a slot for the recording's length."""
        job_id, seq = self._job_id()
        slot = self._place(now, replay.cassette.duration_ms)
        job = replay.facts(
            job_id=job_id, seq=seq, character_id=char_id, now=now, slot=slot, mode=self.mode
        )
        self.store.add_job(job)
        return job

    def _require_reference(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The character's master reference; Precondition when it has none usable."""
        media = self.reference_media(doc)
        if media is None:
            raise Precondition(Rule.NO_REFERENCE)
        if not media.get("dinoAssetId"):
            raise Precondition(Rule.REFERENCE_WITHOUT_DINO)
        return media

    def create_job(self, char_id: str, options: GenerateOptions, scenario: str | None) -> JobFacts:
        """Accept a generate-360-set request: store the job's facts.

        Raises:
            NotFound: no such character.
            Precondition: no master reference with a DINO asset id; or the ``partial``
                scenario (asked for, or the server's default) for a single shot (reference mode).
        """
        with self.lock, self.store.transaction():
            self._require_reference(self.character(char_id))
            scenario = scenario or self.default_scenario or "random"
            if scenario.startswith(CASSETTE_PREFIX):
                replay = self.replays[scenario.removeprefix(CASSETTE_PREFIX)]
                return self._replay_job(replay, char_id, self.now())
            # The header's or the server's default: a `partial` job that cannot be partial is
            # refused loudly rather than quietly succeeding.
            if scenario == "partial" and self.mode != "upstream" and options.image_count < 2:
                raise Precondition(Rule.PARTIAL_NEEDS_TWO)
            now = self.now()
            job_id, seq = self._job_id()
            seed = self.job_seed(options, seq)
            plan = build_plan(
                seed=seed,
                shot_count=options.image_count,
                max_attempts=options.max_attempts,
                scenario=scenario,
                mode=self.mode,
            )
            start = self._place(now, plan.duration_ms)
            job = JobFacts(
                job_id=job_id,
                seq=seq,
                character_id=char_id,
                created_ms=now,
                start_ms=start,
                end_ms=start + plan.duration_ms,
                outcome=plan.outcome,
                seed=seed,
                image_count=options.image_count,
                max_attempts=options.max_attempts,
                scenario=scenario,
                mode=self.mode,
                request=options.request_data(),
            )
            self.store.add_job(job)
            return job

    def job(self, job_id: str) -> tuple[JobFacts, JobView] | None:
        """A job's facts and its view now, or None."""
        with self.lock:
            job = self.store.get_job(job_id)
            now = self.now()
        if job is None:
            return None
        return job, self._view(job, now)

    def has_result_image(self, job_id: str, slug: str) -> bool:
        """Whether the job's visible results include an image of the shot ``slug``."""
        found = self.job(job_id)
        if found is None or found[1].results is None:
            return False
        return any(r.succeeded and r.shot.slug == slug for r in found[1].results.runs)

    def cancel(self, job_id: str) -> CancelOutcome:
        """Cancel a job, by the mode's rules (CONTRACT §8).

        Raises:
            NotFound: no such job.
            Precondition: the job is already final (``detail`` is its status).
        """
        with self.lock, self.store.transaction():
            job = self.store.get_job(job_id)
            if job is None:
                raise NotFound(Rule.JOB_NOT_FOUND, job_id)
            now = self.now()
            status = status_at(job, now)
            if status in TERMINAL:
                raise Precondition(Rule.JOB_FINAL, status)
            if self.mode == "upstream":
                if job.frozen_ms is not None:
                    # D2: not in this process's active set: claims success, changes nothing.
                    return CancelOutcome.NOT_RUNNING_HERE
                # D1: the worker's next progress write flips it back to processing.
                replay = self._replay_of(job)
                until = (
                    next_write_after(job, now)
                    if replay is None
                    else replay.next_change_after(job, now)
                )
                self.store.set_cancel(job_id, now, until)
                return CancelOutcome.CANCELLED
            self.store.set_cancel(job_id, now, None)
            self._rebuild(now)  # its slot is free from now on
            return CancelOutcome.CANCELLED

    def list_jobs(self, query: JobQuery) -> tuple[list[tuple[JobFacts, JobView]], int]:
        """A page of jobs (newest first) with their views, and the total matching."""
        with self.lock:
            now = self.now()
            jobs, total = self.store.list_jobs(now, query)
        return [(j, self._view(j, now)) for j in jobs], total

    # -- the legacy synchronous core set ------------------------------------------------------

    def core_set_plan(
        self, char_id: str, options: dict[str, Any], scenario: str | None
    ) -> tuple[Plan, int]:
        """Plan a synchronous core-set run; returns (plan, server time it will finish).

        Raises:
            NotFound: no such character.
            Precondition: no master reference, or one not processed (with a DINO asset id).
        """
        with self.lock:
            doc = self.character(char_id)
            if self.reference_media(doc) is None:
                raise Precondition(Rule.NO_REFERENCE)
            if not doc.get("masterReferenceProcessed"):
                raise Precondition(Rule.REFERENCE_UNPROCESSED)
            self._require_reference(doc)
            now = self.now()
            seq = self.store.next_seq("coreset")
            custom = options.get("customSeed")
            basis = ("custom", custom) if custom is not None else ("coreset", seq)
            plan = build_plan(
                seed=_seed63(self.seed, *basis),
                shot_count=len(SHOTS),
                max_attempts=options["maxRetries"],
                scenario=scenario or self.default_scenario or "random",
                mode="reference",
                quality_threshold=options["qualityThreshold"],
            )
            return plan, now + plan.duration_ms

    def finish_core_set(self, char_id: str, plan: Plan) -> tuple[dict[str, Any], list[Any]]:
        """Store the images of a finished core-set run; returns (character, gallery entries)."""
        with self.lock, self.store.transaction():
            now = self.now()
            try:
                doc = self.character(char_id)
            except NotFound:
                raise NotFound(Rule.CHARACTER_GONE, char_id) from None
            entries: list[dict[str, Any]] = []
            for run in plan.succeeded:
                media = self._new_media(now, alt=run.shot.name, width=48, height=64, url=None)
                self.store.add_media(media)
                entry = _gallery_entry(run, media["id"], media["dinoAssetId"])
                entry["consistencyScore"] = 80 + _digest(media["id"])[0] % 20
                entries.append(entry)
            if entries:
                doc = {
                    **doc,
                    "imageGallery": [*doc.get("imageGallery", []), *entries],  # sync path appends
                    "coreSetGenerated": True,
                    "coreSetGeneratedAt": iso(now),
                    "updatedAt": iso(now),
                }
                self.store.update_character(doc)
            return doc, entries

    # -- seeding ------------------------------------------------------------------------------

    def seed_shots(self, *, clean: bool, dry_run: bool) -> bool:
        """Mark the shot library seeded (it is built in); returns whether it already was."""
        with self.lock:
            already = self.store.get_meta("shots_seeded") == "1" and not clean
            if not dry_run:
                self.store.set_meta("shots_seeded", "1")
            return already

    # -- idempotency --------------------------------------------------------------------------

    def idempotent(
        self,
        scope: str,
        fingerprint: str,
        produce: Any,
    ) -> tuple[int, bytes, tuple[tuple[str, str], ...], bool]:
        """Run ``produce()`` once per (scope, fingerprint); replay its response afterwards.

        ``produce`` returns (status, body bytes, headers). Runs under the engine lock, so two
        identical concurrent requests create one thing. Raises Conflict when the key was used
        with a different request. Returns (status, body, headers, replayed).
        """
        with self.lock, self.store.transaction():
            record = self.store.get_idempotent(scope)
            if record is not None:
                if record.fingerprint != fingerprint:
                    raise Conflict("Idempotency-Key was already used with a different request")
                return record.status, record.body, record.headers, True
            status, body, headers = produce()
            if status < 500:
                self.store.put_idempotent(
                    IdempotencyRecord(scope, fingerprint, status, body, headers, self.now())
                )
            return status, body, headers, False

    # -- admin --------------------------------------------------------------------------------

    def record(self, method: str, path: str, status: int, fault: str | None) -> None:
        """Add a request to the journal and the error-rate counters."""
        entry = JournalEntry(method, path, status, self.now(), fault)
        with self.lock:
            self.journal.append(entry)
            self.requests_total += 1
            if status >= 500 or status == 429 or fault not in (None, "latency"):
                self.requests_failed += 1  # every injected fault but a delay spoils the answer

    def reset(self) -> None:
        """Forget all data, faults, scenario and journal (the clock keeps its time)."""
        with self.lock:
            self.store.reset()
            self._save_clock()
            self.faults.set(None)
            self.default_scenario = None
            self.journal.clear()
            self.body_cache.clear()
            self.requests_total = self.requests_failed = 0
            self._heap = None

    def stats(self) -> dict[str, Any]:
        """Counts and distributions for ``GET /_mock/stats``."""
        with self.lock:
            now = self.now()
            counts = self.store.count_by_status(now)
            finished = self.store.finished_jobs(now, 1000)
            total, failed = self.requests_total, self.requests_failed
        durations = [j.end_ms - j.start_ms for j in finished]
        qualities: list[int] = []
        for job in finished:
            qualities.extend(r.quality for r in self._plan(job).succeeded if r.quality is not None)
        buckets = {f"{low}-{low + 9}": 0 for low in range(70, 100, 10)}
        for q in qualities:
            low = min(90, max(70, q // 10 * 10))
            buckets[f"{low}-{low + 9}"] += 1
        return {
            "jobs": {"total": sum(counts.values()), "byStatus": counts},
            "activeJobs": counts.get(PROCESSING, 0),
            "queueDepth": counts.get(PENDING, 0),
            "capacity": self.capacity,
            "requests": {"total": total, "errors": failed},
            "errorRate": (failed / total) if total else 0.0,
            "meanProcessingTimeMs": (sum(durations) / len(durations)) if durations else None,
            "quality": {
                "count": len(qualities),
                "mean": (sum(qualities) / len(qualities)) if qualities else None,
                "min": min(qualities) if qualities else None,
                "max": max(qualities) if qualities else None,
                "histogram": buckets,
            },
            "sampledJobs": len(finished),
        }
