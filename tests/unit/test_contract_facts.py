"""The job facts of the contract check as pure functions of snapshots (no server)."""

from __future__ import annotations

from typing import Any

import pytest

from charlib import JobStatus
from charlib._contract.job import Followed, lifecycle_facts, outcome_facts
from charlib.contract import Verdict

T0 = "2026-01-01T00:00:00.000Z"
T1 = "2026-01-01T00:01:00.000Z"
T2 = "2026-01-01T00:02:00.000Z"
SHOT1 = "Generating 35mm FRONT FULL (Enhanced)"
SHOT2 = "Generating 35mm 3Q LEFT (Enhanced)"


def snap(status: str, current: int, total: int, task: str | None, **more: Any) -> JobStatus:
    """One snapshot as a server would send it."""
    percentage = (200 * current + total) // (2 * total) if total else 0
    progress = {"current": current, "total": total, "percentage": percentage, "currentTask": task}
    return JobStatus.model_validate({"jobId": "j", "status": status, "progress": progress, **more})


def followed(*snapshots: JobStatus, count: int = 2) -> Followed:
    """What a watch of a ``count``-image job saw."""
    return Followed("j", count, list(snapshots))


GOOD = (
    snap("pending", 0, 2, "Initializing...", estimatedCompletionAt=T2),
    snap("processing", 0, 2, SHOT1, startedAt=T0, estimatedCompletionAt=T2),
    snap("processing", 1, 2, SHOT2, startedAt=T0, estimatedCompletionAt=T2),
    snap(
        "completed", 2, 2, "Completed", startedAt=T0, completedAt=T1,
        results={"generatedImages": [], "failedImages": [], "processingTime": 60_000},
    ),
)  # fmt: skip


def _verdicts(f: Followed) -> dict[str, tuple[Verdict, str | None]]:
    return {fact.id: (fact.verdict, fact.defect) for fact in lifecycle_facts(f)}


def test_a_clean_job_holds_everywhere() -> None:
    """A job as the reference server runs it: every lifecycle fact holds."""
    assert {v for v, _ in _verdicts(followed(*GOOD)).values()} == {Verdict.HOLDS}


@pytest.mark.parametrize(
    ("snapshots", "fact", "defect"),
    [
        (  # D1: cancelled, then processing again
            (GOOD[1], snap("cancelled", 0, 2, SHOT1, startedAt=T0), GOOD[2], GOOD[3]),
            "job.status-path",
            "D1",
        ),
        (  # D21: startedAt while pending
            (
                snap("pending", 0, 2, "Initializing...", startedAt=T0, estimatedCompletionAt=T2),
                *GOOD[1:],
            ),
            "job.started-at",
            "D21",
        ),
        (  # D5: startedAt rewritten
            (
                GOOD[1],
                snap("processing", 1, 2, SHOT2, startedAt=T1, estimatedCompletionAt=T2),
                GOOD[3],
            ),
            "job.started-at",
            "D5",
        ),
        (  # D6: no estimate at 0 %
            (snap("processing", 0, 2, SHOT1, startedAt=T0), *GOOD[2:]),
            "job.estimate",
            "D6",
        ),
        (  # an invented task format
            (
                snap(
                    "processing",
                    0,
                    2,
                    "Generating front_85mm shot",
                    startedAt=T0,
                    estimatedCompletionAt=T2,
                ),
                GOOD[3],
            ),
            "job.current-task",
            None,
        ),
        (  # progress going back
            (GOOD[2], GOOD[1], GOOD[3]),
            "job.progress",
            None,
        ),
    ],
)
def test_quirks_are_recognised(
    snapshots: tuple[JobStatus, ...], fact: str, defect: str | None
) -> None:
    """Each bad snapshot sequence makes its fact differ, naming the defect when it is known."""
    assert _verdicts(followed(*snapshots))[fact] == (Verdict.DIFFERS, defect)


def test_a_failed_job_without_results_is_d16() -> None:
    """Upstream drops a failed job's results (D16); the facts that need them are skipped."""
    final = snap("failed", 1, 2, SHOT2, startedAt=T0, completedAt=T1, error="x")
    facts = {fact.id: fact for fact in outcome_facts(followed(GOOD[1], final), final)}
    assert (facts["job.results"].verdict, facts["job.results"].defect) == (Verdict.DIFFERS, "D16")
    assert facts["job.images"].verdict is Verdict.SKIPPED


def test_processing_time_zero_is_d4() -> None:
    """``processingTime`` 0 for a minute's work is D4."""
    final = GOOD[3].model_copy(deep=True)
    assert final.results is not None
    final.results.processing_time = 0
    assert _verdicts(followed(*GOOD[:3], final))["job.processing-time"] == (Verdict.DIFFERS, "D4")


def test_an_unfinished_job_skips_every_lifecycle_fact() -> None:
    """Not seen to the end (a deadline): every lifecycle fact is skipped with the reason."""
    f = followed(GOOD[1])
    f.problem = "the job had not ended after 5 s"
    facts = lifecycle_facts(f)
    assert {fact.verdict for fact in facts} == {Verdict.SKIPPED}
    assert {fact.seen for fact in facts} == {"the job had not ended after 5 s"}
    assert len(facts) == 10


def test_shot_order_from_the_results_when_no_step_was_seen() -> None:
    """A job that ran between two polls: the order comes from its images (D22 when reversed)."""

    def done(*names: str) -> JobStatus:
        images = [{"url": "u", "angle": name, "quality": 80, "dinoAssetId": "d"} for name in names]
        return snap(
            "completed", 2, 2, "Completed", startedAt=T0, completedAt=T1,
            results={"generatedImages": images, "processingTime": 60_000},
        )  # fmt: skip

    first, second = "35mm FRONT FULL (Enhanced)", "35mm 3Q LEFT (Enhanced)"
    assert _verdicts(followed(done(first, second)))["job.shot-order"] == (Verdict.HOLDS, None)
    assert _verdicts(followed(done(second, first)))["job.shot-order"] == (Verdict.DIFFERS, "D22")
