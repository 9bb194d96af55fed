"""Wire models: every golden body parses into the right model; aliases, extras, enums, dates."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

import charlib
from charlib._response import make_status_error

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "contract"

# Golden success bodies -> the model that parses them.
SUCCESS_BODIES: dict[str, type[BaseModel]] = {
    "accepted-202": charlib.JobAccepted,
    "cancel-ok-200": charlib.CancelResult,
    "list-200": charlib.JobPage,
    "status-cancelled": charlib.JobStatus,
    "status-completed-partial": charlib.JobStatus,
    "status-failed": charlib.JobStatus,
    "status-pending": charlib.JobStatus,
    "status-processing": charlib.JobStatus,
}
# Golden error bodies -> (HTTP status they come with, exception class).
ERROR_BODIES: dict[str, tuple[int, type[charlib.APIStatusError]]] = {
    "cancel-terminal-400": (400, charlib.BadRequestError),
    "start-no-master-reference-400": (400, charlib.MasterReferenceRequiredError),
    "start-unknown-character-upstream-500": (500, charlib.NotFoundError),
    "status-not-found-404": (404, charlib.NotFoundError),
}


def golden(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_every_golden_file_is_covered() -> None:
    """Each JSON file in the contract fixtures appears in one of the tables below."""
    names = {path.stem for path in FIXTURES.glob("*.json")}
    assert names == set(SUCCESS_BODIES) | set(ERROR_BODIES)


@pytest.mark.parametrize(("name", "model"), SUCCESS_BODIES.items())
def test_golden_success_body_parses(name: str, model: type[BaseModel]) -> None:
    """The body parses, and dumping it by alias gives back every wire field."""
    body = golden(name)
    parsed = model.model_validate(body)
    dumped = parsed.model_dump(by_alias=True, exclude_unset=True, mode="json")
    assert set(dumped) == set(body)


@pytest.mark.parametrize(("name", "expected"), ERROR_BODIES.items())
def test_golden_error_body_maps_to_its_exception(
    name: str, expected: tuple[int, type[charlib.APIStatusError]]
) -> None:
    """The body, with its status, becomes the documented exception with the server's text."""
    status, error = expected
    body = golden(name)
    request = httpx.Request("GET", "https://charlib.test/x")
    exc = make_status_error(httpx.Response(status, json=body, request=request))
    assert type(exc) is error
    assert (body.get("error") or body.get("message")) in str(exc)


def test_partial_status_fields() -> None:
    """The partial-success example exposes results, images, timings and aware datetimes."""
    status = charlib.JobStatus.model_validate(golden("status-completed-partial"))
    assert status.status is charlib.JobState.COMPLETED
    assert status.is_terminal
    assert status.is_partial
    results = status.results
    assert results is not None
    assert results.generated_images[0].dino_asset_id == "dino-66f1d2aa0b01"
    assert results.generated_images[1].dino_asset_id is None
    assert results.failed_images[0] == charlib.FailedImage(
        angle="35mm 3Q RIGHT (Enhanced)", error="Image generation failed", attempts=3
    )
    assert results.total_attempts == 5
    assert results.processing_time == 94350
    assert status.completed_at == datetime(2025, 10, 2, 9, 15, 42, 450000, tzinfo=timezone.utc)
    assert status.progress.current_task == "Completed"


def test_processing_status_fields() -> None:
    """A running job has progress and an estimate; optional fields are None when absent."""
    status = charlib.JobStatus.model_validate(golden("status-processing"))
    assert not status.is_terminal
    assert not status.is_partial
    assert status.progress == charlib.JobProgress(
        current=10,
        total=27,
        percentage=37,
        current_task="Generating 85mm PROFILE RIGHT MCU (Enhanced)",
    )
    assert status.estimated_completion_at is not None
    assert status.estimated_completion_at.tzinfo is not None
    assert status.completed_at is None
    assert status.results is None
    assert status.server_date is None


def test_failed_status_without_results() -> None:
    """A failed job (upstream style) has an error and no results."""
    status = charlib.JobStatus.model_validate(golden("status-failed"))
    assert status.status is charlib.JobState.FAILED
    assert status.error == "No images were successfully generated"
    assert status.results is None


@pytest.mark.parametrize(
    ("state", "terminal"),
    [
        ("pending", False),
        ("processing", False),
        ("completed", True),
        ("failed", True),
        ("cancelled", True),
    ],
)
def test_terminal_states(state: str, terminal: bool) -> None:
    """Exactly completed, failed and cancelled are terminal."""
    assert charlib.JobState(state).is_terminal is terminal


def test_unknown_enum_values_are_tolerated() -> None:
    """A state or job type this version does not know parses, compares by value, not terminal."""
    status = charlib.JobStatus.model_validate(
        {"jobId": "j", "status": "paused", "jobType": "video-set"}
    )
    assert status.status == "paused"
    assert str(status.status) == "paused"
    assert not status.is_terminal
    assert status.job_type == "video-set"
    assert charlib.JobState("paused") == charlib.JobState("paused")
    assert charlib.JobState("completed") is charlib.JobState.COMPLETED


def test_non_string_state_is_rejected() -> None:
    """A non-string state is a validation error, not a pseudo-member."""
    with pytest.raises(ValueError):
        charlib.JobState(3)  # type: ignore[arg-type]


def test_naive_datetimes_become_utc() -> None:
    """Timestamps without an offset are taken as UTC, so every datetime is aware."""
    status = charlib.JobStatus.model_validate(
        {"jobId": "j", "status": "pending", "createdAt": "2025-10-02T09:00:00"}
    )
    assert status.created_at == datetime(2025, 10, 2, 9, tzinfo=timezone.utc)


def test_unknown_fields_are_kept_and_names_accept_both_spellings() -> None:
    """Extra wire fields survive a round trip; snake_case and camelCase both populate fields."""
    progress = charlib.JobProgress.model_validate({"currentTask": "x", "etaSeconds": 4})
    assert progress.model_extra == {"etaSeconds": 4}
    assert progress.model_dump(by_alias=True)["etaSeconds"] == 4
    assert charlib.JobProgress(current_task="x") == charlib.JobProgress.model_validate(
        {"currentTask": "x"}
    )


def test_server_facts_are_not_serialised() -> None:
    """``server_date`` and ``retry_after`` are carried but never dumped."""
    status = charlib.JobStatus(
        job_id="j",
        status=charlib.JobState.PENDING,
        server_date=datetime(2025, 1, 1, tzinfo=timezone.utc),
        retry_after=2.0,
    )
    dumped = status.model_dump(by_alias=True)
    assert "serverDate" not in dumped
    assert "retryAfter" not in dumped
    assert status.retry_after == 2.0


def test_health_and_character_helpers() -> None:
    """``Health.is_healthy`` follows the existing client's rule; populated references parse."""
    assert charlib.Health(status="ok").is_healthy
    assert charlib.Health(success=True).is_healthy
    assert not charlib.Health(status="error").is_healthy
    character = charlib.Character.model_validate(
        {"id": "c", "masterReferenceImage": {"id": "m", "dinoAssetId": "d"}}
    )
    assert character.master_reference == charlib.Media(id="m", dino_asset_id="d")
    assert charlib.Character(id="c", master_reference_image="m").master_reference is None
