"""What a batch shows: its records, ``report.csv``, ``index.html`` and the progress bar.

Every name in a cast or from the service is hostile here: HTML gets it escaped (and only the
batch's own relative file names become image sources), the CSV gets a cell that a spreadsheet
would run as a formula (``= + - @``, tab, carriage return) prefixed with ``'``, and a terminal
(the bar, and ``report.csv`` read with ``cat``) gets it through
:func:`~charlib._text.terminal_safe`.
"""

from __future__ import annotations

import csv
import html
import io
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from charlib._batch_ledger import COMPLETE, PARTIAL, Ledger, LedgerRow
from charlib._files import IMAGE_EXTENSIONS, write_atomic
from charlib._text import terminal_safe

__all__ = [
    "CSV_NAME",
    "INDEX_NAME",
    "BatchProgress",
    "BatchResult",
    "CharacterRecord",
    "result_from",
    "write_index",
    "write_report",
]

CSV_NAME = "report.csv"
INDEX_NAME = "index.html"
_CSV_COLUMNS = (
    "line",
    "name",
    "character_id",
    "outcome",
    "stage",
    "job_id",
    "jobs_started",
    "images_saved",
    "images_failed",
    "error",
)


@dataclass(frozen=True, slots=True)
class CharacterRecord:
    """One character of a batch, as its ledger has it.

    ``outcome`` is ``complete``, ``partial``, ``failed`` or ``no-reference`` once the character
    is done, ``None`` while it is not (``stage`` says how far it got, ``error`` what stopped
    it last). ``folder`` is where its set is saved.
    """

    line: int
    name: str
    character_id: str
    stage: str
    outcome: str | None
    job_id: str | None
    jobs_started: int
    images_saved: int
    images_failed: int
    error: str | None
    folder: Path
    files: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Where a batch stands: every character's record, and whether the batch is done.

    ``ok`` is true when every character is saved complete (or partial, unless
    ``require_all``); that is when ``charlib batch run`` exits 0.
    """

    out: Path
    records: tuple[CharacterRecord, ...]
    jobs: tuple[dict[str, Any], ...]
    require_all: bool = False

    @property
    def counts(self) -> Counter[str]:
        """How many characters have each outcome (or, unfinished, each stage)."""
        return Counter(record.outcome or record.stage for record in self.records)

    @property
    def ok(self) -> bool:
        """Whether every character ended as allowed."""
        allowed = {COMPLETE} if self.require_all else {COMPLETE, PARTIAL}
        return all(record.outcome in allowed for record in self.records)

    @property
    def report_csv(self) -> Path:
        """``DIR/report.csv``."""
        return self.out / CSV_NAME

    @property
    def index_html(self) -> Path:
        """``DIR/index.html``."""
        return self.out / INDEX_NAME


# The fields of a record that its ledger row holds under the same names.
_ROW_FIELDS = (
    "line",
    "name",
    "stage",
    "outcome",
    "job_id",
    "images_saved",
    "images_failed",
    "error",
)


def _record(out: Path, row: LedgerRow) -> CharacterRecord:
    return CharacterRecord(
        **{name: getattr(row, name) for name in _ROW_FIELDS},
        character_id=row.key,
        jobs_started=row.attempt,
        folder=out / row.key,
        files=tuple(row.files),
    )


def result_from(ledger: Ledger, out: Path, *, require_all: bool = False) -> BatchResult:
    """The ledger's state as a :class:`BatchResult`."""
    records = tuple(_record(out, row) for row in ledger.rows())
    return BatchResult(out, records, tuple(ledger.jobs()), require_all)


def _cell(value: object) -> str:
    # Terminal-safe too: `cat report.csv` must not run a server's escape sequences.
    text = "" if value is None else terminal_safe(str(value))
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text  # read as text, never as a formula
    return text


