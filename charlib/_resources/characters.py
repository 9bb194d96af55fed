"""``client.characters``: character CRUD, the master reference image, and generation starts.

Module functions build each request (validation, body, retry mode) without I/O;
:class:`Characters` and :class:`AsyncCharacters` only send and wrap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from charlib._config import CORE_SET_TIMEOUT
from charlib._exceptions import (
    APIStatusError,
    ConflictError,
    InternalServerError,
    InvalidParameterError,
)
from charlib._job import AsyncJob, Job
from charlib._models import (
    Character,
    CharacterPage,
    CoreSetResult,
    DeleteResult,
    InitialImage,
    JobAccepted,
    JobStatus,
    Pagination,
    ReferenceImage,
)
from charlib._pagination import PageCursor
from charlib._params import (
    check_int,
    check_quality_threshold,
    check_str,
    check_str_list,
    compact,
    idempotency,
    jsonable,
    path_segment,
    warn_caller,
)
from charlib._polling import PollPolicy
from charlib._request import RequestSpec
from charlib._response import model_parser
from charlib._retry import RetryMode
from charlib._signature import takes
from charlib._types import NOT_GIVEN, NotGiven
from charlib._wait_options import WaitOptions
from charlib._waiting import DEFAULT_WAIT_TIMEOUT, ProgressCallback, check_wait_options

if TYPE_CHECKING:
    from charlib._client import AsyncClient, Client
    from charlib._display import ProgressBar

__all__ = ["AsyncCharacters", "Characters"]

_ROOT = "api/v1/characters"
MAX_IMAGE_COUNT = 27

_CORE_SET_DEPRECATION = (
    "generate_core_set() calls the legacy blocking route (15-30 minutes, never retried); "
    "use generate_360_set() and wait for the job instead"
)


def _path(character_id: str, suffix: str = "") -> str:
    return f"{_ROOT}/{path_segment('character_id', character_id)}{suffix}"


def _fields_body(fields: Mapping[str, Any]) -> Any:
    return jsonable(compact(fields))


def create_spec(
    name: str, idempotency_key: str | NotGiven | None, fields: Mapping[str, Any]
) -> RequestSpec[Character]:
    """``POST /api/v1/characters``."""
    if not check_str("name", name).strip():
        raise InvalidParameterError("name", "must not be empty")
    key, mode = idempotency(idempotency_key)
    body = _fields_body({"name": name, **fields})
    return RequestSpec(
        "POST", _ROOT, model_parser(Character), json=body, mode=mode, idempotency_key=key
    )


def get_spec(character_id: str) -> RequestSpec[Character]:
    """``GET /api/v1/characters/{id}``."""
    return RequestSpec("GET", _path(character_id), model_parser(Character))


def list_spec(
    *,
    search: str | NotGiven = NOT_GIVEN,
    page: int | NotGiven = NOT_GIVEN,
    limit: int | NotGiven = NOT_GIVEN,
) -> RequestSpec[CharacterPage]:
    """``GET /api/v1/characters``: the parameters of ``Characters.list``.

    Args:
        search: case-insensitive substring of the name or slug.
        page: 1-based page number (server default 1).
        limit: page size (server default 10).
    """
    params: dict[str, str | int] = {}
    if not isinstance(search, NotGiven):
        params["search"] = check_str("search", search)
    if not isinstance(page, NotGiven):
        params["page"] = check_int("page", page, minimum=1)
    if not isinstance(limit, NotGiven):
        params["limit"] = check_int("limit", limit, minimum=1)
    return RequestSpec("GET", _ROOT, model_parser(CharacterPage), params=params)


#: Page size of the search behind :meth:`Characters.find` (the largest the service allows).
FIND_PAGE_SIZE = 100


def derive_character_id(name: str) -> str:
    """The ``characterId`` the service derives from ``name`` when none is given (CONTRACT §3):
    lower case, every run of characters other than ``a-z``/``0-9`` turned into one ``-``,
    no ``-`` at either end. ``"Ada Lovelace"`` → ``"ada-lovelace"``."""
    return re.sub(r"[^a-z0-9]+", "-", check_str("name", name).lower()).strip("-")


def wanted_character_id(name: str, fields: Mapping[str, Any]) -> str:
    """The ``characterId`` a create with these arguments would get: the one given, or derived."""
    given = fields.get("character_id")
    return check_str("character_id", given) if given is not None else derive_character_id(name)


def find_spec(character_id: str, page: int) -> RequestSpec[CharacterPage]:
    """One page of the search that :meth:`Characters.find` runs for ``character_id``."""
    return list_spec(
        search=check_str("character_id", character_id), page=page, limit=FIND_PAGE_SIZE
    )


def search_page(cursor: PageCursor, page: CharacterPage, character_id: str) -> Character | None:
    """Record a page of the search in ``cursor`` (the pagination rule of every listing) and
    return its character whose ``characterId`` is exactly ``character_id``, if any: the search
    matches substrings of names and ids, case-insensitively."""
    info = Pagination(
        total_docs=page.total_docs,
        limit=page.limit,
        page=page.page or cursor.page,
        total_pages=page.total_pages,
        has_next_page=page.has_next_page,
    )
    fresh = cursor.take(info, page.docs, key=lambda character: character.id)
    return next((c for c in fresh if c.character_id == character_id), None)


def created_meanwhile(error: APIStatusError) -> bool:
    """Whether a failed create may mean the character exists already: 409, or the live
    service's 500 for any create failure (D25)."""
    return isinstance(error, ConflictError | InternalServerError)


