"""Cassettes: recorded real jobs, loaded and checked once, for the mock to replay.

A cassette is a JSON file (the format is documented in docs/fidelity.md; charlib writes it with
``charlib record``) holding every distinct status body of one job with the server time each was
seen at. This module reads one without trusting it: the file's size, its nesting depth, every
type and every status are checked at load time, and anything wrong is a :class:`CassetteError`
naming the file and the problem, so a bad cassette stops the server from starting instead of
misbehaving in the middle of a test run. Nothing here knows HTTP or the engine; replaying a
loaded :class:`Cassette` on the mock's clock is :mod:`mock_server.replay`'s job.

A cassette's name is its file's stem. Names are looked up in a dictionary, never used as paths,
so ``X-Mock-Scenario: cassette:../../x`` can only be an unknown name.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from mock_server.lifecycle import CANCELLED, JOB_STATUSES, PENDING, TERMINAL

__all__ = [
    "CASSETTE_FORMAT",
    "CASSETTE_PREFIX",
    "CASSETTE_VERSION",
    "NAME_PATTERN",
    "Cassette",
    "CassetteError",
    "CassettePaths",
    "Step",
    "cassette_name",
    "load_cassette",
    "load_cassettes",
    "parse_time",
]

CASSETTE_FORMAT = "charlib.cassette"
CASSETTE_VERSION = 1
#: ``X-Mock-Scenario: cassette:NAME`` starts a replay of the cassette called NAME.
CASSETTE_PREFIX = "cassette:"

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32
MAX_STEPS = 10_000
MAX_CASSETTES = 1_000
MAX_IMAGES = 1_000
#: A replayed job may not outlast a week of server time (a real 27-shot set takes half an hour).
MAX_SPAN_MS = 7 * 24 * 3600 * 1000
_TOP_KEYS = frozenset({"format", "version", "recorded", "request", "job", "timeline"})
# Keys no cassette may hold anywhere (compared without case, '-' and '_'): the recorder never
# writes a credential, so one here means the file was written by something else.
_SECRET_KEYS = frozenset(
    {"authorization", "proxyauthorization", "cookie", "setcookie", "xapikey", "apikey"}
    | {"password", "secret", "token", "accesstoken", "bearer"}
)

#: What ``create_app(cassettes=...)`` takes: a directory, a file, or several of either.
CassettePaths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


class CassetteError(ValueError):
    """A cassette that cannot be replayed; ``str(exc)`` names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Step:
    """One recorded status body and when it was seen (ms after the first one)."""

    offset_ms: int
    status: str
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Cassette:
    """A checked recording of one job."""

    name: str
    path: str
    job_id: str
    character_id: str | None
    request: Mapping[str, Any] | None  # the generate-360-set body that started it, if recorded
    steps: tuple[Step, ...]
    origin_ms: int  # server time of the first step (timestamps in bodies shift from it)

    @property
    def start_offset_ms(self) -> int:
        """When the recorded job left ``pending`` (its first non-pending step)."""
        return next(s.offset_ms for s in self.steps if s.status != PENDING)

    @property
    def duration_ms(self) -> int:
        """When the recorded job reached its final state."""
        return self.steps[-1].offset_ms

    @property
    def outcome(self) -> str:
        """The final status."""
        return self.steps[-1].status

    @property
    def cancel_window(self) -> tuple[int, int] | None:
        """A cancel the recorded service did not honour (D1): when it showed, when it ended."""
        steps = self.steps
        for i, step in enumerate(steps[:-1]):
            if step.status in TERMINAL:
                end = next(s for s in steps[i:] if s.status != CANCELLED)
                return step.offset_ms, end.offset_ms
        return None


def cassette_name(path: str | os.PathLike[str]) -> str:
    """The name a cassette file is replayed by: its stem (``CassetteError`` when unusable)."""
    stem = Path(path).name.removesuffix(".json")
    if not NAME_PATTERN.fullmatch(stem):
        raise CassetteError(
            f"{path}: the file name must be NAME.json, NAME being 1-64 letters, digits, '.', "
            "'_' or '-' (starting with a letter or digit)"
        )
    return stem