def write_report(result: BatchResult) -> Path:
    """Write ``report.csv``: one row per character, in cast order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_CSV_COLUMNS)
    for record in result.records:
        writer.writerow(
            [_cell(getattr(record, column)) for column in _CSV_COLUMNS[:2]]
            + [
                _cell(record.character_id),
                _cell(record.outcome or f"unfinished ({record.stage})"),
                *(_cell(getattr(record, column)) for column in _CSV_COLUMNS[4:]),
            ]
        )
    write_atomic(result.report_csv, buffer.getvalue().encode("utf-8"), durable=False)
    return result.report_csv


_PAGE_STYLE = (
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}"
    "section{margin:0 0 20px}h2{font-size:16px;margin:0 0 6px}"
    ".strip{display:flex;gap:4px;overflow-x:auto}"
    ".strip img{height:96px;width:auto;background:#f4f4f4;border:1px solid #ddd}"
    ".note{color:#666}.bad{color:#900}"
)


def _thumbnails(record: CharacterRecord) -> str:
    folder = quote(record.character_id)
    images = [
        f'<img loading="lazy" src="{folder}/{quote(name)}" alt="{html.escape(name)}">'
        for name in record.files
        if Path(name).name == name and Path(name).suffix.lower().lstrip(".") in IMAGE_EXTENSIONS
    ]
    return '<div class="strip">' + "".join(images) + "</div>" if images else ""


def _section(record: CharacterRecord) -> str:
    name = html.escape(terminal_safe(record.name))
    slug = html.escape(record.character_id)
    outcome = record.outcome or f"unfinished ({record.stage})"
    facts = f"{html.escape(outcome)}, {record.images_saved} images"
    if record.images_failed:
        facts += f", {record.images_failed} failed"
    title = f"{name} <span class=note>({slug})</span>"
    if record.files:
        title = f'<a href="{quote(record.character_id)}/index.html">{title}</a>'
    error = ""
    if record.error and record.outcome not in (COMPLETE, PARTIAL):
        error = f"<div class=bad>{html.escape(terminal_safe(record.error))}</div>"
    return (
        f"<section><h2>{title}</h2><div class=note>{facts}</div>{error}"
        f"{_thumbnails(record)}</section>"
    )


def write_index(result: BatchResult) -> Path:
    """Write ``index.html``: every character with a row of thumbnails, linking to its own
    contact sheet (self-contained, relative paths)."""
    counts = ", ".join(f"{count} {name}" for name, count in sorted(result.counts.items()))
    body = "".join(_section(record) for record in result.records)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>360° sets</title>"
        f"<style>{_PAGE_STYLE}</style></head><body>"
        f"<h1>360° sets</h1><p class=note>{len(result.records)} characters: "
        f"{html.escape(counts)}</p>{body}</body></html>\n"
    )
    write_atomic(result.index_html, page.encode("utf-8"), durable=False)
    return result.index_html


class BatchProgress:
    """One bar for the whole cast, counting shots (every shot of every job moves it), with the
    count of characters in each state beside it. Reads the ledger at most every ``interval``
    seconds, so other processes on the same ledger show too."""

    def __init__(self, ledger: Ledger, *, interval: float = 0.25, **tqdm_options: Any) -> None:
        from tqdm.auto import tqdm  # only here: importing charlib must not import tqdm

        self._ledger = ledger
        self._interval = interval
        self._last = 0.0
        done, total, _ = ledger.summary()
        self._bar = tqdm(total=total, initial=done, unit="shot", desc="cast", **tqdm_options)
        self.refresh(force=True)

    def refresh(self, *, force: bool = False) -> None:
        """Move the bar to the ledger's count (throttled unless ``force``)."""
        now = time.monotonic()
        if not force and now - self._last < self._interval:
            return
        self._last = now
        done, total, counts = self._ledger.summary()
        self._bar.total = total
        self._bar.n = done
        tally = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
        self._bar.set_postfix_str(tally, refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        """Draw the final count and close the bar."""
        self.refresh(force=True)
        self._bar.close()
