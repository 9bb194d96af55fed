"""What a contract check reports: one :class:`FactResult` per fact of :data:`FACTS`.

A fact *holds* (the server does what the contract's reference column says), *differs* (with
what was seen, and the id of the live service's defect it matches, when it matches one of
CONTRACT §13's D1-D30), or is *skipped* (with why: a step it needed failed, or the budget did
not allow it). The catalogue below is the one list of facts, in the order they are checked; the
CLI, the JSON report and docs/fidelity.md follow it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FACTS", "ContractReport", "FactResult", "Verdict"]

#: Every fact the check knows, by id, in the order it checks them.
FACTS: Mapping[str, str] = {
    "health": "GET /api/health answers 200 with status ok",
    "errors.unknown-job": "an unknown job's status is a 404 'Job not found'",
    "errors.unknown-job-cancel": "cancelling an unknown job is a 404",
    "errors.unknown-character": "starting a job for an unknown character is a 404",
    "errors.unknown-character-get": "reading an unknown character is a 404",
    "list.shape": "GET /api/v1/jobs answers a page the SDK reads",
    "list.bad-filter": "an unknown status filter is a 400",
    "list.bad-limit": "a negative limit is a 400",
    "characters.list": "GET /api/v1/characters answers a page the SDK reads",
    "characters.create": "creating a character answers 201 with the document",
    "errors.no-master-reference": "a character without a master reference cannot start a job (400)",
    "errors.empty-body": "an empty generate-360-set body means all defaults",
    "errors.malformed-body": "malformed JSON (or null) is a 400 'Invalid JSON body'",
    "errors.wrong-type": "imageCount 'many' is a 400 naming imageCount",
    "errors.zero-image-count": "imageCount 0 is a 400 naming imageCount (not 'use the default')",
    "characters.initial-image": "generate-initial-image gives the character a master reference",
    "characters.reference": "the character shows its master reference with a DINO asset id",
    "job.accepted": "generate-360-set answers 202 with jobId and a relative pollUrl",
    "job.location": "the 202 has a Location header naming the poll URL",
    "job.status-path": "status goes pending, processing, then one final state",
    "job.progress": "current and percentage never go back",
    "job.total": "progress.total is imageCount for the whole job",
    "job.current-task": "currentTask is Initializing..., Generating <shot>, or Completed",
    "job.percentage": "percentage is round(current / total * 100)",
    "job.shot-order": "shots run in catalogue order, #1 first",
    "job.started-at": "startedAt appears when processing starts and never changes",
    "job.estimate": "estimatedCompletionAt is given while the job runs",
    "job.completed-at": "completedAt is set on the final state, not before startedAt",
    "job.processing-time": "results.processingTime is completedAt - startedAt",
    "job.final": "a final state stays final",
    "job.results": "a finished job carries results (failed ones too)",
    "job.shot-count": "a completed job accounts for imageCount shots",
    "job.results-fields": "results hold only the documented fields",
    "job.images": "each image has a url, a catalogue shot name, a quality and a DINO asset id",
    "media.images": "result image URLs are on the server and serve images",
    "media.reference": "the master reference URL serves an image",
    "cancel.final-job": "cancelling a finished job is a 400 naming its status",
    "list.contains-job": "the job list shows the job with its character, type and status",
    "list.status-filter": "the status filter keeps the job under its status only",
    "list.pagination": "a page past the end is empty, with hasPrevPage",
    "characters.delete": "deleting the character answers success",
    "date-header": "every response has a Date, and no body time is later than it",
    "shapes": "every body parses with the SDK's models (unknown fields listed)",
}


class Verdict(str, enum.Enum):
    """How a fact came out."""

    HOLDS = "holds"
    DIFFERS = "differs"
    SKIPPED = "skipped"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class FactResult:
    """One fact's outcome.

    Attributes:
        id: the fact's id (a key of :data:`FACTS`).
        verdict: holds, differs or skipped.
        seen: what was seen (for a skipped fact: why it was skipped).
        defect: the live service's defect this difference matches (``"D11"``), if any.
    """

    id: str
    verdict: Verdict
    seen: str = ""
    defect: str | None = None

    @property
    def title(self) -> str:
        """What the fact says, as the catalogue words it."""
        return FACTS.get(self.id, self.id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``charlib contract check --json``)."""
        out: dict[str, Any] = {"id": self.id, "title": self.title, "verdict": self.verdict.value}
        out["seen"] = self.seen
        if self.defect is not None:
            out["defect"] = self.defect
        return out


@dataclass
class ContractReport:
    """The outcome of :func:`charlib.contract.check`.

    Attributes:
        base_url: the server checked.
        facts: one result per fact, in the catalogue's order.
        created: what the check created on the server (``characterId``, ``jobId``).
    """

    base_url: str
    facts: list[FactResult] = field(default_factory=list)
    created: dict[str, str] = field(default_factory=dict)

    def by_verdict(self, verdict: Verdict) -> list[FactResult]:
        """The facts with ``verdict``."""
        return [fact for fact in self.facts if fact.verdict is verdict]

    @property
    def differs(self) -> list[FactResult]:
        """The facts that differ."""
        return self.by_verdict(Verdict.DIFFERS)

    @property
    def defects(self) -> list[str]:
        """The known defects seen, sorted by number (``["D4", "D7", ...]``)."""
        found = {fact.defect for fact in self.differs if fact.defect}
        return sorted(found, key=lambda d: int(d[1:]) if d[1:].isdigit() else 0)

    @property
    def conforms(self) -> bool:
        """Whether no fact differs."""
        return not self.differs

    def __getitem__(self, fact_id: str) -> FactResult:
        """The result of one fact, by id (``report["job.total"]``)."""
        for fact in self.facts:
            if fact.id == fact_id:
                return fact
        raise KeyError(fact_id)

    def summary(self) -> str:
        """One line: how many facts hold, differ (and which known defects), were skipped."""
        counts = [len(self.by_verdict(v)) for v in Verdict]
        text = f"{len(self.facts)} facts: {counts[0]} hold, {counts[1]} differ"
        if self.defects:
            text += f" (known quirks of the live service: {', '.join(self.defects)})"
        return text + f", {counts[2]} skipped"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``charlib contract check --json``)."""
        return {
            "baseUrl": self.base_url,
            "conforms": self.conforms,
            "defects": self.defects,
            "created": dict(self.created),
            "facts": [fact.to_dict() for fact in self.facts],
        }
