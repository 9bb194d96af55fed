"""The batch's two runners: they carry out :func:`charlib._batch_flow.batch_flow`'s commands
with a :class:`~charlib.Client` (one call after another) or an :class:`~charlib.AsyncClient`
(a batch of calls, or of polls, at once). Nothing is decided here.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charlib._batch_flow import BatchFlow, Calls, PollJobs
from charlib._batch_ledger import BatchDirectoryError
from charlib._batch_steps import (
    Call,
    Download,
    EnsureCharacter,
    InitialImage,
    ListJobs,
    ReadReference,
    SetReference,
    StartJob,
)
from charlib._exceptions import CharlibError
from charlib._models import JobType
from charlib._types import NOT_GIVEN, NotGiven
from charlib._wait_flow import Sleep, advance

if TYPE_CHECKING:
    from charlib._client import AsyncClient, Client

__all__ = ["run_async", "run_sync"]

_PAGE = 100  # jobs per page when listing a character's jobs
_DOWNLOAD_CONCURRENCY = 4  # images fetched at once per set


def _given(value: str | None) -> str | NotGiven:
    return NOT_GIVEN if value is None else value


def _folder(call: Download) -> Path:
    """The character's folder, refused when it is a link (it would put the set, and whatever
    the service sends, outside the batch directory)."""
    if call.dest.is_symlink():
        raise BatchDirectoryError(call.dest, "is a link: the set is saved only inside the batch")
    return call.dest


def _call(client: Client, call: Call) -> Any:
    """Make one call with the blocking client."""
    characters = client.characters
    if isinstance(call, EnsureCharacter):
        return characters.get_or_create(name=call.name, character_id=call.character_id)
    if isinstance(call, ReadReference):
        return characters.get_reference_image(call.character_oid)
    if isinstance(call, SetReference):
        return characters.set_reference_image(call.character_oid, media_id=call.media_id)
    if isinstance(call, InitialImage):
        return characters.generate_initial_image(
            call.character_oid, prompt=call.prompt, style=_given(call.style)
        )
    if isinstance(call, ListJobs):
        listing = client.jobs.list_all(
            character_id=call.character_oid, job_type=JobType.SET_360, limit=_PAGE
        )
        return list(listing)
    if isinstance(call, StartJob):
        # No retries of its own: a retry after a lost answer starts a second job on a service
        # that ignores the key; the step flow lists the jobs again instead.
        once = client.with_options(max_retries=0).characters
        return once.generate_360_set(
            call.character_oid, idempotency_key=call.idempotency_key, **call.params
        )
    assert isinstance(call, Download)
    return client.jobs.download(call.job_id, _folder(call), concurrency=_DOWNLOAD_CONCURRENCY)


async def _acall(client: AsyncClient, call: Call) -> Any:
    """Same as :func:`_call`, awaited."""
    characters = client.characters
    if isinstance(call, EnsureCharacter):
        return await characters.get_or_create(name=call.name, character_id=call.character_id)
    if isinstance(call, ReadReference):
        return await characters.get_reference_image(call.character_oid)
    if isinstance(call, SetReference):
        return await characters.set_reference_image(call.character_oid, media_id=call.media_id)
    if isinstance(call, InitialImage):
        return await characters.generate_initial_image(
            call.character_oid, prompt=call.prompt, style=_given(call.style)
        )
    if isinstance(call, ListJobs):
        listing = client.jobs.list_all(
            character_id=call.character_oid, job_type=JobType.SET_360, limit=_PAGE
        )
        return [job async for job in listing]
    if isinstance(call, StartJob):
        once = client.with_options(max_retries=0).characters  # as in _call
        return await once.generate_360_set(
            call.character_oid, idempotency_key=call.idempotency_key, **call.params
        )
    assert isinstance(call, Download)
    dest = _folder(call)
    return await client.jobs.download(call.job_id, dest, concurrency=_DOWNLOAD_CONCURRENCY)


def run_sync(client: Client, flow: BatchFlow) -> None:
    """Carry out the flow's commands, one request after another."""
    reply: object = None
    try:
        while (command := advance(flow, reply)) is not None:  # type: ignore[arg-type]
            reply = None
            if isinstance(command, Calls):
                reply = [_outcome(_call, client, call) for _, call in command.items]
            elif isinstance(command, PollJobs):
                reply = [_outcome(_poll, client, job_id) for job_id in command.job_ids]
            else:
                assert isinstance(command, Sleep)
                client.clock.sleep(command.seconds)
    finally:
        flow.close()


def _poll(client: Client, job_id: str) -> Any:
    return client.jobs.get(job_id)


def _outcome(function: Any, client: Any, argument: Any) -> Any:
    try:
        return function(client, argument)
    except (CharlibError, OSError) as error:
        return error


async def _aoutcome(function: Any, client: Any, argument: Any) -> Any:
    try:
        return await function(client, argument)
    except (CharlibError, OSError) as error:
        return error


async def _apoll(client: AsyncClient, job_id: str) -> Any:
    return await client.jobs.get(job_id)


async def run_async(client: AsyncClient, flow: BatchFlow) -> None:
    """Carry out the flow's commands, each batch of calls or polls at once (a batch holds at
    most one call per character in hand, so ``max_active`` bounds it)."""
    reply: object = None
    try:
        while (command := advance(flow, reply)) is not None:  # type: ignore[arg-type]
            reply = None
            if isinstance(command, Calls):
                work = [_aoutcome(_acall, client, call) for _, call in command.items]
                reply = list(await asyncio.gather(*work))
            elif isinstance(command, PollJobs):
                polls = [_aoutcome(_apoll, client, job_id) for job_id in command.job_ids]
                reply = list(await asyncio.gather(*polls))
            else:
                assert isinstance(command, Sleep)
                await client.clock.asleep(command.seconds)
    finally:
        flow.close()
