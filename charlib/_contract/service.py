"""The facts about answers that need no job: health, errors, lists, characters.

Each function sends what its fact needs through the :class:`~charlib._contract.probe.Probe` and
returns the :class:`~charlib._contract.report.FactResult`. Where the live service is known to
answer otherwise (CONTRACT §13), the function recognises that answer and names the defect.

Requests that should be refused are sent to a character without a master reference, so that a
server that accepts one anyway still cannot start a job; if one does start a job, the check
cancels it at once and says so.
"""

from __future__ import annotations

import re

from charlib._contract.probe import Exchange, Probe
from charlib._contract.report import FactResult, Verdict
from charlib._models import (
    Character,
    CharacterPage,
    DeleteResult,
    Health,
    InitialImage,
    JobAccepted,
    JobPage,
    JobStatus,
)

__all__ = [
    "UNKNOWN_CHARACTER",
    "UNKNOWN_JOB",
    "accepted",
    "create_character",
    "delete_character",
    "differs",
    "health",
    "holds",
    "initial_image",
    "read_only",
    "reference",
    "refused_bodies",
    "skipped",
]

UNKNOWN_JOB = "00000000-0000-4000-8000-000000000000"
UNKNOWN_CHARACTER = "000000000000000000000000"  # a well-formed ObjectId that names nothing
_NO_REFERENCE = re.compile(r"master reference", re.IGNORECASE)


def holds(fact: str, seen: str = "") -> FactResult:
    """The fact holds."""
    return FactResult(fact, Verdict.HOLDS, seen)


def differs(fact: str, seen: str, defect: str | None = None) -> FactResult:
    """The fact differs: ``seen``, and the live service's defect it matches, if known."""
    return FactResult(fact, Verdict.DIFFERS, seen, defect)


def skipped(fact: str, why: str) -> FactResult:
    """The fact could not be checked, and why."""
    return FactResult(fact, Verdict.SKIPPED, why)


def _start_path(character_id: str) -> str:
    return f"api/v1/characters/{character_id}/generate-360-set"


def health(probe: Probe) -> FactResult:
    """``GET /api/health``: 200 and healthy by the SDK's rule."""
    answer = probe.send("GET", "api/health")
    parsed = probe.parse(answer, Health) if answer.status == 200 else None
    if parsed is None or not parsed.is_healthy:
        return differs("health", answer.describe())
    return holds("health", f"HTTP 200, status {parsed.status!r}, version {parsed.version!r}")


def _not_found(fact: str, answer: Exchange, *, live: str | None = None) -> FactResult:
    """A 404 holds; the live service's 500 (``live``: its words, if they matter) is D11."""
    if answer.status == 404:
        return holds(fact, answer.describe())
    if answer.status == 500 and (live is None or answer.text == live):
        return differs(fact, answer.describe(), "D11")
    return differs(fact, answer.describe())


def read_only(probe: Probe) -> list[FactResult]:
    """The facts that create nothing, in catalogue order."""
    results = []
    answer = probe.send("GET", f"api/v1/jobs/{UNKNOWN_JOB}/status")
    probe.parse(answer, JobStatus)  # the 404 body has the status shape (D12)
    if answer.status == 404 and answer.text == "Job not found":
        note = " (its body says status 'failed': D12, kept for compatibility)"
        results.append(holds("errors.unknown-job", answer.describe() + note))
    else:
        results.append(differs("errors.unknown-job", answer.describe()))
    answer = probe.send("DELETE", f"api/v1/jobs/{UNKNOWN_JOB}/status")
    results.append(_not_found("errors.unknown-job-cancel", answer))
    answer = probe.send("POST", _start_path(UNKNOWN_CHARACTER), json={})
    if answer.status == 202:
        results.append(differs("errors.unknown-character", _cancelled(probe, answer)))
    else:
        results.append(_not_found("errors.unknown-character", answer, live="Not Found"))
    answer = probe.send("GET", f"api/v1/characters/{UNKNOWN_CHARACTER}")
    results.append(_not_found("errors.unknown-character-get", answer))
    results += _lists(probe)
    return results


def _lists(probe: Probe) -> list[FactResult]:
    results = []
    answer = probe.send("GET", "api/v1/jobs", params={"limit": 1})
    page = probe.parse(answer, JobPage) if answer.status == 200 else None
    if page is None:
        results.append(differs("list.shape", answer.describe()))
    else:
        seen = f"HTTP 200, {page.pagination.total_docs} jobs in all"
        results.append(holds("list.shape", seen))
    for fact, params in (
        ("list.bad-filter", {"status": "no-such-status"}),
        ("list.bad-limit", {"limit": -1}),
    ):
        answer = probe.send("GET", "api/v1/jobs", params=params)
        if answer.status == 400:
            results.append(holds(fact, answer.describe()))
        elif answer.status == 200:  # the live service: matches nothing / falls back to 10
            results.append(differs(fact, "HTTP 200 (the value is ignored)", "D15"))
        else:
            results.append(differs(fact, answer.describe()))
    answer = probe.send("GET", "api/v1/characters", params={"limit": 1})
    characters = probe.parse(answer, CharacterPage) if answer.status == 200 else None
    if characters is None:
        results.append(differs("characters.list", answer.describe()))
    else:
        results.append(holds("characters.list", f"HTTP 200, {characters.total_docs} in all"))
    return results


