"""Replaying a cassette: a recorded job's timeline as a job of the mock, on the mock's clock.

A replayed job is stored like any other (:class:`~mock_server.lifecycle.JobFacts`, its scenario
``cassette:NAME``), so listing, filtering, capacity and cancel treat it as a job: its facts say
when it holds its slot (from the slot start to the recorded end), when it starts processing (the
recorded end of ``pending``), its outcome (the recorded final status) and, if the recording
caught the live service flipping a cancelled job back to processing (D1), that cancel window.
:func:`~mock_server.lifecycle.status_of` therefore decides its status, as for every job.

What a client sees is then the recorded body of that status at the time reached on the
recording (:func:`replay_view`), with the job's own id, character id and media URLs in place of
the recorded ones, and every timestamp moved by the same amount as the timeline. Recorded image
URLs become the mock's placeholders (``/media/jobs/<jobId>/<slug>.png``). A cancel on the mock
(or a queue wait the recording never had) shows the nearest recorded body with the status
changed, so the body and the job list never disagree.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Any

from mock_server import lifecycle
from mock_server.cassettes import CASSETTE_PREFIX, Cassette, Step, parse_time
from mock_server.lifecycle import JobFacts, JobView, Plan
from mock_server.render import QUEUED_MESSAGE, iso, media_id_for
from mock_server.shots import SHOTS, Shot

__all__ = ["Replay", "is_replay", "lost_view"]

_TIMES = ("startedAt", "completedAt", "estimatedCompletionAt", "createdAt", "updatedAt")
_SLUG = re.compile(r"[a-z0-9_]{1,64}")
_BY_NAME = {shot.name: shot for shot in SHOTS}
_BY_SLUG = {shot.slug: shot for shot in SHOTS}
_MIN_EMBEDDED_ID = 8


def is_replay(job: JobFacts) -> bool:
    """Whether ``job`` replays a cassette."""
    return job.scenario.startswith(CASSETTE_PREFIX)


def _int(value: Any, default: int = 0) -> int:
    return (
        round(value) if isinstance(value, int | float) and not isinstance(value, bool) else default
    )


def _recorded_shot(index: int, image: dict[str, Any], taken: set[str]) -> Shot:
    """The catalogue shot a recorded image is of (by slug, else name), or a stand-in."""
    slug, name = image.get("shotSlug"), image.get("angle")
    shot = _BY_SLUG.get(slug) if isinstance(slug, str) else None
    shot = shot or (_BY_NAME.get(name) if isinstance(name, str) else None)
    if shot is None:
        label = name if isinstance(name, str) else f"Recorded image {index + 1}"
        own = slug if isinstance(slug, str) and _SLUG.fullmatch(slug) else f"recorded_{index + 1}"
        shot = Shot(index + 1, label, own, 0, "", "", "", "", "", 0, 0, 0.0, "recorded")
    if shot.slug in taken:  # two images of one shot: each still needs its own file
        shot = replace(shot, slug=f"{shot.slug[:54]}_{index + 1}", category="recorded")
    taken.add(shot.slug)
    return shot


def _plan(cassette: Cassette) -> Plan:
    """The recorded results as a :class:`Plan` (for the gallery, stats and media files)."""
    results = cassette.steps[-1].body.get("results") or {}
    generated = results.get("generatedImages") or []
    failed = results.get("failedImages") or []
    taken: set[str] = set()
    shots = [_recorded_shot(i, image, taken) for i, image in enumerate(generated)]
    shots += [_recorded_shot(len(generated) + i, image, taken) for i, image in enumerate(failed)]
    qualities = [_int(image.get("quality"), 0) for image in generated] + [None] * len(failed)
    attempts = [(0,)] * len(generated) + [(0,) * max(1, _int(i.get("attempts"), 1)) for i in failed]
    return Plan(
        tuple(shots),
        (0,) * len(shots),
        tuple(attempts),
        tuple(qualities),
        (False,) * len(shots),
        0,
        cassette.duration_ms,
    )


@dataclass(frozen=True)
class Replay:
    """A loaded cassette, ready to be started as jobs (one per ``generate-360-set``)."""

    cassette: Cassette
    plan: Plan = field(init=False)
    offsets: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plan", _plan(self.cassette))
        object.__setattr__(self, "offsets", tuple(s.offset_ms for s in self.cassette.steps))

    @property
    def scenario(self) -> str:
        """The scenario its jobs are stored with."""
        return CASSETTE_PREFIX + self.cassette.name

    @property
    def image_count(self) -> int:
        """The recorded ``imageCount`` (else the first total seen), within 1-27."""
        request = self.cassette.request or {}
        first = self.cassette.steps[0].body.get("progress", {}).get("total")
        count = _int(request.get("imageCount"), _int(first, len(SHOTS)))
        return min(max(count, 1), len(SHOTS))

    def facts(
        self, *, job_id: str, seq: int, character_id: str, now: int, slot: int, mode: str
    ) -> JobFacts:
        """A new job replaying this cassette, its slot starting at ``slot``."""
        cassette = self.cassette
        window = cassette.cancel_window
        request = dict(cassette.request or {})
        return JobFacts(
            job_id=job_id,
            seq=seq,
            character_id=character_id,
            created_ms=now,
            start_ms=slot + cassette.start_offset_ms,
            end_ms=slot + cassette.duration_ms,
            outcome=cassette.outcome,
            seed=0,
            image_count=self.image_count,
            max_attempts=min(max(_int(request.get("maxRetries"), 3), 1), 10),
            scenario=self.scenario,
            mode=mode,
            request=request,
            cancelled_ms=None if window is None else slot + window[0],
            cancel_until_ms=None if window is None else slot + window[1],
        )

    def anchor(self, job: JobFacts) -> int:
        """Server time at which the job is at the recording's first step."""
        return job.start_ms - self.cassette.start_offset_ms

    def next_change_after(self, job: JobFacts, t: int) -> int:
        """When the next recorded body after ``t`` shows (a cancel shows until then, D1)."""
        anchor = self.anchor(job)
        k = bisect_right(self.offsets, t - anchor)
        return anchor + self.offsets[k] if k < len(self.offsets) else job.end_ms

    def _latest(self, rel: int, status: str) -> Step | None:
        """The last recorded step of ``status`` at or before ``rel`` (else the first after)."""
        steps = self.cassette.steps
        k = bisect_right(self.offsets, rel)
        for step in reversed(steps[:k]):
            if step.status == status:
                return step
        return next((s for s in steps[k:] if s.status == status), None)

    def view(self, job: JobFacts, now: int) -> JobView:
        """What a client sees of the replayed ``job`` at server time ``now``."""
        status = lifecycle.status_at(job, now)
        anchor = self.anchor(job)
        t = now if job.frozen_ms is None else min(now, job.frozen_ms)
        cancel = job.cancelled_ms
        if (
            status == lifecycle.CANCELLED
            and cancel is not None
            and cancel <= t < (job.cancel_until_ms or t + 1)
        ):
            at = cancel - anchor
            step = self._latest(at, lifecycle.CANCELLED)
            if step is not None and step.offset_ms <= at:
                return self._show(job, step.body, status, anchor)
            seen = self._latest(at, lifecycle.PROCESSING) or self._latest(at, lifecycle.PENDING)
            return self._show(job, _cancelled(seen, job), status, anchor)
        if status in lifecycle.TERMINAL:
            return self._show(job, self.cassette.steps[-1].body, status, anchor)
        step = self._latest(t - anchor, status)
        if step is None:  # queued on the mock, before anything the recording saw
            return self._show(job, self._queued(), status, anchor)
        return self._show(job, step.body, status, anchor)

    def _queued(self) -> dict[str, Any]:
        total = _int(self.cassette.steps[0].body.get("progress", {}).get("total"))
        progress = {"current": 0, "total": total, "percentage": 0, "currentTask": "Initializing..."}
        return {"success": True, "jobId": self.cassette.job_id, "status": lifecycle.PENDING,
                "progress": progress, "message": QUEUED_MESSAGE}  # fmt: skip

    def _show(self, job: JobFacts, recorded: Any, status: str, anchor: int) -> JobView:
        body = _substitute(self.cassette, job, recorded, anchor - self.cassette.origin_ms)
        results = body.get("results")
        if isinstance(results, dict):
            _own_media(results, job.job_id, self.plan)
        body["status"] = status
        raw = body.get("progress")
        progress: dict[str, Any] = raw if isinstance(raw, dict) else {}
        task = progress.get("currentTask")
        return JobView(
            status,
            _int(progress.get("current")),
            _int(progress.get("total")),
            _int(progress.get("percentage")),
            task if isinstance(task, str) else None,
            parse_time(body.get("startedAt")),
            parse_time(body.get("completedAt")),
            parse_time(body.get("estimatedCompletionAt")),
            body.get("error") if isinstance(body.get("error"), str) else None,
            self.plan if "results" in body else None,
            recorded=body,
        )