def update_spec(character_id: str, fields: Mapping[str, Any]) -> RequestSpec[Character]:
    """``PATCH /api/v1/characters/{id}`` (re-sending the same fields is harmless: retried)."""
    return RequestSpec(
        "PATCH", _path(character_id), model_parser(Character), json=_fields_body(fields)
    )


def delete_spec(character_id: str) -> RequestSpec[DeleteResult]:
    """``DELETE /api/v1/characters/{id}``."""
    return RequestSpec("DELETE", _path(character_id), model_parser(DeleteResult))


def set_reference_image_spec(
    character_id: str,
    *,
    media_id: str | NotGiven = NOT_GIVEN,
    image_url: str | NotGiven = NOT_GIVEN,
    metadata: Mapping[str, Any] | NotGiven = NOT_GIVEN,
) -> RequestSpec[ReferenceImage]:
    """``PUT /api/v1/characters/{id}/reference-image``: the parameters of
    ``Characters.set_reference_image``."""
    if isinstance(media_id, NotGiven) and isinstance(image_url, NotGiven):
        raise InvalidParameterError("media_id", "either media_id or image_url is required")
    if not isinstance(media_id, NotGiven):
        check_str("media_id", media_id)
    if not isinstance(image_url, NotGiven):
        check_str("image_url", image_url)
    if not isinstance(metadata, NotGiven) and not isinstance(metadata, Mapping):
        raise InvalidParameterError("metadata", "must be a mapping")
    meta = NOT_GIVEN if isinstance(metadata, NotGiven) else compact(metadata, within="metadata")
    body = _fields_body({"media_id": media_id, "image_url": image_url, "metadata": meta})
    return RequestSpec(
        "PUT", _path(character_id, "/reference-image"), model_parser(ReferenceImage), json=body
    )


def get_reference_image_spec(character_id: str) -> RequestSpec[ReferenceImage]:
    """``GET /api/v1/characters/{id}/reference-image``."""
    return RequestSpec("GET", _path(character_id, "/reference-image"), model_parser(ReferenceImage))


def delete_reference_image_spec(character_id: str) -> RequestSpec[ReferenceImage]:
    """``DELETE /api/v1/characters/{id}/reference-image``."""
    return RequestSpec(
        "DELETE", _path(character_id, "/reference-image"), model_parser(ReferenceImage)
    )


def generate_initial_image_spec(
    character_id: str,
    *,
    prompt: str,
    style: str | NotGiven = NOT_GIVEN,
    width: int | NotGiven = NOT_GIVEN,
    height: int | NotGiven = NOT_GIVEN,
    idempotency_key: str | NotGiven | None = NOT_GIVEN,
) -> RequestSpec[InitialImage]:
    """``POST /api/v1/characters/{id}/generate-initial-image``: the parameters of
    ``Characters.generate_initial_image``."""
    if not check_str("prompt", prompt).strip():
        raise InvalidParameterError("prompt", "must not be empty")
    if not isinstance(style, NotGiven):
        check_str("style", style)
    if not isinstance(width, NotGiven):
        check_int("width", width, minimum=1)
    if not isinstance(height, NotGiven):
        check_int("height", height, minimum=1)
    key, mode = idempotency(idempotency_key)
    body = _fields_body({"prompt": prompt, "style": style, "width": width, "height": height})
    return RequestSpec(
        "POST",
        _path(character_id, "/generate-initial-image"),
        model_parser(InitialImage),
        json=body,
        mode=mode,
        idempotency_key=key,
    )