def _files(paths: CassettePaths) -> list[Path]:
    """Every cassette file named by ``paths`` (directories hold their ``*.json`` files)."""
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix == ".json" and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise CassetteError(f"{path}: no such cassette file or directory")
        if len(files) > MAX_CASSETTES:
            raise CassetteError(f"{path}: more than {MAX_CASSETTES} cassettes")
    return files


def load_cassettes(paths: CassettePaths | None) -> dict[str, Cassette]:
    """Load and check every cassette named by ``paths``, by name.

    Raises:
        CassetteError: a missing path, a bad file name, two files with one name, or a file
            that is not a valid cassette (the message names the file and the problem).
    """
    if paths is None:
        return {}
    loaded: dict[str, Cassette] = {}
    for path in _files(paths):
        cassette = load_cassette(path)
        other = loaded.get(cassette.name)
        if other is not None:
            raise CassetteError(
                f"{path}: another cassette is called {cassette.name} ({other.path})"
            )
        loaded[cassette.name] = cassette
    return loaded


def load_cassette(path: str | os.PathLike[str]) -> Cassette:
    """Read and check one cassette file.

    Raises:
        CassetteError: the file cannot be read or is not a valid cassette.
    """
    name = cassette_name(path)
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise CassetteError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise CassetteError(f"{path}: {size} bytes; a cassette holds at most 16 MiB")
    try:
        with open(path, "rb") as file:
            data = json.loads(file.read(MAX_FILE_BYTES + 1))
    except OSError as exc:
        raise CassetteError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except RecursionError:
        raise CassetteError(f"{path}: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError for non-UTF-8 bytes
        raise CassetteError(f"{path}: not valid JSON ({exc})") from None
    try:
        return _cassette(name, str(path), data)
    except _Invalid as exc:
        raise CassetteError(f"{path}: {exc}") from None


class _Invalid(Exception):
    """A problem with a cassette's content (the loader adds the file name)."""


def _check_tree(value: Any) -> None:
    """No nesting deeper than :data:`MAX_DEPTH`, no credential-looking key, no bearer token."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        node, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise _Invalid(f"{where or 'the document'} is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            for key, item in node.items():
                if re.sub(r"[-_]", "", key).lower() in _SECRET_KEYS:
                    raise _Invalid(
                        f"{where}{key} looks like a credential: a cassette must never hold one"
                    )
                stack.append((item, depth + 1, f"{where}{key}."))
        elif isinstance(node, list):
            stack.extend((item, depth + 1, f"{where}[{i}].") for i, item in enumerate(node))
        elif isinstance(node, str) and node[:7].lower() == "bearer ":
            raise _Invalid(f"{where.rstrip('.')} holds a bearer token: a cassette must never")
        elif isinstance(node, float) and not math.isfinite(node):
            raise _Invalid(f"{where.rstrip('.')} is not a finite number")


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(f"{where} must be a JSON object")
    return value


def _text(value: Any, where: str, *, limit: int = 200) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise _Invalid(f"{where} must be a string of 1-{limit} characters")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"{where} must be a number")
    return float(value)


def parse_time(text: Any) -> int | None:
    """Epoch milliseconds of an ISO-8601 timestamp with an offset or ``Z`` (None if not one)."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return round(moment.timestamp() * 1000)


def _body(value: Any, where: str) -> dict[str, Any]:
    """A recorded status body: an object with a known ``status`` and numeric ``progress``."""
    body = _object(value, where)
    status = body.get("status")
    if status not in JOB_STATUSES:
        raise _Invalid(f"{where}.status must be one of {', '.join(JOB_STATUSES)}, got {status!r}")
    progress = _object(body.get("progress", {}), f"{where}.progress")
    for key in ("current", "total", "percentage"):
        if key in progress:
            _number(progress[key], f"{where}.progress.{key}")
    if "currentTask" in progress and not isinstance(progress["currentTask"], str):
        raise _Invalid(f"{where}.progress.currentTask must be a string")
    results = body.get("results")
    if results is not None:
        results = _object(results, f"{where}.results")
        for key in ("generatedImages", "failedImages"):
            images = results.get(key, [])
            if not isinstance(images, list) or len(images) > MAX_IMAGES:
                raise _Invalid(f"{where}.results.{key} must be a list of at most {MAX_IMAGES}")
            for i, image in enumerate(images):
                _object(image, f"{where}.results.{key}[{i}]")
    return body


def _steps(value: Any) -> tuple[tuple[Step, ...], int]:
    """The timeline's steps and the server time of the first one."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_STEPS:
        raise _Invalid(f"timeline must be a list of 1-{MAX_STEPS} steps")
    steps: list[Step] = []
    origin = last = 0
    for i, raw in enumerate(value):
        where = f"timeline[{i}]"
        step = _object(raw, where)
        at = parse_time(step.get("serverTime"))
        if at is None:
            raise _Invalid(f"{where}.serverTime must be an ISO-8601 time with a zone")
        if i == 0:
            origin = last = at
        if at < last:
            raise _Invalid(f"{where}.serverTime goes back in time")
        if at - origin > MAX_SPAN_MS:
            raise _Invalid(f"{where}: the timeline spans more than 7 days")
        body = _body(step.get("body"), f"{where}.body")
        steps.append(Step(at - origin, body["status"], body))
        last = at
    return _spread(steps), origin


def _spread(steps: list[Step]) -> tuple[Step, ...]:
    """Steps seen within one tick of ``Date`` (a second) spread evenly over it, so each shows.

    ``Date`` has a resolution of one second; states a recording saw within one second carry
    the same time, and replayed as they are, all but the last would never be visible.
    """
    out: list[Step] = []
    i = 0
    while i < len(steps):
        j = i
        while j + 1 < len(steps) and steps[j + 1].offset_ms == steps[i].offset_ms:
            j += 1
        at = steps[i].offset_ms
        room = min(1000, steps[j + 1].offset_ms - at) if j + 1 < len(steps) else 1000
        count = j - i + 1
        out.extend(
            replace(step, offset_ms=at + k * room // count)
            for k, step in enumerate(steps[i : j + 1])
        )
        i = j + 1
    return tuple(out)


def _checked_path(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """The steps as a job can go: pending, processing, then final; only the first final body
    counts (a final state never changes). One cancel the service did not honour (D1: cancelled,
    then processing again) is allowed, since the mock can replay one."""
    if steps[-1].status not in TERMINAL:
        raise _Invalid(
            f"the last step must be final (completed, failed or cancelled), got {steps[-1].status}"
        )
    final = len(steps) - 1
    while final > 0 and steps[final - 1].status == steps[-1].status:
        final -= 1  # back to the first body of the final state
    kept = steps[: final + 1]
    windows = 0
    started = False
    for i, step in enumerate(kept[:-1]):
        if step.status == PENDING and started:
            raise _Invalid(f"timeline[{i}] is pending again after the job started")
        if step.status in TERMINAL and step.status != CANCELLED:
            raise _Invalid(f"timeline[{i}] is {step.status} before the end")
        if step.status in TERMINAL and kept[i + 1].status != CANCELLED:
            windows += 1
        started = started or step.status != PENDING
    if windows > 1:
        raise _Invalid("more than one cancel that did not hold (D1): only one can be replayed")
    return kept


def _cassette(name: str, path: str, data: Any) -> Cassette:
    _check_tree(data)
    top = _object(data, "the document")
    unknown = sorted(set(top) - _TOP_KEYS)
    if unknown:
        raise _Invalid(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_TOP_KEYS))})")
    if top.get("format") != CASSETTE_FORMAT:
        raise _Invalid(f"format must be {CASSETTE_FORMAT!r}, got {top.get('format')!r}")
    if top.get("version") != CASSETTE_VERSION:
        raise _Invalid(
            f"version {top.get('version')!r} is not supported (this server reads version "
            f"{CASSETTE_VERSION})"
        )
    job = _object(top.get("job"), "job")
    job_id = _text(job.get("jobId"), "job.jobId")
    character_id = job.get("characterId")
    if character_id is not None:
        character_id = _text(character_id, "job.characterId")
    request = top.get("request")
    if request is not None:
        request = _object(_object(request, "request").get("body", {}), "request.body")
    steps, origin = _steps(top.get("timeline"))
    steps = _checked_path(steps)
    return Cassette(name, path, job_id, character_id, request, steps, origin)