def _cancelled(seen: Step | None, job: JobFacts) -> dict[str, Any]:
    """The body a cancel on the mock shows: the step it froze, marked cancelled."""
    body = dict(seen.body) if seen is not None else {"success": True, "progress": {}}
    for key in ("results", "error", "estimatedCompletionAt", "completedAt"):
        body.pop(key, None)
    body["message"] = "Job was cancelled."
    if job.mode != "upstream" or job.cancel_until_ms is None:
        body["completedAt"] = iso(job.cancelled_ms or 0)
    return body


def _substitute(cassette: Cassette, job: JobFacts, recorded: Any, shift: int) -> dict[str, Any]:
    """``recorded`` with the job's ids, its media and timestamps moved by ``shift`` ms."""
    pairs = [(cassette.job_id, job.job_id)]
    if cassette.character_id:
        pairs.append((cassette.character_id, job.character_id))

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            for old, new in pairs:
                # Inside longer text (a poll URL, a message) only an id too long to be a word.
                if value == old or len(old) >= _MIN_EMBEDDED_ID:
                    value = value.replace(old, new)
            return value
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    body: dict[str, Any] = swap(dict(recorded))
    if "characterId" in body:
        body["characterId"] = job.character_id
    for key in _TIMES:
        at = parse_time(body.get(key))
        if at is not None:
            body[key] = iso(max(0, at + shift))
    return body