class GenerationOptions(TypedDict, total=False):
    """The options of ``generate_360_set`` that shape the job, as keywords of a function that
    passes them on (``record_new_job``); one left out is not sent."""

    style: str
    quality_threshold: float
    image_count: int
    max_retries: int
    angles: Sequence[str]
    custom_seed: int


def generate_360_set_body(
    style: str | NotGiven = NOT_GIVEN,
    quality_threshold: float | NotGiven = NOT_GIVEN,
    image_count: int | NotGiven = NOT_GIVEN,
    max_retries: int | NotGiven = NOT_GIVEN,
    angles: Sequence[str] | NotGiven = NOT_GIVEN,
    custom_seed: int | NotGiven = NOT_GIVEN,
) -> dict[str, object]:
    """The validated camelCase body of ``generate-360-set`` (``{}`` when nothing is given).

    The arguments are those of :meth:`Characters.generate_360_set`, in its order."""
    if not isinstance(style, NotGiven):
        check_str("style", style)
    if not isinstance(quality_threshold, NotGiven):
        check_quality_threshold(quality_threshold)
    if not isinstance(image_count, NotGiven):
        check_int("image_count", image_count, minimum=1, maximum=MAX_IMAGE_COUNT)
    if not isinstance(max_retries, NotGiven):
        check_int("max_retries", max_retries, minimum=1)
    checked_angles: list[str] | NotGiven = NOT_GIVEN
    if not isinstance(angles, NotGiven):
        checked_angles = check_str_list("angles", angles)
    if not isinstance(custom_seed, NotGiven):
        check_int("custom_seed", custom_seed)
    return compact(
        {
            "style": style,
            "quality_threshold": quality_threshold,
            "image_count": image_count,
            "max_retries": max_retries,
            "angles": checked_angles,
            "custom_seed": custom_seed,
        }
    )


def generate_360_set_spec(
    character_id: str,
    *,
    style: str | NotGiven = NOT_GIVEN,
    quality_threshold: float | NotGiven = NOT_GIVEN,
    image_count: int | NotGiven = NOT_GIVEN,
    max_retries: int | NotGiven = NOT_GIVEN,
    angles: Sequence[str] | NotGiven = NOT_GIVEN,
    custom_seed: int | NotGiven = NOT_GIVEN,
    idempotency_key: str | NotGiven | None = NOT_GIVEN,
) -> RequestSpec[JobAccepted]:
    """The parameters of ``Characters.generate_360_set``: its request.

    Args:
        character_id: the character (it needs a master reference image).
        style: stored by the server, not used for generation.
        quality_threshold: 0-100 (advisory); a value strictly between 0 and 1 is sent but
            warns (``UserWarning``): it looks like a fraction meant as a percentage.
        image_count: 1-27 shots.
        max_retries: attempts per shot on the server (>= 1); unrelated to the client's
            ``max_retries``.
        angles: stored by the server only.
        custom_seed: any integer, 0 included.
        idempotency_key: default: a fresh uuid4 per call, so retries never start a second
            job; ``None`` sends none (then retried only if the request never left).
    """
    body = generate_360_set_body(
        style, quality_threshold, image_count, max_retries, angles, custom_seed
    )
    return start_360_set_spec(character_id, body, idempotency_key)


def generate_360_set_and_wait_call(
    character_id: str,
    *,
    style: str | NotGiven = NOT_GIVEN,
    quality_threshold: float | NotGiven = NOT_GIVEN,
    image_count: int | NotGiven = NOT_GIVEN,
    max_retries: int | NotGiven = NOT_GIVEN,
    angles: Sequence[str] | NotGiven = NOT_GIVEN,
    custom_seed: int | NotGiven = NOT_GIVEN,
    idempotency_key: str | NotGiven | None = NOT_GIVEN,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll: PollPolicy | float | None = None,
    on_progress: ProgressCallback | None = None,
    progress: bool | ProgressBar = False,
    cancel_on_timeout: bool = False,
    raise_on_partial: bool = False,
) -> tuple[RequestSpec[JobAccepted], WaitOptions]:
    """The parameters of ``Characters.generate_360_set_and_wait``: those of
    ``generate_360_set`` and of ``Jobs.wait`` after the job."""
    body = generate_360_set_body(
        style, quality_threshold, image_count, max_retries, angles, custom_seed
    )
    wait = WaitOptions(timeout, poll, on_progress, progress, cancel_on_timeout, raise_on_partial)
    return start_360_set_spec(character_id, body, idempotency_key), wait


