"""The facts about one job: how it went (from the snapshots a watch saw), how it ended, and what
the server says about it afterwards.

The job is followed with the SDK's own :meth:`Jobs.watch <charlib.Jobs.watch>`, so the check
polls as any application would (adaptive policy, deadline, transient errors waited out). Each
lifecycle fact is then a pure function of the snapshots (:class:`Followed`), which keeps the
rules testable without a server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from charlib._contract.report import FACTS, FactResult
from charlib._contract.service import differs, holds, skipped
from charlib._exceptions import CharlibError, WaitTimeoutError
from charlib._models import JobState, JobStatus
from charlib._shots import shot_position

if TYPE_CHECKING:
    from charlib._client import Client
    from charlib._contract.probe import Probe

__all__ = ["Followed", "follow", "lifecycle_facts", "outcome_facts"]

_TASK = re.compile(
    r"Initializing\.\.\.|Starting core set generation\.\.\.|Completed|Generating (.+)"
)
_SHOTS = 27


@dataclass
class Followed:
    """What following a job saw: its snapshots (each change), its final status, or why not."""

    job_id: str
    image_count: int
    snapshots: list[JobStatus] = field(default_factory=list)
    problem: str | None = None  # set when the job was not seen to its end

    @property
    def final(self) -> JobStatus | None:
        """The final snapshot, if the job was seen to its end."""
        last = self.snapshots[-1] if self.snapshots else None
        return last if last is not None and last.is_terminal and self.problem is None else None

    @property
    def running(self) -> list[JobStatus]:
        """The snapshots before the final one."""
        return [s for s in self.snapshots if not s.is_terminal]


def follow(client: Client, probe: Probe, job_id: str, image_count: int, timeout: float) -> Followed:
    """Watch ``job_id`` to its end (or the deadline), keeping every change."""
    followed = Followed(job_id, image_count)
    # One look first: a body the SDK cannot read would otherwise be waited out to the deadline.
    first = probe.send("GET", f"api/v1/jobs/{job_id}/status")
    if first.status != 200 or probe.parse(first, JobStatus) is None:
        followed.problem = f"its status cannot be read: {first.describe()}"
        return followed
    try:
        for status in client.jobs.watch(job_id, timeout=timeout):
            probe.note(status)
            followed.snapshots.append(status)
    except WaitTimeoutError as error:
        followed.problem = f"the job had not ended after {timeout:g} s ({error.job_id} goes on)"
    except CharlibError as error:
        followed.problem = f"following the job failed: {error}"
    return followed


def _path(f: Followed) -> FactResult:
    order = {JobState.PENDING: 0, JobState.PROCESSING: 1}
    seen = [s.status.value for s in f.snapshots]
    ranks = [order.get(s.status, 2) for s in f.snapshots]
    if ranks != sorted(ranks) or any(s.is_terminal for s in f.snapshots[:-1]):
        shown = " -> ".join(dict.fromkeys(seen)) if len(seen) > 12 else " -> ".join(seen)
        defect = "D1" if "cancelled" in seen[:-1] else None
        return differs("job.status-path", shown, defect)
    return holds("job.status-path", " -> ".join(dict.fromkeys(seen)))


def _progress(f: Followed) -> FactResult:
    last: JobStatus | None = None
    for status in f.snapshots:
        if last is not None:
            now, before = status.progress, last.progress
            back = now.percentage < before.percentage and not status.is_terminal
            same_total = now.total == before.total
            if back or (same_total and now.current < before.current):
                return differs(
                    "job.progress",
                    f"{before.current}/{before.total} ({before.percentage:g}%) then "
                    f"{now.current}/{now.total} ({now.percentage:g}%)",
                )
        last = status
    return holds("job.progress", f"{len(f.snapshots)} snapshots, never back")


def _total(f: Followed) -> FactResult:
    totals = list(dict.fromkeys(s.progress.total for s in f.snapshots))
    changes = [s.progress.total for s in f.snapshots]
    runs = [t for i, t in enumerate(changes) if i == 0 or changes[i - 1] != t]
    if totals == [f.image_count]:
        return holds("job.total", f"{f.image_count} throughout")
    shown = " -> ".join(str(t) for t in runs[:8])
    defect = "D7" if _SHOTS in totals and f.image_count != _SHOTS else None
    return differs("job.total", f"total went {shown} (imageCount {f.image_count})", defect)


def _tasks(f: Followed) -> FactResult:
    for status in f.snapshots:
        task = status.progress.current_task
        if status.is_terminal and status.status is not JobState.COMPLETED:
            continue  # a failed or cancelled job keeps the task it stopped at
        match = _TASK.fullmatch(task or "")
        if match is None or (match.group(1) and shot_position(None, match.group(1)) is None):
            return differs("job.current-task", f"{task!r} ({status.status.value})")
    return holds("job.current-task", "all in the documented forms")


def _percentages(f: Followed) -> FactResult:
    for status in f.running:
        p = status.progress
        expected = (200 * p.current + p.total) // (2 * p.total) if p.total > 0 else 0
        if p.percentage != expected:
            return differs("job.percentage", f"{p.percentage:g}% at {p.current}/{p.total}")
    final = f.final
    if (
        final is not None
        and final.status is JobState.COMPLETED
        and final.progress.percentage != 100
    ):
        return differs("job.percentage", f"{final.progress.percentage:g}% when completed")
    return holds("job.percentage", "matches current/total throughout")


def _order(f: Followed) -> FactResult:
    """Shot ``current + 1`` runs at step ``current`` (catalogue order); the live service runs
    them in reverse, shot ``27 - current`` (D22). Judged on every step seen, not only the first
    (a fast server can finish a shot between two polls)."""
    steps = []
    for status in f.running:
        match = _TASK.fullmatch(status.progress.current_task or "")
        if match is not None and match.group(1):
            steps.append((status.progress.current, shot_position(None, match.group(1))))
    if not steps:
        return _order_of_results(f)
    shown = ", ".join(f"step {current}: #{position}" for current, position in steps[:3])
    if all(position == current + 1 for current, position in steps):
        return holds("job.shot-order", shown)
    reverse = all(position == _SHOTS - current for current, position in steps)
    return differs("job.shot-order", shown + (" (reverse order)" if reverse else ""),
                   "D22" if reverse else None)  # fmt: skip


def _order_of_results(f: Followed) -> FactResult:
    """The order from the results (images come in generation order), for a job that ran
    between two polls."""
    final = f.final
    images = final.results.generated_images if final and final.results else []
    found = [shot_position(image.shot_slug, image.angle) for image in images]
    positions = [position for position in found if position is not None]
    if not positions or len(positions) != len(found):
        return skipped("job.shot-order", "no 'Generating <shot>' state or known image was seen")
    shown = "images in the order #" + ", #".join(map(str, positions[:3]))
    if positions == sorted(positions):
        return holds("job.shot-order", shown)
    reverse = positions == sorted(positions, reverse=True)
    return differs("job.shot-order", shown, "D22" if reverse else None)


def _started(f: Followed) -> FactResult:
    pending = [s for s in f.snapshots if s.status is JobState.PENDING and s.started_at]
    stamps = list(dict.fromkeys(s.started_at for s in f.snapshots if s.started_at is not None))
    active = [s for s in f.snapshots if s.status is not JobState.PENDING]
    if any(s.started_at is None for s in active if s.status is not JobState.CANCELLED):
        return differs("job.started-at", "missing once the job was processing")
    if len(stamps) > 1:
        return differs("job.started-at", f"changed {len(stamps) - 1} times while running", "D5")
    if pending:
        return differs("job.started-at", "present while pending", "D21")
    return holds("job.started-at", "set once" if stamps else "never seen processing")


def _estimate(f: Followed) -> FactResult:
    missing = [s for s in f.running if s.estimated_completion_at is None]
    if not missing:
        return holds("job.estimate", f"in all {len(f.running)} running snapshots")
    first = missing[0].progress
    at = f"{first.current}/{first.total}, {first.percentage:g}%"
    return differs("job.estimate", f"missing in {len(missing)} snapshots (first at {at})", "D6")


def _gap_ms(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() * 1000


def _times(f: Followed, final: JobStatus) -> list[FactResult]:
    started, done = final.started_at, final.completed_at
    if done is None:
        defect = "D21" if final.status is JobState.CANCELLED else None
        timing = differs("job.completed-at", f"no completedAt on {final.status.value}", defect)
    elif started is not None and done < started:
        timing = differs("job.completed-at", "before startedAt")
    else:
        timing = holds("job.completed-at", "set, after startedAt")
    results = final.results
    if results is None or results.processing_time is None:
        spent = skipped("job.processing-time", "no results.processingTime")
    elif started is None or done is None:
        spent = skipped("job.processing-time", "no startedAt/completedAt to compare with")
    else:
        expected, given = _gap_ms(done, started), results.processing_time
        if abs(given - expected) <= 1000 and given > 0:
            spent = holds("job.processing-time", f"{given:g} ms")
        else:
            defect = "D4" if given <= 0 else None
            spent = differs("job.processing-time", f"{given:g} ms for {expected:g} ms", defect)
    return [timing, spent]


def lifecycle_facts(f: Followed) -> list[FactResult]:
    """The facts read from the snapshots, in catalogue order."""
    order = list(FACTS)
    names = order[order.index("job.status-path") : order.index("job.processing-time") + 1]
    final = f.final
    if not f.snapshots or final is None:
        why = f.problem or "the job was not seen to its end"
        return [skipped(name, why) for name in names]
    checks = (_path, _progress, _total, _tasks, _percentages, _order, _started, _estimate)
    return [check(f) for check in checks] + _times(f, final)


def outcome_facts(f: Followed, final: JobStatus) -> list[FactResult]:
    """``job.results`` to ``job.images``: what the final state carries."""
    results = final.results
    if results is None:
        defect = "D16" if final.status is JobState.FAILED else None
        missing = differs("job.results", f"{final.status.value} without results", defect)
        why = "the job has no results"
        rest = ("job.shot-count", "job.results-fields", "job.images")
        return [missing, *(skipped(name, why) for name in rest)]
    generated, failed = results.generated_images, results.failed_images
    out = [
        holds("job.results", f"{final.status.value}: {len(generated)} images, {len(failed)} failed")
    ]
    count = len(generated) + len(failed)
    if final.status is not JobState.COMPLETED:
        out.append(skipped("job.shot-count", f"the job is {final.status.value}"))
    elif count == f.image_count:
        out.append(holds("job.shot-count", f"{count} of imageCount {f.image_count}"))
    else:
        defect = "D7" if count == _SHOTS else None
        out.append(
            differs("job.shot-count", f"{count} shots for imageCount {f.image_count}", defect)
        )
    extra = sorted(results.model_extra or {})
    if not extra:
        out.append(holds("job.results-fields", "generatedImages, failedImages, totalAttempts, ..."))
    else:
        defect = "D17" if extra == ["success"] else None
        out.append(differs("job.results-fields", f"also {', '.join(extra)}", defect))
    out.append(_images(final))
    return out


def _images(final: JobStatus) -> FactResult:
    images = final.results.generated_images if final.results is not None else []
    if not images:
        return skipped("job.images", "no image was generated")
    blank = 0
    for image in images:
        if not image.url or image.quality is None or shot_position(None, image.angle) is None:
            return differs(
                "job.images", f"url {image.url!r}, angle {image.angle!r}, quality {image.quality!r}"
            )
        blank += not image.dino_asset_id
    if blank:
        return differs("job.images", f"{blank} of {len(images)} with an empty dinoAssetId", "D17")
    return holds("job.images", f"{len(images)} complete")
