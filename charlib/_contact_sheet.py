"""The contact sheet: a set's shots in canonical order as a grid, one renderer for two places.

``dest/index.html`` of a download shows the saved files by relative path (it works offline, from
any copy of the folder); a notebook's ``JobResults`` shows the same grid with the images' URLs.
Failed shots are labelled placeholders with their error. Everything a server sent is escaped;
only relative paths and ``http(s)`` URLs become image sources. Styles are inline, so the fragment
looks the same inside a notebook's page as in its own.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from charlib._models import FailedImage, JobResults

__all__ = ["Card", "failed_shot_card", "result_cards", "sheet_html", "sheet_page"]

_GRID = (
    "display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px;"
    "font:13px/1.35 system-ui,sans-serif"
)
_CARD = "margin:0;border:1px solid #ccc;border-radius:6px;padding:6px;background:#fff;color:#222"
_IMAGE = "width:100%;height:auto;aspect-ratio:3/4;object-fit:contain;background:#f4f4f4"
_MISSING = (
    "aspect-ratio:3/4;display:flex;align-items:center;justify-content:center;text-align:center;"
    "background:#fbeaea;color:#900;padding:6px;overflow:hidden;word-break:break-word"
)


@dataclass(frozen=True, slots=True)
class Card:
    """One shot on the sheet: an image (``src``), or why there is none (``problem``)."""

    position: int | None
    angle: str | None
    quality: float | None = None
    is_valid: bool | None = None
    src: str | None = None
    problem: str | None = None


def _safe_src(src: str | None) -> str | None:
    """A source worth showing: an ``http(s)`` URL, or a relative path without a scheme."""
    if not src:
        return None
    lowered = src.strip().lower()
    if lowered.startswith(("http://", "https://")):
        return src
    return None if ":" in lowered.split("/", 1)[0] or lowered.startswith("//") else src


def _quality(card: Card) -> str:
    if card.quality is None:
        return ""
    if card.is_valid is None:
        return f"quality {card.quality:g}"
    verdict = "✓ met the threshold" if card.is_valid else "✗ below the threshold"
    return f"quality {card.quality:g} {verdict}"


def _card_html(card: Card) -> str:
    esc = html.escape
    number = f"{card.position:02d} " if card.position is not None else ""
    label = f"<b>{esc(number)}</b>{esc(card.angle or 'unnamed shot')}"
    src = _safe_src(card.src)
    if src is not None:
        visual = (
            f'<img src="{esc(src)}" alt="{esc(card.angle or "")}" loading="lazy" style="{_IMAGE}">'
        )
    else:
        visual = f'<div style="{_MISSING}">{esc(card.problem or "no image")}</div>'
    quality = _quality(card)
    details = f'<div style="color:#555">{esc(quality)}</div>' if quality else ""
    caption = f"<figcaption>{label}{details}</figcaption>"
    return f'<figure style="{_CARD}">{visual}{caption}</figure>'


def sheet_html(cards: Iterable[Card]) -> str:
    """The grid of ``cards`` in canonical order (unknown shots last), as an HTML fragment."""
    ordered = sorted(cards, key=lambda card: (card.position is None, card.position or 0))
    return f'<div style="{_GRID}">' + "".join(_card_html(card) for card in ordered) + "</div>"


def sheet_page(title: str, summary: str, cards: Iterable[Card]) -> str:
    """A whole, self-contained HTML document: ``title``, a ``summary`` line and the grid."""
    esc = html.escape
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n</head>\n"
        '<body style="margin:16px;background:#fafafa;font-family:system-ui,sans-serif">\n'
        f'<h1 style="font-size:18px">{esc(title)}</h1>\n<p>{esc(summary)}</p>\n'
        f"{sheet_html(cards)}\n</body>\n</html>\n"
    )


def failed_shot_card(failed: FailedImage) -> Card:
    """A shot the job failed to generate: a placeholder with its error and attempts."""
    attempts = f" after {failed.attempts} attempts" if failed.attempts else ""
    problem = f"generation failed{attempts}: {failed.error or 'no reason given'}"
    return Card(failed.position, failed.angle, problem=problem)


def result_cards(results: JobResults) -> list[Card]:
    """The cards of a job's results: its images by URL, its failed shots as placeholders."""
    cards = [
        Card(image.position, image.angle, image.quality, image.is_valid, src=image.url)
        for image in results.generated_images
    ]
    return cards + [failed_shot_card(failed) for failed in results.failed_images]