def start_360_set_spec(
    character_id: str, body: dict[str, object], idempotency_key: str | NotGiven | None
) -> RequestSpec[JobAccepted]:
    """``POST /api/v1/characters/{id}/generate-360-set`` with a checked body."""
    path = _path(character_id, "/generate-360-set")
    key, mode = idempotency(idempotency_key)
    return RequestSpec(
        "POST", path, model_parser(JobAccepted), json=body, mode=mode, idempotency_key=key
    )


def generate_core_set_spec(
    character_id: str,
    *,
    custom_seed: int | NotGiven = NOT_GIVEN,
    quality_threshold: float | NotGiven = NOT_GIVEN,
    max_retries: int | NotGiven = NOT_GIVEN,
    include_addon_shots: bool | NotGiven = NOT_GIVEN,
) -> RequestSpec[CoreSetResult]:
    """``POST /api/v1/characters/{id}/generate-core-set`` (the parameters of
    ``Characters.generate_core_set``): long timeout, never retried."""
    if not isinstance(custom_seed, NotGiven):
        check_int("custom_seed", custom_seed)
    if not isinstance(quality_threshold, NotGiven):
        check_quality_threshold(quality_threshold)
    if not isinstance(max_retries, NotGiven):
        check_int("max_retries", max_retries, minimum=1)
    if not isinstance(include_addon_shots, NotGiven) and not isinstance(include_addon_shots, bool):
        raise InvalidParameterError("include_addon_shots", "must be a bool")
    body = compact(
        {
            "custom_seed": custom_seed,
            "quality_threshold": quality_threshold,
            "max_retries": max_retries,
            "include_addon_shots": include_addon_shots,
        }
    )
    return RequestSpec(
        "POST",
        _path(character_id, "/generate-core-set"),
        model_parser(CoreSetResult),
        json=body,
        mode=RetryMode.NEVER,
        timeout=CORE_SET_TIMEOUT,
    )