def _own_media(results: dict[str, Any], job_id: str, plan: Plan) -> None:
    """Point each recorded image at the mock's placeholder of this job (in place)."""
    images = results.get("generatedImages")
    if not isinstance(images, list):
        return
    for image, shot in zip(images, plan.shots, strict=False):
        if not isinstance(image, dict):
            continue
        media_id = media_id_for(job_id, shot.slug)
        image["url"] = f"/media/jobs/{job_id}/{shot.slug}.png"
        if "mediaId" in image:
            image["mediaId"] = media_id
        if isinstance(image.get("dinoAssetId"), str) and image["dinoAssetId"]:
            image["dinoAssetId"] = f"dino-{media_id[:12]}"


def lost_view(job: JobFacts, now: int) -> JobView:
    """A replayed job whose cassette this server has not loaded (restarted without it): its
    status from its facts, and a message saying what is missing."""
    status = lifecycle.status_at(job, now)
    name = job.scenario.removeprefix(CASSETTE_PREFIX)
    progress = {"current": 0, "total": job.image_count, "percentage": 0}
    body = {
        "success": True,
        "jobId": job.job_id,
        "status": status,
        "progress": progress,
        "message": f"This job replays the cassette {name}, which this server has not loaded.",
    }
    return JobView(status, 0, job.image_count, 0, None, None, None, None, recorded=body)