def create_character(probe: Probe, name: str) -> tuple[FactResult, str | None]:
    """``POST /api/v1/characters``: 201 and a document with an id."""
    answer = probe.send("POST", "api/v1/characters", json={"name": name})
    character = probe.parse(answer, Character) if answer.status in (200, 201) else None
    if character is None:
        return differs("characters.create", answer.describe()), None
    if answer.status != 201:
        return differs("characters.create", f"HTTP {answer.status} (201 expected)"), character.id
    return holds("characters.create", f"HTTP 201, id {character.id}"), character.id


def _cancelled(probe: Probe, answer: Exchange) -> str:
    """A job a refusal should not have started: cancel it; say what happened."""
    job_id = answer.field("jobId")
    if isinstance(job_id, str) and job_id:
        probe.send("DELETE", f"api/v1/jobs/{job_id}/status")
        return f"HTTP 202: the server started job {job_id} (the check cancelled it)"
    return "HTTP 202: the server accepted it"


def _refusal(fact: str, answer: Exchange, want: re.Pattern[str]) -> FactResult:
    """A 400 whose words match ``want`` holds (the caller names the live variants)."""
    if answer.status == 400 and want.search(answer.text or ""):
        return holds(fact, answer.describe())
    return differs(fact, answer.describe())


def refused_bodies(probe: Probe, character_id: str) -> list[FactResult]:
    """The refusals of generate-360-set, sent to a character without a master reference."""
    path = _start_path(character_id)
    results = []
    answer = probe.send("POST", path, json={})
    results.append(_refusal("errors.no-master-reference", answer, _NO_REFERENCE))
    probes = [
        ("errors.empty-body", None, _NO_REFERENCE, None),
        ("errors.malformed-body", b'{"imageCount":', re.compile("Invalid JSON body"), b"null"),
        ("errors.wrong-type", b'{"imageCount": "many"}', re.compile("imageCount"), None),
        ("errors.zero-image-count", b'{"imageCount": 0}', re.compile("imageCount"), None),
    ]
    for fact, content, want, also in probes:
        answer = probe.send("POST", path, content=content) if content else probe.send("POST", path)
        if answer.status == 202:  # stop: no second job may be started by accident
            results.append(differs(fact, _cancelled(probe, answer)))
            not_sent = [name for name, *_ in probes[len(results) - 1 :]]
            why = "not sent: the server started a job for a refused body"
            results += [skipped(name, why) for name in not_sent]
            break
        if answer.status == 400 and also is not None:
            answer = probe.send("POST", path, content=also)
        results.append(_refusal_or_quirk(fact, answer, want))
    return results


def _refusal_or_quirk(fact: str, answer: Exchange, want: re.Pattern[str]) -> FactResult:
    if answer.status == 400 and want.search(answer.text or ""):
        return holds(fact, answer.describe())
    if fact in ("errors.empty-body", "errors.malformed-body") and answer.status == 500:
        return differs(fact, answer.describe(), "D13")  # the live service's JSON parser error
    if answer.status == 400 and _NO_REFERENCE.search(answer.text or ""):
        # Not validated, so the request reached the master reference check.
        return differs(fact, answer.describe(), "D3" if "zero" in fact else "D14")
    return differs(fact, answer.describe())


def initial_image(probe: Probe, character_id: str) -> FactResult:
    """``generate-initial-image``: 200 with the new image's DINO asset id."""
    answer = probe.send(
        "POST",
        f"api/v1/characters/{character_id}/generate-initial-image",
        json={"prompt": "a plain studio portrait, neutral light (charlib contract check)"},
    )
    image = probe.parse(answer, InitialImage) if answer.status == 200 else None
    if image is None or image.data is None or not image.data.dino_asset_id:
        return differs("characters.initial-image", answer.describe())
    return holds("characters.initial-image", f"HTTP 200, image {image.data.image_id}")


def reference(probe: Probe, character_id: str) -> tuple[FactResult, str | None]:
    """``GET`` the character: its master reference, populated, with a DINO asset id; its URL."""
    answer = probe.send("GET", f"api/v1/characters/{character_id}")
    character = probe.parse(answer, Character) if answer.status == 200 else None
    media = character.master_reference if character is not None else None
    if media is None or not media.dino_asset_id:
        seen = answer.describe() if character is None else "no populated master reference"
        return differs("characters.reference", seen), None
    return holds("characters.reference", f"media {media.id}, DINO {media.dino_asset_id}"), media.url


def delete_character(probe: Probe, character_id: str) -> FactResult:
    """``DELETE`` the check's character: 200 ``{"success": true}``."""
    answer = probe.send("DELETE", f"api/v1/characters/{character_id}")
    result = probe.parse(answer, DeleteResult) if answer.status == 200 else None
    if result is None or not result.success:
        return differs("characters.delete", answer.describe())
    return holds("characters.delete", "HTTP 200, success")


def accepted(probe: Probe, answer: Exchange) -> tuple[list[FactResult], str | None]:
    """The 202 of generate-360-set: its body and pollUrl, and its Location header."""
    body = probe.parse(answer, JobAccepted) if answer.status == 202 else None
    if body is None:
        return [differs("job.accepted", answer.describe())], None
    expected = f"/api/v1/jobs/{body.job_id}/status"
    if body.poll_url != expected:
        fact = differs("job.accepted", f"pollUrl {body.poll_url!r} (expected {expected!r})")
    else:
        fact = holds("job.accepted", f"HTTP 202, job {body.job_id}, pollUrl relative")
    location = answer.response.headers.get("location")
    if location is None:
        where = differs("job.location", "no Location header (pollUrl only)", "D30")
    elif location.endswith(expected):
        where = holds("job.location", f"Location: {location}")
    else:
        where = differs("job.location", f"Location: {location[:200]}")
    return [fact, where], body.job_id