class Characters:
    """Characters (``client.characters``)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self, *, name: str, idempotency_key: str | NotGiven | None = NOT_GIVEN, **fields: Any
    ) -> Character:
        """Create a character.

        Args:
            name: required display name.
            idempotency_key: sent as ``Idempotency-Key``; default: a fresh uuid4 per call (reused
                by its retries). ``None`` sends none, and the POST is then retried only if it
                never reached the server.
            **fields: other character fields in snake_case (``character_id``, ``status``,
                ``age``, ``eye_color``, ...); sent camelCase.

        Returns:
            The created :class:`Character` (``.id`` is its id).
        """
        return self._client._request(create_spec(name, idempotency_key, fields))

    def get(self, character_id: str) -> Character:
        """Fetch a character by its id (the 24-hex ObjectId, not the slug).

        Raises:
            NotFoundError: no such character (the live service may answer 500 instead: then
                ``InternalServerError``).
        """
        return self._client._request(get_spec(character_id))

    @takes(list_spec)
    def list(self, *args: Any, **kwargs: Any) -> CharacterPage:
        """Fetch one page of characters, newest first."""
        return self._client._request(list_spec(*args, **kwargs))

    def find(self, *, character_id: str) -> Character | None:
        """The character whose ``characterId`` (the slug, not the ``id``) is exactly this.

        Searches the list endpoint and keeps the exact match only (its search matches
        substrings). ``characterId`` is unique, and derived from the name when a character is
        created without one (``"Ada Lovelace"`` → ``"ada-lovelace"``).

        Returns:
            The :class:`Character`, or ``None`` when there is none.
        """
        cursor = PageCursor()
        while not cursor.done:
            page = self._client._request(find_spec(character_id, cursor.page))
            if (match := search_page(cursor, page, character_id)) is not None:
                return match
        return None

    def get_or_create(
        self, *, name: str, idempotency_key: str | NotGiven | None = NOT_GIVEN, **fields: Any
    ) -> Character:
        """The character with the ``characterId`` this create would give; created if missing.

        Makes scripts safe to run again: a second run finds what the first created instead of
        failing on the duplicate ``characterId`` (409; the live service answers 500). An existing
        character is returned as it is (``fields`` are not applied to it). If another process
        creates it between the search and the create, that one is returned.

        Args:
            name: the display name; the ``characterId`` is derived from it unless
                ``character_id`` is among ``fields``.
            idempotency_key: as for :meth:`create`.
            **fields: as for :meth:`create`.
        """
        wanted = wanted_character_id(name, fields)
        if wanted and (found := self.find(character_id=wanted)) is not None:
            return found
        try:
            return self.create(name=name, idempotency_key=idempotency_key, **fields)
        except APIStatusError as error:
            retry = wanted and created_meanwhile(error)
            found = self.find(character_id=wanted) if retry else None
            if found is None:
                raise
            return found

    def update(self, character_id: str, **fields: Any) -> Character:
        """Update some fields of a character (snake_case names, sent camelCase).

        Returns:
            The updated :class:`Character`.
        """
        return self._client._request(update_spec(character_id, fields))

    def delete(self, character_id: str) -> DeleteResult:
        """Delete a character."""
        return self._client._request(delete_spec(character_id))

    @takes(set_reference_image_spec)
    def set_reference_image(self, *args: Any, **kwargs: Any) -> ReferenceImage:
        """Set the character's master reference image (give ``media_id`` or ``image_url``).

        Raises:
            InvalidParameterError: neither ``media_id`` nor ``image_url`` was given.
        """
        return self._client._request(set_reference_image_spec(*args, **kwargs))

    def get_reference_image(self, character_id: str) -> ReferenceImage:
        """Read the character's master reference image."""
        return self._client._request(get_reference_image_spec(character_id))

    def delete_reference_image(self, character_id: str) -> ReferenceImage:
        """Reset the master reference image and everything derived from it (gallery, flags)."""
        return self._client._request(delete_reference_image_spec(character_id))

    @takes(generate_initial_image_spec)
    def generate_initial_image(self, *args: Any, **kwargs: Any) -> InitialImage:
        """Generate an image from ``prompt`` and attach it as the master reference.

        This is the simplest way to satisfy the master-reference precondition of
        :meth:`generate_360_set`. Generation can take a while: consider
        ``client.with_options(timeout=120)``.
        """
        return self._client._request(generate_initial_image_spec(*args, **kwargs))

    @takes(generate_360_set_spec)
    def generate_360_set(self, *args: Any, **kwargs: Any) -> Job:
        """Start the background job that generates the 360° reference set.

        Only given arguments are sent; an explicit ``0`` is sent as ``0``.

        Returns:
            A :class:`Job` handle.

        Raises:
            InvalidParameterError: an argument is out of range (nothing was sent).
            MasterReferenceRequiredError: the character has no usable master reference.
            NotFoundError: no such character.
        """
        return self._start(generate_360_set_spec(*args, **kwargs))

    def _start(self, spec: RequestSpec[JobAccepted]) -> Job:
        return Job(self._client, self._client._request(spec))

    @takes(generate_360_set_and_wait_call)
    def generate_360_set_and_wait(self, *args: Any, **kwargs: Any) -> JobStatus:
        """Start a 360° set and wait for it: :meth:`generate_360_set`, then ``Job.wait``.

        Takes the arguments of both. On ``WaitTimeoutError`` the job goes on (unless
        ``cancel_on_timeout``); ``error.job_id`` resumes it.
        """
        spec, wait = generate_360_set_and_wait_call(*args, **kwargs)
        check_wait_options(wait, asynchronous=False)  # before a job is started, not after
        return self._start(spec)._wait(wait)

    @takes(generate_core_set_spec)
    def generate_core_set(self, *args: Any, **kwargs: Any) -> CoreSetResult:
        """Deprecated: run the legacy blocking core-set generation (15-30 minutes).

        Emits ``DeprecationWarning``. Uses a 45-minute timeout and is never retried (a retry
        would start a second full generation). Prefer :meth:`generate_360_set`.
        """
        warn_caller(_CORE_SET_DEPRECATION, DeprecationWarning)
        return self._client._request(generate_core_set_spec(*args, **kwargs))


