"""The check itself: the facts in order, one character and one job at most, a report at the end.

Order matters: the refusals are sent to the check's character before it has a master reference
(so none of them can start a job), then the character gets one, then the one job of
``budget_images`` images starts and is followed to its end. Whatever fails, every fact of the
catalogue gets a line: a step that could not be done skips the facts that needed it, saying why.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from charlib._contract import after, job, service
from charlib._contract.probe import Probe
from charlib._contract.report import FACTS, ContractReport, FactResult
from charlib._contract.service import differs, holds, skipped
from charlib._exceptions import APIConnectionError, InvalidParameterError

if TYPE_CHECKING:
    from charlib._client import Client

__all__ = ["DEFAULT_JOB_TIMEOUT", "check", "plan"]

DEFAULT_JOB_TIMEOUT = 45 * 60.0
"""How long the check follows its job (the live service's 27 shots take up to 30 minutes)."""

MAX_BUDGET = 27


def plan(budget_images: int) -> str:
    """What a check with this budget creates on the server, in one sentence."""
    if budget_images == 0:
        return "This check creates nothing on the server (--budget-images 0): read-only facts."
    images = "image" if budget_images == 1 else "images"
    return (
        "This check creates 1 character (with a generated master reference image) and 1 job "
        f"of {budget_images} {images} (imageCount {budget_images}), then deletes the character."
    )


class _Run:
    """One check in progress: the probe, the results so far, what was created."""

    def __init__(
        self, client: Client, on_fact: Callable[[FactResult], object] | None, timeout: float
    ) -> None:
        self.client = client
        self.probe = Probe(client)
        self.report = ContractReport(str(client.base_url))
        self.on_fact = on_fact
        self.timeout = timeout
        self.followed: job.Followed | None = None

    def add(self, *facts: FactResult) -> None:
        for fact in facts:
            if any(done.id == fact.id for done in self.report.facts):
                continue  # a fact is reported once
            self.report.facts.append(fact)
            if self.on_fact is not None:
                self.on_fact(fact)

    def skip_rest(self, why: str) -> None:
        """Every fact not reported yet (but the two summaries) is skipped, for ``why``."""
        self.add(*(skipped(f, why) for f in FACTS if f not in ("date-header", "shapes")))

    def with_job(self, budget: int) -> None:
        """The facts that need the check's character and job."""
        probe = self.probe
        name = f"charlib contract check {uuid.uuid4().hex[:8]}"
        fact, character_id = service.create_character(probe, name)
        self.add(fact)
        if character_id is None:
            return self.skip_rest("the check's character could not be created")
        self.report.created["characterId"] = character_id
        self.add(*service.refused_bodies(probe, character_id))
        self.add(service.initial_image(probe, character_id))
        fact, reference_url = service.reference(probe, character_id)
        self.add(fact)
        started = probe.send(
            "POST",
            f"api/v1/characters/{character_id}/generate-360-set",
            json={"imageCount": budget},
        )
        facts, job_id = service.accepted(probe, started)
        self.add(*facts)
        if job_id is None:
            self.add(after.media_fact(self.client, probe, "media.reference", reference_url))
            return self.skip_rest("the job could not be started")
        self.report.created["jobId"] = job_id
        self.followed = job.follow(self.client, probe, job_id, budget, self.timeout)
        self.add(*job.lifecycle_facts(self.followed))
        self.finish(character_id, reference_url)
        return None

    def finish(self, character_id: str, reference_url: str | None) -> None:
        """Facts about the ended job, its media and the list; then the character goes."""
        assert self.followed is not None
        final = self.followed.final
        probe, client = self.probe, self.client
        if final is None:
            why = self.followed.problem or "the job did not end"
            self.add(after.media_fact(client, probe, "media.reference", reference_url))
            self.skip_rest(why + "; the character is kept while the job runs")
            return
        self.add(after.stays_final(client, probe, final))
        self.add(*job.outcome_facts(self.followed, final))
        images = final.results.generated_images if final.results else []
        url = images[0].url if images else None
        self.add(after.media_fact(client, probe, "media.images", url))
        self.add(after.media_fact(client, probe, "media.reference", reference_url))
        self.add(after.cancel_final(probe, final))
        self.add(*after.listed_facts(probe, final, character_id))
        self.add(service.delete_character(probe, character_id))

    def summaries(self) -> None:
        """``date-header`` and ``shapes``, from everything the check saw."""
        probe = self.probe
        missing = [request for request, date in probe.dates if date is None]
        snapshots = self.followed.snapshots if self.followed else []
        missing += [f"GET {s.job_id} status" for s in snapshots if s.server_date is None]
        late = []
        for status in snapshots:
            for stamp in (status.started_at, status.completed_at):
                date = status.server_date
                if stamp is not None and date is not None and stamp > date + timedelta(seconds=1):
                    late.append(f"{stamp.isoformat()} after Date {date.isoformat()}")
        if missing:
            self.add(differs("date-header", f"no Date on {len(missing)}: {missing[0]}"))
        elif late:
            self.add(differs("date-header", f"body times later than Date: {late[0]}"))
        else:
            self.add(holds("date-header", f"on all {len(probe.dates) + len(snapshots)} responses"))
        unknown = "; ".join(
            f"{model}: {', '.join(sorted(fields))}"
            for model, fields in sorted(probe.unknown.items())
        )
        if probe.shape_errors:
            self.add(differs("shapes", "; ".join(probe.shape_errors[:3])))
        else:
            self.add(
                holds(
                    "shapes",
                    f"unknown fields (kept): {unknown}" if unknown else "no unknown fields",
                )
            )


def _checked(client: object, budget_images: int, timeout: float) -> None:
    from charlib._client import Client

    if not isinstance(client, Client):
        raise InvalidParameterError("client", "must be a charlib.Client (the check is blocking)")
    if isinstance(budget_images, bool) or not isinstance(budget_images, int):
        raise InvalidParameterError("budget_images", f"must be an integer, got {budget_images!r}")
    if not 0 <= budget_images <= MAX_BUDGET:
        raise InvalidParameterError("budget_images", f"must be 0-{MAX_BUDGET}, got {budget_images}")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise InvalidParameterError("timeout", f"must be seconds > 0, got {timeout!r}")


def check(
    client: Client,
    *,
    budget_images: int = 1,
    timeout: float = DEFAULT_JOB_TIMEOUT,
    on_fact: Callable[[FactResult], object] | None = None,
) -> ContractReport:
    """Check the server ``client`` talks to against the contract, one fact at a time.

    It creates at most one character (with a generated master reference image) and one job of
    ``budget_images`` images, and deletes the character at the end (see :func:`plan`). Against
    the reference mock every fact holds; against the live service (or the mock's upstream mode)
    the known quirks come out as differences named by their defect id.

    Args:
        client: the client of the server to check (its base URL, key and timeout apply).
        budget_images: images of the one job (``imageCount``), 1-27; 0 creates nothing and
            checks only the read-only facts.
        timeout: how long to follow the job, in seconds (on the client's clock).
        on_fact: called with each result as soon as it is known (the CLI prints it).

    Returns:
        The :class:`ContractReport`: one result per fact of the catalogue, in its order.

    Raises:
        APIConnectionError: the server could not be reached at all (nothing was checked).
        InvalidParameterError: a bad argument (nothing was sent).
    """
    _checked(client, budget_images, timeout)
    run = _Run(client, on_fact, float(timeout))
    run.add(service.health(run.probe))  # unreachable: raised here, before anything is created
    try:
        run.add(*service.read_only(run.probe))
        if budget_images == 0:
            run.skip_rest("--budget-images 0: the check creates nothing")
        else:
            run.with_job(budget_images)
    except APIConnectionError as error:
        run.skip_rest(f"the server stopped answering: {error}")
    run.skip_rest("not reached")  # a safety net: every fact gets its line
    run.summaries()
    order = list(FACTS)
    run.report.facts.sort(key=lambda fact: order.index(fact.id))
    return run.report
