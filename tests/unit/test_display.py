"""How jobs look to people: repr, notebook HTML and the progress bar."""

from __future__ import annotations

import ast
import io
import json
from pathlib import Path

import charlib._models
from charlib import JobStatus
from charlib._display import ProgressBar

CONTRACT = Path(__file__).parents[1] / "fixtures" / "contract"


def _golden(name: str) -> JobStatus:
    return JobStatus.model_validate(json.loads((CONTRACT / name).read_text("utf-8")))


def test_repr_is_one_line_with_status_progress_and_task() -> None:
    """A processing job's repr names the id, state, step count, percentage and shot."""
    text = repr(_golden("status-processing.json"))
    assert "\n" not in text
    assert "processing 10/27 (37%)" in text
    assert "Generating 85mm PROFILE RIGHT MCU (Enhanced)" in text


def test_repr_of_a_partial_result_counts_images_and_failures() -> None:
    """A partial success says how many images were made and how many failed."""
    status = _golden("status-completed-partial.json")
    assert "2 images, 1 failed" in repr(status)
    assert repr(status.results) == "JobResults(2 images, 1 failed, 5 attempts)"


def test_html_shows_a_thumbnail_per_image_and_the_failures() -> None:
    """The notebook view (the contact sheet) has one <img> per generated image and a labelled
    placeholder per failed shot."""
    status = _golden("status-completed-partial.json")
    page = status._repr_html_()
    assert page.count("<img ") == 2
    assert "35mm 3Q RIGHT (Enhanced)" in page
    assert page.count("generation failed after 3 attempts") == 1


def test_html_escapes_server_text() -> None:
    """Text from the server is escaped, so a hostile shot name cannot inject markup."""
    body = json.loads((CONTRACT / "status-failed.json").read_text("utf-8"))
    body["error"] = "<script>alert(1)</script>"
    page = JobStatus.model_validate(body)._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_progress_bar_follows_percentage_and_ends_full() -> None:
    """The bar moves to the server's percentage and reaches 100 on completion."""
    out = io.StringIO()
    bar = ProgressBar(file=out, mininterval=0)
    bar.update(_golden("status-processing.json"))
    assert bar._bar.n == 37
    bar.update(_golden("status-completed-partial.json"))
    assert bar._bar.n == 100
    bar.close()
    assert "Generating 85mm PROFILE RIGHT" in out.getvalue()


def test_str_is_the_summary_not_a_field_dump() -> None:
    """print(status) shows the same one-line summary as repr."""
    status = _golden("status-completed-partial.json")
    assert str(status) == repr(status)
    assert (
        str(status.results) == repr(status.results) == "JobResults(2 images, 1 failed, 5 attempts)"
    )


def test_wire_models_import_no_display_code_at_load() -> None:
    """``charlib._models`` imports ``charlib._display`` only inside the methods that display."""
    tree = ast.parse(Path(charlib._models.__file__).read_text("utf-8"))
    at_load = [
        node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module and "_display" in node.module
    ]
    assert at_load == []
    status = _golden("status-completed-partial.json")
    assert "<figure" in status._repr_html_()
    assert status.results is not None
    assert "<figure" in status.results._repr_html_()