class AsyncCharacters:
    """Characters (``client.characters`` of an :class:`~charlib.AsyncClient`)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self, *, name: str, idempotency_key: str | NotGiven | None = NOT_GIVEN, **fields: Any
    ) -> Character:
        """Same as :meth:`Characters.create`, awaited."""
        return await self._client._request(create_spec(name, idempotency_key, fields))

    async def get(self, character_id: str) -> Character:
        """Same as :meth:`Characters.get`, awaited."""
        return await self._client._request(get_spec(character_id))

    @takes(list_spec)
    async def list(self, *args: Any, **kwargs: Any) -> CharacterPage:
        """Same as :meth:`Characters.list`, awaited."""
        return await self._client._request(list_spec(*args, **kwargs))

    async def find(self, *, character_id: str) -> Character | None:
        """Same as :meth:`Characters.find`, awaited."""
        cursor = PageCursor()
        while not cursor.done:
            page = await self._client._request(find_spec(character_id, cursor.page))
            if (match := search_page(cursor, page, character_id)) is not None:
                return match
        return None

    async def get_or_create(
        self, *, name: str, idempotency_key: str | NotGiven | None = NOT_GIVEN, **fields: Any
    ) -> Character:
        """Same as :meth:`Characters.get_or_create`, awaited."""
        wanted = wanted_character_id(name, fields)
        if wanted and (found := await self.find(character_id=wanted)) is not None:
            return found
        try:
            return await self.create(name=name, idempotency_key=idempotency_key, **fields)
        except APIStatusError as error:
            retry = wanted and created_meanwhile(error)
            found = await self.find(character_id=wanted) if retry else None
            if found is None:
                raise
            return found

    async def update(self, character_id: str, **fields: Any) -> Character:
        """Same as :meth:`Characters.update`, awaited."""
        return await self._client._request(update_spec(character_id, fields))

    async def delete(self, character_id: str) -> DeleteResult:
        """Same as :meth:`Characters.delete`, awaited."""
        return await self._client._request(delete_spec(character_id))

    @takes(set_reference_image_spec)
    async def set_reference_image(self, *args: Any, **kwargs: Any) -> ReferenceImage:
        """Same as :meth:`Characters.set_reference_image`, awaited."""
        return await self._client._request(set_reference_image_spec(*args, **kwargs))

    async def get_reference_image(self, character_id: str) -> ReferenceImage:
        """Same as :meth:`Characters.get_reference_image`, awaited."""
        return await self._client._request(get_reference_image_spec(character_id))

    async def delete_reference_image(self, character_id: str) -> ReferenceImage:
        """Same as :meth:`Characters.delete_reference_image`, awaited."""
        return await self._client._request(delete_reference_image_spec(character_id))

    @takes(generate_initial_image_spec)
    async def generate_initial_image(self, *args: Any, **kwargs: Any) -> InitialImage:
        """Same as :meth:`Characters.generate_initial_image`, awaited."""
        return await self._client._request(generate_initial_image_spec(*args, **kwargs))

    @takes(generate_360_set_spec)
    async def generate_360_set(self, *args: Any, **kwargs: Any) -> AsyncJob:
        """Same as :meth:`Characters.generate_360_set`, awaited; returns an :class:`AsyncJob`."""
        return await self._start(generate_360_set_spec(*args, **kwargs))

    async def _start(self, spec: RequestSpec[JobAccepted]) -> AsyncJob:
        return AsyncJob(self._client, await self._client._request(spec))

    @takes(generate_360_set_and_wait_call)
    async def generate_360_set_and_wait(self, *args: Any, **kwargs: Any) -> JobStatus:
        """Same as :meth:`Characters.generate_360_set_and_wait`, awaited."""
        spec, wait = generate_360_set_and_wait_call(*args, **kwargs)
        check_wait_options(wait, asynchronous=True)  # before a job is started, not after
        job = await self._start(spec)
        return await job._wait(wait)

    @takes(generate_core_set_spec)
    async def generate_core_set(self, *args: Any, **kwargs: Any) -> CoreSetResult:
        """Deprecated: same as :meth:`Characters.generate_core_set`, awaited."""
        warn_caller(_CORE_SET_DEPRECATION, DeprecationWarning)
        return await self._client._request(generate_core_set_spec(*args, **kwargs))
