"""The facts checked once the job has ended: it stays ended, its media, cancel, the job list.

Media are fetched only from the server's own origin, through the client under check: a result
URL on another host (the live service's fixed media host, D17) is reported, never requested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from charlib._contract.probe import Exchange, Probe
from charlib._contract.report import FactResult
from charlib._contract.service import differs, holds, skipped
from charlib._models import JobPage, JobStatus

if TYPE_CHECKING:
    from charlib._client import Client

__all__ = ["listed_facts", "media_fact", "stays_final"]

#: Where the live service says its images are (contract §6.3): not where they are (D17).
LIVE_MEDIA_HOST = "https://media.rumbletv.com/media/"
#: How long after the end the check looks again (server clock permitting), in seconds.
SETTLE = 2.0


def stays_final(client: Client, probe: Probe, final: JobStatus) -> FactResult:
    """Polled again after a pause, the final state has not changed."""
    client.clock.sleep(SETTLE)
    answer = probe.send("GET", f"api/v1/jobs/{final.job_id}/status")
    again = probe.parse(answer, JobStatus) if answer.status == 200 else None
    if again is None:
        return differs("job.final", answer.describe())
    if again.status != final.status or again.progress.current != final.progress.current:
        defect = "D1" if final.status.value == "cancelled" else None
        return differs("job.final", f"{final.status.value} became {again.status.value}", defect)
    return holds("job.final", f"still {again.status.value} {SETTLE:g} s later")


def _is_image(answer: Exchange) -> bool:
    kind = answer.response.headers.get("content-type", "")
    return answer.status == 200 and kind.startswith("image/") and bool(answer.response.content)


def media_fact(client: Client, probe: Probe, fact: str, url: str | None) -> FactResult:
    """``url`` serves an image: fetched if it is on the server's origin, else reported."""
    if not url:
        return skipped(fact, "no URL to fetch")
    base = str(client.base_url)
    if not url.startswith(base):
        defect = "D17" if url.startswith(LIVE_MEDIA_HOST) else None
        return differs(fact, f"on another host ({url[:120]}): not fetched", defect)
    answer = probe.send("GET", url[len(base) :])
    if not _is_image(answer):
        kind = answer.response.headers.get("content-type", "no type")
        return differs(fact, f"{answer.describe()} ({kind})")
    size = len(answer.response.content)
    return holds(fact, f"{answer.response.headers['content-type']}, {size} bytes")


def _page(probe: Probe, params: dict[str, str | int]) -> tuple[Exchange, JobPage | None]:
    answer = probe.send("GET", "api/v1/jobs", params=params)
    return answer, probe.parse(answer, JobPage) if answer.status == 200 else None


def cancel_final(probe: Probe, final: JobStatus) -> FactResult:
    """Cancelling the ended job: a 400 whose message names its status (D23 keeps the 400)."""
    answer = probe.send("DELETE", f"api/v1/jobs/{final.job_id}/status")
    words = answer.text or ""
    if answer.status == 400 and words.endswith(f"status: {final.status.value}"):
        return holds("cancel.final-job", answer.describe())
    return differs("cancel.final-job", answer.describe())


def listed_facts(probe: Probe, final: JobStatus, character_id: str) -> list[FactResult]:
    """``list.contains-job``, ``list.status-filter`` and ``list.pagination`` for the job."""
    mine: dict[str, str | int] = {"characterId": character_id}
    answer, page = _page(probe, mine)
    found = [job for job in page.jobs if job.job_id == final.job_id] if page else []
    if page is None or len(found) != 1 or len(page.jobs) != 1:
        shown = answer.describe() if page is None else f"{len(page.jobs)} jobs, ours {len(found)}"
        contains = differs("list.contains-job", shown)
    else:
        item = found[0]
        wrong = [
            name
            for name, ok in (
                ("characterId", item.character_id == character_id),
                ("jobType", item.job_type is not None and item.job_type.value == "360-set"),
                ("status", item.status == final.status),
                ("createdAt", item.created_at is not None),
            )
            if not ok
        ]
        seen = f"one job, {item.status.value}"
        contains = (
            differs("list.contains-job", f"wrong {', '.join(wrong)}")
            if wrong
            else holds("list.contains-job", seen)
        )
    _, under = _page(probe, {**mine, "status": final.status.value})
    other = "processing" if final.status.value != "processing" else "pending"
    _, elsewhere = _page(probe, {**mine, "status": other})
    if under is None or elsewhere is None:
        kept = differs("list.status-filter", "the filtered list could not be read")
    elif [j.job_id for j in under.jobs] == [final.job_id] and not elsewhere.jobs:
        kept = holds("list.status-filter", f"under {final.status.value} only")
    else:
        kept = differs("list.status-filter", f"{len(under.jobs)} under {final.status.value}, "
                       f"{len(elsewhere.jobs)} under {other}")  # fmt: skip
    answer, past = _page(probe, {**mine, "limit": 1, "page": 2})
    if past is None:
        paging = differs("list.pagination", answer.describe())
    elif past.jobs or not past.pagination.has_prev_page or past.pagination.total_docs != 1:
        info = past.pagination
        paging = differs("list.pagination", f"{len(past.jobs)} jobs, hasPrevPage "
                         f"{info.has_prev_page}, totalDocs {info.total_docs}")  # fmt: skip
    else:
        paging = holds("list.pagination", "page 2 of 1 is empty, hasPrevPage")
    return [contains, kept, paging]
